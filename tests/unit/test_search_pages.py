"""The pages' rendering helpers and templates without any server: escaping, highlights, links."""

import pytest
from markupsafe import Markup
from pydantic import ValidationError

from services.search.page_params import last_page, page_number, search_params
from services.search.pages_render import (
    environment,
    highlight,
    iso,
    paragraphs,
    url,
    web_link,
    when,
)
from services.search.schemas import ArticleView

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_highlight_keeps_only_mark_tags_and_escapes_everything_else() -> None:
    out = highlight(f"<mark>Fed</mark> {EVIL} & 'q' \"r\"")
    assert isinstance(out, Markup)
    assert out == (
        "<mark>Fed</mark> &lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;img src=x onerror=alert(2)&gt; &amp; &#39;q&#39; &#34;r&#34;"
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<mark>cut off", "<mark>cut off</mark>"),  # a crop may leave a mark open
        ('<mark class="x">a</mark>', "&lt;mark class=&#34;x&#34;&gt;a</mark>"),
        ("<MARK>a</MARK>", "&lt;MARK&gt;a&lt;/MARK&gt;"),
        (None, ""),
    ],
)
def test_highlight_edge_cases(raw: str | None, shown: str) -> None:
    assert highlight(raw) == shown


def test_dates_for_people_and_machines() -> None:
    assert when("2014-03-19T18:00:00Z") == "19 Mar 2014, 18:00 UTC"
    assert when(1_394_400_000) == "09 Mar 2014, 21:20 UTC"
    assert when("not a date") == "not a date"
    assert when(None) == ""
    assert iso(1_394_400_000) == "2014-03-09T21:20:00Z"


def test_paragraphs_and_urls() -> None:
    assert paragraphs("One\n  two.\n\nThree.") == ["One two.", "Three."]
    assert paragraphs("a\nb") == ["a", "b"]
    assert paragraphs(None) == []
    assert url("/", {"q": "a b", "theme": "x"}, theme=None, page=2) == "/?q=a+b&page=2"
    assert url("/", {}) == "/"
    assert url("/", {"q": '"&<'}) == "/?q=%22%26%3C"


def test_paging_and_search_params() -> None:
    assert [page_number(x) for x in (None, "", "x", "-3", "0", "4", "99999")] == [
        1, 1, 1, 1, 1, 4, 1000,
    ]  # fmt: skip
    assert [last_page(n) for n in (0, 10, 11)] == [1, 1, 2]
    params = search_params({"q": "fed", "theme": "", "page": "3", "limit": "100"}, 3)
    assert (params.q, params.theme, params.limit, params.offset) == ("fed", None, 10, 20)
    with pytest.raises(ValidationError):
        search_params({"since": "yesterday"}, 1)


def test_article_template_escapes_untrusted_fields() -> None:
    view = ArticleView(
        id="0" * 24,
        title=f"T {EVIL}",
        body=f"B {EVIL}\n\n<mark>x</mark>",
        lede=f"L {EVIL}",
        source=f"S {EVIL}",
        url="javascript:alert(3)",
        entities=[{"name": f"E {EVIL}", "type": "person"}],
    )
    page = (
        environment()
        .get_template("article.html")
        .render(article=view, more_on_theme=[], same_story=[])
    )
    assert "<script" not in page
    assert "<img" not in page
    assert "<mark>" not in page
    assert "javascript:" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5


def test_only_web_links_are_linked() -> None:
    assert web_link("https://a.example/x") == "https://a.example/x"
    assert web_link(" JavaScript:alert(1)") is None
    assert web_link("data:text/html,x") is None
    assert web_link(None) is None
