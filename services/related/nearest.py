"""Vector search in memory over the stored vectors of a window (see vectors.py). No I/O."""

import numpy as np
import numpy.typing as npt

from services.related.batch_candidates import unit_vectors
from services.related.vectors import Matrix, Window
from shared.contracts.events import ArticleEnriched

ROWS = 64
# Articles whose cosines with the whole window are held at once: 36 MiB at 35,000 stored,
# whatever the batch; each such chunk converts the window's int8 steps once.
CHUNK = 256


def nearest_of(
    window: Window, events: list[ArticleEnriched], span_s: int, limit: int
) -> list[dict[str, float]]:
    """Return each article's `limit` nearest stored others (none without an embedding)."""
    units, has = unit_vectors(events)
    published = np.array([e.timestamp for e in events], dtype=np.int64)
    own = [events[i].article.id for i in np.flatnonzero(has)]
    found = iter(nearest(window, units[has], published[has], own, span_s, limit))
    return [next(found) if h else {} for h in has]


def nearest(
    window: Window,
    vectors: Matrix,
    published: npt.NDArray[np.int64],
    own: list[str],
    span_s: int,
    limit: int,
) -> list[dict[str, float]]:
    """Return, per article (its unit vector), its `limit` most similar stored others.

    Only those published at most `span_s` apart count, as Meilisearch's window filter did,
    never the article itself; each comes with its cosine, best first.
    """
    if not len(window.ids):
        return [{} for _ in own]
    found: list[dict[str, float]] = []
    for first in range(0, len(own), CHUNK):
        sims = window.similarities(vectors[first : first + CHUNK])
        # Row blocks bound the memory of the masks and the sort, whatever the window.
        for start in range(0, len(sims), ROWS):
            rows = sims[start : start + ROWS]
            at = slice(first + start, first + start + len(rows))
            found.extend(_block(window, rows, published[at], own[at], span_s, limit))
    return found


def _block(
    window: Window,
    sims: Matrix,
    published: npt.NDArray[np.int64],
    own: list[str],
    span_s: int,
    limit: int,
) -> list[dict[str, float]]:
    sims[np.abs(window.ts[None, :] - published[:, None]) > span_s] = -np.inf
    for row, article_id in enumerate(own):
        if article_id in window.column:
            sims[row, window.column[article_id]] = -np.inf
    keep = min(limit, sims.shape[1])
    best = np.argpartition(-sims, keep - 1, axis=1)[:, :keep]
    return [_ranked(window.ids, row_sims, cols) for row_sims, cols in zip(sims, best, strict=True)]


def _ranked(ids: list[str], sims: Matrix, cols: npt.NDArray[np.intp]) -> dict[str, float]:
    ordered = cols[np.argsort(-sims[cols], kind="stable")]
    return {ids[c]: float(sims[c]) for c in ordered if np.isfinite(sims[c])}


def cosines_in(window: Window, vector: Matrix, ids: list[str]) -> dict[str, float]:
    """Return the cosine of a unit vector with each of `ids` the window holds."""
    held = [i for i in ids if i in window.column]
    if not held:
        return {}
    sims = window.units([window.column[i] for i in held]) @ vector
    return {i: float(s) for i, s in zip(held, sims, strict=True)}
