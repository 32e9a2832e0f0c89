"""The title words of placed articles, by hour in Redis, and the keyword search over them. No I/O.

Meilisearch's keyword search on each new title cost about 4.3 ms of its CPU an article on the
40,000 headlines bench.related_speed indexes, about as much as indexing the article (2.9 to 6.1
ms by task size, bench.meili_update_cost; issue 17). The story join script appends each placed
article's title words to its hour's string beside its vector (vectors.py), so the worker
searches titles in memory as it searches vectors: the articles sharing the most informative
title words (summed idf of the same-event model's word table), within the window.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from services.related.words import content_words
from shared.contracts.events import ArticleEnriched

WORDS = "w"  # the format tag of title-word hours (vectors.py reads them with the vectors)
Idf = Callable[[str], float]


def words_record(article_id: str, published_ts: int, title: str) -> bytes:
    """Return the line one article appends to its hour: id, time, its title's content words."""
    words = " ".join(sorted(content_words(title)))
    return f"{article_id} {published_ts} {words}\n".encode()


@dataclass(frozen=True)
class Titles:
    """The title words of some hours' articles, as postings sorted by word hash."""

    ids: list[str]
    ts: npt.NDArray[np.int64]
    hashes: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]  # the article (row) of each posting

    @cached_property
    def column(self) -> dict[str, int]:
        """Return the row of each id."""
        return rows_of(self.ids)


def rows_of(ids: list[str]) -> dict[str, int]:
    """Return the row of each id in a list of ids."""
    return {article_id: c for c, article_id in enumerate(ids)}


def no_titles() -> Titles:
    """Return an empty set of titles."""
    empty = np.zeros(0, dtype=np.int64)
    return Titles([], empty, empty, empty)


def parse_titles(data: bytes) -> Titles:
    """Return the titles of an hour's lines; a line that is not a record is skipped."""
    ids: list[str] = []
    times: list[int] = []
    hashes: list[int] = []
    rows: list[int] = []
    for line in data.decode("utf-8", "replace").splitlines():
        article_id, _, rest = line.partition(" ")
        published, _, words = rest.partition(" ")
        if not published.lstrip("-").isdigit():
            continue
        # Python's str hash is salted per process: every word here is hashed in this one.
        found = [hash(w) for w in words.split()]
        hashes += found
        rows += [len(ids)] * len(found)
        ids.append(article_id)
        times.append(int(published))
    return _sorted(ids, np.array(times, dtype=np.int64), hashes, rows)


def joined_titles(parts: list[Titles]) -> Titles:
    """Return the titles of several hours as one."""
    if not parts:
        return no_titles()
    offsets = np.cumsum([0] + [len(p.ids) for p in parts[:-1]])
    return _sorted(
        [i for part in parts for i in part.ids],
        np.concatenate([part.ts for part in parts]),
        np.concatenate([part.hashes for part in parts]),
        np.concatenate([part.rows + offset for part, offset in zip(parts, offsets, strict=True)]),
    )


def _sorted(
    ids: list[str], ts: npt.NDArray[np.int64], hashes: npt.ArrayLike, rows: npt.ArrayLike
) -> Titles:
    keys = np.asarray(hashes, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    return Titles(ids, ts, keys[order], np.asarray(rows, dtype=np.int64)[order])


def keyword_hits(
    titles: Titles, events: list[ArticleEnriched], span_s: int, limit: int, idf: Idf
) -> list[list[str]]:
    """Return, per article, the `limit` others sharing the most title weight within `span_s`.

    The weight is the summed idf of the shared words; ties go to the earlier stored article.
    Never the article itself.
    """
    return [_hits(titles, event, span_s, limit, idf) for event in events]


def _hits(titles: Titles, event: ArticleEnriched, span_s: int, limit: int, idf: Idf) -> list[str]:
    words = sorted(content_words(event.article.title))
    keys = np.array([hash(w) for w in words], dtype=np.int64)
    starts = np.searchsorted(titles.hashes, keys, side="left")
    ends = np.searchsorted(titles.hashes, keys, side="right")
    spans = [(s, e, idf(w)) for s, e, w in zip(starts, ends, words, strict=True) if e > s]
    if not spans:
        return []
    rows = np.concatenate([titles.rows[s:e] for s, e, _ in spans])
    weights = np.concatenate([np.full(e - s, w) for s, e, w in spans])
    found, inverse = np.unique(rows, return_inverse=True)
    scores = np.bincount(inverse, weights)
    scores[np.abs(titles.ts[found] - event.timestamp) > span_s] = -np.inf
    own = titles.column.get(event.article.id)
    if own is not None:
        scores[found == own] = -np.inf
    best = np.lexsort((found, -scores))[:limit]
    return [titles.ids[found[b]] for b in best if np.isfinite(scores[b])]
