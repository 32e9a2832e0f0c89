"""Feed text to plain text: markup dropped, entities decoded, whitespace tidied."""

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

# Their text is code or styling, never part of the article.
HIDDEN = frozenset({"script", "style", "noscript", "template"})
# Elements that end a paragraph: the text on either side must not run together.
BREAKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr blockquote section article figure pre hr".split()
)
PLAIN_TYPES = frozenset({"text/plain", "text"})


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the text of an HTML fragment, one line per paragraph."""
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """Return the text of a feedparser text construct (`title_detail`, `content[i]`)."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    if str(detail.get("type", "")).lower() in PLAIN_TYPES:
        # feedparser has decoded plain text already: "a < b" is text here, not a tag.
        return " ".join(value.split())
    return html_to_text(value)


def headline(text: str, limit: int = 120) -> str:
    """Return the start of `text`, cut at a word, for an entry that has no title."""
    first = text.split("\n", 1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"
