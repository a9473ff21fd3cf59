"""The synthetic demo corpus, installed as the resource package kg._demo (see kg/packaged.py)."""
