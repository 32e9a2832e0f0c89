"""Related-articles and story quality of the whole pipeline, against a TF-IDF reference.

    .venv/bin/python -m bench.related_quality uci ../shared/data [--size 30000] [--queries 500] \
        [--seed 1] [--dump PATH] [--json PATH]
    .venv/bin/python -m bench.related_quality ecb ../shared/data [--distractors 20000] [...]

`uci-window`: `--size` contiguous UCI dev rows (every story of a stretch of time, at the file's
density) from a seeded offset in the file's newest 30% (or `--offset`); `uci-half`: every other
story (seeded, whole stories) of such a stretch, about `--size` rows; `uci`: whole stories drawn
per category from the whole file, until at least `--size` headlines. `ecb`: every ECB+ dev
article (title and body), dated uniformly (seeded) within two days in the middle of
`--distractors` contiguous UCI rows; B-cubed also over the even (held-out) topics alone.

Starts Redis, Meilisearch and the services as `make run` does, in a temporary directory
on free ports; ingests the articles, labels stripped, through POST /articles/batch; waits on
GET /pipeline until idle; asks GET /articles/{id}/related?limit=10 for a seeded sample of
articles whose story has at least three ingested members (ECB+ articles only in `ecb`); reads
every article's story_id through GET /articles/{id}. Reports P@10 (same-story articles in the
top 10, divided by 10), hit@1, the share of empty answers, and B-cubed precision, recall and F1
of story_id against the labels, next to the reference computed in the same run over the same
articles and queries: TF-IDF cosine (word 1-2-grams, sublinear tf, English stop words), over all
articles and within three days either side. Targets (issue 16): P@10 at least 0.05 above TF-IDF
+-3 days; empty answers at most 2%; story F1 at least 0.85 (0.90 on `uci-half`).

`--dump PATH` writes every ingested article's indexed document (with its vector), joined with
its labels, as gzip JSON Lines for tuning the related algorithm offline; `--json PATH` saves
every figure printed.
"""

import argparse
import contextlib
import gzip
import json
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.enriched_vectors import vectors_by_id
from bench.quality_data import DAY, Row, ecb_mix, iso, uci_sample, uci_window
from bench.quality_metrics import (
    bcubed,
    cluster_counts,
    ranking_scores,
    tfidf_matrix,
    tfidf_neighbours,
)
from bench.suite.system import System, servers, services
from deploy.native.process import ServerError
from shared.contracts.vectors import DEFAULT_EMBEDDER, EMBEDDER_DIMENSIONS, INDEX_EMBEDDER

BATCH = 1000  # the ingest API's largest batch
THREADS = 8
POLL_S = 1.0
PROGRESS_S = 15.0
DUMP_PAGE = 1000
DUMP_FIELDS = [
    "id",
    "title",
    "published_ts",
    "entities",
    "keywords",
    "primary_theme",
    "themes",
    "language",
    "source",
    "story_id",
]
SYSTEMS = {
    "ontheme": "ontheme /related",
    "tfidf_all": "TF-IDF, all articles",
    "tfidf_3days": "TF-IDF, +-3 days",
}
OUTCOMES = ("accepted", "duplicate", "rejected")
PRECISION_MARGIN = 0.05
# Story B-cubed F1 targets per mode (issue 16): denser data is harder.
BCUBED_F1 = {"uci-half": 0.90, "uci-window": 0.85, "uci": 0.85, "ecb": 0.85}
EMPTY_SHARE = 0.02


@dataclass
class Run:
    """What the pipeline did with the articles, by dataset id."""

    accepted: dict[str, Row] = field(default_factory=dict)  # article id -> row
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    related: dict[str, list[str]] = field(default_factory=dict)
    predicted: dict[str, str] = field(default_factory=dict)
    not_found: int = 0
    pipeline: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def running_system(workdir: Path) -> Iterator[System]:
    """Redis, Meilisearch and the services in `workdir` on free ports; stopped on exit."""
    with servers(workdir) as backends, services(backends, workdir / "logs") as system:
        yield system


def ingest(system: System, rows: Sequence[Row], run: Run) -> None:
    """POST the rows, labels stripped, in batches; map each accepted article id to its row."""
    with system.ingest_client(timeout=120) as client:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            response = client.post("/articles/batch", json=[row.payload for row in chunk])
            results = response.raise_for_status().json()["results"]
            for row, outcome in zip(chunk, results, strict=True):
                run.outcomes[_record(run, row, outcome)] += 1


