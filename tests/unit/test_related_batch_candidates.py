from datetime import UTC, datetime, timedelta

import pytest

from services.related.batch_candidates import batch_mates
from services.related.list_writer import entries_of
from services.related.scoring import Match
from shared.contracts.events import Article, ArticleEnriched, Enrichment
from shared.stories.related_lists import Link

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


def test_each_kept_match_is_stored_both_ways_with_its_evidence() -> None:
    match = Match("b", 0.9, 0.8, ("Fed",), ("rates",))
    weak = Match("c", 0.01, 0.3, (), ())
    entries = entries_of(["a"], [[match, weak]], min_score=0.05, limit=10)
    assert entries == {
        "a": {"b": Link("b", 0.9, 0.8, ("Fed",), ("rates",))},
        "b": {"a": Link("a", 0.9, 0.8, ("Fed",), ("rates",))},
    }
    assert entries_of(["a"], [[match, match]], 0.05, limit=1)["a"] == {"b": entries["a"]["b"]}
