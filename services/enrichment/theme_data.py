"""Labelled texts for the theme classifier: what it is trained on and measured against.

Shared by `train_themes` (training) and `bench/enrichment_quality.py` (measuring), so both use
the same category mappings and the same time split. Labels never reach the enricher.
"""

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from services.enrichment.article_text import lede_of
from services.enrichment.batch_steps import embedding_text
from shared.contracts.events import Article
from shared.contracts.ids import article_id
from shared.contracts.themes import Taxonomy

HUFFPOST_FILE = "huffpost-news-category.dev.jsonl.gz"
UCI_FILE = "uci-news-aggregator.dev.jsonl.gz"
TEST_SHARE = 0.3  # the newest share of HuffPost: test data, never trained or tuned on
VALIDATION_SHARE = 0.2  # the newest share of the rest: calibration, floors, hyper-parameters
UCI_OLDER_SHARE = 0.5  # UCI rows are sampled from the older half of the file
NO_THEME = "(none)"  # the label of texts with no news topic: junk, page furniture

# HuffPost categories with one clear IPTC top-level counterpart. Left out, on purpose:
# U.S. NEWS and WORLD NEWS (places, not topics), COMEDY, WEIRD NEWS and IMPACT (tone or
# section, any topic), BLACK/QUEER/LATINO VOICES and WOMEN (communities: any topic),
# PARENTING and WEDDINGS (split between society and lifestyle in IPTC).
HUFFPOST_TO_IPTC = {
    "POLITICS": "politics-and-government",
    "ENTERTAINMENT": "arts-culture-entertainment-and-media",
    "CULTURE & ARTS": "arts-culture-entertainment-and-media",
    "MEDIA": "arts-culture-entertainment-and-media",  # IPTC files mass media under arts
    "CRIME": "crime-law-and-justice",
    "SPORTS": "sport",
    "ENVIRONMENT": "environment",
    "BUSINESS": "economy-business-and-finance",
    "MONEY": "economy-business-and-finance",
    "RELIGION": "religion",
    "TECH": "science-and-technology",
    "SCIENCE": "science-and-technology",
    "WELLNESS": "health",
    "EDUCATION": "education",
    "STYLE & BEAUTY": "lifestyle-and-leisure",
    "HOME & LIVING": "lifestyle-and-leisure",
    "FOOD & DRINK": "lifestyle-and-leisure",
    "TRAVEL": "lifestyle-and-leisure",
}
UCI_TO_IPTC = {
    "business": "economy-business-and-finance",
    "science_technology": "science-and-technology",
    "entertainment": "arts-culture-entertainment-and-media",
    "health": "health",
}


@dataclass(frozen=True)
class Labelled:
    """One training or test text, with its top-level topic slug and where it came from."""

    text: str
    top: str
    source: str


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the rows of a gzip'd JSON Lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines)


def row_article(row: dict[str, Any]) -> Article:
    """The article of a data-set row, without its labels (as ingest would build it)."""
    title = row["title"] or "(untitled)"
    when = row.get("published_at")
    published = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    key = article_id(canonical=None, source=row.get("source"), title=title, published_at=published)
    return Article(
        id=key,
        title=title,
        body=row.get("body"),
        description=row.get("description"),
        source=row.get("source"),
        published_at=published,
        language=row.get("language"),
    )


def article_text(row: dict[str, Any]) -> str:
    """The text the enricher embeds for this row: title and lede."""
    article = row_article(row)
    return embedding_text(article, lede_of(article))


def time_split(rows: list[dict[str, Any]], newest: float) -> tuple[list[Any], list[Any]]:
    """Split rows into older and newest (`newest` share), on a day boundary: no day in both."""
    ordered = sorted(rows, key=lambda r: str(r["published_at"])[:10])  # stable: file order
    boundary = str(ordered[int(len(ordered) * (1 - newest))]["published_at"])[:10]
    older = [r for r in ordered if str(r["published_at"])[:10] < boundary]
    return older, ordered[len(older) :]


def huffpost_splits(data: Path) -> dict[str, list[dict[str, Any]]]:
    """HuffPost rows by split (train, validation, test), mapped categories only."""
    rest, test = time_split(list(read_jsonl(data / HUFFPOST_FILE)), TEST_SHARE)
    train, validation = time_split(rest, VALIDATION_SHARE)
    splits = {"train": train, "validation": validation, "test": test}
    return {k: [r for r in v if r["category"] in HUFFPOST_TO_IPTC] for k, v in splits.items()}


def huffpost_labelled(rows: list[dict[str, Any]]) -> list[Labelled]:
    """HuffPost rows as labelled texts."""
    return [Labelled(article_text(r), HUFFPOST_TO_IPTC[r["category"]], "huffpost") for r in rows]


def uci_labelled(data: Path, per_category: int, seed: int) -> list[Labelled]:
    """A seeded sample of `per_category` UCI headlines per category, from the older rows."""
    rows = list(read_jsonl(data / UCI_FILE))  # the file is in time order
    older = rows[: int(len(rows) * UCI_OLDER_SHARE)]
    rng = random.Random(seed)  # noqa: S311 - seeded, repeatable sampling; no secret
    picked: list[Labelled] = []
    for category, top in sorted(UCI_TO_IPTC.items()):
        pool = [r for r in older if r["category"] == category]
        picked += [Labelled(article_text(r), top, "uci") for r in rng.sample(pool, per_category)]
    return picked


def example_labelled() -> list[Labelled]:
    """The hand-written example headlines per top-level topic, and texts with none."""
    path = resources.files("shared.contracts").joinpath("taxonomy/theme-examples.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [Labelled(r["text"], r["top"] or NO_THEME, "examples") for r in rows]


def junk_labelled(count: int, seed: int) -> list[Labelled]:
    """Seeded nonsense (letter runs, digits, symbols): what must get no theme."""
    rng = random.Random(seed)  # noqa: S311 - seeded, repeatable sampling; no secret
    letters, symbols = "abcdefghijklmnopqrstuvwxyz", "0123456789!?.,-#*@"

    def word() -> str:
        alphabet = letters if rng.random() < 0.8 else symbols
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))

    texts = [" ".join(word() for _ in range(rng.randint(1, 6))) for _ in range(count)]
    return [Labelled(t, NO_THEME, "junk") for t in texts]


def taxonomy_labelled(taxonomy: Taxonomy) -> list[Labelled]:
    """Every IPTC topic's name and definition, labelled with its top-level topic."""
    slug_of = {t.id: t.slug for t in taxonomy.top_level()}
    return [Labelled(f"{t.name}: {t.definition}", slug_of[t.top], "iptc") for t in taxonomy.topics]
