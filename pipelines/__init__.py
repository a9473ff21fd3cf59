"""Scheduled extraction pipelines built on the medkg library."""
