"""Candidates from the same batch, compared in memory: they are not searchable as processed yet.

Only mates published before the article count (ties broken by id, the order stories are
placed in): the later of a pair finds the earlier and tells it by a back-link. Counting later
mates too let a burst of newer articles crowd out the earlier members of their own story.
"""

import numpy as np

from services.related.logic import title_similarity
from services.related.scoring import Profile, profile_of_event
from shared.events import ArticleEnriched

Candidate = tuple[Profile, float]  # the other article and its similarity to this one


def _unit_vectors(events: list[ArticleEnriched]) -> tuple[np.ndarray, np.ndarray]:
    has = np.array([e.enrichment.embedding is not None for e in events])
    width = max((len(e.enrichment.embedding or []) for e in events), default=0)
    matrix = np.zeros((len(events), width), dtype=np.float32)
    for row, event in enumerate(events):
        if event.enrichment.embedding is not None:
            matrix[row] = event.enrichment.embedding
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0), has


def batch_mates(events: list[ArticleEnriched], window_s: int, limit: int) -> list[list[Candidate]]:
    """Return, for each article, its most similar earlier batch mates within the window."""
    profiles = [profile_of_event(e) for e in events]
    units, has = _unit_vectors(events)
    cosines = units @ units.T
    found = []
    for i, event in enumerate(events):
        mates = []
        for j, other in enumerate(events):
            before = (other.timestamp, other.article.id) < (event.timestamp, event.article.id)
            if not before or event.timestamp - other.timestamp > window_s:
                continue
            both = bool(has[i] and has[j])
            similarity = float(cosines[i, j]) if both else _titles(event, other)
            mates.append((profiles[j], similarity))
        found.append(sorted(mates, key=lambda m: -m[1])[:limit])
    return found


def _titles(a: ArticleEnriched, b: ArticleEnriched) -> float:
    return title_similarity(a.article.title, b.article.title)
