"""The five ontheme services; each is a package runnable with `python -m services.<name>`."""
