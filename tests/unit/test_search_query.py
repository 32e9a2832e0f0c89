from datetime import date

import pytest
from pydantic import ValidationError

from services.search.articles import article_view
from services.search.pipeline import GroupState, StreamState, group_state, is_idle
from services.search.schemas import SearchParams
from services.search.search_query import (
    facet_counts,
    search_filter,
    search_request,
    to_hit,
    wants_vector,
)


def test_filters_come_from_the_allow_list_with_quoted_values() -> None:
    params = SearchParams(theme="sport", source='x" OR source = "y', since=date(2014, 3, 10))
    assert search_filter(params) == (
        '(themes = "sport") AND (source = "x\\" OR source = \\"y") AND (published_ts >= 1394409600)'
    )
    assert search_filter(SearchParams()) is None


def test_until_a_date_includes_that_whole_day() -> None:
    clause = search_filter(SearchParams(until=date(2014, 3, 10)))
    assert clause == "(published_ts <= 1394495999)"
    # As a reader sends it: a plain date in the query string is that day, not its midnight.
    sent = SearchParams.model_validate({"until": "2014-03-10", "since": "2014-03-10"})
    assert search_filter(sent) == "(published_ts >= 1394409600) AND (published_ts <= 1394495999)"
    timed = SearchParams.model_validate({"until": "2014-03-10T12:00:00Z"})
    assert search_filter(timed) == "(published_ts <= 1394452800)"


def test_empty_query_and_recent_sort_by_time() -> None:
    assert search_request(SearchParams(), 30)["sort"] == ["published_ts:desc"]
    assert search_request(SearchParams(q="fed", sort="recent"), 30)["sort"] == ["published_ts:desc"]
    assert search_request(SearchParams(q="fed"), 30)["sort"] is None


def test_hits_carry_a_highlighted_title_and_a_snippet() -> None:
    hit = to_hit(
        {
            "id": "a" * 24,
            "title": "Fed holds",
            "_formatted": {"title": "<mark>Fed</mark> holds", "body": "", "description": "Desc"},
        }
    )
    assert hit.title_highlighted == "<mark>Fed</mark> holds"
    assert hit.snippet == "Desc"
    assert hit.themes == []


def test_article_view_fills_missing_fields_and_hides_partial_documents() -> None:
    assert article_view({"id": "a" * 24, "related": []}) is None
    view = article_view({"id": "a" * 24, "title": "T", "story_id": None, "extra": 1})
    assert view is not None
    assert view.entities == []
    assert view.lede == ""


def test_group_state_handles_missing_groups_and_unknown_lag() -> None:
    assert group_state("g", None, 5, "1-0") == GroupState(group="g", exists=False, pending=0, lag=5)
    caught_up = group_state("g", {"pending": 0, "lag": None, "last-delivered-id": b"9-0"}, 3, "9-0")
    assert caught_up.lag == 0
    behind = group_state("g", {"pending": 1, "lag": None, "last-delivered-id": b"8-0"}, 3, "9-0")
    assert behind.lag is None


def test_idle_only_when_every_group_is_caught_up_and_the_index_is_done() -> None:
    done = GroupState(group="g", exists=True, pending=0, lag=0)
    busy = GroupState(group="h", exists=True, pending=2, lag=0)
    assert is_idle([StreamState(stream="s", length=3, groups=[done])], 0)
    assert not is_idle([StreamState(stream="s", length=3, groups=[done])], 1)
    assert not is_idle([StreamState(stream="s", length=3, groups=[done, busy])], 0)


def test_entity_language_and_story_filters_quote_what_the_reader_sent() -> None:
    params = SearchParams(
        entity='Yellen" OR source = "x',
        entity_type="person",
        language="en",
        story="a" * 24,
    )
    assert search_filter(params) == (
        '(people = "Yellen\\" OR source = \\"x") '
        f'AND (language = "en") AND (story_id = "{"a" * 24}")'
    )
    assert search_filter(SearchParams(entity="Fed")) == '(entities.name = "Fed")'
    assert search_filter(SearchParams(entity_type="place")) == '(entities.type = "place")'


def test_a_semantic_query_is_hybrid_with_its_vector() -> None:
    params = SearchParams(q="rates", semantic_ratio=0.7)
    assert wants_vector(params)
    request = search_request(params, 30, [0.5, 0.5])
    assert request["hybrid"] == {"embedder": "article", "semanticRatio": 0.7}
    assert request["vector"] == [0.5, 0.5]
    assert "hybrid" not in search_request(SearchParams(q="rates"), 30)
    assert not wants_vector(SearchParams(q="  ", semantic_ratio=1.0))
    assert not wants_vector(SearchParams(q="rates"))


def test_invalid_language_story_or_entity_type_are_refused() -> None:
    for bad in ({"language": 'en" OR 1'}, {"story": "nothex"}, {"entity_type": "thing"}):
        with pytest.raises(ValidationError):
            SearchParams.model_validate(bad)


def test_facets_are_asked_for_and_renamed_for_the_api() -> None:
    assert search_request(SearchParams(), 30)["facets"] == [
        "themes",
        "source",
        "entities.type",
        "language",
    ]
    response = {"facetDistribution": {"source": {"AP": 2}, "entities.type": {"place": 1}}}
    assert facet_counts(response) == {
        "themes": {},
        "sources": {"AP": 2},
        "entity_types": {"place": 1},
        "languages": {},
    }
    assert facet_counts({})["sources"] == {}