def _record(run: Run, row: Row, outcome: dict[str, Any]) -> str:
    """File one batch item's outcome; a duplicate keeps the first row that had its id."""
    if "error" in outcome:
        run.errors.append(f"{row.key}: {outcome['error']}")
        return "rejected"
    if outcome["duplicate"] or outcome["id"] in run.accepted:
        return "duplicate"
    run.accepted[outcome["id"]] = row
    return "accepted"


def wait_idle(system: System, timeout: float, started: float) -> dict[str, Any]:
    """Poll GET /pipeline every second until idle (and Meilisearch has no task left)."""
    deadline = time.monotonic() + timeout
    next_line = 0.0
    with httpx.Client(base_url=system.search, timeout=30) as client:
        while True:
            system.stack.check_alive()
            state: dict[str, Any] = client.get("/pipeline").raise_for_status().json()
            if state["idle"] and _meili_idle(system):
                return state
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"the pipeline was not idle after {timeout:.0f} s: {state}")
            if now >= next_line:
                print(f"  [{now - started:6.0f} s] {_progress(state)}", flush=True)
                next_line = now + PROGRESS_S
            time.sleep(POLL_S)


def _meili_idle(system: System) -> bool:
    """Whether Meilisearch has no enqueued or processing task, on any index."""
    params: dict[str, str | int] = {"statuses": "enqueued,processing", "limit": 1}
    return int(system.meili.get("/tasks", params=params).raise_for_status().json()["total"]) == 0


def _progress(state: dict[str, Any]) -> str:
    """One line: per stream its length, per group its lag and pending; the index backlog."""
    parts = [
        f"{stream['stream']} {stream['length']:,} ("
        + ", ".join(f"{g['group']} lag {g['lag']} pending {g['pending']}" for g in stream["groups"])
        + ")"
        for stream in state["streams"]
    ]
    return "; ".join(parts) + f"; index backlog {state['index_backlog']}"


def fetch_all(search: str, paths: Sequence[str]) -> list[dict[str, Any] | None]:
    """GET each path from the search API with 8 threads; None where it answers 404."""
    limits = httpx.Limits(max_connections=THREADS)
    with httpx.Client(base_url=search, timeout=60, limits=limits) as client:

        def get(path: str) -> dict[str, Any] | None:
            """One GET; 404 is an answer, other errors raise."""
            response = client.get(path)
            if response.status_code == 404:
                return None
            body: dict[str, Any] = response.raise_for_status().json()
            return body

        with ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(get, paths))


def query_sample(accepted: Mapping[str, Row], n: int, seed: int, ecb_only: bool) -> list[str]:
    """A seeded sample of article ids whose story has at least three ingested members."""
    size = Counter(row.story for row in accepted.values())
    eligible = [
        article_id
        for article_id, row in accepted.items()
        if size[row.story] >= 3 and (row.ecb or not ecb_only)
    ]
    return random.Random(f"{seed}:queries").sample(eligible, min(n, len(eligible)))


def read_related(system: System, run: Run, queries: Sequence[str]) -> None:
    """The related lists of the queries, as returned, by dataset id."""
    bodies = fetch_all(system.search, [f"/articles/{q}/related?limit=10" for q in queries])
    key = {article_id: row.key for article_id, row in run.accepted.items()}
    for query, body in zip(queries, bodies, strict=True):
        items = body["related"] if body else []
        run.related[key[query]] = [key.get(item["id"], item["id"]) for item in items]


def read_stories(system: System, run: Run) -> None:
    """Every article's story_id through GET /articles/{id}; none makes it a singleton."""
    ids = list(run.accepted)
    bodies = fetch_all(system.search, [f"/articles/{article_id}" for article_id in ids])
    for article_id, body in zip(ids, bodies, strict=True):
        run.not_found += body is None
        story = body.get("story_id") if body else None
        run.predicted[run.accepted[article_id].key] = story or f"single:{article_id}"


def dump(system: System, run: Run, path: Path) -> int:
    """Write every indexed document with its vector and its labels as gzip JSON Lines."""
    written, offset = 0, 0
    # The vectors as enrichment sent them: Meilisearch keeps bits.
    vectors = vectors_by_id(system.redis_url, EMBEDDER_DIMENSIONS[DEFAULT_EMBEDDER])
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=5) as out:
        while True:
            page = _documents(system, offset)
            for doc in page:
                doc["_vectors"] = {INDEX_EMBEDDER: vectors.get(doc["id"])}
                out.write(json.dumps({**doc, **_labels(run.accepted.get(doc["id"]))}) + "\n")
            written += len(page)
            offset += DUMP_PAGE
            if len(page) < DUMP_PAGE:
                return written


