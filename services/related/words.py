"""The words of a title that can tell one story from another."""

import math
import re

_TOKEN = re.compile(r"[^\W_]+")
# Words that carry no story: they make unrelated headlines look alike.
STOP_WORDS = frozenset(
    (
        "a an the and or of to in on for at by with from as is are was were be been it its "
        "this that these those after over new says said say will has have had not no but up "
        "out into about than more"
    ).split()
)


def content_words(text: str) -> frozenset[str]:
    """Return the lower-cased words of `text` that are not stop words."""
    return frozenset(w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS)


def title_similarity(a: str, b: str) -> float:
    """Return the cosine of the two titles' content-word sets: the fallback without vectors."""
    words_a, words_b = content_words(a), content_words(b)
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / math.sqrt(len(words_a) * len(words_b))
