from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.search.articles import article_links
from services.search.stories import (
    StoriesParams,
    merged_into,
    stories_filter,
    stories_request,
    story_articles_request,
    to_story,
)
from shared.contracts import filters

INJECTION = 'x" OR source = "y'


def test_a_story_timeline_is_oldest_first_with_a_quoted_id() -> None:
    request = story_articles_request("a" * 24, 7)
    assert request["filter"] == f'story_id = "{"a" * 24}"'
    assert request["sort"] == ["published_ts:asc"]
    assert request["limit"] == 7
    assert story_articles_request(INJECTION, 1)["filter"] == 'story_id = "x\\" OR source = \\"y"'


def test_stories_are_biggest_then_latest_first() -> None:
    request = stories_request(StoriesParams(limit=5, offset=10))
    assert request == {
        "filter": "(merged_into NOT EXISTS)",
        "sort": ["article_count:desc", "last_seen_ts:desc"],
        "page": 3,
        "hitsPerPage": 5,
    }


def test_stories_filter_on_theme_and_last_seen() -> None:
    params = StoriesParams(theme="economy-business-and-finance", since=date(2014, 3, 10))
    assert stories_filter(params) == (
        '(merged_into NOT EXISTS) AND (themes = "economy-business-and-finance")'
        " AND (last_seen_ts >= 1394409600)"
    )
    moment = datetime(2014, 3, 10, 12, tzinfo=UTC)
    assert stories_filter(StoriesParams(since=moment)) == (
        "(merged_into NOT EXISTS) AND (last_seen_ts >= 1394452800)"
    )


@pytest.mark.parametrize(
    "theme", [INJECTION, "Sport", "sport news", 'sport"', "a" * 101, "spört", "sport\n"]
)
def test_a_theme_must_be_a_slug(theme: str) -> None:
    with pytest.raises(ValidationError):
        StoriesParams(theme=theme)


def test_an_empty_theme_is_no_filter_and_merged_stories_are_never_listed() -> None:
    assert stories_filter(StoriesParams(theme="")) == "(merged_into NOT EXISTS)"


def test_a_merged_story_names_where_it_went() -> None:
    assert merged_into({"id": "s2", "merged_into": "s1"}) == "s1"
    assert merged_into({"id": "s1", "title": "A story"}) is None


def test_the_allow_list_has_the_stories_fields_and_nothing_else() -> None:
    assert filters.at_least("article_count", 2) == "article_count >= 2"
    assert filters.equals("sources", INJECTION) == 'sources = "x\\" OR source = \\"y"'
    with pytest.raises(filters.FilterError):
        filters.equals("title", "x")


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
def test_page_bounds(params: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        StoriesParams.model_validate(params)


def test_to_story_fills_missing_fields() -> None:
    story = to_story({"id": "a" * 24, "title": "T", "primary_theme": None, "sources": None})
    assert story.sources == []
    assert story.themes == []
    assert story.article_count == 0
    assert story.primary_theme is None


def test_article_links_skip_articles_not_indexed_yet() -> None:
    hits = [{"id": "a" * 24, "title": "T", "source": "AP"}, {"id": "b" * 24, "story_id": "s"}]
    links = article_links(hits)
    assert [(a.id, a.source, a.url) for a in links] == [("a" * 24, "AP", None)]
