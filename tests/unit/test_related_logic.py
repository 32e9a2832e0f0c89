from datetime import UTC, datetime

import pytest

from services.related.logic import (
    RelatedQuery,
    content_words,
    related_list,
    search_query,
    title_similarity,
)
from shared.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, tzinfo=UTC)
QUERY = RelatedQuery(limit=2, candidates=30, window_days=3, min_score=0.3)


def test_query_searches_the_title_within_the_window_excluding_itself() -> None:
    article = Article(id="d" * 24, title='Fed "holds" rates', published_at=WHEN)
    event = ArticleEnriched(article=article, enrichment=Enrichment(), ingested_at=WHEN)
    query = search_query(event, "articles", QUERY)
    ts = int(WHEN.timestamp())
    assert query["q"] == 'Fed "holds" rates'
    assert query["filter"] == (
        f"(published_ts >= {ts - 3 * 86400}) AND (published_ts <= {ts + 3 * 86400}) "
        f'AND (id != "{"d" * 24}")'
    )
    assert query["limit"] == 30


def test_content_words_drop_stop_words_and_punctuation() -> None:
    assert content_words("The Fed's new plan, says Yellen!") == {"fed", "plan", "yellen"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Fed holds rates", "Fed holds rates", 1.0),
        ("Fed holds rates", "Apple iPhone", 0.0),
        ("the of and", "Fed holds rates", 0.0),
        ("Fed holds rates", "Fed cuts rates again", 2 / (3 * 4) ** 0.5),
    ],
)
def test_title_similarity(a: str, b: str, expected: float) -> None:
    assert title_similarity(a, b) == pytest.approx(expected)


def test_related_list_is_best_first_bounded_and_skips_partial_documents() -> None:
    hits = [
        {"id": "1", "title": "Fed cuts rates again"},
        {"id": "2"},
        {"id": "3", "title": "Fed holds rates steady"},
        {"id": "4", "title": "Apple unveils iPhone"},
        {"id": "5", "title": "Rates: Fed holds"},
    ]
    related = related_list("Fed holds rates", hits, QUERY)
    assert [r["id"] for r in related] == ["5", "3"]
    assert related[0]["score"] == 1.0
