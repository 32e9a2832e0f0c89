"""Enrichment quality on labelled data: themes on HuffPost, the seed page, UCI neighbours.

    .venv/bin/python -m bench.enrichment_quality ../shared/data [--huffpost 7561] [--uci 20000]

Labels (`category`, `story_id`) are used only to score; they never reach the enricher.
"""

import argparse
import gzip
import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.themes import ThemeRules
from shared.events import Article, ArticleIngested
from shared.ids import article_id
from shared.vectors import DEFAULT_EMBEDDER

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


def rows(path: Path, limit: int) -> list[dict[str, Any]]:
    """Read up to `limit` rows of a gzip'd JSON Lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for _, line in zip(range(limit), lines, strict=False)]


def event(row: dict[str, Any]) -> ArticleIngested:
    """The ingested event of a row, without its labels."""
    title = row["title"] or "(untitled)"
    when = row.get("published_at")
    published = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    key = article_id(canonical=None, source=row.get("source"), title=title, published_at=published)
    return ArticleIngested(
        article=Article(
            id=key,
            title=title,
            body=row.get("body"),
            description=row.get("description"),
            source=row.get("source"),
            published_at=published,
            language=row.get("language"),
        )
    )


def top_themes(enriched: list[Any]) -> list[list[str]]:
    """Top-level theme slugs of each article, best first."""
    return [[t.slug for t in e.enrichment.themes if t.level == 1] for e in enriched]


def theme_report(enricher: Enricher, data: Path, limit: int) -> None:
    """Top-1 and top-2 accuracy of top-level themes on the mapped HuffPost categories."""
    labelled = [
        r
        for r in rows(data / "huffpost-news-category.dev.jsonl.gz", limit)
        if r["category"] in HUFFPOST_TO_IPTC
    ]
    enriched = enricher.enrich([event(r) for r in labelled])
    vectors = np.array([e.enrichment.embedding for e in enriched], dtype=np.float32)
    print(
        f"\nthemes on HuffPost: {len(labelled)} rows in {len(set(HUFFPOST_TO_IPTC))} mapped "
        "categories (ranking every top-level topic, then as assigned by the rules)"
    )
    ranked = rank_tops(enricher, vectors)
    gold = [HUFFPOST_TO_IPTC[r["category"]] for r in labelled]
    top1 = np.mean([g == r[0] for g, r in zip(gold, ranked, strict=True)])
    top2 = np.mean([g in r[:2] for g, r in zip(gold, ranked, strict=True)])
    print(f"  ranking: top-1 {top1:.3f}  top-2 {top2:.3f}")
    assigned = top_themes(enriched)
    covered = np.mean([bool(a) for a in assigned])
    right = np.mean([g in a for g, a in zip(gold, assigned, strict=True) if a])
    print(f"  assigned: {covered:.1%} get a theme; of those, {right:.3f} include the right one")
    misses = Counter((g, r[0]) for g, r in zip(gold, ranked, strict=True) if g != r[0])
    print("  most common confusions (gold -> predicted):", misses.most_common(5))


def rank_tops(enricher: Enricher, vectors: np.ndarray) -> list[list[str]]:
    """Every top-level topic, best first, per vector (rules off: no floor, no cap)."""
    themes = enricher.models.themes
    saved = themes.rules
    themes.rules = ThemeRules(min_score=-1.0, margin=2.0, max_top=len(themes.tops))
    try:
        return [[t.slug for t in ts if t.level == 1] for ts in themes.classify(vectors)]
    finally:
        themes.rules = saved


def seed_report(enricher: Enricher, data: Path) -> None:
    """Entities and themes of the seed article; themes of its "more on theme" headlines."""
    page = json.loads((data / "seed" / "seed-page.json").read_text(encoding="utf-8"))
    article = page["article"]
    row = {
        "title": article["title"],
        "description": article.get("lede"),
        "body": article["body"],
        "published_at": article.get("published_at"),
    }
    (main,) = enricher.enrich([event(row)])
    print("\nseed article:", main.article.title)
    print("  language", main.enrichment.language, main.enrichment.language_confidence)
    print("  entities", [(e.name, e.type, e.mentions, e.country) for e in main.enrichment.entities])
    print("  keywords", main.enrichment.keywords)
    print("  themes  ", [(t.slug, t.score) for t in main.enrichment.themes])
    print("  more on theme headlines (top-level themes):")
    for item, enriched in zip(
        page["more_on_theme"],
        enricher.enrich([event(r) for r in page["more_on_theme"]]),
        strict=True,
    ):
        themes = [(t.slug, t.score) for t in enriched.enrichment.themes if t.level == 1]
        print(f"    {item['title'][:70]:72} {themes}")


def neighbour_report(enricher: Enricher, data: Path, limit: int, sample: int) -> None:
    """Report how often the nearest UCI headline within three days is in the same story."""
    uci = [r for r in rows(data / "uci-news-aggregator.dev.jsonl.gz", limit) if r["published_at"]]
    enriched = enricher.enrich([event(r) for r in uci])
    vectors = np.array([e.enrichment.embedding for e in enriched], dtype=np.float32)
    times = np.array([e.timestamp for e in enriched])
    stories = [r["story_id"] for r in uci]
    size = Counter(stories)
    candidates = [i for i, s in enumerate(stories) if size[s] >= 3]
    picks = random.Random(7).sample(candidates, min(sample, len(candidates)))
    hits = 0
    for i in picks:
        sims = vectors @ vectors[i]
        sims[i] = -2.0
        sims[np.abs(times - times[i]) > 3 * 86_400] = -2.0
        hits += stories[int(np.argmax(sims))] == stories[i]
    print(
        f"\nUCI nearest neighbour within 3 days in the same story: {hits / len(picks):.3f} "
        f"({len(picks)} queries over {len(uci)} headlines)"
    )


def main() -> None:
    """Load the models once, then print each report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--huffpost", type=int, default=7561)
    parser.add_argument("--uci", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args()
    enricher = Enricher(load_models(args.embedder, ThemeRules()))
    print(f"embedder {args.embedder}, theme rules {ThemeRules()}")
    theme_report(enricher, args.data, args.huffpost)
    seed_report(enricher, args.data)
    neighbour_report(enricher, args.data, args.uci, args.sample)


if __name__ == "__main__":
    main()
