"""The `ontheme` command line: operator tools for a running pipeline."""
