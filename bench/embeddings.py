"""Speed, memory and quality of the sentence embedders, on the labelled data in DATA_DIR.

    .venv/bin/python -m bench.embeddings ../shared/data

Each backend runs in its own process, so its peak RSS is its own. Speed: headlines/s (UCI
titles) and full-text articles/s (ECB+ title + body), embedding one worker batch per call, at
two batch sizes and one or two threads; load time; RSS. Quality A: for a seeded sample of UCI
headlines whose story has at least 3 members in the first N rows, is the most similar other
headline published within 3 days in the same story (hit@1), and what share of the 5 most
similar are (precision@5). Quality B: HuffPost (title + description), leave-one-out 1-NN
category accuracy, i.e. how well the space separates topics. The labels (story_id, category)
are used only to score. The related baseline's title word cosine is scored alongside.
"""

import argparse
import gzip
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from services.related.words import content_words
from shared.adapters.embeddings import (
    EMBEDDERS,
    Embedder,
    Vectors,
    load_embedder,
)

UCI = "uci-news-aggregator.dev.jsonl.gz"
HUFFPOST = "huffpost-news-category.dev.jsonl.gz"
ECB = "ecbplus.dev.jsonl.gz"
DAY = 86_400.0
THREADS = (1, 2)
BATCHES = (32, 128)
WORDS = "word-overlap"
# Scores candidates (indices) for one query (index): higher is more similar.
Scorer = Callable[[int, npt.NDArray[np.intp]], npt.NDArray[np.float64]]


def read(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read up to `limit` rows of a gzip'd JSON Lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in itertools.islice(lines, limit)]


def article_text(row: dict[str, Any]) -> str:
    """Title, then description and body where the row has them."""
    parts = (row.get("title"), row.get("description"), row.get("body"))
    return "\n\n".join(p for p in parts if p)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(embedder: Embedder, texts: Sequence[str], batch: int) -> float:
    """Texts/s, embedding one worker batch per call, after a warm-up batch."""
    embedder.batch_size = batch
    embedder.embed(texts[:batch])
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - started)


def uci_set(data: Path, rows: int) -> tuple[list[str], npt.NDArray[np.float64], list[str]]:
    """Titles, publication times (s) and story labels of the first labelled UCI rows."""
    kept = [r for r in read(data / UCI, rows) if r.get("published_at") and r.get("story_id")]
    times = [datetime.fromisoformat(r["published_at"]).timestamp() for r in kept]
    return [r["title"] for r in kept], np.array(times), [r["story_id"] for r in kept]


def story_queries(stories: list[str], count: int, seed: int) -> list[int]:
    """A seeded sample of rows whose story has at least 3 members in the set."""
    size = Counter(stories)
    eligible = [i for i, s in enumerate(stories) if size[s] >= 3]
    return random.Random(seed).sample(eligible, min(count, len(eligible)))


def same_story(
    score: Scorer, times: npt.NDArray[np.float64], stories: list[str], queries: list[int]
) -> tuple[float, float]:
    """Hit@1 and precision@5 of the nearest headlines within 3 days, against the stories."""
    labels = np.array(stories)
    hits, precisions = [], []
    for q in queries:
        near = np.flatnonzero(np.abs(times - times[q]) <= 3 * DAY)
        near = near[near != q]
        # A stable sort on the negated score keeps ties in row order: repeatable.
        top = near[np.argsort(-score(q, near), kind="stable")[:5]]
        same = labels[top] == labels[q]
        hits.append(bool(same[:1].any()))
        precisions.append(same.mean() if len(same) else 0.0)
    return float(np.mean(hits)), float(np.mean(precisions))


def huffpost_set(data: Path, rows: int, seed: int) -> tuple[list[str], list[str]]:
    """A seeded sample of HuffPost texts (title + description) and their categories."""
    sample = random.Random(seed).sample(read(data / HUFFPOST), rows)
    return [article_text(r) for r in sample], [r["category"] for r in sample]


