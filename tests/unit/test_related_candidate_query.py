from datetime import UTC, datetime
from typing import Any

from services.related.candidate_query import (
    CandidateQuery,
    candidate_ids,
    first_queries,
)
from services.related.words import content_words, title_similarity
from shared.contracts.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, tzinfo=UTC)
QUERY = CandidateQuery(candidates=30, window_days=3)


def enriched(title: str, embedding: list[float] | None = None) -> ArticleEnriched:
    article = Article(id="d" * 24, title=title, published_at=WHEN)
    return ArticleEnriched(
        article=article, enrichment=Enrichment(embedding=embedding), ingested_at=WHEN
    )


def test_keyword_query_searches_the_title_within_the_window_excluding_itself() -> None:
    (keyword,) = first_queries(enriched('Fed "holds" rates'), "articles", QUERY)
    ts = int(WHEN.timestamp())
    assert keyword["q"] == 'Fed "holds" rates'
    assert keyword["filter"] == (
        f"(published_ts >= {ts - 3 * 86400}) AND (published_ts <= {ts + 3 * 86400}) "
        f'AND (id != "{"d" * 24}") AND (story_id EXISTS)'
    )
    assert keyword["limit"] == 30
    assert "vector" not in keyword


def test_an_article_with_an_embedding_also_gets_a_vector_search_in_the_same_window() -> None:
    keyword, vector = first_queries(enriched("Fed holds", [0.6, 0.8]), "articles", QUERY)
    assert vector["vector"] == [0.6, 0.8]
    assert vector["hybrid"] == {"embedder": "article", "semanticRatio": 1.0}
    assert vector["filter"] == keyword["filter"]


def test_candidates_are_every_hit_once_in_order() -> None:
    results: list[dict[str, Any]] = [
        {"hits": [{"id": "a", "title": "one"}, {"id": "b"}]},
        {"hits": [{"id": "a", "_rankingScore": 0.5}, {"id": "c"}]},
    ]
    assert candidate_ids(results) == ["a", "b", "c"]


def test_content_words_drop_stop_words_punctuation_and_case() -> None:
    assert content_words("The Fed's new Chair says: rates WILL rise") == {
        "fed",
        "chair",
        "rates",
        "rise",
    }


def test_title_similarity_is_the_cosine_of_content_words() -> None:
    assert title_similarity("Fed holds rates", "Fed holds rates") == 1.0
    assert title_similarity("Fed holds rates", "Apple unveils iPhone") == 0.0
    assert title_similarity("", "Fed") == 0.0
    assert round(title_similarity("Fed holds rates", "Fed raises rates"), 3) == 0.667
