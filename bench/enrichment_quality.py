"""Enrichment quality on labelled data: themes on HuffPost, the seed page, UCI neighbours.

    .venv/bin/python -m bench.enrichment_quality ../shared/data [--uci 20000]

Themes are scored on the HuffPost test split (the newest 30%, by date, that the theme model
never saw: services/enrichment/theme_data.py), as the enricher returns them: an article with no
theme is a miss. Labels (`category`, `story_id`) are used only to score; they never reach the
enricher.
"""

import argparse
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.theme_data import (
    HUFFPOST_TO_IPTC,
    UCI_FILE,
    huffpost_splits,
    read_jsonl,
    row_article,
)
from services.enrichment.themes import ThemeRules
from shared.contracts.events import ArticleIngested
from shared.contracts.vectors import DEFAULT_EMBEDDER


def rows(path: Path, limit: int) -> list[dict[str, Any]]:
    """Read up to `limit` rows of a gzip'd JSON Lines file."""
    return [row for _, row in zip(range(limit), read_jsonl(path), strict=False)]


def event(row: dict[str, Any]) -> ArticleIngested:
    """The ingested event of a row, without its labels."""
    return ArticleIngested(article=row_article(row))


def top_themes(enriched: list[Any]) -> list[list[str]]:
    """Top-level theme slugs of each article, best first."""
    return [[t.slug for t in e.enrichment.themes if t.level == 1] for e in enriched]


def theme_report(enricher: Enricher, data: Path) -> dict[str, float]:
    """Top-1 and top-2 of the enricher's top-level themes on the HuffPost test split."""
    test = huffpost_splits(data)["test"]
    enriched = enricher.enrich([event(r) for r in test])
    gold = [HUFFPOST_TO_IPTC[r["category"]] for r in test]
    assigned = top_themes(enriched)
    figures = {
        "rows": len(test),
        "top1": float(np.mean([a[:1] == [g] for g, a in zip(gold, assigned, strict=True)])),
        "top2": float(np.mean([g in a[:2] for g, a in zip(gold, assigned, strict=True)])),
        "coverage": float(np.mean([bool(a) for a in assigned])),
        "two_themes": float(np.mean([len(a) > 1 for a in assigned])),
    }
    first, last = test[0]["published_at"], test[-1]["published_at"]
    print(f"\nthemes on the HuffPost test split ({len(test)} rows, {first} to {last}), as assigned")
    print("  top-1 {top1:.3f}  top-2 {top2:.3f}  coverage {coverage:.1%}".format(**figures))
    print(f"  two top-level themes on {figures['two_themes']:.1%}")
    vectors = np.array([e.enrichment.embedding for e in enriched], dtype=np.float32)
    ranking_report(enricher, vectors, gold)
    return figures


def ranking_report(enricher: Enricher, vectors: np.ndarray, gold: list[str]) -> None:
    """Top-1 and top-2 of the model's ranking (no floors), and its commonest confusions."""
    themes = enricher.models.themes
    order = np.argsort(-themes.top_probabilities(vectors), axis=1)[:, :2]
    ranked = [[themes.tops[i].slug for i in row] for row in order]
    top1 = np.mean([g == r[0] for g, r in zip(gold, ranked, strict=True)])
    top2 = np.mean([g in r for g, r in zip(gold, ranked, strict=True)])
    print(f"  ranking (no floors): top-1 {top1:.3f}  top-2 {top2:.3f}")
    misses = Counter((g, r[0]) for g, r in zip(gold, ranked, strict=True) if g != r[0])
    print("  most common confusions (gold -> predicted):", misses.most_common(5))


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
    headlines = enricher.enrich([event(r) for r in page["more_on_theme"]])
    for item, enriched in zip(page["more_on_theme"], headlines, strict=True):
        themes = [(t.slug, t.score) for t in enriched.enrichment.themes if t.level == 1]
        print(f"    {item['title'][:70]:72} {themes}")
    firsts = Counter(themes[0] if themes else "(none)" for themes in top_themes(headlines))
    print("  first themes of the headlines:", dict(firsts.most_common()))


def neighbour_report(enricher: Enricher, data: Path, limit: int, sample: int) -> None:
    """Report how often the nearest UCI headline within three days is in the same story."""
    uci = [r for r in rows(data / UCI_FILE, limit) if r["published_at"]]
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
    parser.add_argument("--uci", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--themes-only", action="store_true", help="skip the UCI neighbours")
    args = parser.parse_args()
    enricher = Enricher(load_models(args.embedder, ThemeRules()))
    print(f"embedder {args.embedder}, theme floors {enricher.models.themes.floors}")
    theme_report(enricher, args.data)
    seed_report(enricher, args.data)
    if not args.themes_only:
        neighbour_report(enricher, args.data, args.uci, args.sample)


if __name__ == "__main__":
    main()
