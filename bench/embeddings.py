"""Speed, memory and quality of the sentence embedders, on the labelled data in DATA_DIR.

    PYTHONPATH=. .venv/bin/python bench/embeddings.py ../shared/data

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

from services.enrichment.embeddings import (
    EMBEDDERS,
    Embedder,
    Vectors,
    load_embedder,
)
from services.related.logic import content_words

UCI = "uci-news-aggregator.dev.jsonl.gz"
HUFFPOST = "huffpost-news-category.dev.jsonl.gz"
ECB = "ecbplus.dev.jsonl.gz"
DAY = 86_400.0
THREADS = (1, 2)
BATCHES = (32, 128)
WORDS = "word overlap"
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


def speed(name: str, data: Path) -> dict[str, Any]:
    """Load time, RSS and texts/s per thread count and batch size for one backend."""
    headlines = [r["title"] for r in read(data / UCI, 2_000)]
    articles = [article_text(r) for r in read(data / ECB)]
    result: dict[str, Any] = {"rss_base_mb": peak_rss_mb(), "speed": []}
    for threads in THREADS:
        started = time.perf_counter()
        embedder = load_embedder(name, BATCHES[0], threads)
        result.setdefault("load_s", time.perf_counter() - started)
        for batch in BATCHES:
            row = [threads, batch, throughput(embedder, headlines, batch)]
            result["speed"].append([*row, throughput(embedder, articles, batch)])
        # Measured before a second model is loaded: one worker's footprint.
        result.setdefault("rss_peak_mb", peak_rss_mb())
    return result


def quality(
    score_titles: Scorer, score_huffpost: Scorer, args: argparse.Namespace
) -> dict[str, Any]:
    """Quality A and B for one way of scoring."""
    _, times, stories = uci_set(args.data, args.uci_rows)
    queries = story_queries(stories, args.queries, args.seed)
    hit1, p5 = same_story(score_titles, times, stories, queries)
    _, categories = huffpost_set(args.data, args.huffpost_rows, args.seed)
    return {"hit1": hit1, "p5": p5, "nn1": one_nn_accuracy(score_huffpost, categories)}


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one backend, or for the word-overlap baseline, in this process."""
    titles, _, _ = uci_set(args.data, args.uci_rows)
    texts, _ = huffpost_set(args.data, args.huffpost_rows, args.seed)
    if name == WORDS:
        return {"name": name, **quality(word_scorer(titles), word_scorer(texts), args)}
    result = {"name": name, **speed(name, args.data)}
    embedder = load_embedder(name, 128, 1)
    started = time.perf_counter()
    scorers = vector_scorer(embedder.embed(titles)), vector_scorer(embedder.embed(texts))
    result["quality_embed_s"] = time.perf_counter() - started
    return {**result, **quality(*scorers, args)}


def run_isolated(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run `measure` for one backend in a fresh interpreter and return its figures."""
    command = [sys.executable, __file__, str(args.data), "--only", name]
    command += ["--uci-rows", str(args.uci_rows), "--queries", str(args.queries)]
    command += ["--huffpost-rows", str(args.huffpost_rows), "--seed", str(args.seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def print_tables(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print the speed table, then the quality table."""
    print("speed: texts/s, one embed() call per worker batch (2,000 UCI titles; ECB+ full text)")
    print(f"{'backend':22} {'threads':>7} {'batch':>5} {'headlines/s':>11} {'articles/s':>10}")
    for r in results:
        for threads, batch, heads, arts in r.get("speed", []):
            print(f"{r['name']:22} {threads:7} {batch:5} {heads:11,.0f} {arts:10,.1f}")
    print(f"\n{'backend':22} {'load s':>6} {'RSS MB base':>11} {'RSS MB peak':>11}")
    for r in results:
        if "load_s" in r:
            line = f"{r['load_s']:6.2f} {r['rss_base_mb']:11,.0f} {r['rss_peak_mb']:11,.0f}"
            print(f"{r['name']:22} {line}")
    print(
        f"\nquality: A = UCI first {args.uci_rows:,} rows, {args.queries} queries, +-3 days; "
        f"B = HuffPost {args.huffpost_rows:,} rows, 1-NN leave-one-out (seed {args.seed})"
    )
    print(f"{'backend':22} {'A hit@1':>7} {'A P@5':>6} {'B 1-NN acc':>10}")
    for r in results:
        print(f"{r['name']:22} {r['hit1']:7.3f} {r['p5']:6.3f} {r['nn1']:10.3f}")


def main() -> None:
    """Measure every backend in its own process, then print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="the folder with the labelled data sets")
    parser.add_argument("--uci-rows", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--huffpost-rows", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=[*EMBEDDERS, WORDS], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args)))
        return
    results = [run_isolated(name, args) for name in (*EMBEDDERS, WORDS)]
    _, categories = huffpost_set(args.data, args.huffpost_rows, args.seed)
    print_tables(results, args)
    majority = Counter(categories).most_common(1)[0][1] / len(categories)
    print(f"(B: always the most common category would score {majority:.3f})")


if __name__ == "__main__":
    main()
