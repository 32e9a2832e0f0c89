"""`python -m deploy.native run|fetch`: what `make run` and `make install` call."""

import argparse
import sys
from pathlib import Path

from deploy.native.run import fetch, run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m deploy.native", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start Redis, Meilisearch and the services; load the demo")
    commands.add_parser("fetch", help="install the Meilisearch binary into .cache/")
    args = parser.parse_args(argv)
    # The repository root is where `make` runs us: .data/ and .cache/ live there.
    root = Path.cwd()
    return run(root) if args.command == "run" else fetch(root)


if __name__ == "__main__":
    sys.exit(main())
