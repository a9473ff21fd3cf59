"""The named Cypher queries, installed as the resource package kg._queries (see kg/packaged.py)."""
