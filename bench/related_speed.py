"""Speed of the related worker: its articles/s, and its delay at a steady arrival rate.

    .venv/bin/python -m bench.related_speed ../shared/data [--warm 20000] [--rate 50] \
        [--seconds 120] [--density 1] [--json PATH]

Starts Redis, Meilisearch and the services as bench/related_quality.py does (default
settings, JSON logs in the work directory). Warm phase: `--warm` contiguous UCI dev headlines
from the file's start, labels stripped, through POST /articles/batch; waits on GET /pipeline
until idle. From the related worker's "related stored" log lines of that phase: its wall-clock
rate while it had a backlog (the next batch was already enriched when a batch was stored), its
own rate (articles / sum of its per-batch step seconds), the mean seconds of each step per
batch and the mean batch size. Steady phase: the next `--rate` x `--seconds` headlines, one
POST /articles each, on a monotonic schedule; waits until idle again. Per steady article: the
delay from its ArticleEnriched entering `articles.enriched` (the millisecond part of the
stream entry id) to the related log line that lists it, and from its ingest request being sent
to that line. "Stored" means the related worker has written the lists to Redis (where the
search service reads them) and enqueued the Meilisearch update of the articles' stories.
`--density K` compresses the rows' publication times K-fold towards the first one, so each
candidate window holds K times as many articles (the cost per article must not grow with it,
issue 17). `--json PATH` saves every figure printed.
"""

import argparse
import contextlib
import itertools
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import httpx
import numpy as np
import redis

from bench.quality_data import UCI_FILE, Row, iso, parse_ts, read_jsonl, to_row
from bench.related_quality import (
    Run,
    ingest,
    run_cli,
    running_system,
    timed,
    wait_idle,
)
from bench.suite.system import System
from shared.contracts.keys import Streams
from shared.contracts.wire import DATA_FIELD, unwrap

STEPS = ("wait_indexed_s", "search_s", "stories_s", "lists_s", "publish_s")
STORED = "related stored"
Entry = tuple[bytes, dict[bytes, bytes]]
XRANGE_PAGE = 500
DELAYS = (
    ("enriched -> related stored", "enriched_to_related_s"),
    ("ingest sent -> related stored", "ingest_to_related_s"),
)
STORED_NOTE = (
    '"stored": the related worker has written Redis and enqueued the Meilisearch update of '
    "the lists (the index applies it a few ms later); enriched times are stream entry ids, "
    "whole milliseconds (delays read up to 1 ms long)"
)


class DataError(ValueError):
    """The data file cannot supply the rows asked for."""


@dataclass(frozen=True)
class Batch:
    """One "related stored" log line: when, which articles, seconds per step."""

    ts: float
    ids: tuple[str, ...]
    steps: dict[str, float]


@dataclass
class Paced:
    """What the steady phase sent: per accepted article id, the wall time it was sent."""

    sent: dict[str, float] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    span_s: float = 0.0  # first send to last send, monotonic
    behind_max_s: float = 0.0  # worst lateness of a send against its schedule


def load_rows(data: Path, count: int) -> list[Row]:
    """The first `count` UCI dev rows, in file order."""
    rows = [to_row(raw) for raw in itertools.islice(read_jsonl(data / UCI_FILE), count)]
    if len(rows) < count:
        raise DataError(f"{UCI_FILE} holds {len(rows):,} rows; {count:,} are needed")
    return rows


def compressed(rows: Sequence[Row], density: float) -> list[Row]:
    """The rows with their publication times `density` times closer together, from the first."""
    if density == 1 or not rows:
        return list(rows)
    start = rows[0].ts
    moved = []
    for row in rows:
        ts = start + (row.ts - start) / density
        moved.append(replace(row, ts=ts, payload={**row.payload, "published_at": iso(ts)}))
    return moved


def send_paced(system: System, rows: Sequence[Row], rate: float) -> Paced:
    """POST each row to /articles, row i due at start + i / rate on the monotonic clock."""
    paced = Paced()
    with system.ingest_client(timeout=30) as client:
        start = time.monotonic()
        for i, row in enumerate(rows):
            wait = start + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # pacing to the schedule, not waiting on the system
            paced.behind_max_s = max(paced.behind_max_s, -wait)
            paced.span_s = time.monotonic() - start
            sent = time.time()
            _file(paced, client.post("/articles", json=row.payload), sent)
    return paced


def _file(paced: Paced, response: httpx.Response, sent: float) -> None:
    """Record one response: accepted (with its send time), duplicate or rejected."""
    if response.status_code == 422:
        paced.outcomes["rejected"] += 1
        return
    body = response.raise_for_status().json()
    if body["duplicate"]:
        paced.outcomes["duplicate"] += 1
        return
    paced.outcomes["accepted"] += 1
    paced.sent[body["id"]] = sent


