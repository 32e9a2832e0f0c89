"""Articles/s and peak memory of each enrichment component, each in a fresh process.

    .venv/bin/python bench/enrichment_components.py ../shared/data

Full text: ECB+ dev (title + body, 772 articles). Headlines: the first 2,000 UCI dev titles.
Only text fields are read; the ground-truth fields are never touched.
"""

import argparse
import concurrent.futures
import gzip
import itertools
import json
import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FULL_TEXT = "ecbplus.dev.jsonl.gz"
HEADLINES = "uci-news-aggregator.dev.jsonl.gz"
HEADLINE_COUNT = 2_000
# What the worker sends to language detection: title, description, start of the body.
LANGUAGE_BODY_CHARS = 1_000
WARM_UP = 10
COMPONENTS = ("language", "entities", "keywords")


@dataclass(frozen=True)
class Result:
    """One component's figures, measured in its own process."""

    component: str
    load_s: float
    full_text_per_s: float
    headlines_per_s: float
    peak_rss_mb: float


def rows(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read up to `limit` rows of a gzip'd JSON Lines file, text fields only."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        parsed = (json.loads(line) for line in itertools.islice(lines, limit))
        return [{k: row.get(k) or "" for k in ("title", "description", "body")} for row in parsed]


def full_text(row: dict[str, Any]) -> str:
    """Title and body, as entities and keywords read them."""
    return f"{row['title']}\n\n{row['body']}".strip()


def language_text(row: dict[str, Any]) -> str:
    """Title, description and the start of the body, as language detection reads them."""
    return f"{row['title']}\n{row['description']}\n{row['body'][:LANGUAGE_BODY_CHARS]}".strip()


def build(component: str) -> Callable[[list[dict[str, Any]]], object]:
    """Load one component's model and return a function that runs it on a batch of rows."""
    if component == "language":
        from services.enrichment.language import LanguageDetector  # noqa: PLC0415

        detector = LanguageDetector()
        return lambda batch: detector.detect_many([language_text(row) for row in batch])
    if component == "entities":
        from services.enrichment.entities import EntityExtractor  # noqa: PLC0415

        extractor = EntityExtractor()
        return lambda batch: extractor.extract_many([full_text(row) for row in batch])
    from services.enrichment.keywords import KeywordExtractor  # noqa: PLC0415

    keywords = KeywordExtractor()
    return lambda batch: keywords.extract_many(
        [full_text(row) for row in batch], ["en"] * len(batch)
    )


def rate(run: Callable[[list[dict[str, Any]]], object], batch: list[dict[str, Any]]) -> float:
    """Articles per second of `run` over `batch`, after a short warm-up."""
    run(batch[:WARM_UP])
    started = time.perf_counter()
    run(batch)
    return len(batch) / (time.perf_counter() - started)


def measure(component: str, data: Path) -> Result:
    """Load one component and time it on both data sets; runs in a fresh process."""
    articles = rows(data / FULL_TEXT)
    headlines = rows(data / HEADLINES, HEADLINE_COUNT)
    # Imports are inside build(): the process's memory is the component's alone.
    started = time.perf_counter()
    run = build(component)
    load_s = time.perf_counter() - started
    return Result(
        component=component,
        load_s=load_s,
        full_text_per_s=rate(run, articles),
        headlines_per_s=rate(run, headlines),
        # Linux reports ru_maxrss in KiB.
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def in_fresh_process(component: str, data: Path) -> Result:
    """Run measure() in a new interpreter, so one model's memory does not count for another."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure, component, data).result()


def table(results: Sequence[Result]) -> str:
    """Format the results as a Markdown table."""
    lines = [
        "| component | load s | ECB+ full text /s | UCI headlines /s | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.component} | {r.load_s:.2f} | {r.full_text_per_s:,.1f} | "
        f"{r.headlines_per_s:,.0f} | {r.peak_rss_mb:,.0f} |"
        for r in results
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure each component in turn and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="directory holding the data sets")
    parser.add_argument("--only", choices=COMPONENTS, action="append", help="repeatable")
    args = parser.parse_args()
    results = [in_fresh_process(name, args.data) for name in args.only or COMPONENTS]
    print(table(results))


if __name__ == "__main__":
    main()
