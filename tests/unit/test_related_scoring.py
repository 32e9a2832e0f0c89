import pytest

from services.related.scoring import (
    Match,
    Profile,
    Weights,
    cosine_of_score,
    overlap,
    profile_of_hit,
    reasons,
    score_pair,
    text_score,
    time_factor,
)

W = Weights()
HOUR = 3_600


def profile(
    pid: str, ts: int = 0, entities: tuple[str, ...] = (), keywords: tuple[str, ...] = ()
) -> Profile:
    return Profile(
        id=pid,
        title="",
        published_ts=ts,
        entities={e.casefold(): e for e in entities},
        keywords=frozenset(keywords),
    )


def test_the_score_is_symmetric_so_both_lists_agree() -> None:
    a = profile("a", 0, ("Russia", "Syria", "Tartous"), ("port", "withdrawal"))
    b = profile("b", 30 * HOUR, ("Syria", "Russia"), ("port",))
    assert score_pair(a, b, 0.7, W).score == score_pair(b, a, 0.7, W).score
    assert score_pair(a, b, 0.7, W).shared_entities == ("Russia", "Syria")


def test_shared_entities_and_keywords_raise_the_score() -> None:
    plain = score_pair(profile("a"), profile("b"), 0.6, W).score
    named = score_pair(
        profile("a", entities=("Yellen",)), profile("b", entities=("yellen",)), 0.6, W
    )
    assert named.score == pytest.approx(plain + W.entities, abs=1e-4)  # one of one shared
    assert named.shared_entities == ("Yellen",)


def test_time_apart_lowers_the_score_to_a_floor() -> None:
    together = score_pair(profile("a"), profile("b"), 0.9, W).score
    two_days = score_pair(profile("a"), profile("b", 48 * HOUR), 0.9, W).score
    assert two_days == pytest.approx(together * (1 - W.time_weight / 2), abs=1e-4)
    assert time_factor(10**9, 48, 0.3) == pytest.approx(0.7)
    assert time_factor(0, 48, 0.3) == 1.0


def test_similarity_below_the_floor_counts_as_nothing() -> None:
    assert text_score(W.text_floor, W) == 0.0
    assert text_score(0.0, W) == 0.0
    assert text_score(1.0, W) == 1.0
    assert score_pair(profile("a"), profile("b"), 0.1, W).score == 0.0


def test_overlap_is_the_cosine_of_the_sets() -> None:
    assert overlap(frozenset("ab"), frozenset("abcd")) == pytest.approx(2 / 8**0.5)
    assert overlap(frozenset("ab"), frozenset("ab")) == 1.0
    assert overlap(frozenset("ab"), frozenset("bc")) == 0.5
    assert overlap(frozenset(), frozenset("a")) == 0.0


def test_reasons_say_same_story_shared_names_and_similar_text() -> None:
    match = Match("b", 0.8, 0.9, ("Russia",), ("port",))
    assert reasons(match, same_story=True) == [
        "same story",
        "shared entities: Russia",
        "shared keywords: port",
        "similar text",
    ]
    assert reasons(Match("b", 0.3, 0.5, (), ()), same_story=False) == ["similar text"]


def test_semantic_ranking_scores_map_back_to_cosines() -> None:
    assert cosine_of_score(1.0) == 1.0
    assert cosine_of_score(0.5) == 0.0
    assert cosine_of_score(0.8898) == pytest.approx(0.7796)


def test_a_hit_profile_reads_what_meilisearch_returns() -> None:
    hit = {
        "id": "x",
        "published_ts": 5,
        "entities": [{"name": "Janet Yellen", "type": "person"}, "junk", {"type": "place"}],
        "keywords": ["Rates"],
    }
    assert profile_of_hit(hit) == profile("x", 5, ("Janet Yellen",), ("rates",))
    assert profile_of_hit({"id": "y"}) == profile("y")
