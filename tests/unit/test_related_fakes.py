"""The in-memory fakes of tests/fixtures/related_fakes.py follow the rules of the real stores."""

from shared.stories.related_lists import Link, decode
from tests.fixtures.related_fakes import FakeLists, FakeStories, join


async def test_a_fake_join_is_a_no_op_for_an_article_with_a_story() -> None:
    stories = FakeStories()
    assert await stories.join([join("a", "a", 10)]) == {"a": "a"}
    assert await stories.join([join("a", "other", 10), join("b", "a", 5)]) == {"a": "a", "b": "a"}
    assert stories.state("a").article_count == 2
    assert stories.state("a").first_seen_ts == 5
    assert "other" not in stories.stories


async def test_a_fake_merge_keeps_the_older_story_and_leaves_an_alias() -> None:
    stories = FakeStories()
    await stories.join([join("a", "a", 10, "AP"), join("b", "b", 5, "BBC")])
    assert await stories.merges.merge([("a", "b"), ("a", "b")]) == [("a", "b")]
    assert await stories.stories_of(["a", "b"]) == {"a": "b", "b": "b"}
    assert await stories.join([join("c", "a", 20)]) == {"c": "b"}
    kept = stories.state("b")
    assert (kept.article_count, sorted(kept.sources), kept.last_seen_ts) == (3, ["AP", "BBC"], 20)


async def test_fake_lists_keep_the_best_entries_by_other_id() -> None:
    lists = FakeLists()
    await lists.add({"a": {"b": Link("b", 0.5, 0.5), "c": Link("c", 0.9, 0.5)}}, keep=2)
    await lists.add({"a": {"b": Link("b", 0.6, 0.5), "d": Link("d", 0.1, 0.5)}}, keep=2)
    assert [(x.id, x.score) for x in lists.of("a")] == [("c", 0.9), ("b", 0.6)]
    assert decode("c", lists.lists["a"]["c"]) == Link("c", 0.9, 0.5)
