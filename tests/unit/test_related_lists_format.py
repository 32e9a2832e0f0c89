"""The related lists' stored format, shared by the related worker and the search service."""

from shared.stories.related_lists import Link, decode, encode, list_key, ranked, reasons


def test_an_entry_survives_the_round_trip_in_a_small_value() -> None:
    link = Link("b" * 24, 0.9312, 0.8123, ("Tartous", "Russia"), ("withdrawal",))
    value = encode(link)
    assert decode(link.id, value) == link
    assert decode(link.id, value.encode()) == link
    assert len(value) < 64  # Redis keeps a hash of such values in its compact encoding


def test_a_value_that_is_not_an_entry_is_skipped_not_raised() -> None:
    raw: dict[bytes | str, bytes | str] = {
        b"a": b"[0.5,0.4,[],[]]",
        b"b": b"not json",
        b"c": b'{"score": 0.9}',  # an older format
        b"d": b"[0.7]",
        "e": "[0.9,0.1,[],[]]",
    }
    assert [(x.id, x.score) for x in ranked(raw)] == [("e", 0.9), ("a", 0.5)]


def test_ranked_is_best_first_then_by_id() -> None:
    raw: dict[bytes | str, bytes | str] = dict.fromkeys(("c", "a", "b"), "[0.5,0.1,[],[]]")
    raw["z"] = "[0.6,0.1,[],[]]"
    assert [x.id for x in ranked(raw)] == ["z", "a", "b", "c"]


def test_reasons_say_same_story_first_then_the_evidence() -> None:
    link = Link("b", 0.9, 0.7, ("Fed",), ("rates", "inflation"))
    assert reasons(link, same_story=True) == [
        "same story",
        "shared entities: Fed",
        "shared keywords: rates, inflation",
        "similar text",
    ]
    assert reasons(Link("b", 0.2, 0.3), same_story=False) == ["similar text"]  # never empty
    assert reasons(Link("b", 0.2, 0.3, ("Fed",)), same_story=False) == ["shared entities: Fed"]


def test_the_key_is_under_the_namespace() -> None:
    assert list_key("t1:", "abc") == "t1:related.list:abc"
