"""Candidates from the same batch, compared in memory: they are not searchable as processed yet.

Only mates published before the article count (ties broken by id, the order stories are
placed in): the later of a pair finds the earlier and tells it by a back-link. Counting later
mates too let a burst of newer articles crowd out the earlier members of their own story.
"""

import numpy as np
import numpy.typing as npt

from services.related.scoring import Candidate, profile_of_event
from services.related.words import title_similarity
from shared.contracts.events import ArticleEnriched


def unit_vectors(events: list[ArticleEnriched]) -> tuple[np.ndarray, np.ndarray]:
    """Return the articles' embeddings scaled to length 1 (zeros if none), and which have one."""
    has = np.array([e.enrichment.embedding is not None for e in events])
    width = max((len(e.enrichment.embedding or []) for e in events), default=0)
    matrix = np.zeros((len(events), width), dtype=np.float32)
    for row, event in enumerate(events):
        if event.enrichment.embedding is not None:
            matrix[row] = event.enrichment.embedding
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0), has


def _allowed(events: list[ArticleEnriched], window_s: int) -> npt.NDArray[np.bool_]:
    """Return which pairs (i, j) count: j placed before i, and at most `window_s` earlier."""
    ts = np.array([e.timestamp for e in events], dtype=np.int64)
    order = sorted(range(len(events)), key=lambda i: (int(ts[i]), events[i].article.id))
    rank = np.empty(len(events), dtype=np.int64)
    rank[order] = np.arange(len(events))
    return (rank[None, :] < rank[:, None]) & (ts[:, None] - ts[None, :] <= window_s)


def batch_mates(events: list[ArticleEnriched], window_s: int, limit: int) -> list[list[Candidate]]:
    """Return, for each article, its most similar earlier batch mates within the window."""
    profiles = [profile_of_event(e) for e in events]
    units, has = unit_vectors(events)
    cosines = (units @ units.T).astype(np.float64)
    allowed = _allowed(events, window_s)
    found = []
    for i, event in enumerate(events):
        others = np.flatnonzero(allowed[i])
        similarity = cosines[i, others]
        if not has[i] or not has[others].all():
            for k in np.flatnonzero(~(has[i] & has[others])):
                similarity[k] = _titles(event, events[others[k]])
        # Stable, so equal similarities keep batch order, as the loop this replaced did.
        best = np.argsort(-similarity, kind="stable")[:limit]
        pairs = zip(others[best].tolist(), similarity[best].tolist(), strict=True)
        found.append([(profiles[j], cosine) for j, cosine in pairs])
    return found


def _titles(a: ArticleEnriched, b: ArticleEnriched) -> float:
    return title_similarity(a.article.title, b.article.title)
