"""What a page says about itself before its text: its encoding, language and canonical URL."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
HEADER_CHARSET = re.compile(r"charset=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
BODY_START = re.compile(r"<body[\s>]", re.IGNORECASE)
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")
# Where to stop looking for the head when a page has no <body> tag.
MAX_HEAD_CHARS = 200_000


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode a page as a browser would: HTTP charset, then <meta charset>, UTF-8, cp1252."""
    declared = HEADER_CHARSET.search(content_type)
    sniffed = META_CHARSET.search(body[:4096])
    for charset in (declared and declared[1], sniffed and sniffed[1].decode()):
        if charset:
            try:
                return body.decode(charset, errors="replace")
            except LookupError:
                continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        # What browsers assume for unlabelled Western pages; it decodes every byte.
        return body.decode("cp1252", errors="replace")


@dataclass
class Head:
    """What the start of a page declares: its language and its canonical URL."""

    language: str | None = None
    canonical: str | None = None


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value.strip() for name, value in attrs if value}
        rel = found.get("rel", "").lower().split()
        if tag == "html" and LANGUAGE_TAG.match(found.get("lang", "")):
            self.head.language = found["lang"]
        elif tag == "link" and "canonical" in rel and self.head.canonical is None:
            self.head.canonical = found.get("href")


def read_head(page_html: str) -> Head:
    """Parse the page up to <body>: its <html lang> and <link rel=canonical>."""
    end = BODY_START.search(page_html)
    parser = _HeadParser()
    parser.feed(page_html[: end.start() if end else MAX_HEAD_CHARS])
    return parser.head


def same_site_canonical(href: str | None, url: str) -> str | None:
    """The page's rel=canonical as an absolute URL, if it stays on the page's own site."""
    if not href:
        return None
    try:
        target = urljoin(url, href.strip())
        parts, page = urlsplit(target), urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" in the host
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or not page.hostname:
        return None
    # A page must not choose another site's id (it could make that site's article a
    # "duplicate" of itself); www.x.com, m.x.com and x.com are one site.
    one, two = (h.lower().removeprefix("www.") for h in (parts.hostname, page.hostname))
    related = one == two or one.endswith(f".{two}") or two.endswith(f".{one}")
    return target if related else None