def one_nn_accuracy(score: Scorer, categories: list[str]) -> float:
    """Leave-one-out 1-NN accuracy: the share of rows whose nearest other row has their label."""
    rows = np.arange(len(categories))
    correct = 0
    for q in rows:
        others = rows[rows != q]
        nearest = others[int(np.argmax(score(int(q), others)))]
        correct += categories[nearest] == categories[q]
    return correct / len(categories)


def vector_scorer(vectors: Vectors) -> Scorer:
    """Cosine of unit vectors."""
    return lambda q, candidates: (vectors[candidates] @ vectors[q]).astype(np.float64)


def word_scorer(texts: list[str]) -> Scorer:
    """The related baseline's cosine of content-word sets."""
    words = [content_words(t) for t in texts]

    def score(q: int, candidates: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
        a = words[q]
        return np.array(
            [
                len(a & words[c]) / (len(a) * len(words[c])) ** 0.5 if a and words[c] else 0.0
                for c in candidates
            ]
        )

    return score


def speed(
    name: str, data: Path, threads_options: Sequence[int], batches: Sequence[int]
) -> dict[str, Any]:
    """Load time, RSS and texts/s per thread count and batch size for one backend."""
    headlines = [r["title"] for r in read(data / UCI, 2_000)]
    articles = [article_text(r) for r in read(data / ECB)]
    result: dict[str, Any] = {"rss_base_mb": peak_rss_mb(), "speed": []}
    for threads in threads_options:
        started = time.perf_counter()
        embedder = load_embedder(name, batches[0], threads)
        result.setdefault("load_s", time.perf_counter() - started)
        for batch in batches:
            cpu, wall = time.process_time(), time.perf_counter()
            row = [threads, batch, throughput(embedder, headlines, batch)]
            row.append(throughput(embedder, articles, batch))
            # CPU time over wall time: 100% a thread that had a core to itself, less if not.
            row.append(100 * (time.process_time() - cpu) / (time.perf_counter() - wall))
            result["speed"].append(row)
        # Measured before a second model is loaded: one worker's footprint.
        result.setdefault("rss_peak_mb", peak_rss_mb())
    return result


def scorer(name: str, texts: list[str]) -> Scorer:
    """Word overlap, or the cosine of the backend's vectors (default settings)."""
    return word_scorer(texts) if name == WORDS else vector_scorer(load_embedder(name).embed(texts))


def quality(name: str, args: argparse.Namespace) -> list[list[float]]:
    """Quality A (hit@1, precision@5) and B (1-NN accuracy), one row per seed."""
    titles, times, stories = uci_set(args.data, args.uci_rows)
    score_titles = scorer(name, titles)
    rows = []
    for seed in args.seeds:
        queries = story_queries(stories, args.queries, seed)
        texts, categories = huffpost_set(args.data, args.huffpost_rows, seed)
        nn1 = one_nn_accuracy(scorer(name, texts), categories)
        rows.append([*same_story(score_titles, times, stories, queries), nn1])
    return rows


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one backend, or for the word-overlap baseline, in this process."""
    result = {} if name == WORDS else speed(name, args.data, THREADS, BATCHES)
    return {"name": name, **result, "quality": quality(name, args)}


def child(mode: str, name: str, args: argparse.Namespace) -> list[str]:
    """The command that runs this script for one backend in a fresh interpreter."""
    command = [sys.executable, __file__, str(args.data), mode, name]
    command += ["--uci-rows", str(args.uci_rows), "--queries", str(args.queries)]
    seeds = ",".join(map(str, args.seeds))
    return [*command, "--huffpost-rows", str(args.huffpost_rows), "--seeds", seeds]


def run_isolated(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run `measure` for one backend in its own process and return its figures."""
    done = subprocess.run(child("--only", name, args), capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    if name != WORDS:
        result["speed"].append(["2x1", BATCHES[0], *run_pair(name, args)])
    return result


def run_pair(name: str, args: argparse.Namespace) -> list[float]:
    """Headlines/s and articles/s of two 1-thread processes running at once: scale-out."""
    command = child("--pair", name, args)
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]  # noqa: S603
    rows = [json.loads(w.communicate()[0].splitlines()[-1])["speed"][0] for w in workers]
    return [sum(row[2] for row in rows), sum(row[3] for row in rows), sum(r[4] for r in rows)]


def print_tables(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print the speed table, then the quality table."""
    print("speed: texts/s, one embed() call per worker batch (2,000 UCI titles; ECB+ full text);")
    print("threads 2x1 = two 1-thread processes at once, their sum; CPU % = CPU time / wall time")
    head = f"{'threads':>7} {'batch':>5} {'headlines/s':>11} {'articles/s':>10} {'CPU %':>5}"
    print(f"{'backend':22} {head}")
    for r in results:
        for threads, batch, heads, arts, cpu in r.get("speed", []):
            # Two threads, or two processes, that got well under two cores shared the machine.
            short = cpu < 90 * (1 if threads == 1 else 2)
            line = f"{threads:>7} {batch:5} {heads:11,.0f} {arts:10,.1f} {cpu:5.0f}"
            print(f"{r['name']:22} {line}{' contended: rerun' if short else ''}")
    print(f"\n{'backend':22} {'load s':>6} {'RSS MB base':>11} {'RSS MB peak':>11}")
    for r in results:
        if "load_s" in r:
            line = f"{r['load_s']:6.2f} {r['rss_base_mb']:11,.0f} {r['rss_peak_mb']:11,.0f}"
            print(f"{r['name']:22} {line}")
    seeds = ", ".join(map(str, args.seeds))
    print(f"\nquality, mean (min-max) of seeds {seeds}: A = UCI first {args.uci_rows:,} rows,")
    print(f"{args.queries} queries, +-3 days; B = HuffPost {args.huffpost_rows:,} rows, 1-NN LOO")
    print(f"{'backend':22} {'A hit@1':>17} {'A P@5':>17} {'B 1-NN accuracy':>17}")
    for r in results:
        by_metric = np.array(r["quality"]).T
        cells = [f"{m.mean():.3f} ({m.min():.3f}-{m.max():.3f})" for m in by_metric]
        print(f"{r['name']:22} {' '.join(f'{c:>17}' for c in cells)}")


def majority_share(args: argparse.Namespace) -> float:
    """Mean share of the most common HuffPost category in the samples: B's floor."""
    samples = [huffpost_set(args.data, args.huffpost_rows, seed)[1] for seed in args.seeds]
    return float(np.mean([Counter(c).most_common(1)[0][1] / len(c) for c in samples]))


def names(text: str) -> list[str]:
    """Parse `a,b` into backend names (or the word-overlap baseline)."""
    chosen = text.split(",")
    if unknown := set(chosen) - {*EMBEDDERS, WORDS}:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))}")
    return chosen


