"""The article in a web page: text and metadata from fixture pages, and pages that have none."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.extract import NotAnArticleError, extract_page, published
from services.ingest.page_head import decode_html, read_head, same_site_canonical
from shared.contracts.text import plain_text

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
URL = "https://www.courier.example/news/bridge?utm_source=feed"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_an_article_page_gives_its_text_and_metadata() -> None:
    found = extract_page(page("article.html"), URL)
    assert found.title == "Harbour bridge reopens after two-year restoration"
    assert found.author == "Maren Holt"
    assert found.published_at == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
    assert found.language == "en-GB"
    assert found.site_name == "The Riverside Courier"
    assert (found.description or "").startswith("The Victorian")
    assert found.canonical == "https://www.courier.example/2024/05/14/harbour-bridge-reopens"


def test_the_text_is_the_story_without_menus_asides_or_footer() -> None:
    text = extract_page(page("article.html"), URL).text
    assert text.startswith("The Victorian swing bridge")  # not the headline again
    assert "rivet for rivet" in text
    assert "heavy lorries remain banned" in text
    for boilerplate in ("Weather", "Ferry timetable", "All rights reserved", "Contact us"):
        assert boilerplate not in text


def test_html_in_the_title_is_stripped_and_dates_without_time_are_midnight_utc() -> None:
    found = extract_page(page("article_de.html"), "https://tageblatt.example/lokales/1")
    assert found.title == "Neue Stadtbibliothek am Marktplatz eröffnet"
    assert found.published_at == datetime(2023, 11, 2, tzinfo=UTC)
    assert found.language == "de"
    assert found.canonical is None
    assert "Schulstraße" in found.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("listing.html", "too little article text"),
        ("cookie_wall.html", "cookie or consent wall"),
    ],
)
def test_pages_that_are_not_articles_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(NotAnArticleError, match=reason):
        extract_page(page(name), URL)


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body></body></html>",
        "<html><head><title>Stub</title></head><body><p>Coming soon.</p></body></html>",
        "<html><body><article><h1>Short</h1><p>Only one sentence here, and a short one."
        "</p></article></body></html>",
    ],
)
def test_empty_and_stub_pages_are_refused(html: str) -> None:
    with pytest.raises(NotAnArticleError, match=r"no main text|too little article text"):
        extract_page(html, URL)


def test_a_page_dated_in_the_future_keeps_no_date() -> None:
    ahead = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert published(ahead) is None
    assert published("not a date") is None
    assert published("2024-05-14T08:30:00+0100") == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/a/b", "https://www.courier.example/a/b"),
        ("https://courier.example/a", "https://courier.example/a"),
        ("https://m.courier.example/a", "https://m.courier.example/a"),
        ("https://elsewhere.example/a", None),  # another site may not choose our id
        ("https://courier.example.evil.example/a", None),
        ("javascript:void(0)", None),
        ("http://[broken/a", None),
        ("", None),
    ],
)
def test_the_canonical_url_must_stay_on_the_pages_site(href: str, expected: str | None) -> None:
    assert same_site_canonical(href, URL) == expected


def test_the_head_gives_the_first_canonical_and_the_html_language() -> None:
    head = read_head(
        '<html lang="pt-BR"><head><link rel="alternate" href="/amp">'
        '<link rel="Canonical" href="/one"><link rel="canonical" href="/two"></head>'
        '<body><link rel="canonical" href="/in-body"></body></html>'
    )
    assert (head.language, head.canonical) == ("pt-BR", "/one")
    assert read_head('<html lang="not a tag!"><body>').language is None


def test_pages_are_decoded_by_header_then_meta_then_utf8_then_cp1252() -> None:
    text = "Straße „Mitte“"
    cp1252 = f"<p>{text}</p>".encode("cp1252")
    assert text in decode_html(cp1252, "text/html; charset=windows-1252")
    assert text in decode_html(b'<meta charset="windows-1252">' + cp1252)
    assert text in decode_html(f"<p>{text}</p>".encode())
    assert text in decode_html(cp1252)  # unlabelled and not UTF-8
    assert text in decode_html(cp1252, "text/html; charset=no-such-charset")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rates <b>held</b> again", "Rates held again"),
        ("Rates &lt;em&gt;held&lt;/em&gt;", "Rates held"),
        ("  Fish &amp;\n chips ", "Fish & chips"),
        ("<br/>", None),
        (None, None),
    ],
)
def test_plain_text_drops_tags_and_entities(raw: str | None, expected: str | None) -> None:
    assert plain_text(raw) == expected
