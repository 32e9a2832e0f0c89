"""Text out of markup: what titles and feed items are stored as."""

import html
import re

TAG = re.compile(r"<[^>]*>")


def plain_text(value: str | None) -> str | None:
    """Text without HTML tags or entities, whitespace collapsed; None when nothing is left."""
    if value is None:
        return None
    # Twice: entities may encode tags (`&lt;b&gt;`), which must go too.
    text = " ".join(TAG.sub(" ", html.unescape(TAG.sub(" ", value))).split())
    return text or None
