"""Argument types the `ontheme` commands share."""

import argparse
from collections.abc import Callable


def bounded(low: int, high: int | None = None) -> Callable[[str], int]:
    """Return an argparse type: an integer of at least `low` (and at most `high`)."""

    def number(value: str) -> int:
        parsed = int(value)
        if parsed < low or (high is not None and parsed > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return parsed

    return number
