from datetime import UTC, datetime, timedelta

import pytest

from services.related.lists import cut_relative, index_updates, shown_entries
from services.related.mates import batch_mates
from services.related.nearest import cosines_with
from shared.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, tzinfo=UTC)


def event(n: int, title: str, embedding: list[float] | None, days: float = 0) -> ArticleEnriched:
    article = Article(id=f"{n:024x}", title=title, published_at=WHEN + timedelta(days=days))
    enrichment = Enrichment(embedding=embedding)
    return ArticleEnriched(article=article, enrichment=enrichment, ingested_at=WHEN)


def test_batch_mates_are_the_most_similar_others_within_the_window() -> None:
    events = [
        event(1, "Fed holds rates", [1.0, 0.0]),
        event(2, "Fed keeps rates", [0.8, 0.6]),
        event(3, "Apple unveils iPhone", [0.0, 1.0]),
        event(4, "Fed holds rates again", [1.0, 0.0], days=5),
    ]
    mates = batch_mates(events, window_s=3 * 86_400, limit=1)
    assert mates[0] == []  # the first: the others find it
    assert [(p.id[-1], round(c, 2)) for p, c in mates[1]] == [("1", 0.8)]
    assert [p.id[-1] for p, _ in mates[2]] == ["2"]
    assert mates[3] == []  # five days later: outside the window


def test_without_embeddings_titles_stand_in() -> None:
    events = [event(1, "Fed holds rates", None), event(2, "Fed holds rates", [1.0, 0.0])]
    mates = batch_mates(events, window_s=86_400, limit=5)[1]
    assert mates[0][1] == pytest.approx(1.0)


def test_entries_well_below_the_best_are_not_shown() -> None:
    entries = [{"id": "a", "score": 0.9}, {"id": "b", "score": 0.75}, {"id": "c", "score": 0.7}]
    assert [e["id"] for e in cut_relative(entries, 0.8)] == ["a", "b"]
    assert cut_relative([], 0.8) == []
    assert cut_relative(entries, 0.0) == entries


def test_a_reader_sees_the_same_story_first_then_the_best_scores() -> None:
    entries = [
        {"id": "a", "score": 0.9},
        {"id": "b", "score": 0.6, "same_story": True},
        {"id": "c", "score": 0.5},
        {"id": "d", "score": 0.4, "same_story": True},
    ]
    assert [e["id"] for e in shown_entries(entries, 0.0)] == ["b", "d", "a", "c"]
    assert [e["id"] for e in shown_entries(entries, 0.6)] == ["b", "a"]


def test_older_articles_are_updated_only_when_the_batch_changed_what_they_show() -> None:
    lists = {
        "new": [{"id": "old1", "score": 0.9}],
        "old1": [{"id": "new", "score": 0.9}],
        "old2": [{"id": "x", "score": 0.9}, {"id": "new", "score": 0.5}],  # below the floor
    }
    updates = index_updates(lists, {"new": "s1", "old1": "s1"}, {"new"}, 0.8)
    assert updates == [
        {"id": "new", "related": [{"id": "old1", "score": 0.9}], "story_id": "s1"},
        {"id": "old1", "related": [{"id": "new", "score": 0.9}]},
    ]


def test_keyword_only_hits_get_the_cosine_of_their_stored_vectors() -> None:
    assert cosines_with([1.0, 0.0], [[0.6, 0.8], [0.0, 0.0], [-2.0, 0.0]]) == pytest.approx(
        [0.6, 0.0, -1.0]
    )
