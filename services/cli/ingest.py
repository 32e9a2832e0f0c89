"""`ontheme ingest PATH`: publish a JSON Lines file of articles, as the API would accept them.

Each line is validated as `POST /articles/batch` validates an item (no web page is fetched:
a line with a url and no title is rejected, as there); valid articles go to Redis in chunks,
each chunk in one atomic script (dedupe and publish), so a re-run accepts nothing twice.
Memory stays flat: nothing is kept of a chunk once it is sent.
"""

import argparse
import asyncio
import zlib
from pathlib import Path
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.cli import main as cli
from services.cli.args import bounded
from services.cli.ingest_file import Rejects, Source, parse_line
from services.cli.ingest_progress import Tally, first_interrupt_stops, progress_bar, show, summary
from services.cli.settings import Settings
from shared.articles.accept import Acceptor
from shared.contracts.events import Article
from shared.contracts.keys import Streams
from shared.runtime.broker import create_redis

PROGRESS_EVERY = 1000  # lines between progress updates (the bar redraws at most every 0.5 s)


def add_parser(commands: Any) -> None:
    """Register `ingest`."""
    sub: argparse.ArgumentParser = commands.add_parser(
        "ingest",
        help="publish a JSON Lines file of articles (gzip'd or not)",
        description="Validate each line as the ingest API does, publish the new articles, "
        "count duplicates, and write rejected lines with their reason to a side file.",
    )
    sub.add_argument("path", type=Path, help="JSON Lines file, one article a line")
    sub.add_argument("--limit", type=bounded(1, None), metavar="N", help="read N lines at most")
    sub.add_argument(
        "--batch",
        type=bounded(1, 10_000),
        default=1000,
        metavar="N",
        help="articles per round trip to Redis (1000)",
    )
    sub.add_argument(
        "--rejects", type=Path, metavar="FILE", help="rejected lines go here (PATH.rejected.jsonl)"
    )
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Ingest the file: 0 when done (rejects included), 1 when Redis failed, 2 on bad usage."""
    rejects_path: Path = args.rejects or args.path.with_name(args.path.name + ".rejected.jsonl")
    if rejects_path.resolve() == args.path.resolve():
        cli.fail("--rejects must not be the file being ingested")
        return 2
    settings = Settings()
    tally = Tally()
    try:
        with Source(args.path) as source, Rejects(rejects_path) as rejects:
            return _run_loop(settings, source, rejects, args, tally)
    except OSError as exc:  # opening the file or clearing the old rejects; later ones are caught
        cli.fail(f"cannot open {exc.filename}: {exc.strerror}")
        return 2


def _run_loop(
    settings: Settings, source: Source, rejects: Rejects, args: argparse.Namespace, tally: Tally
) -> int:
    with first_interrupt_stops(tally):
        try:
            code = asyncio.run(_ingest(settings, source, rejects, args, tally))
        except KeyboardInterrupt:
            tally.interrupted = True
            code = 0
    if tally.interrupted:
        _summary(tally, rejects)
        cli.fail("interrupted; run again to finish: nothing is accepted twice")
        return 130
    return code


async def _ingest(
    settings: Settings, source: Source, rejects: Rejects, args: argparse.Namespace, tally: Tally
) -> int:
    try:
        redis = create_redis(settings)
    except ValueError as exc:
        cli.fail(f"invalid REDIS_URL: {exc}")
        return 2
    streams = Streams(settings.namespace)
    acceptor = Acceptor.of(redis, streams)
    try:
        await redis.ping()
        await _publish(acceptor, source, rejects, args, tally)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        return _stopped(tally, rejects, f"cannot reach Redis: {exc}")
    except RedisError as exc:
        return _stopped(tally, rejects, f"Redis refused: {exc}")
    except (OSError, EOFError, zlib.error) as exc:
        return _stopped(tally, rejects, f"cannot go on: {exc}")
    finally:
        await redis.aclose()
    if not tally.interrupted:
        _summary(tally, rejects)
    return 0


def _summary(tally: Tally, rejects: Rejects) -> None:
    for line in summary(tally, rejects):
        cli.echo(line)


def _stopped(tally: Tally, rejects: Rejects, reason: str) -> int:
    """Say why the run stopped (after what it did, if anything); return 1."""
    if tally.read:
        _summary(tally, rejects)
        reason += f" (after {tally.read:,} lines; run again to finish: none is accepted twice)"
    cli.fail(reason)
    return 1


async def _publish(
    acceptor: Acceptor, source: Source, rejects: Rejects, args: argparse.Namespace, tally: Tally
) -> None:
    chunk: list[Article] = []
    with progress_bar(source, args.quiet) as bar:
        for number, line in source.lines():
            if tally.read == args.limit or tally.interrupted:
                break
            tally.read += 1
            article = parse_line(line)
            if isinstance(article, str):
                rejects.add(number, article, line)
            else:
                chunk.append(article)
            if len(chunk) == args.batch:
                await _send(acceptor, chunk, tally)
                chunk = []
            if tally.read % PROGRESS_EVERY == 0:
                show(bar, source, tally)
        await _send(acceptor, chunk, tally)
        show(bar, source, tally)


async def _send(acceptor: Acceptor, chunk: list[Article], tally: Tally) -> None:
    # One script call per chunk: one round trip, and each article's dedupe and publish atomic.
    # (Reading the next chunk while Redis runs this one gained nothing measurable: parsing
    # and validating lines is what takes the time.)
    new = sum(await acceptor.accept(chunk))
    tally.accepted += new
    tally.duplicate += len(chunk) - new