def _labels(row: Row | None) -> dict[str, str]:
    """The dataset id and labels that go with an indexed document."""
    if row is None:
        return {}
    return {"dataset_id": row.key, "category": row.category, "label_story": row.story}


def _documents(system: System, offset: int) -> list[dict[str, Any]]:
    """One page of documents, straight from Meilisearch."""
    body = {"offset": offset, "limit": DUMP_PAGE, "fields": DUMP_FIELDS}
    response = system.meili.post(f"/indexes/{system.index}/documents/fetch", json=body, timeout=120)
    results: list[dict[str, Any]] = response.raise_for_status().json()["results"]
    return results


def timed(run: Run, name: str, step: Callable[[], object]) -> None:
    """Run a step and record how long it took, in seconds."""
    started = time.monotonic()
    step()
    run.timings[name] = time.monotonic() - started


def measure(system: System, rows: Sequence[Row], args: argparse.Namespace) -> Run:
    """Ingest, wait until idle, read related lists and stories, dump when asked."""
    run = Run()
    started = time.monotonic()
    print(f"ingesting {len(rows):,} articles through {system.ingest} ...", flush=True)
    timed(run, "ingest_s", lambda: ingest(system, rows, run))
    print(f"  {dict(run.outcomes)} in {run.timings['ingest_s']:.1f} s; waiting on /pipeline")
    run.pipeline = wait_idle(system, args.timeout, started)
    run.timings["until_idle_s"] = time.monotonic() - started
    queries = query_sample(run.accepted, args.queries, args.seed, args.mode == "ecb")
    timed(run, "related_s", lambda: read_related(system, run, queries))
    timed(run, "stories_s", lambda: read_stories(system, run))
    if args.dump:
        timed(run, "dump_s", lambda: print(f"dumped {dump(system, run, args.dump):,} documents"))
    return run


def reference(run: Run) -> dict[str, dict[str, list[str]]]:
    """TF-IDF neighbours of the same queries over the same articles: all, and within +-3 days."""
    rows = list(run.accepted.values())
    position = {row.key: i for i, row in enumerate(rows)}
    matrix = tfidf_matrix([row.text for row in rows])
    ts = np.array([row.ts for row in rows], dtype=np.float64)
    queries = [position[key] for key in run.related]
    found: dict[str, dict[str, list[str]]] = {}
    for name, window in (("tfidf_all", None), ("tfidf_3days", 3.0 * DAY)):
        lists = tfidf_neighbours(matrix, ts, queries, window)
        found[name] = {
            rows[q].key: [rows[i].key for i in hits] for q, hits in zip(queries, lists, strict=True)
        }
    return found


def evaluate(
    run: Run, references: Mapping[str, Mapping[str, list[str]]], mode: str
) -> dict[str, Any]:
    """Every figure: rankings, B-cubed, story counts, the targets."""
    ecb = mode == "ecb"
    label = {row.key: row.story for row in run.accepted.values()}
    ranking = {"ontheme": ranking_scores(run.related, label)}
    ranking |= {name: ranking_scores(found, label) for name, found in references.items()}
    items = [row.key for row in run.accepted.values() if row.ecb] if ecb else list(label)
    figures: dict[str, Any] = {
        "ranking": ranking,
        "bcubed": bcubed(run.predicted, label, items),
        "stories": cluster_counts(run.predicted, label, items),
    }
    if ecb:
        # The even topics: ECB+ articles the same-event model was not trained on.
        held_out = [key for key in items if _ecb_topic(key) % 2 == 0]
        figures["bcubed_held_out"] = bcubed(run.predicted, label, held_out)
        figures["stories_held_out"] = cluster_counts(run.predicted, label, held_out)
        figures["bcubed_all"] = bcubed(run.predicted, label)
        figures["stories_all"] = cluster_counts(run.predicted, label, label)
    figures["targets"] = targets(ranking, figures["bcubed"]["f1"], mode)
    return figures


def _ecb_topic(key: str) -> int:
    """The topic number of an ECB+ dataset id (`ecbplus-12_3ecb` -> 12)."""
    return int(key.split("-")[1].split("_", maxsplit=1)[0])


