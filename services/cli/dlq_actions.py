"""What `ontheme dlq` does: list, show, replay and drop dead letters, one function each."""

import argparse
import asyncio
import json
from collections import Counter

from services.cli import dlq_store as store

# A module, not its names: main imports the dlq modules before it defines echo and fail.
from services.cli import main as cli
from services.cli.dlq_store import Dlq
from services.cli.dlq_view import (
    Filters,
    Letter,
    collect,
    header_line,
    letter_json,
    list_line,
    replay_problem,
    short_stream,
    show_lines,
    summary_line,
)
from shared.contracts.wire import encode


def run_list(args: argparse.Namespace, dlq: Dlq) -> int:
    """Print the newest matching dead letters and the counts."""
    total = store.length(dlq.client, dlq.key)
    letters = store.scan(dlq.client, dlq.key, newest_first=True)
    listing = collect(letters, Filters(args.service, args.stream), dlq.streams, args.limit)
    if args.json:
        shown = [letter_json(letter) for letter in listing.shown]
        by_service = dict(sorted(listing.by_service.items()))
        document = {"total": total, "matching": listing.matching, "by_service": by_service}
        cli.echo(json.dumps({**document, "dead_letters": shown}, ensure_ascii=False))
        return 0
    if listing.shown:
        cli.echo(header_line())
    for letter in listing.shown:
        cli.echo(list_line(letter, dlq.streams))
    cli.echo(summary_line(listing, total))
    return 0


def run_show(args: argparse.Namespace, dlq: Dlq) -> int:
    """Print one dead letter in full."""
    letter = store.fetch(dlq.client, dlq.key, args.id)
    if letter is None:
        cli.fail(f"no dead letter {args.id}")
        return 1
    if args.json:
        cli.echo(json.dumps(letter_json(letter), ensure_ascii=False))
        return 0
    for line in show_lines(letter):
        cli.echo(line)
    return 0


def run_replay(args: argparse.Namespace, dlq: Dlq) -> int:
    """Replay the chosen letters one by one, refusing those that cannot be replayed."""
    letters, missing = _select(args, dlq)
    outcomes = Counter(_replay_one(letter, dlq, dry_run=args.dry_run) for letter in letters)
    outcomes["missing"] += missing
    verb = "would replay" if args.dry_run else "replayed"
    gone = f", not found {outcomes['missing']}" if outcomes["missing"] else ""
    cli.echo(f"{verb} {outcomes['replayed']}, refused {outcomes['refused']}{gone}")
    return 1 if outcomes["refused"] or outcomes["missing"] else 0


def run_drop(args: argparse.Namespace, dlq: Dlq) -> int:
    """Delete the chosen letters; all of them only with --yes."""
    letters, missing = _select(args, dlq)
    ids = [letter.entry_id for letter in letters]
    if args.all and ids and not args.yes:
        cli.fail(f"would drop {len(ids)} dead letters; add --yes to drop them")
        return 1
    dropped = store.drop(dlq.client, dlq.key, ids)
    for entry_id, done in zip(ids, dropped, strict=True):
        if done:
            cli.echo(f"dropped {entry_id}")
        else:  # deleted by someone else since it was read
            cli.fail(f"no dead letter {entry_id}")
    cli.echo(f"dropped {sum(dropped)}")
    return 0 if missing == 0 and all(dropped) else 1


def _replay_one(letter: Letter, dlq: Dlq, *, dry_run: bool) -> str:
    problem, event = replay_problem(letter, dlq.streams), letter.event
    if problem is not None or event is None:
        cli.fail(f"refused {letter.entry_id}: {problem}")
        return "refused"
    target = short_stream(event.stream, dlq.streams)
    if dry_run:
        cli.echo(f"would replay {letter.entry_id} to {target}")
        return "replayed"
    # Back with the trace id it had, so the article's log lines still share one id.
    original = asyncio.run(encode(event.original.encode(), event.trace_id))
    new_id = store.replay(dlq.client, dlq.key, letter.entry_id, event.stream, original)
    if new_id is None:  # deleted by someone else since it was read
        cli.fail(f"no dead letter {letter.entry_id}")
        return "missing"
    cli.echo(f"replayed {letter.entry_id} to {target} as {new_id}")
    return "replayed"


def _select(args: argparse.Namespace, dlq: Dlq) -> tuple[list[Letter], int]:
    """The letters named, oldest first with --all; report and count the ids not found."""
    if args.all:
        # Read in full before acting: letters that fail again while we replay are new
        # entries, left for the next run rather than replayed in a loop.
        wanted = Filters(args.service, args.stream)
        letters = store.scan(dlq.client, dlq.key, newest_first=False)
        return [letter for letter in letters if wanted.accepts(letter, dlq.streams)], 0
    found, missing = [], 0
    for entry_id in dict.fromkeys(args.ids):
        letter = store.fetch(dlq.client, dlq.key, entry_id)
        if letter is None:
            cli.fail(f"no dead letter {entry_id}")
            missing += 1
        else:
            found.append(letter)
    return found, missing
