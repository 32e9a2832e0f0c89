"""A seeded mix of reader searches for bench/search_latency.py: words, typos, filters, pages.

Each query is the /search query string as a dict; the same dict, validated by the API's own
`SearchParams`, gives the Meilisearch body through the API's own `search_request`.
"""

import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from services.search.schemas import SearchParams
from services.search.search_query import search_request

WORD = re.compile(r"[a-z][a-z'&-]*[a-z]")
MIN_WORD = 3
TYPO_MIN = 5  # Meilisearch forgives one typo from 5 letters, two from 9
WORDS_PER_QUERY = {1: 45, 2: 35, 3: 20}
PAGE_SIZE = 20
# Share of queries with each feature, drawn independently (empty q excludes words and sort).
SHARES = {
    "empty": 0.10,
    "typo": 0.15,
    "theme": 0.15,
    "source": 0.10,
    "language": 0.05,
    "dates": 0.15,
    "recent": 0.15,
    "page": 0.10,
}
FACETS = {"theme": "themes", "source": "source", "language": "language"}


@dataclass(frozen=True)
class Vocabulary:
    """What queries are drawn from: headline words, indexed facet values, the time span."""

    headlines: list[list[str]]
    facets: dict[str, Counter[str]]
    first_ts: float
    last_ts: float


def headline_words(title: str) -> list[str]:
    """The words of a headline a reader might type: lower case, no stop words, 3+ letters."""
    words = WORD.findall(title.lower())
    return [w for w in words if len(w) >= MIN_WORD and w not in ENGLISH_STOP_WORDS]


def vocabulary(
    titles: Iterable[str], facets: Mapping[str, Mapping[str, int]], span: tuple[float, float]
) -> Vocabulary:
    """Headline words, and value counts of themes, source and language to draw filters from."""
    headlines = [words for words in map(headline_words, titles) if words]
    counts = {field: Counter(dict(values)) for field, values in facets.items()}
    return Vocabulary(headlines, counts, span[0], span[1])


def typo(word: str, rng: random.Random) -> str:
    """The word with one slip: a letter dropped, doubled, swapped with the next, or replaced."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("etaoinshrdlu") + word[i + 1 :]


def words_query(vocab: Vocabulary, rng: random.Random) -> str:
    """1-3 consecutive words of a random headline, one of them mistyped at times."""
    words = rng.choice(vocab.headlines)
    n = min(len(words), rng.choices(list(WORDS_PER_QUERY), list(WORDS_PER_QUERY.values()))[0])
    start = rng.randrange(len(words) - n + 1)
    chosen = words[start : start + n]
    long = [i for i, w in enumerate(chosen) if len(w) >= TYPO_MIN]
    if long and rng.random() < SHARES["typo"]:
        i = rng.choice(long)
        chosen[i] = typo(chosen[i], rng)
    return " ".join(chosen)


def _day(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def date_filter(vocab: Vocabulary, rng: random.Random) -> dict[str, str]:
    """since, until or both (1-14 days apart), as dates within the indexed span."""
    since = _day(rng.uniform(vocab.first_ts, vocab.last_ts))
    until = since + timedelta(days=rng.randint(1, 14))
    kind = rng.choices(("since", "until", "both"), (40, 20, 40))[0]
    chosen = {"since": since, "until": until} if kind == "both" else {kind: since}
    return {name: day.date().isoformat() for name, day in chosen.items()}


def _facet_value(vocab: Vocabulary, field: str, rng: random.Random) -> str | None:
    counts = vocab.facets.get(field)
    if not counts:
        return None
    return rng.choices(list(counts), list(counts.values()))[0]


def reader_query(vocab: Vocabulary, rng: random.Random) -> dict[str, str]:
    """One /search query string, as readers mix them."""
    params: dict[str, str] = {}
    if rng.random() >= SHARES["empty"]:
        params["q"] = words_query(vocab, rng)
        if rng.random() < SHARES["recent"]:
            params["sort"] = "recent"
    for name, field in FACETS.items():
        value = _facet_value(vocab, field, rng) if rng.random() < SHARES[name] else None
        if value:
            params[name] = value
    if rng.random() < SHARES["dates"]:
        params |= date_filter(vocab, rng)
    if rng.random() < SHARES["page"]:
        params["offset"] = str(PAGE_SIZE * rng.randint(1, 4))
    return params


def query_mix(vocab: Vocabulary, n: int, seed: int | str) -> list[dict[str, str]]:
    """`n` seeded reader queries."""
    rng = random.Random(f"{seed}:search-queries")
    return [reader_query(vocab, rng) for _ in range(n)]


def meili_body(params: Mapping[str, str], snippet_words: int) -> dict[str, Any]:
    """The Meilisearch search body the API sends for these query parameters."""
    validated = SearchParams.model_validate(params)
    return {"q": validated.q, **search_request(validated, snippet_words)}


def describe(queries: Iterable[Mapping[str, str]]) -> Counter[str]:
    """How many queries use each feature."""
    features: Counter[str] = Counter()
    for params in queries:
        features.update(name for name in params if name != "q")
        features["empty q" if not params.get("q") else f"{len(params['q'].split())} words"] += 1
    return features
