"""What the text alone tells: lede, word count, reading time, declared language. No I/O."""

import math
import re

from shared.contracts.events import Article

WORDS_PER_MINUTE = 230
LEDE_SENTENCES = 2
LEDE_MAX_CHARS = 400
# A sentence ends at . ! or ? (maybe closing a quote), then space and a capital, digit or quote.
_SENTENCE_END = re.compile(
    "(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))\\s+(?=[A-Z0-9\"'\u201c\u2018(])"
)
_WORD = re.compile("\\w+(?:[-'\u2019]\\w+)*")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def normalise_language(declared: str | None) -> str | None:
    """Return an ISO 639-1 code from a declared tag (`en`, `EN-gb`, `en_US`), else None."""
    if not declared:
        return None
    primary = re.split(r"[-_]", declared.strip().lower(), maxsplit=1)[0]
    return primary if _LANGUAGE.match(primary) else None


def first_sentences(text: str, count: int = LEDE_SENTENCES, limit: int = LEDE_MAX_CHARS) -> str:
    """Return the first `count` sentences of `text`, cut at a word boundary under `limit`."""
    flat = " ".join(text.split())
    sentences = _SENTENCE_END.split(flat)
    lede = " ".join(sentences[:count])
    if len(lede) <= limit:
        return lede
    cut = lede[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def word_count(text: str) -> int:
    """Count words (runs of letters and digits, hyphenated and apostrophed words as one)."""
    return len(_WORD.findall(text))


def reading_time_minutes(words: int) -> int:
    """Return whole minutes to read `words` words, at least 1 for any text."""
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0


def lede_of(article: Article) -> str:
    """Return the first sentences of the body, or of the description when there is none."""
    body = (article.body or "").strip()
    description = (article.description or "").strip()
    return first_sentences(body or description) if body or description else ""


def text_fields(article: Article) -> dict[str, str | int]:
    """Return lede, word count and reading time, computed from the text alone."""
    words = word_count((article.body or "").strip() or (article.description or ""))
    return {
        "lede": lede_of(article),
        "word_count": words,
        "reading_time_minutes": reading_time_minutes(words),
    }
