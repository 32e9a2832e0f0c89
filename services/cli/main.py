"""`ontheme COMMAND ...`: each command module has `add_parser`, which sets `run` on its parser."""

import argparse
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from services.cli import dlq, ingest, reindex
from shared.runtime.logging import configure_logging

Command = Callable[[argparse.Namespace], int]
COMMANDS = (dlq, ingest, reindex)


def parser() -> argparse.ArgumentParser:
    """Return the parser of every command."""
    top = argparse.ArgumentParser(prog="ontheme", description="Operate an ontheme pipeline.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; settings come from the same environment the services read."""
    args = parser().parse_args(argv)
    configure_logging("cli", "WARNING", "console")
    run: Command = args.run
    try:
        return run(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        fail(f"invalid settings: {problems}")
        return 2


# The command's output is its interface (services log instead); these are its only writers.
def echo(text: str) -> None:
    """Write a line of output."""
    sys.stdout.write(text + "\n")


def fail(text: str) -> None:
    """Write a line to stderr, prefixed with the command's name."""
    sys.stderr.write(f"ontheme: {text}\n")
