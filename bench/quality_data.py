"""The labelled articles bench/related_quality.py ingests: a UCI sample or ECB+ among UCI rows."""

import gzip
import itertools
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

UCI_FILE = "uci-news-aggregator.dev.jsonl.gz"
ECB_FILE = "ecbplus.dev.jsonl.gz"
DAY = 86_400
TEST_SHARE = 0.3  # the newest share of the UCI file: test data only
# What the ingest API accepts; `category` and `story_id` (the labels) are never among them.
INGEST_FIELDS = ("title", "description", "body", "url", "source", "published_at", "language")
TEXT_FIELDS = ("title", "description", "body")


@dataclass(frozen=True)
class Row:
    """One labelled article: what is ingested, the reference's text, and its labels."""

    key: str
    payload: dict[str, Any]
    ts: float
    story: str
    category: str
    ecb: bool = False

    @property
    def text(self) -> str:
        """The ingested text (title, description, body), as the TF-IDF reference reads it."""
        return "\n".join(str(self.payload[k]) for k in TEXT_FIELDS if k in self.payload)


def read_lines(path: Path) -> Iterator[str]:
    """Yield the lines of a gzip'd file, one at a time."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        yield from lines


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the rows of a gzip'd JSON Lines file, one at a time."""
    return (json.loads(line) for line in read_lines(path))


def to_row(raw: dict[str, Any], *, ecb: bool = False) -> Row:
    """Split a data-set row into the labels-free payload and the labels."""
    payload = {k: raw[k] for k in INGEST_FIELDS if raw.get(k) is not None}
    return Row(
        key=raw["id"],
        payload=payload,
        ts=parse_ts(payload["published_at"]),
        story=raw["story_id"],
        category=raw["category"],
        ecb=ecb,
    )


def parse_ts(value: str) -> float:
    """Epoch seconds of an ISO-8601 time (UTC when it names no zone)."""
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def iso(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`, as the data sets write it."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass
class StoryStats:
    """Per story, its most common category and size; rows per category in the whole file."""

    category: dict[str, str]
    size: dict[str, int]
    rows_per_category: Counter[str]


def story_stats(path: Path) -> StoryStats:
    """Stream the file once and count stories and categories."""
    by_story: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for raw in read_jsonl(path):
        by_story[raw["story_id"]][raw["category"]] += 1
    rows: Counter[str] = Counter()
    for counts in by_story.values():
        rows.update(counts)
    return StoryStats(
        category={s: c.most_common(1)[0][0] for s, c in by_story.items()},
        size={s: c.total() for s, c in by_story.items()},
        rows_per_category=rows,
    )


def choose_stories(stats: StoryStats, size: int, rng: random.Random) -> set[str]:
    """Whole stories, shuffled per category, until each category has its share of `size` rows."""
    total = stats.rows_per_category.total()
    chosen: set[str] = set()
    for category in sorted(stats.rows_per_category):
        target = math.ceil(size * stats.rows_per_category[category] / total)
        stories = [s for s, c in stats.category.items() if c == category]
        rng.shuffle(stories)
        rows = 0
        for story in stories:
            if rows >= target:
                break
            chosen.add(story)
            rows += stats.size[story]
    return chosen


def uci_sample(data: Path, size: int, seed: int) -> tuple[list[Row], StoryStats]:
    """At least `size` UCI rows: whole stories, stratified by category, in file order."""
    path = data / UCI_FILE
    stats = story_stats(path)
    chosen = choose_stories(stats, size, random.Random(seed))
    rows = [to_row(raw) for raw in read_jsonl(path) if raw["story_id"] in chosen]
    return rows, stats


def uci_window(
    data: Path, size: int, seed: int, share: float = 1.0, offset: int | None = None
) -> tuple[list[Row], StoryStats]:
    """Contiguous UCI rows from `offset`: every story of a stretch of time, or a `share` of them.

    With `share` below 1, whole stories are kept at random (seeded) from a stretch long enough
    to hold about `size` rows. The default offset is seeded within the file's newest 30%: the
    time split that keeps test data newer than any data a scorer was trained on.
    """
    path = data / UCI_FILE
    stats = story_stats(path)
    total = stats.rows_per_category.total()
    span = math.ceil(size / share)
    if offset is None:
        first = int(total * (1 - TEST_SHARE))
        offset = random.Random(f"{seed}:window").randrange(first, max(total - span, first) + 1)
    lines = itertools.islice(read_lines(path), offset, offset + span)
    window = [json.loads(line) for line in lines]
    rng = random.Random(f"{seed}:half")
    kept = {s for s in sorted({raw["story_id"] for raw in window}) if rng.random() < share}
    return [to_row(raw) for raw in window if raw["story_id"] in kept], stats


def ecb_mix(data: Path, distractors: int, seed: int) -> list[Row]:
    """Every ECB+ article, dated within two days in the middle of contiguous UCI distractors."""
    uci = data / UCI_FILE
    total = sum(1 for _ in read_lines(uci))
    offset = random.Random(f"{seed}:offset").randrange(max(total - distractors, 0) + 1)
    window = itertools.islice(read_lines(uci), offset, offset + distractors)
    mixed = [to_row(json.loads(line)) for line in window]
    middle = (min(r.ts for r in mixed) + max(r.ts for r in mixed)) / 2
    dates = random.Random(f"{seed}:dates")
    for raw in read_jsonl(data / ECB_FILE):
        when = middle - DAY + dates.uniform(0, 2 * DAY)
        mixed.append(to_row({**raw, "published_at": iso(when)}, ecb=True))
    return mixed
