"""Search latency through the API against the same queries sent straight to Meilisearch (issue 5).

    .venv/bin/python -m bench.search_latency ../shared/data [--size 100000] [--queries 2000] \
        [--concurrency 1] [--seed 1] [--workdir DIR] [--json PATH]

Starts Redis, Meilisearch and the five services as bench/related_quality.py does. Unless the
index already holds `--size` documents (a `--workdir` kept from an earlier run: Meilisearch
keeps its data there; Redis, which keeps none, starts empty), posts UCI dev headlines from the
file's start, labels stripped, through POST /articles/batch until `--size` are accepted, and
waits on GET /pipeline until idle. Queries (bench/search_queries.py): a seeded reader mix of
1-3 words of the first `--size` headlines, some mistyped, some filtered by theme, source,
language or dates, some sorted by recency, some empty (browse), some on pages 2-5.

Paths (bench/search_paths.py), each with its own httpx client: the API (GET /search over
keep-alive); and Meilisearch directly, POSTed the body the API builds from the same query
string through the API's own `SearchParams` and `search_request`, over a new connection per
request (`Connection: close`, as the search service does), over keep-alive, and over
keep-alive with `Accept-Encoding: identity` (httpx asks for gzip by default; Meilisearch then
streams the body in compressed chunks, and a chunk held back by Nagle's algorithm waits for
the client's delayed ACK: the 40 ms "keep-alive stall"). In the same run, each query goes
over every path, the order of the paths rotating from query to query, after a discarded
warm-up of `--queries / 10` (at least 50) queries. Latency is the client's wall clock for the
whole exchange, body read. The target: the API's p95 at most 1.25 times the best direct p95.
`--concurrency N` runs N threads, each with its own clients. `--json PATH` saves all figures.
"""

import argparse
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from bench.quality_data import UCI_FILE, Row, read_jsonl, to_row
from bench.related_quality import BATCH, Run, ingest, run_cli, running_system, wait_idle
from bench.search_paths import (
    PATHS,
    BenchError,
    Endpoints,
    Query,
    measure,
    response_json,
    summary,
)
from bench.search_queries import describe, meili_body, query_mix, vocabulary
from bench.suite.monitor import cpu_seconds, proc_status
from bench.suite.system import System
from services.search.settings import Settings

TARGET_RATIO = 1.25