def related_batches(path: Path) -> list[Batch]:
    """Every "related stored" line of the related worker's JSON log, in order."""
    batches = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if STORED not in line or not line.startswith("{"):
                continue
            record = json.loads(line)
            if record.get("event") == STORED:
                steps = {k: float(record.get(k, 0.0)) for k in STEPS}
                ids = tuple(record["article_ids"])
                batches.append(Batch(parse_ts(record["timestamp"]), ids, steps))
    return batches


def enriched_times(redis_url: str, stream: str) -> dict[str, float]:
    """Article id -> epoch seconds its ArticleEnriched entered the stream (first entry)."""
    client = redis.Redis.from_url(redis_url)
    times: dict[str, float] = {}
    low = "-"
    try:
        while True:
            page = _page(client, stream, low)
            for entry_id, fields in page:
                times.setdefault(_article_id(fields), int(entry_id.split(b"-")[0]) / 1000)
            if len(page) < XRANGE_PAGE:
                return times
            low = "(" + page[-1][0].decode()
    finally:
        client.close()


def _page(client: "redis.Redis", stream: str, low: str) -> list[Entry]:
    """Up to XRANGE_PAGE entries of the stream from `low` on, as bytes."""
    return cast("list[Entry]", client.xrange(stream, min=low, max="+", count=XRANGE_PAGE))


def _article_id(fields: Mapping[bytes, bytes]) -> str:
    """The article id in a FastStream stream entry (binary envelope, JSON body)."""
    body, _ = unwrap(fields[DATA_FIELD])
    article_id: str = json.loads(body)["article"]["id"]
    return article_id


def spread(values: Iterable[float]) -> dict[str, float]:
    """Count, mean, p50, p95, p99 and max."""
    a = np.fromiter(values, dtype=np.float64)
    if not a.size:
        return {"n": 0}
    pct = np.percentile(a, [50, 95, 99])
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "p50": float(pct[0]),
        "p95": float(pct[1]),
        "p99": float(pct[2]),
        "max": float(a.max()),
    }


def step_means(batches: Sequence[Batch]) -> dict[str, float]:
    """Mean seconds of each step per batch, and of their sum."""
    means = {k: float(np.mean([b.steps[k] for b in batches])) for k in STEPS}
    return means | {"total_s": sum(means.values())}


def worker_rate(batches: Sequence[Batch], enriched: Mapping[str, float]) -> dict[str, Any]:
    """Warm-phase rates: wall clock while backlogged, over the whole span, and its own."""
    busy = [
        (b, b.ts - prev.ts)
        for prev, b in itertools.pairwise(batches)
        if min(enriched.get(i, np.inf) for i in b.ids) <= prev.ts
    ]
    busy_articles, busy_s = sum(len(b.ids) for b, _ in busy), sum(s for _, s in busy)
    span_s = batches[-1].ts - batches[0].ts
    articles = sum(len(b.ids) for b in batches)
    own_s = sum(sum(b.steps.values()) for b in batches)
    return {
        "batches": len(batches),
        "articles": articles,
        "mean_batch_size": articles / len(batches),
        "backlogged_batches": len(busy),
        "backlogged_s": busy_s,
        "wall_rate_backlogged": busy_articles / busy_s if busy_s else None,
        "span_s": span_s,
        "wall_rate_span": (articles - len(batches[0].ids)) / span_s if span_s else None,
        "own_rate": articles / own_s if own_s else None,
        "step_means_s": step_means(batches),
    }


def steady_figures(
    batches: Sequence[Batch], enriched: Mapping[str, float], paced: Paced
) -> dict[str, Any]:
    """Delays of the steady articles, and the related batches that carried them."""
    mine = [b for b in batches if any(i in paced.sent for i in b.ids)]
    stored: dict[str, float] = {}
    for batch in mine:
        for article_id in batch.ids:
            stored.setdefault(article_id, batch.ts)
    measured = [i for i in paced.sent if i in stored and i in enriched]
    sizes = Counter(len(b.ids) for b in mine)
    return {
        "accepted": len(paced.sent),
        "measured": len(measured),
        "enriched_to_related_s": spread(stored[i] - enriched[i] for i in measured),
        "ingest_to_related_s": spread(stored[i] - paced.sent[i] for i in measured),
        "batches": len(mine),
        "batch_size": spread(float(n) for n in sizes.elements()),
        "batch_sizes": {str(n): c for n, c in sorted(sizes.items())},
        "step_means_s": step_means(mine) if mine else {},
    }


def measure(
    system: System, logs: Path, rows: Sequence[Row], args: argparse.Namespace
) -> dict[str, Any]:
    """Warm phase, steady phase, then read the related log and the enriched stream."""
    run, started = Run(), time.monotonic()
    warm, steady = rows[: args.warm], rows[args.warm :]
    print(f"warm: ingesting {len(warm):,} headlines through {system.ingest} ...", flush=True)
    timed(run, "warm_ingest_s", lambda: ingest(system, warm, run))
    wait_idle(system, args.timeout, started)
    run.timings["warm_until_idle_s"] = time.monotonic() - started
    print(f"steady: {len(steady):,} headlines, one request each, at {args.rate:g}/s", flush=True)
    paced = send_paced(system, steady, args.rate)
    mark = time.monotonic()
    state = wait_idle(system, args.timeout, started)
    run.timings["steady_drain_s"] = time.monotonic() - mark
    batches = related_batches(logs / "related.log")
    enriched = enriched_times(system.redis_url, Streams().enriched)
    warm_batches = [b for b in batches if all(i in run.accepted for i in b.ids)]
    return {
        "warm": {"ingest": dict(run.outcomes)} | worker_rate(warm_batches, enriched),
        "steady": _sending(paced, args) | steady_figures(batches, enriched, paced),
        "timings": run.timings,
        "dead_letters": state.get("dead_letters"),
    }


