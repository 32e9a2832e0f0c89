"""The search service's HTTP routes, one module per resource; app.py includes them all."""
