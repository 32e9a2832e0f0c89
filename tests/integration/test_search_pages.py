"""The reader's HTML pages against a real Meilisearch: every page, escaping, highlights, 404s."""

import re
from collections.abc import Iterator
from typing import Any

import meilisearch
import pytest
from fastapi.testclient import TestClient

from services.search.app import create_app
from tests.fixtures.search import search_settings, seed_indexes

HOUR = 3_600
T0 = 1_394_400_000  # 2014-03-09T21:20:00Z
ECON = "economy-business-and-finance"
EVIL = "<script>alert(1)</script> <img src=x onerror=alert(2)>"


def hx(n: int) -> str:
    return f"{n:024x}"


def article(n: int, title: str, source: str, story: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": hx(n),
        "title": title,
        "url": f"https://news.example/{n}",
        "source": source,
        "published_at": "2014-03-10T09:00:00Z",
        "published_ts": T0 + n * HOUR,
        "primary_theme": ECON,
        "themes": [ECON],
        "story_id": hx(story) if story else None,
        "_vectors": {"article": None},
        **extra,
    }


ARTICLES = [
    article(
        1,
        "Fed holds rates steady",
        "Reuters",
        1,
        body="The Fed held rates.\n\nMarkets rose on the news.",
        lede="The Fed held rates.",
        entities=[{"name": "Federal Reserve", "type": "organisation"}],
        related=[{"id": hx(2), "score": 0.9, "same_story": True, "reasons": ["same story"]}],
    ),
    article(2, "Fed keeps rates unchanged", "AP", 1),
    article(3, "Markets rally after rates decision", "AP", 3),
    article(
        4,
        f"Rates {EVIL}",
        f"Evil {EVIL}",
        None,
        body=f"Body {EVIL}\n\nrates <mark>fake</mark> & more",
        lede=f"Lede {EVIL}",
        entities=[{"name": f"Ent {EVIL}", "type": "person"}],
    ),
]
STORIES = [
    {
        "id": hx(1),
        "title": "Fed holds rates",
        "article_count": 2,
        "sources": ["AP", "Reuters"],
        "first_seen_ts": T0,
        "last_seen_ts": T0 + 2 * HOUR,
        "primary_theme": ECON,
        "themes": [ECON],
    },
]


@pytest.fixture
def site(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Iterator[TestClient]:
    settings = search_settings(service_env, monkeypatch)
    seed_indexes(meili_admin, settings, ARTICLES, STORIES)
    with TestClient(create_app(settings)) as client:
        yield client


def html(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    text: str = response.text
    assert '<html lang="en">' in text
    assert '<meta name="viewport"' in text
    for landmark in ("<header", "<nav", "<main", "<footer", "<h1>", "<title>"):
        assert landmark in text
    head = text.split("</head>", maxsplit=1)[0]
    assert "http" not in head  # no external assets: no CDN, no web fonts
    return text


def no_live_markup(text: str) -> None:
    assert "<script" not in text
    assert "<img" not in text
    assert "onerror=alert" not in text.replace("onerror=alert(2)&gt;", "")


def test_search_page_highlights_only_with_mark_and_escapes_the_rest(site: TestClient) -> None:
    text = html(site.get("/", params={"q": "rates"}))
    assert "<title>rates: search · ontheme</title>" in text
    assert "4 articles" in text
    assert "<mark>" in text
    highlighted = re.findall(r'<h3><a href="/a/[0-9a-f]{24}">(.*?)</a></h3>', text)
    highlighted += re.findall(r'<p class="snippet">(.*?)</p>', text, re.S)
    assert len(highlighted) >= 5
    tags = {tag for part in highlighted for tag in re.findall(r"<[^>]*>", part)}
    assert tags == {"<mark>", "</mark>"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    no_live_markup(text)


def test_search_page_facets_filters_and_pagination(site: TestClient) -> None:
    text = html(site.get("/", params={"q": "rates"}))
    assert 'href="/?q=rates&amp;source=AP"' in text
    assert "/?q=rates&amp;theme=economy-business-and-finance" in text
    narrowed = html(site.get("/", params={"q": "rates", "source": "AP"}))
    assert "2 articles" in narrowed
    assert 'href="/?q=rates"' in narrowed  # remove the filter
    first = html(site.get("/", params={"q": "rates", "sort": "recent"}))
    assert "Page" not in first  # one page only
    assert html(site.get("/", params={"since": "2014-03-11"})).count('class="hit"') == 0


def test_empty_query_lists_recent_stories(site: TestClient) -> None:
    text = html(site.get("/"))
    assert "Recent stories" in text
    assert f'href="/s/{hx(1)}"' in text


def test_article_page_with_entities_same_story_and_more_on_theme(site: TestClient) -> None:
    text = html(site.get(f"/a/{hx(1)}"))
    assert "<title>Fed holds rates steady · ontheme</title>" in text
    assert "<p>Markets rose on the news.</p>" in text
    assert 'href="/?entity=Federal+Reserve&amp;entity_type=organisation"' in text
    same = text.split('id="same-story"')[1].split("</section>")[0]
    assert f"/a/{hx(2)}" in same
    more = text.split('id="more-on-theme"')[1]
    assert f"/a/{hx(3)}" in more
    assert '<time datetime="2014-03-10T09:00:00Z">10 Mar 2014, 09:00 UTC</time>' in more


def test_malicious_article_is_shown_escaped_everywhere(site: TestClient) -> None:
    text = html(site.get(f"/a/{hx(4)}"))
    no_live_markup(text)
    assert "<mark>" not in text  # the body's own tags are text, not markup
    assert "&lt;mark&gt;fake&lt;/mark&gt; &amp; more" in text
    assert "<title>Rates &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Ent &lt;script&gt;" in text
    assert "entity=Ent+%3Cscript%3Ealert%281%29" in text


def test_story_and_theme_pages(site: TestClient) -> None:
    story = html(site.get(f"/s/{hx(1)}"))
    assert "<h1>Fed holds rates</h1>" in story
    assert story.index(f"/a/{hx(1)}") < story.index(f"/a/{hx(2)}")
    theme = html(site.get(f"/themes/{ECON}"))
    assert "<h1>Economy, business and finance</h1>" in theme
    assert "4 articles" in theme
    no_live_markup(theme)


@pytest.mark.parametrize(
    "path",
    [f"/a/{hx(99)}", "/a/not-an-id", f"/s/{hx(99)}", "/s/x", "/themes/no-such-theme", "/themes/A"],
)
def test_unknown_pages_are_html_404s(site: TestClient, path: str) -> None:
    text = html(site.get(path), 404)
    assert "Not found" in text


def test_bad_search_is_a_422_page_and_pages_stay_out_of_the_schema(site: TestClient) -> None:
    assert "Bad search" in html(site.get("/", params={"since": "yesterday"}), 422)
    paths = site.get("/openapi.json").json()["paths"]
    assert not {"/", "/a/{article_id}", "/s/{story_id}", "/themes/{slug}"} & set(paths)
    css = site.get("/static/site.css")
    assert css.status_code == 200
    assert "@media" in css.text
