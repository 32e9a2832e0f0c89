"""The ontheme services (and the `ontheme` command); each runs with `python -m services.<name>`."""
