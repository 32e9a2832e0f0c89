"""`ontheme dlq list|show|replay|drop`: inspect the dead-letter stream, replay or drop entries."""

import argparse
from collections.abc import Callable
from typing import Any

import redis

from services.cli import dlq_actions as actions
from services.cli import dlq_store as store

# Modules, not their names: main and dlq_actions import this module while half-loaded.
from services.cli import main as cli
from services.cli.dlq_store import Dlq
from services.cli.dlq_view import ENTRY_ID
from services.cli.settings import Settings
from shared.contracts.keys import Streams

Action = Callable[[argparse.Namespace, Dlq], int]


def add_parser(commands: Any) -> None:
    """Register `dlq` and its actions."""
    dlq = commands.add_parser("dlq", help="inspect, replay and drop dead letters")
    verbs = dlq.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = verbs.add_parser("list", help="the newest dead letters, with counts")
    listing.add_argument("--limit", type=_positive, default=20, help="show at most N (20)")
    _add_filters(listing)
    listing.add_argument("--json", action="store_true", help="one JSON document")
    listing.set_defaults(run=_with_redis(actions.run_list))
    show = verbs.add_parser("show", help="one dead letter in full")
    show.add_argument("id", type=_entry_id, help="entry id, as `list` shows it")
    show.add_argument("--json", action="store_true", help="one JSON document")
    show.set_defaults(run=_with_redis(actions.run_show))
    replay = verbs.add_parser("replay", help="put originals back on their streams")
    _add_targets(replay)
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed")
    replay.set_defaults(run=_with_redis(actions.run_replay))
    drop = verbs.add_parser("drop", help="delete dead letters")
    _add_targets(drop)
    drop.add_argument("--yes", action="store_true", help="needed to drop with --all")
    drop.set_defaults(run=_with_redis(actions.run_drop))


def _with_redis(action: Action) -> Callable[[argparse.Namespace], int]:
    """Run an action on the configured Redis: usage checked first, Redis failures in a line."""

    def run(args: argparse.Namespace) -> int:
        problem = _usage_problem(args)
        if problem is not None:
            cli.fail(problem)
            return 2
        settings = Settings()
        try:
            client = store.connect(settings.redis_url)
        except ValueError as exc:
            cli.fail(f"invalid REDIS_URL: {exc}")
            return 2
        try:
            return action(args, Dlq(client, Streams(settings.namespace)))
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            cli.fail(f"cannot reach Redis: {exc}")
        except redis.RedisError as exc:
            cli.fail(f"Redis refused: {exc}")
        finally:
            client.close()
        return 1

    return run


def _usage_problem(args: argparse.Namespace) -> str | None:
    if not hasattr(args, "all"):
        return None
    if args.all and args.ids:
        return "give entry IDs or --all, not both"
    if not args.all and not args.ids:
        return "give entry IDs, or --all"
    if args.ids and (args.service or args.stream):
        return "--service and --stream only go with --all"
    return None


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--service", help="only letters from this service")
    parser.add_argument("--stream", help="only letters from this stream (short name or key)")


def _add_targets(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", type=_entry_id, metavar="ID", help="entry ids")
    parser.add_argument("--all", action="store_true", help="every letter (that matches)")
    _add_filters(parser)


def _entry_id(text: str) -> str:
    if not ENTRY_ID.match(text):
        raise argparse.ArgumentTypeError(f"not a stream entry id: {text!r} (like 1700000000000-0)")
    return text


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value
