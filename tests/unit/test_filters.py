import pytest

from shared.contracts import filters


def test_values_are_quoted_and_escaped() -> None:
    assert filters.equals("source", 'x" OR source = "y') == 'source = "x\\" OR source = \\"y"'
    assert filters.equals("source", "back\\slash") == 'source = "back\\\\slash"'
    assert filters.any_of("id", ["a", 'b"']) == 'id IN ["a", "b\\""]'


def test_numbers_are_numbers() -> None:
    assert filters.at_least("published_ts", 5) == "published_ts >= 5"
    assert filters.at_most("published_ts", 7) == "published_ts <= 7"


def test_only_allow_listed_fields() -> None:
    with pytest.raises(filters.FilterError):
        filters.equals("body", "x")
    with pytest.raises(filters.FilterError):
        filters.equals("source = 'a' OR id", "x")


def test_all_of_parenthesises_every_clause() -> None:
    assert filters.all_of([]) is None
    assert filters.all_of(["a = 1", "b = 2"]) == "(a = 1) AND (b = 2)"
