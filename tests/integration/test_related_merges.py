"""Story merges in real Redis: atomic, the older story keeps its id, old ids resolve."""

from datetime import UTC, datetime, timedelta

import meilisearch
import pytest

from services.related.meili import member_ids
from services.related.merges import article_moves
from services.related.store import RelatedStore, join_of
from shared.contracts.events import Article, ArticleEnriched, Enrichment
from shared.contracts.themes import ThemeScore
from tests.fixtures.search import search_settings, seed_indexes

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


def enriched(n: int, hours: float, source: str, theme: str) -> ArticleEnriched:
    published = WHEN + timedelta(hours=hours)
    article = Article(id=f"{n:024x}", title=f"Article {n}", published_at=published, source=source)
    themes = [ThemeScore(slug=theme, name=theme, level=1, top=theme, score=0.9)]
    enrichment = Enrichment(themes=themes)
    return ArticleEnriched(article=article, enrichment=enrichment, ingested_at=WHEN)


def sid(n: int) -> str:
    return f"{n:024x}"


async def two_stories(store: RelatedStore) -> None:
    """Story 1 (two articles from hour 0) and story 3 (two from hour 5)."""
    joins = [
        join_of(enriched(1, 0, "AP", "politics"), sid(1)),
        join_of(enriched(2, 1, "BBC", "politics"), sid(1)),
        join_of(enriched(3, 5, "CNN", "conflict"), sid(3)),
        join_of(enriched(4, 9, "AP", "conflict"), sid(3)),
    ]
    await store.join(joins)


async def test_the_older_story_takes_the_other_in_whole(store: RelatedStore) -> None:
    await two_stories(store)
    assert await store.merges.merge([(sid(3), sid(1))]) == [(sid(3), sid(1))]
    [kept] = await store.story_states([sid(1)])
    assert (kept.article_count, sorted(kept.sources)) == (4, ["AP", "BBC", "CNN"])
    assert kept.theme_counts == {"politics": 2, "conflict": 2}
    start = int(WHEN.timestamp())
    assert (kept.first_seen_ts, kept.last_seen_ts) == (start, start + 9 * 3600)
    assert await store.stories_of([sid(n) for n in range(1, 5)]) == {
        sid(n): sid(1) for n in range(1, 5)
    }
    [gone] = await store.story_states([sid(3)])
    assert gone.article_count == 0  # its keys are gone; only the alias is left


async def test_a_join_to_a_merged_story_goes_to_the_story_it_went_into(
    store: RelatedStore,
) -> None:
    await two_stories(store)
    await store.merges.merge([(sid(1), sid(3))])
    late = join_of(enriched(5, 10, "Reuters", "conflict"), sid(3))
    assert await store.join([late]) == {sid(5): sid(1)}
    [kept] = await store.story_states([sid(1)])
    assert kept.article_count == 5
    assert "Reuters" in kept.sources


async def test_merges_repeated_or_chained_make_one_story(store: RelatedStore) -> None:
    await two_stories(store)
    await store.join([join_of(enriched(6, 20, "AFP", "politics"), sid(6))])
    assert await store.merges.merge([(sid(3), sid(1)), (sid(3), sid(1))]) == [(sid(3), sid(1))]
    # Another worker still thinks story 3 is a story of its own: the merge follows the alias.
    assert await store.merges.merge([(sid(6), sid(3))]) == [(sid(6), sid(1))]
    assert set((await store.stories_of([sid(6), sid(4)])).values()) == {sid(1)}
    assert (await store.aliases([sid(3), sid(6)])) == {sid(3): sid(1), sid(6): sid(1)}


def test_the_merged_storys_indexed_articles_move_to_the_kept_id(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> None:
    settings = search_settings(service_env, monkeypatch)
    docs = [
        {"id": sid(n), "title": f"Article {n}", "story_id": sid(s), "_vectors": {"article": None}}
        for n, s in [(1, 1), (2, 1), (3, 3), (4, 3), (5, 5), (6, 6)]
    ]
    seed_indexes(meili_admin, settings, docs)
    index = meili_admin.index(settings.meili_index)
    # Story 5 went into 3 and then 3 into 1, in one batch: both end in story 1.
    moves = article_moves([(sid(5), sid(3)), (sid(3), sid(1))], lambda s: member_ids(index, s))
    assert sorted(moves, key=lambda m: m["id"]) == [
        {"id": sid(n), "story_id": sid(1)} for n in (3, 4, 5)
    ]
    assert article_moves([], lambda s: member_ids(index, s)) == []
