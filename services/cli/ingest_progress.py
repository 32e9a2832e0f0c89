"""What an `ontheme ingest` run has done: counted, shown as it goes and at the end; Ctrl-C."""

import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from tqdm import tqdm

from services.cli.ingest_file import Rejects, Source

# Bytes of the file (compressed, for a gzip'd one) give the share done; lines/s in the postfix.
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}{postfix}]"


@dataclass
class Tally:
    """What became of the lines read so far."""

    read: int = 0
    accepted: int = 0
    duplicate: int = 0
    interrupted: bool = False
    started: float = field(default_factory=time.perf_counter)


@contextmanager
def first_interrupt_stops(tally: Tally) -> Iterator[None]:
    """Ctrl-C stops reading, and the run ends after the chunk in hand; a second one at once.

    Cancelling the asyncio task (what asyncio.run does on Ctrl-C) is not reliable here: on
    Python 3.11, `asyncio.wait_for` inside redis-py swallows a cancellation that arrives as
    its write completes, and the run went on to the end of the file.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        tally.interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return
    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def progress_bar(source: Source, quiet: bool) -> "tqdm[Any]":
    """Return the progress bar on stderr: off with --quiet or when stderr is not a terminal."""
    return tqdm(
        total=source.size,
        unit="B",
        unit_scale=True,
        mininterval=0.5,
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        bar_format=BAR_FORMAT,
    )


def show(bar: "tqdm[Any]", source: Source, tally: Tally) -> None:
    """Move the bar to where the file is read up to (it redraws at most every 0.5 s)."""
    seconds = time.perf_counter() - tally.started
    bar.set_postfix_str(f"{tally.read:,} lines, {tally.read / seconds:,.0f}/s", refresh=False)
    bar.update(source.position() - bar.n)


def summary(tally: Tally, rejects: Rejects) -> list[str]:
    """The lines that report the counts, the time, the rates and the peak memory of the run."""
    seconds = time.perf_counter() - tally.started
    where = f"  (lines and reasons: {rejects.path})" if rejects.count else ""
    accepted = f"{tally.accepted / seconds:,.0f} accepted/s"
    return [
        f"read       {tally.read:>12,}",
        f"accepted   {tally.accepted:>12,}",
        f"duplicate  {tally.duplicate:>12,}",
        f"rejected   {rejects.count:>12,}{where}",
        f"seconds    {seconds:>12,.1f}",
        f"rate       {tally.read / seconds:>12,.0f} lines/s, {accepted}",
        f"peak RSS   {peak_rss_mib():>12,.0f} MiB",
    ]


def peak_rss_mib() -> float:
    """The process's peak resident memory so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux counts kibibytes, macOS bytes.
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
