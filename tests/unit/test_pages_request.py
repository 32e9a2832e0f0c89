"""POST /articles bodies: which are web pages, and how a page's article is put together."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.ingest.extract import Page
from services.ingest.pages import PageRefusedError, merged
from services.ingest.schemas import ArticleRequest

URL = "https://courier.example/news/1"
PAGE = Page(
    text="The story. " * 30,
    title="Found title",
    description="Found description",
    author="A. Writer",
    site_name="The Courier",
    published_at=datetime(2024, 5, 14, tzinfo=UTC),
    language="en-GB",
    canonical=None,
)


@pytest.mark.parametrize(
    ("payload", "is_page"),
    [
        ({"url": URL}, True),
        ({"url": URL, "source": "Courier"}, True),
        ({"url": URL, "html": "<p>x</p>"}, True),
        ({"url": URL, "html": "<p>x</p>", "title": "Mine"}, True),
        ({"url": URL, "title": "Mine"}, False),  # an article with a link, as before
        ({"title": "Mine", "body": "Text"}, False),
        ({"url": URL, "title": "Mine", "body": "Text"}, False),
    ],
)
def test_a_url_without_title_or_body_or_with_html_is_a_page(
    payload: dict[str, str], is_page: bool
) -> None:
    assert ArticleRequest.model_validate(payload).is_page is is_page


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "title\n  Field required, unless a url"),
        ({"body": "Text"}, "title\n  Field required"),
        ({"url": URL, "body": "Text"}, "title\n  Field required"),
        ({"html": "<p>x</p>", "title": "T"}, "html needs the page's url"),
        ({"url": URL, "html": "<p>x</p>", "body": "Text"}, "instead of a body"),
        ({"url": "ftp://courier.example/x"}, "absolute http"),
        ({"url": URL, "html": ""}, "at least 1 character"),
        ({"url": URL, "extra": 1}, "Extra inputs"),
    ],
)
def test_bad_requests_say_what_is_wrong(payload: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ArticleRequest.model_validate(payload)


def test_an_article_request_becomes_the_article_it_was() -> None:
    item = ArticleRequest.model_validate({"title": " T ", "url": URL, "language": "en"})
    article = item.as_article()
    assert (article.title, article.url, article.language) == ("T", URL, "en")


def test_the_page_fills_what_the_caller_left_out() -> None:
    article = merged(ArticleRequest(url=URL), PAGE, "https://courier.example/final")
    assert article.title == "Found title"
    assert article.body == PAGE.text.strip()
    assert (article.source, article.language) == ("The Courier", "en-GB")
    assert article.published_at == PAGE.published_at
    assert article.url == "https://courier.example/final"  # where the page was found


def test_what_the_caller_sent_wins_over_the_page() -> None:
    item = ArticleRequest(url=URL, title="Sent title", source="Sent source", language="en")
    article = merged(item, PAGE, URL)
    assert (article.title, article.source, article.language) == ("Sent title", "Sent source", "en")
    assert article.description == "Found description"


def test_a_page_without_a_title_is_refused() -> None:
    untitled = replace(PAGE, title=None)
    with pytest.raises(PageRefusedError, match="the page has no title"):
        merged(ArticleRequest(url=URL), untitled, URL)


def test_a_page_whose_article_breaks_the_limits_is_refused_with_the_field() -> None:
    long_title = replace(PAGE, title="x" * 1001)
    with pytest.raises(PageRefusedError, match="not valid: title: String should have at most"):
        merged(ArticleRequest(url=URL), long_title, URL)