def targets(ranking: Mapping[str, Mapping[str, float]], f1: float, mode: str) -> dict[str, Any]:
    """Issue 16's targets: P@10 over the TF-IDF +-3 days reference, B-cubed F1, empty answers."""
    margin = ranking["ontheme"]["precision_at_10"] - ranking["tfidf_3days"]["precision_at_10"]
    empty = ranking["ontheme"]["empty_share"]
    return {
        "precision_margin": margin,
        "precision_margin_met": None if mode == "ecb" else margin >= PRECISION_MARGIN,
        "bcubed_f1": f1,
        "bcubed_f1_target": BCUBED_F1[mode],
        "bcubed_f1_met": f1 >= BCUBED_F1[mode],
        "empty_share": empty,
        "empty_share_met": empty <= EMPTY_SHARE,
    }


def describe_uci(rows: Sequence[Row], file_rows: Counter[str], seed: int) -> dict[str, Any]:
    """Print and return what the UCI sample holds."""
    size = Counter(row.story for row in rows)
    in_sample = Counter(row.category for row in rows)
    shares = {
        c: [file_rows[c] / file_rows.total(), in_sample[c] / len(rows)] for c in sorted(file_rows)
    }
    times: dict[str, list[float]] = {}
    for row in rows:
        times.setdefault(row.story, []).append(row.ts)
    span = statistics.median(max(t) - min(t) for t in times.values() if len(t) >= 3)
    print(
        f"UCI dev sample: {len(rows):,} headlines, {len(size):,} stories "
        f"({sum(n >= 3 for n in size.values()):,} with 3+ members), seed {seed}\n"
        "  category share, file -> sample: "
        + ", ".join(f"{c} {a:.1%} -> {b:.1%}" for c, (a, b) in shares.items())
        + "\n  note: UCI stories are contiguous crawl bursts: a story's headlines were crawled "
        f"within seconds of each other (median span {span:.0f} s here), so their timestamps "
        "alone tell stories apart far better than real publication times would"
    )
    return {"rows": len(rows), "stories": len(size), "category_shares": shares, "span_s": span}


def describe_ecb(rows: Sequence[Row]) -> dict[str, Any]:
    """Print and return what the ECB+ mix holds."""
    ecb = [row for row in rows if row.ecb]
    uci = [row for row in rows if not row.ecb]
    sample: dict[str, Any] = {
        "ecb_articles": len(ecb),
        "ecb_stories": len({row.story for row in ecb}),
        "ecb_dates": [iso(min(r.ts for r in ecb)), iso(max(r.ts for r in ecb))],
        "distractors": len(uci),
        "distractor_rows": [uci[0].key, uci[-1].key] if uci else [],
        "distractor_dates": [iso(min(r.ts for r in uci)), iso(max(r.ts for r in uci))],
    }
    print(
        f"ECB+ dev: {sample['ecb_articles']} articles (title and body) in "
        f"{sample['ecb_stories']} stories, dated {' .. '.join(sample['ecb_dates'])}; among "
        f"{len(uci):,} contiguous UCI headlines {' .. '.join(sample['distractor_rows'])} "
        f"({' .. '.join(sample['distractor_dates'])})"
    )
    return sample


def report(figures: Mapping[str, Any], ecb: bool) -> None:
    """Print the table, the B-cubed figures, the target checks and the timings."""
    print(f"\n{'':24} queries  empty returned/q same/q   P@10  same/returned  hit@1")
    for name, label in SYSTEMS.items():
        s = figures["ranking"][name]
        print(
            f"{label:24} {s['queries']:7d} {s['empty_share']:6.1%} "
            f"{s['returned_per_query']:10.2f} {s['same_story_per_query']:6.2f} "
            f"{s['precision_at_10']:6.3f} {s['precision_of_returned']:14.3f} {s['hit_at_1']:6.3f}"
        )
    scopes = [("bcubed", "stories", "ECB+ articles" if ecb else "all articles")]
    if ecb:
        scopes += [("bcubed_held_out", "stories_held_out", "held-out (even) ECB+ topics")]
        scopes += [("bcubed_all", "stories_all", "all articles")]
    for bcubed_key, stories_key, scope in scopes:
        b, n = figures[bcubed_key], figures[stories_key]
        print(
            f"story B-cubed over {scope} ({b['articles']:,}): precision {b['precision']:.3f} "
            f"recall {b['recall']:.3f} F1 {b['f1']:.3f}; predicted stories "
            f"{n['predicted_stories']:,} ({n['predicted_stories_2plus']:,} with 2+), labelled "
            f"{n['labelled_stories']:,} ({n['labelled_stories_2plus']:,} with 2+)"
        )
    report_targets(figures, ecb)


