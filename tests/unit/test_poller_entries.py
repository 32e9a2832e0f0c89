"""Feed entries -> articles, for RSS 2.0, RSS 1.0, RSS 0.91 and Atom 1.0."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.poller.entries import NotAFeedError, parse_feed, to_articles, to_items
from services.poller.text import detail_text, headline, html_to_text
from shared.contracts.ids import canonical_url

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def items(name: str, url: str = "https://feeds.example/feed.xml") -> list[dict[str, Any]]:
    body = (FEEDS / name).read_bytes()
    return to_items(parse_feed(body, url, "application/xml"))


def test_rss_20_items_oldest_first_with_text_and_dates() -> None:
    oil, ecb, fed = items("rss20.xml")
    assert fed["title"] == "Fed holds rates steady"
    assert fed["url"] == "https://wire.example/markets/fed-holds?utm_source=rss"
    assert fed["description"] == "The Federal Reserve held its benchmark rate."
    # content:encoded is the body: markup and scripts gone, paragraphs kept apart.
    assert fed["body"] == (
        "The Federal Reserve held its benchmark rate on Wednesday.\n"
        "Officials signalled patience & caution."
    )
    assert fed["published_at"] == datetime(2014, 3, 10, 16, 52, 50, tzinfo=UTC)
    assert (fed["source"], fed["language"]) == ("Example Wire", "en-us")
    assert ecb["published_at"] == datetime(2014, 3, 10, 8, 15, tzinfo=UTC)
    assert ecb["body"] is None
    # No title: the start of its text stands in, so the item is not lost.
    assert oil["title"].startswith("A headline-less item: oil prices rose")
    assert oil["published_at"] is None


def test_rss_10_rdf_items_use_dublin_core_dates_and_language() -> None:
    [budget] = items("rss10.xml")
    assert budget["title"] == "Bundestag passes budget"
    assert budget["url"] == "https://rdf.example/story/1"
    assert budget["published_at"] == datetime(2014, 3, 11, 7, 30, tzinfo=UTC)
    assert (budget["source"], budget["language"]) == ("RDF Daily", "de")


def test_rss_091_in_latin_1() -> None:
    [cafe] = items("rss091.xml")
    assert cafe["title"] == "Café prices climb in Paris"
    assert cafe["description"] == "A small cup now costs more than two euros."
    assert (cafe["source"], cafe["language"]) == ("Old School News", "fr")


def test_atom_10_entries_resolve_relative_links_and_strip_html_titles() -> None:
    close, oil = items("atom10.xml", url="https://atom.example/feed.xml")
    assert oil["title"] == "Oil jumps on supply fears"
    assert oil["url"] == "https://atom.example/energy/oil-jumps"
    assert oil["description"] == "Brent crude rose 3% in early trading."
    assert oil["body"] == "Brent crude rose 3% in early trading in London."
    assert oil["published_at"] == datetime(2014, 3, 12, 6, 0, tzinfo=UTC)
    # No <published>: <updated> dates it. No <summary>: the content is the body, once.
    assert close["published_at"] == datetime(2014, 3, 12, 17, 30, tzinfo=UTC)
    assert (close["description"], close["body"]) == (None, "Stocks ended the day mixed.")
    assert close["language"] == "en"


@pytest.mark.parametrize("name", ["rss20.xml", "rss10.xml", "rss091.xml", "atom10.xml"])
def test_every_fixture_item_becomes_an_article_as_the_api_would_make_it(name: str) -> None:
    articles, rejected = to_articles(items(name))
    assert rejected == []
    assert len(articles) == len(items(name))
    for article in articles:
        assert article.canonical_url == (canonical_url(article.url) if article.url else None)


def test_article_ids_come_from_canonical_links() -> None:
    fed = to_articles(items("rss20.xml"))[0][2]
    assert fed.canonical_url == "https://wire.example/markets/fed-holds"
    again = to_articles(items("rss20.xml"))[0][2]
    assert again.id == fed.id  # a re-poll names the same article


def test_items_the_api_would_refuse_are_rejected_with_the_reason() -> None:
    future = datetime.now(UTC) + timedelta(days=30)
    good = {"title": "Fine", "url": "https://e.example/1"}
    articles, rejected = to_articles([good, {"title": "Later", "published_at": future}])
    assert [a.title for a in articles] == ["Fine"]
    assert rejected == ["published_at: Value error, is in the future"]


def test_links_that_are_not_web_pages_are_dropped_but_the_item_kept() -> None:
    body = b"""<rss version="2.0"><channel><title>T</title>
      <item><title>Mail us</title><link>mailto:desk@e.example</link></item></channel></rss>"""
    [item] = to_items(parse_feed(body, "https://e.example/rss"))
    assert (item["title"], item["url"]) == ("Mail us", None)


@pytest.mark.parametrize(
    "body",
    [b"<html><body><p>A page</p></body></html>", b"not xml", b"", b"http://127.0.0.1:9/x"],
)
def test_documents_that_are_no_feed_are_refused(body: bytes) -> None:
    # The last one would make feedparser fetch a URL if it were given the bytes themselves.
    with pytest.raises(NotAFeedError, match="not an RSS or Atom feed"):
        parse_feed(body, "https://e.example/feed")


def test_html_to_text() -> None:
    markup = "<div><p>One &amp; <b>two</b></p><script>x()</script><style>p{}</style>three</div>"
    assert html_to_text(markup) == "One & two\nthree"
    assert detail_text({"type": "text/plain", "value": "a < b  c"}) == "a < b c"
    assert detail_text(None) == ""
    assert headline("word " * 40, limit=12) == "word word…"


def test_only_the_newest_entries_of_a_long_feed_are_read() -> None:
    entries = "".join(f"<item><title>Item {n}</title></item>" for n in range(1005, 0, -1))
    body = f'<rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()
    read = to_items(parse_feed(body, "https://e.example/rss"))
    assert len(read) == 1000
    assert (read[0]["title"], read[-1]["title"]) == ("Item 6", "Item 1005")
