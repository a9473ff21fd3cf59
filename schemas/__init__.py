"""The graph schemas, installed as the resource package kg._schemas (see kg/packaged.py)."""