def seed_list(text: str) -> list[int]:
    """Parse `1,2,3` into seeds."""
    return [int(part) for part in text.split(",")]


def main() -> None:
    """Measure every backend in its own process, then print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="the folder with the labelled data sets")
    parser.add_argument("--uci-rows", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--huffpost-rows", type=int, default=2_000)
    parser.add_argument("--seeds", type=seed_list, default=[1, 2, 3, 4], help="e.g. 1,2,3,4")
    parser.add_argument(
        "--backends", type=names, default=[*EMBEDDERS, WORDS], help="e.g. minilm-l6-int8"
    )
    parser.add_argument("--only", choices=[*EMBEDDERS, WORDS], help=argparse.SUPPRESS)
    parser.add_argument("--pair", choices=EMBEDDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only or args.pair:
        figures = (
            measure(args.only, args) if args.only else speed(args.pair, args.data, [1], BATCHES[:1])
        )
        print(json.dumps(figures))
        return
    load_before = os.getloadavg()[0]
    results = [run_isolated(name, args) for name in args.backends]
    print_tables(results, args)
    # Other processes on the machine take cores from the threads and processes measured here.
    print(f"\n{os.cpu_count()} cores; 1-minute load average before the runs {load_before:.2f}")
    print(f"(B: always the most common category would score {majority_share(args):.3f})")


if __name__ == "__main__":
    main()