def verdict(stats: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """API p95 over the best direct p95, and whether it meets the target."""
    best = min((p for p in stats if p != "api"), key=lambda p: stats[p]["p95"])
    ratio = stats["api"]["p95"] / stats[best]["p95"]
    return {
        "best_direct": best,
        "ratio_p95": ratio,
        "target": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
    }


def peak_rss(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS of a process, in KiB, from /proc."""
    return {k: v for k, v in proc_status(pid).items() if k in ("VmHWM", "VmRSS")}


def file_rows(data: Path) -> Iterator[Row]:
    """UCI dev rows from the file's start, labels split off."""
    return (to_row(raw) for raw in read_jsonl(data / UCI_FILE))


def fill(system: System, data: Path, size: int) -> Run:
    """POST headlines from the file's start until `size` are accepted."""
    run, rows = Run(), file_rows(data)
    while len(run.accepted) < size and (chunk := list(itertools.islice(rows, BATCH))):
        ingest(system, chunk, run)
    return run


def documents(system: System) -> int:
    """How many documents the articles index holds (0 before it exists)."""
    response = system.meili.get(f"/indexes/{system.index}/stats")
    return 0 if response.status_code == 404 else int(response_json(response)["numberOfDocuments"])


def facets(system: System) -> dict[str, dict[str, int]]:
    """Indexed theme and language counts, straight from Meilisearch."""
    body = {"q": "", "limit": 0, "facets": ["themes", "language"]}
    response = system.meili.post(f"/indexes/{system.index}/search", json=body)
    found: dict[str, dict[str, int]] = response_json(response)["facetDistribution"]
    return found


def indexed(system: System, args: argparse.Namespace) -> dict[str, Any]:
    """Fill the index unless it holds `--size` documents already; wait until idle."""
    started, before = time.monotonic(), documents(system)
    run = Run()
    if before < args.size:
        print(f"index holds {before:,}; ingesting until {args.size:,} accepted", flush=True)
        run = fill(system, args.data, args.size)
        print(f"  {dict(run.outcomes)} in {time.monotonic() - started:.0f} s", flush=True)
    else:
        print(f"index holds {before:,} documents: no ingest", flush=True)
    state = wait_idle(system, args.timeout, started)
    return {
        "documents_before": before,
        "documents": documents(system),
        "ingest": dict(run.outcomes),
        "until_idle_s": time.monotonic() - started,
        "dead_letters": state.get("dead_letters"),
    }


def queries(system: System, args: argparse.Namespace) -> tuple[list[Query], list[Query]]:
    """Warm-up and measured queries from the first `--size` headlines and the indexed facets."""
    rows = list(itertools.islice(file_rows(args.data), args.size))
    span = (min(r.ts for r in rows), max(r.ts for r in rows))
    # Sources from the headlines: Meilisearch lists facet values alphabetically, 1,000 at most.
    sources = Counter(str(r.payload["source"]) for r in rows if r.payload.get("source"))
    counts = facets(system) | {"source": sources}
    vocab = vocabulary((str(r.payload["title"]) for r in rows), counts, span)
    snippet_words = Settings.model_fields["snippet_words"].default
    warm = max(50, args.queries // 10)
    mix = query_mix(vocab, warm + args.queries, args.seed)
    built = [Query(params, meili_body(params, snippet_words)) for params in mix]
    return built[:warm], built[warm:]


def print_table(figures: Mapping[str, Any]) -> None:
    """One line per path: latency percentiles, mean and max (ms), share above 40 ms."""
    print(f"\n{'ms':34} {'n':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'mean':>6} {'max':>6} >40ms")
    for name, label in PATHS.items():
        s = figures["paths"][name]
        cells = " ".join(f"{s[k]:6.2f}" for k in ("p50", "p95", "p99", "mean", "max"))
        print(f"{label:34} {figures['queries']:5d} {cells} {s['over_40ms']:5.1%}")


def report(figures: Mapping[str, Any]) -> None:
    """Print the table, the server-side times, the verdict, the service's CPU and memory."""
    print_table(figures)
    api, meili = figures["paths"]["api"], figures["paths"]["meili_close"]
    print(
        f"server side, p50/p95 ms: the API's took_ms (its Meilisearch call) "
        f"{api['server_p50']:.2f}/{api['server_p95']:.2f}; Meilisearch processingTimeMs "
        f"{meili['server_p50']:.0f}/{meili['server_p95']:.0f}"
    )
    v = figures["verdict"]
    print(
        f"API p95 / best direct p95 ({PATHS[v['best_direct']]}): {v['ratio_p95']:.2f} "
        f"(target <= {TARGET_RATIO}): {'met' if v['met'] else 'NOT met'}"
    )
    rss = figures["search_rss_kib"]
    print(
        f"search service: {figures['search_cpu_ms_per_request']:.2f} ms CPU per request"
        + (f", peak memory {rss['VmHWM'] / 1024:.0f} MiB" if rss else "")
    )
    load = figures["load_average"]
    print(
        f"queries whose paths returned different hits: {len(figures['differing'])}; "
        f"load average {load['before']:.1f} before, {load['after']:.1f} after"
    )


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--size", type=int, default=100_000, help="at least this many indexed")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1, help="client threads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=7200, help="seconds to wait for idle")
    parser.add_argument("--workdir", type=Path, help="keep data and logs here (default: temp)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    if min(args.size, args.queries, args.concurrency) < 1:
        parser.error("--size, --queries and --concurrency must be at least 1")
    return args


def endpoints(system: System) -> Endpoints:
    """The running system's search API, Meilisearch, key and index."""
    key = system.meili.headers["Authorization"].removeprefix("Bearer ")
    return Endpoints(system.search, str(system.meili.base_url), key, system.index)


def bench(system: System, args: argparse.Namespace) -> dict[str, Any]:
    """Fill the index, build the queries, measure every path; all figures."""
    index = indexed(system, args)
    warmup, measured = queries(system, args)
    print(f"measuring {len(measured):,} queries after {len(warmup)} warm-up ...", flush=True)
    search = next(p for p in system.stack.processes if p.name == "search")
    load, cpu = os.getloadavg(), cpu_seconds(search.pid)
    samples = measure(endpoints(system), warmup, measured, args.concurrency)
    cpu_ms = (cpu_seconds(search.pid) - cpu) * 1000 / (len(warmup) + len(measured))
    stats = {name: summary(found) for name, found in samples.by_path.items()}
    return {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "index": index,
        "queries": len(measured),
        "query_features": dict(describe(q.params for q in measured)),
        "paths": stats,
        "verdict": verdict(stats),
        "search_rss_kib": peak_rss(search.pid),
        "search_cpu_ms_per_request": cpu_ms,
        "load_average": {"before": load[0], "after": os.getloadavg()[0]},
        "differing": samples.differing[:50],
        "example_queries": [q.params for q in measured[:20]],
    }


def main() -> None:
    """Start the system, measure, report."""
    args = parse_args()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        system = stack.enter_context(running_system(workdir))
        print(f"pipeline running (data and logs in {workdir})", flush=True)
        figures = bench(system, args)
    print(f"index: {figures['index']}\nquery features: {figures['query_features']}")
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def cli() -> int:
    """Run the latency bench from the command line."""
    return run_cli("search_latency", main, BenchError, httpx.HTTPError)


if __name__ == "__main__":
    sys.exit(cli())
