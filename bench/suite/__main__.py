"""`make bench`: every figure of issue 9 in one run, on the same documents.

    .venv/bin/python -m bench.suite ../shared/data [--size 20000] [--copies 2] [--rate 50] \
        [--seconds 60] [--queries 1000] [--more enrichment=1] [--workdir DIR] [--json PATH]

Starts Valkey and Meilisearch on free ports in a work directory, then, in order:
1. raw Meilisearch: the first `--size` UCI dev headlines POSTed straight to an index with the
   articles index's settings (no vectors), batches of 10,000; documents/s until every task is done;
2. the enrichment worker alone (its own namespace): `ontheme ingest` of the same headlines,
   timed until its group has no lag and nothing pending;
3. the whole pipeline (the six services as `make run` starts them): `ontheme ingest` of the
   same headlines, timed until GET /pipeline is idle and Meilisearch has no task left; per
   stage (ingest, enrichment, indexing, related) its rate while it had work, and each process's
   share of the CPU used (sampled from /proc twice a second);
4. the whole pipeline on full text: the 772 ECB+ articles `--copies` times, each copy with its
   own URL and source, likewise until idle;
5. search latency: `--queries` reader queries (bench/search_queries.py) through GET /search and
   straight to Meilisearch, same queries, same run (bench/search_paths.py);
6. ingest-to-searchable delay: fresh headlines POSTed one by one at `--rate`/s for `--seconds`,
   each polled in the index every 50 ms until found;
7. memory: each process's peak RSS, the whole system's sampled peak, Redis's used_memory, and
   a linear projection to 300,000 headlines (Redis and Meilisearch per document; measure it
   directly with `--size 300000`).
`--more WORKER=N` runs N more processes of a worker in steps 3 to 7 (scaling out on one box).
Prints a table with each target and saves every figure as JSON (`--json`, default
bench/results/figures.json). Labels (category, story_id) never reach the pipeline: ingest
drops them.
"""

import argparse
import contextlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.related_quality import run_cli
from bench.search_latency import endpoints, queries, verdict
from bench.search_paths import BenchError, measure, summary
from bench.suite import memory as mem
from bench.suite import phases
from bench.suite.delay import steady
from bench.suite.monitor import Monitor
from bench.suite.report import lines, verdicts
from bench.suite.system import System, servers, services


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--size", type=int, default=20_000, help="UCI headlines")
    parser.add_argument("--copies", type=int, default=2, help="times the ECB+ texts are sent")
    parser.add_argument("--rate", type=float, default=50.0, help="steady articles/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="steady phase length")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--more",
        action="append",
        default=[],
        metavar="WORKER=N",
        help="N more processes of a worker in the whole pipeline, e.g. enrichment=1",
    )
    parser.add_argument("--workdir", type=Path, help="keep data and logs here (default: temp)")
    parser.add_argument("--json", type=Path, default=Path("bench/results/figures.json"))
    args = parser.parse_args()
    if any(not re.fullmatch(r"(enrichment|indexing|related)=[1-9]", m) for m in args.more):
        parser.error("--more takes WORKER=N: enrichment, indexing or related, N from 1 to 9")
    if min(args.size, args.copies, args.queries) < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--size, --copies, --queries, --rate and --seconds must be positive")
    return args


def search_latency(system: System, args: argparse.Namespace) -> dict[str, Any]:
    """The same reader queries through the API and straight to Meilisearch."""
    warmup, measured = queries(system, args)
    samples = measure(endpoints(system), warmup, measured, 1)
    stats = {name: summary(found) for name, found in samples.by_path.items()}
    return {"queries": len(measured), "paths": stats, "verdict": verdict(stats)}


def wait_models(system: System, timeout: float = 120) -> None:
    """Until the enrichment worker of the stack has loaded its models."""
    worker = next(p for p in system.stack.processes if p.name == "enrichment")
    deadline = time.monotonic() + timeout
    while "models loaded" not in worker.log_path.read_text(encoding="utf-8", errors="replace"):
        system.stack.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"enrichment did not load its models within {timeout:.0f} s")
        time.sleep(0.2)


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run the seven measurements in order; every figure."""
    f: dict[str, Any] = {"size": args.size}
    with servers(workdir) as backends, contextlib.ExitStack() as stack:
        file = phases.headlines_file(args.data, args.size, workdir / "headlines.jsonl")
        _say(f"1/7 raw Meilisearch, {args.size:,} headlines")
        f["raw_meilisearch"] = phases.raw_meilisearch(backends, args.data, args.size)
        _say("2/7 the enrichment worker alone")
        f["enrichment_alone"] = phases.solo_enrichment(backends, file, workdir / "logs-solo")
        system = stack.enter_context(services(backends, workdir / "logs", processes(args.more)))
        pids = {p.name: p.pid for p in system.stack.processes}
        pids |= {"redis": backends.redis.pid, "meilisearch": backends.meili.pid}
        monitor = stack.enter_context(Monitor(backends.redis_url, pids))
        wait_models(system)
        _say("3/7 the whole pipeline on the headlines")
        before = monitor.sample_now()
        f["headlines"] = phases.pipeline_run(system, monitor, file)
        after = monitor.sample_now()
        meili_mib = mem.meili_used_mib(backends.meili_client)
        _say(f"4/7 the whole pipeline on full text, ECB+ x {args.copies}")
        texts = phases.fulltext_file(args.data, args.copies, workdir / "fulltext.jsonl")
        f["fulltext"] = phases.pipeline_run(system, monitor, texts)
        _say(f"5/7 search latency, {args.queries:,} queries")
        f["search"] = search_latency(system, args)
        _say(f"6/7 ingest to searchable at {args.rate:.0f}/s for {args.seconds:.0f} s")
        f["steady"] = steady(system, args.data, args.size, args.rate, args.seconds)
        _say("7/7 memory")
        f["memory"] = mem.memory(monitor.samples, pids, backends.redis_url)
        f["projection"] = mem.projection(
            before, after, f["headlines"]["articles"], meili_mib, f["memory"]["peak_rss_mib"]
        )
    f["verdicts"] = verdicts(f)
    return f


def processes(more: list[str]) -> dict[str, int]:
    """How many processes of each worker `--more WORKER=N` asks for, as `make run` takes them."""
    counts: dict[str, int] = {}
    for spec in more:
        name, _, extra = spec.partition("=")
        counts[name] = counts.get(name, 1) + int(extra)
    return counts


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    """Run the bench, print the table, save the JSON."""
    args = parse_args()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        figures = bench(args, workdir)
    figures["args"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    print("\n".join(lines(figures)))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"\nevery figure: {args.json}")


if __name__ == "__main__":
    sys.exit(run_cli("bench", main, BenchError, httpx.HTTPError, RuntimeError))