def report_targets(figures: Mapping[str, Any], ecb: bool) -> None:
    """Print the target checks and the timings."""
    t, times = figures["targets"], figures["timings"]
    verdict = {True: "met", False: "NOT met", None: "no target on ECB+"}
    print(
        f"\nP@10 margin over TF-IDF +-3 days: {t['precision_margin']:+.3f} "
        f"(target >= +{PRECISION_MARGIN:.2f}): {verdict[t['precision_margin_met']]}\n"
        f"B-cubed F1 {t['bcubed_f1']:.3f} (target >= {t['bcubed_f1_target']:.2f}): "
        f"{verdict[t['bcubed_f1_met']]}\n"
        f"empty answers {t['empty_share']:.1%} (target <= {EMPTY_SHARE:.0%}): "
        f"{verdict[t['empty_share_met']]}"
    )
    ingest = figures["ingest"]
    print(
        f"\ningest {ingest['accepted']:,} accepted, {ingest['duplicate']:,} duplicate, "
        f"{ingest['rejected']:,} rejected in {times['ingest_s']:.1f} s; idle after "
        f"{times['until_idle_s']:.1f} s ({ingest['accepted'] / times['until_idle_s']:.0f} "
        f"articles/s end to end); dead letters {figures['dead_letters']}; related "
        f"{times['related_s']:.1f} s, stories {times['stories_s']:.1f} s "
        f"({figures['not_found']} not found), TF-IDF {times['reference_s']:.1f} s"
    )
    for error in ingest["errors"][:5]:
        print(f"  rejected {error}")


def load(args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    """The labelled rows of the chosen mode, and what they hold (printed too)."""
    if args.mode == "uci":
        rows, stats = uci_sample(args.data, args.size, args.seed)
        return rows, describe_uci(rows, stats.rows_per_category, args.seed)
    if args.mode in ("uci-window", "uci-half"):
        share = 0.5 if args.mode == "uci-half" else 1.0
        rows, stats = uci_window(args.data, args.size, args.seed, share, args.offset)
        return rows, describe_uci(rows, stats.rows_per_category, args.seed)
    rows = ecb_mix(args.data, args.distractors, args.seed)
    return rows, describe_ecb(rows)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # uci-window: contiguous rows, every story of a stretch of time at the file's full density;
    # uci-half: every other story (seeded, whole stories) of such a stretch, about `--size` rows.
    parser.add_argument("mode", choices=["uci", "uci-window", "uci-half", "ecb"])
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--size", type=int, default=30_000, help="uci: at least this many rows")
    parser.add_argument("--distractors", type=int, default=20_000, help="ecb: UCI rows")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--offset", type=int, help="uci-window/uci-half: first row (default: seeded, newest 30%%)"
    )
    parser.add_argument("--timeout", type=float, default=7200, help="seconds to wait for idle")
    parser.add_argument("--dump", type=Path, help="write indexed documents + labels here")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--workdir", type=Path, help="keep data and logs here (default: temp)")
    args = parser.parse_args()
    if min(args.size, args.distractors, args.queries) < 1:
        parser.error("--size, --distractors and --queries must be at least 1")
    return args


def run_pipeline(rows: Sequence[Row], args: argparse.Namespace) -> Run:
    """Start the system in the work directory (a temporary one by default) and measure."""
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        system = stack.enter_context(running_system(workdir))
        print(f"pipeline running (data and logs in {workdir})", flush=True)
        return measure(system, rows, args)


def main() -> None:
    """Load, run the pipeline, compute the reference, report."""
    args = parse_args()
    rows, sample = load(args)
    run = run_pipeline(rows, args)
    started = time.monotonic()
    references = reference(run)
    run.timings["reference_s"] = time.monotonic() - started
    ecb = args.mode == "ecb"
    figures = evaluate(run, references, args.mode)
    figures |= {
        "mode": args.mode,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "sample": sample,
        "ingest": {**{k: run.outcomes[k] for k in OUTCOMES}, "errors": run.errors[:100]},
        "timings": run.timings,
        "dead_letters": run.pipeline.get("dead_letters"),
        "not_found": run.not_found,
    }
    report(figures, ecb)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def run_cli(name: str, body: Callable[[], None], *errors: type[Exception]) -> int:
    """Run `body`; a server that fails or a pipeline that never idles is one message, status 1."""
    # SIGTERM unwinds like Ctrl-C, so the servers and services started here are stopped too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    handled: tuple[type[Exception], ...] = (ServerError, TimeoutError, *errors)
    try:
        body()
    except handled as exc:
        print(f"{name} stopped: {exc}", file=sys.stderr)
        return 1
    return 0


def cli() -> int:
    """Run the quality bench from the command line."""
    return run_cli("related_quality", main)


if __name__ == "__main__":
    sys.exit(cli())
