from services.related.stories import Arrival, StoryRules, choose_story, plan_stories
from shared.stories.records import StoryState, resolve, story_document

RULES = StoryRules(join_probability=0.8)
DAY = 86_400


def test_the_likeliest_candidate_above_the_threshold_names_the_story() -> None:
    story_of = {"a": "s1", "b": "s2", "c": "s3"}
    candidates = [("a", 0.85), ("b", 0.95), ("c", 0.5), ("unplaced", 0.99)]
    assert choose_story(candidates, story_of, RULES) == "s2"


def test_topic_likeness_below_the_threshold_starts_a_story() -> None:
    assert choose_story([("a", 0.79)], {"a": "s1"}, RULES) is None
    assert choose_story([], {}, RULES) is None


def test_articles_of_one_batch_join_the_stories_placed_before_them() -> None:
    arrivals = [
        Arrival("b", 10, [("a", 0.95)]),
        Arrival("a", 5, []),
        Arrival("c", 20, [("a", 0.1), ("b", 0.2)]),
        Arrival("d", 30, [("c", 0.1), ("b", 0.9)]),
    ]
    story_of: dict[str, str] = {}
    plan = plan_stories(arrivals, story_of, RULES)
    assert plan.placed == {"a": "a", "b": "a", "c": "c", "d": "a"}
    assert plan.merges == []


def test_articles_that_have_a_story_keep_it() -> None:
    story_of = {"a": "s1", "b": "s2"}
    arrivals = [Arrival("b", 0, [("a", 0.99)])]
    assert plan_stories(arrivals, story_of, RULES).placed == {}
    assert story_of["b"] == "s2"


MERGING = StoryRules(join_probability=0.8, merge_probability=0.95)


def test_an_article_that_bridges_two_stories_merges_them() -> None:
    story_of = {"a": "s1", "b": "s2", "c": "s3"}
    arrivals = [Arrival("x", 10, [("a", 0.99), ("b", 0.96), ("c", 0.9)])]
    plan = plan_stories(arrivals, story_of, MERGING)
    # s3 is only likely enough to join, not to merge: precision first.
    assert plan.placed == {"x": "s1"}
    assert plan.merges == [("s2", "s1")]


def test_later_articles_of_the_batch_see_the_merge() -> None:
    story_of = {"a": "s1", "b": "s2"}
    aliases: dict[str, str] = {}
    arrivals = [
        Arrival("x", 10, [("a", 0.99), ("b", 0.97)]),
        Arrival("y", 20, [("b", 0.9)]),
        Arrival("z", 30, [("a", 0.99), ("y", 0.99)]),
    ]
    plan = plan_stories(arrivals, story_of, MERGING, aliases)
    assert plan.placed == {"x": "s1", "y": "s1", "z": "s1"}
    assert plan.merges == [("s2", "s1")]
    assert aliases == {"s2": "s1"}


def test_a_merge_below_the_join_threshold_is_never_made() -> None:
    rules = StoryRules(join_probability=0.8, merge_probability=0.5)
    arrivals = [Arrival("x", 10, [("a", 0.99), ("b", 0.6)])]
    assert plan_stories(arrivals, {"a": "s1", "b": "s2"}, rules).merges == []


def test_a_replayed_article_merges_what_it_bridges_once() -> None:
    story_of = {"a": "s1", "b": "s2", "x": "s1"}
    aliases = {"s2": "s1"}
    arrivals = [Arrival("x", 10, [("a", 0.99), ("b", 0.99)])]
    plan = plan_stories(arrivals, story_of, MERGING, aliases)
    assert plan.placed == {}
    assert plan.merges == []


def test_an_alias_chain_resolves_to_the_story_that_is_left() -> None:
    assert resolve("s3", {"s3": "s2", "s2": "s1"}) == "s1"
    assert resolve("s1", {"s3": "s2"}) == "s1"
    assert resolve("s1", {"s1": "s2", "s2": "s1"}) in {"s1", "s2"}  # a cycle ends


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
