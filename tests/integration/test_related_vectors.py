"""The related worker's stored vectors in real Redis: appended once per join, read incrementally."""

import struct
from datetime import UTC, datetime, timedelta

import numpy as np

from services.related.store import RelatedStore, join_of
from services.related.vectors import FLOAT16
from shared.contracts.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


def enriched(n: int, hours: float, vector: list[float] | None) -> ArticleEnriched:
    published = WHEN + timedelta(hours=hours)
    article = Article(id=f"{n:024x}", title=f"Article {n}", published_at=published)
    enrichment = Enrichment(embedding=vector)
    return ArticleEnriched(article=article, enrichment=enrichment, ingested_at=WHEN)


async def test_joined_articles_are_in_the_window_once_with_their_time_and_unit_vector(
    store: RelatedStore,
) -> None:
    first = [enriched(1, 0, [3.0, 4.0]), enriched(2, 2.5, [0.0, 2.0]), enriched(3, 1, None)]
    await store.join([join_of(e, e.article.id) for e in first])
    await store.join([join_of(first[0], "f" * 24)])  # a replay: no second record
    ts = int(WHEN.timestamp())
    window = await store.vectors.window(2, [ts // 3600 + h for h in range(4)])
    assert window.ids == [f"{1:024x}", f"{2:024x}"]  # no vector, no record
    assert window.ts.tolist() == [ts, ts + 9000]
    assert np.allclose(window.units(), [[0.6, 0.8], [0.0, 1.0]], atol=0.01)
    assert window.steps.dtype == np.int8  # as stored: a quarter of float32's memory


async def test_a_window_read_again_adds_what_other_workers_joined_since(
    store: RelatedStore, redis_server: str, namespace: str
) -> None:
    ts = int(WHEN.timestamp())
    await store.join([join_of(enriched(1, 0, [1.0, 0.0]), f"{1:024x}")])
    assert len((await store.vectors.window(2, [ts // 3600])).ids) == 1
    other = RelatedStore(store.redis, namespace, 3600)
    await other.join([join_of(enriched(2, 0.5, [0.0, 1.0]), f"{1:024x}")])
    window = await store.vectors.window(2, [ts // 3600])
    assert window.ids == [f"{1:024x}", f"{2:024x}"]
    assert (await store.vectors.window(2, [ts // 3600 + 2])).ids == []


async def test_an_hour_that_expired_and_started_again_is_read_anew(store: RelatedStore) -> None:
    ts = int(WHEN.timestamp())
    await store.join([join_of(enriched(1, 0, [1.0, 0.0]), f"{1:024x}")])
    assert (await store.vectors.window(2, [ts // 3600])).ids == [f"{1:024x}"]
    await store.redis.delete(store.vectors.key(2, ts // 3600))
    await store.join([join_of(enriched(2, 0, [0.0, 1.0]), f"{2:024x}")])
    assert (await store.vectors.window(2, [ts // 3600])).ids == [f"{2:024x}"]


async def test_the_window_of_articles_far_apart_holds_only_their_own_hours(
    store: RelatedStore,
) -> None:
    far = [enriched(1, 0, [1.0, 0.0]), enriched(2, 24 * 365 * 10, [0.0, 1.0])]
    await store.join([join_of(e, e.article.id) for e in far])
    window = await store.vectors.around(far, 3600)
    assert window is not None
    assert sorted(window.ids) == [f"{1:024x}", f"{2:024x}"]
    assert await store.vectors.around([enriched(3, 0, None)], 3600) is None


async def test_hours_written_as_float16_before_are_still_read(store: RelatedStore) -> None:
    ts = int(WHEN.timestamp())
    older = f"{7:024x}".encode() + struct.pack("<q", ts) + np.array([0.0, 2.0], "<f2").tobytes()
    await store.redis.append(store.vectors.key(2, ts // 3600, FLOAT16), older)
    await store.join([join_of(enriched(1, 0, [3.0, 4.0]), f"{1:024x}")])
    window = await store.vectors.window(2, [ts // 3600])
    assert sorted(window.ids) == [f"{1:024x}", f"{7:024x}"]
    assert np.allclose(window.units([window.column[f"{7:024x}"]])[0], [0.0, 1.0])
    assert np.allclose(window.units([window.column[f"{1:024x}"]])[0], [0.6, 0.8], atol=0.01)


async def test_every_joined_article_stores_its_title_words_with_or_without_a_vector(
    store: RelatedStore,
) -> None:
    placed = [enriched(1, 0, [1.0, 0.0]), enriched(2, 0.5, None)]
    await store.join([join_of(e, e.article.id) for e in placed])
    await store.join([join_of(placed[0], "f" * 24)])  # a replay: no second line
    window = await store.vectors.around([enriched(3, 0, [0.0, 1.0])], 3600)
    assert window is not None
    assert window.ids == [f"{1:024x}"]
    assert window.titles.ids == [f"{1:024x}", f"{2:024x}"]
    assert window.titles.ts.tolist() == [int(WHEN.timestamp()), int(WHEN.timestamp()) + 1800]
