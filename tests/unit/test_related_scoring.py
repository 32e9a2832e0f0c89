from services.related.evidence import load_model
from services.related.scoring import (
    Profile,
    profile_of_hit,
    score_pair,
)

MODEL = load_model()
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
    assert score_pair(a, b, 0.7, MODEL).score == score_pair(b, a, 0.7, MODEL).score
    assert score_pair(a, b, 0.7, MODEL).shared_entities == ("Russia", "Syria")


def test_shared_entities_raise_the_score() -> None:
    a_names, b_names = ("Fed", "Senate", "Yellen"), ("ECB", "Draghi")
    plain = score_pair(profile("a", entities=a_names), profile("b", entities=b_names), 0.6, MODEL)
    named = score_pair(
        profile("a", entities=a_names), profile("b", entities=(*b_names, "yellen")), 0.6, MODEL
    )
    assert named.score > plain.score
    assert named.shared_entities == ("Yellen",)


def test_headlines_hours_apart_are_less_likely_one_event() -> None:
    together = score_pair(profile("a"), profile("b"), 0.9, MODEL).score
    two_days = score_pair(profile("a"), profile("b", 48 * HOUR), 0.9, MODEL).score
    assert two_days < together


def test_the_score_is_a_probability() -> None:
    for cosine in (-1.0, 0.0, 0.5, 1.0):
        assert 0.0 <= score_pair(profile("a"), profile("b"), cosine, MODEL).score <= 1.0


def test_a_hit_profile_reads_what_meilisearch_returns() -> None:
    hit = {
        "id": "x",
        "published_ts": 5,
        "entities": [{"name": "Janet Yellen", "type": "person"}, "junk", {"type": "place"}],
        "keywords": ["Rates"],
    }
    assert profile_of_hit(hit) == profile("x", 5, ("Janet Yellen",), ("rates",))
    assert profile_of_hit({"id": "y"}) == profile("y")
