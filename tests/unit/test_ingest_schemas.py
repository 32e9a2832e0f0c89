from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.articles.convert import parse_batch, to_article
from shared.articles.submitted import ArticleIn


def test_valid_article_is_stripped_and_dated_in_utc() -> None:
    item = ArticleIn.model_validate(
        {
            "title": "  Hello  ",
            "published_at": "2014-03-10T16:52:50+02:00",
            "url": "https://e.com/x",
        }
    )
    assert item.title == "Hello"
    assert item.published_at == datetime(2014, 3, 10, 14, 52, 50, tzinfo=UTC)


def test_naive_and_date_only_times_are_utc() -> None:
    item = ArticleIn.model_validate({"title": "T", "published_at": "2021-06-30"})
    assert item.published_at == datetime(2021, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": 123},
        {"title": ["a"]},
        {"title": "x" * 1001},
        {"title": "t", "body": "b" * 1_000_001},
        {"title": "t", "url": "ftp://example.com/file"},
        {"title": "t", "url": "not a url"},
        {"title": "t", "published_at": "yesterday-ish"},
        {"title": "t", "published_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()},
        {"title": "t", "surprise": True},
    ],
)
def test_bad_articles_are_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ArticleIn.model_validate(payload)


def test_to_article_canonicalises_and_ids_by_url() -> None:
    a = to_article(ArticleIn(title="A", url="https://E.com/x?utm_source=a"))
    b = to_article(ArticleIn(title="B", url="https://e.com/x#y"))
    assert a.canonical_url == "https://e.com/x"
    assert a.id == b.id
    assert a.url == "https://E.com/x?utm_source=a"


def test_parse_batch_keeps_order_and_explains_each_rejection() -> None:
    parsed = parse_batch([{"title": "ok"}, {"title": 5}, "not an object", {"nope": 1}])
    assert isinstance(parsed[0], ArticleIn)
    assert parsed[1] == "title: Input should be a valid string"
    assert isinstance(parsed[2], str)
    assert "title: Field required" in str(parsed[3])
    assert "nope: Extra inputs are not permitted" in str(parsed[3])


def test_html_in_a_title_is_stripped_and_a_title_of_only_html_refused() -> None:
    item = ArticleIn.model_validate(
        {"title": "<b>Fed</b> holds &lt;i&gt;rates&lt;/i&gt; <script>x</script>"}
    )
    assert item.title == "Fed holds rates x"
    with pytest.raises(ValidationError, match="has no text once its HTML is removed"):
        ArticleIn.model_validate({"title": "<img src=x onerror=alert(1)>"})
