import numpy as np
import pytest

from services.related.stories import (
    Arrival,
    StoryCandidate,
    StoryRules,
    StoryState,
    choose_story,
    plan_stories,
    story_document,
    story_score,
)

RULES = StoryRules(join_score=0.5, half_life_hours=24, time_weight=0.5)
DAY = 86_400


def vec(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def test_the_article_joins_the_story_whose_centroid_fits_best() -> None:
    near = StoryCandidate("near", vec(2, 0.2), 0, best_similarity=0.1)
    far = StoryCandidate("far", vec(0, 1), 0, best_similarity=0.99)
    assert choose_story(vec(1, 0), 0, [far, near], RULES) == "near"


def test_no_story_fits_well_enough_so_the_article_starts_one() -> None:
    assert choose_story(vec(1, 0), 0, [StoryCandidate("s", vec(1, 2), 0, 0.9)], RULES) is None
    assert choose_story(vec(1, 0), 0, [], RULES) is None


def test_long_articles_need_a_closer_fit() -> None:
    story = StoryCandidate("s", vec(1, 0.6), 0, 0.0)  # cosine 0.857
    rules = StoryRules(join_score=0.5, join_score_long=0.9, long_words=150)
    assert choose_story(vec(1, 0), 0, [story], rules, words=20) == "s"
    assert choose_story(vec(1, 0), 0, [story], rules, words=400) is None


def test_a_story_last_seen_long_ago_fits_less() -> None:
    story = StoryCandidate("s", vec(1, 0), 0, 0.0)
    assert story_score(vec(1, 0), 0, story, RULES) == pytest.approx(1.0)
    assert story_score(vec(1, 0), DAY, story, RULES) == pytest.approx(0.75)
    assert story_score(vec(1, 0), -DAY, story, RULES) == pytest.approx(0.75)


def test_without_a_centroid_or_embedding_the_best_member_match_stands_in() -> None:
    story = StoryCandidate("s", None, 0, best_similarity=0.6)
    assert story_score(vec(1, 0), 0, story, RULES) == pytest.approx(0.6)
    with_centroid = StoryCandidate("s", vec(1, 0), 0, best_similarity=0.2)
    assert story_score(None, 0, with_centroid, RULES) == pytest.approx(0.2)


def test_articles_of_one_batch_join_the_stories_placed_before_them() -> None:
    arrivals = [
        Arrival("b", 10, vec(0.9, 0.1), [("a", 0.95)]),
        Arrival("a", 5, vec(1, 0), []),
        Arrival("c", 20, vec(0, 1), [("a", 0.1), ("b", 0.2)]),
    ]
    story_of: dict[str, str] = {}
    centroids: dict[str, tuple[np.ndarray | None, int]] = {}
    placed = plan_stories(arrivals, story_of, centroids, RULES)
    assert placed == {"a": "a", "b": "a", "c": "c"}
    vector, last = centroids["a"]
    assert vector is not None
    assert vector.tolist() == pytest.approx([1.9, 0.1])
    assert last == 10


def test_articles_that_have_a_story_keep_it() -> None:
    story_of = {"a": "s1", "b": "s2"}
    centroids: dict[str, tuple[np.ndarray | None, int]] = {"s1": (vec(1, 0), 0)}
    arrivals = [Arrival("b", 0, vec(1, 0), [("a", 0.99)])]
    assert plan_stories(arrivals, story_of, centroids, RULES) == {}
    assert story_of["b"] == "s2"


def test_an_existing_story_is_joined_through_a_candidate() -> None:
    story_of = {"old": "s1"}
    centroids: dict[str, tuple[np.ndarray | None, int]] = {"s1": (vec(3, 0.3), 0)}
    arrivals = [Arrival("new", 3600, vec(1, 0), [("old", 0.7), ("other", 0.9)])]
    assert plan_stories(arrivals, story_of, centroids, RULES) == {"new": "s1"}


def test_the_story_document_ranks_themes_and_dates_its_span() -> None:
    state = StoryState(
        id="s1",
        title="Fed holds",
        first_seen_ts=0,
        last_seen_ts=DAY,
        article_count=3,
        sources=["B", "A"],
        theme_counts={"politics": 1, "economy": 2},
    )
    doc = story_document(state)
    assert doc["first_seen"] == "1970-01-01T00:00:00Z"
    assert doc["last_seen"] == "1970-01-02T00:00:00Z"
    assert doc["sources"] == ["A", "B"]
    assert doc["themes"] == ["economy", "politics"]
    assert doc["primary_theme"] == "economy"


def test_a_story_reads_back_from_redis_fields() -> None:
    state = StoryState.from_redis(
        "s", {"title": "T", "first_ts": "1", "last_ts": "2", "count": "3"}, ["A"], {"x": "2"}
    )
    assert state == StoryState("s", "T", 1, 2, 3, ["A"], {"x": 2})
    assert story_document(StoryState.from_redis("s", {}, [], {}))["primary_theme"] is None
