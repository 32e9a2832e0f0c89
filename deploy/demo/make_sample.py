"""Regenerate sample.jsonl from the UCI News Aggregator export (see ATTRIBUTION.md).

Usage: python deploy/demo/make_sample.py PATH/uci-news-aggregator.dev.jsonl.gz

Picks same-story clusters from a few days, so the demo has related stories to show, plus single
headlines from other stories, spread over the four categories. The dataset's labels (category,
story_id) only guide the choice: they are stripped, with every field the ingest API does not take.
"""

import argparse
import datetime as dt
import gzip
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Fewer words are page furniture scraped as a title ("Search this site:"), not a headline.
MIN_TITLE_WORDS = 4
KEPT_FIELDS = ("title", "description", "url", "source", "published_at", "language")
OUT = Path(__file__).with_name("sample.jsonl")

Row = dict[str, Any]


def main(argv: list[str] | None = None) -> None:
    """Write the sample and report its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="uci-news-aggregator.dev.jsonl.gz")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--start", default="2014-05-19", help="first day (UTC) of the window")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--stories", type=int, default=6, help="clusters per category")
    parser.add_argument("--min-size", type=int, default=8, help="fewest headlines per cluster")
    parser.add_argument("--max-size", type=int, default=11, help="most headlines per cluster")
    parser.add_argument("--singles", type=int, default=12, help="lone headlines per category")
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args(argv)
    first = dt.date.fromisoformat(args.start)
    window = {(first + dt.timedelta(days=n)).isoformat() for n in range(args.days)}
    clusters = group_stories(read_rows(args.data), window)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible choice, not a secret
    picked = pick(clusters, rng, args)
    picked.sort(key=lambda row: row["published_at"])
    with args.out.open("w", encoding="utf-8") as out:
        for row in picked:
            out.write(json.dumps({k: row.get(k) for k in KEPT_FIELDS}, ensure_ascii=False) + "\n")
    sys.stderr.write(f"wrote {len(picked)} headlines to {args.out}\n")


def read_rows(path: Path) -> Iterator[Row]:
    """Rows of the gzip'd JSON Lines export with a headline, an http(s) URL and a time."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            headline = len((row.get("title") or "").split()) >= MIN_TITLE_WORDS
            url = row.get("url") or ""
            if headline and row.get("published_at") and url.startswith(("http://", "https://")):
                yield row


def group_stories(rows: Iterator[Row], window: set[str]) -> dict[str, list[Row]]:
    """Rows published inside `window` (ISO dates), by story, without repeated titles or URLs."""
    clusters: dict[str, list[Row]] = defaultdict(list)
    seen: set[str] = set()
    for row in rows:
        keys = {row["title"].strip().lower(), row["url"]}
        if row["published_at"][:10] in window and not keys & seen:
            seen |= keys
            clusters[row["story_id"]].append(row)
    return clusters


def pick(clusters: dict[str, list[Row]], rng: random.Random, args: argparse.Namespace) -> list[Row]:
    """Whole clusters and single headlines, the same number of each per category."""
    by_category: dict[str, list[str]] = defaultdict(list)
    for story, rows in sorted(clusters.items()):
        by_category[rows[0]["category"]].append(story)
    picked: list[Row] = []
    for category in sorted(by_category):
        stories = by_category[category]
        big = [s for s in stories if len(clusters[s]) >= args.min_size]
        chosen = rng.sample(big, min(args.stories, len(big)))
        for story in chosen:
            rows = clusters[story]
            picked += rng.sample(rows, min(args.max_size, len(rows)))
        others = [s for s in stories if s not in chosen]
        for story in rng.sample(others, min(args.singles, len(others))):
            picked.append(rng.choice(clusters[story]))
    return picked


if __name__ == "__main__":
    main()