def _sending(paced: Paced, args: argparse.Namespace) -> dict[str, Any]:
    """What the steady phase asked for and what it achieved."""
    sent = paced.outcomes.total()
    return {
        "target_rate": args.rate,
        "sent": sent,
        "achieved_rate": (sent - 1) / paced.span_s if paced.span_s else None,
        "behind_schedule_max_s": paced.behind_max_s,
        "ingest": dict(paced.outcomes),
    }


def report_warm(warm: Mapping[str, Any]) -> None:
    """Print the warm-phase figures of the related worker."""
    steps = warm["step_means_s"]
    print(
        f"\nwarm phase: ingest {warm['ingest']}; related worker {warm['articles']:,} articles "
        f"in {warm['batches']} batches (mean size {warm['mean_batch_size']:.1f})\n"
        f"  wall clock while backlogged: {_num(warm['wall_rate_backlogged'])} articles/s "
        f"({warm['backlogged_batches']} batches, {warm['backlogged_s']:.1f} s); "
        f"first to last line: {_num(warm['wall_rate_span'])} articles/s "
        f"({warm['span_s']:.1f} s)\n"
        f"  own processing (articles / sum of step seconds): {_num(warm['own_rate'])} articles/s\n"
        "  mean s per batch: " + ", ".join(f"{k} {v:.3f}" for k, v in steps.items())
    )


def report_steady(steady: Mapping[str, Any]) -> None:
    """Print the steady-phase table."""
    print(
        f"\nsteady phase: {steady['sent']:,} sent, target {steady['target_rate']:g}/s, achieved "
        f"{_num(steady['achieved_rate'], '.2f')}/s (latest send "
        f"{steady['behind_schedule_max_s'] * 1000:.0f} ms behind schedule); ingest "
        f"{steady['ingest']}; measured {steady['measured']:,} of {steady['accepted']:,}"
    )
    print(f"  {'delay, s':30} {'n':>6} {'mean':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    for name, key in DELAYS:
        s = steady[key]
        cells = " ".join(f"{s[k]:7.3f}" for k in ("mean", "p50", "p95", "p99", "max"))
        print(f"  {name:30} {s['n']:6d} {cells if s['n'] else ''}")
    size = steady["batch_size"]
    print(
        f"  related batches: {steady['batches']}, size mean {size.get('mean', 0):.1f}, "
        f"p50 {size.get('p50', 0):.0f}, max {size.get('max', 0):.0f}; sizes (size: batches) "
        f"{steady['batch_sizes']}\n  mean s per batch: "
        + ", ".join(f"{k} {v:.3f}" for k, v in steady["step_means_s"].items())
    )


def _num(value: float | None, fmt: str = ".1f") -> str:
    """A rate, or n/a."""
    return "n/a" if value is None else format(value, fmt)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--warm", type=int, default=20_000, help="headlines bulk-ingested first")
    parser.add_argument("--rate", type=float, default=50.0, help="steady articles per second")
    parser.add_argument("--seconds", type=float, default=120.0, help="steady phase length")
    parser.add_argument(
        "--density", type=float, default=1.0, help="publication times K-fold closer"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for idle")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--workdir", type=Path, help="keep data and logs here (default: temp)")
    args = parser.parse_args()
    if args.warm < 1 or args.rate <= 0 or args.seconds * args.rate < 1 or args.density < 1:
        parser.error("--warm and --density at least 1, and --rate x --seconds at least 1")
    return args


def main() -> None:
    """Start the system, run both phases, report."""
    args = parse_args()
    rows = compressed(
        load_rows(args.data, args.warm + round(args.rate * args.seconds)), args.density
    )
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        system = stack.enter_context(running_system(workdir))
        print(f"pipeline running (data and logs in {workdir})", flush=True)
        figures = measure(system, workdir / "logs", rows, args)
    figures["args"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    figures["note"] = STORED_NOTE
    report_warm(figures["warm"])
    report_steady(figures["steady"])
    span_days = (rows[-1].ts - rows[0].ts) / 86_400
    print(f"\ndensity {args.density:g}x: the rows span {span_days:.2f} days")
    print(f"note: {STORED_NOTE}; dead letters {figures['dead_letters']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def cli() -> int:
    """Run the speed bench from the command line."""
    return run_cli("related_speed", main, DataError)


if __name__ == "__main__":
    sys.exit(cli())
