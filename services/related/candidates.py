"""The candidates of a batch of articles, from two Meilisearch searches and one fetch."""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import meilisearch

from services.related.logic import (
    CandidateQuery,
    candidate_ids,
    fetch_candidates,
    first_queries,
    missing_query,
    similarities,
    title_similarity,
)
from services.related.mates import Candidate
from services.related.scoring import Match, Weights, profile_of_event, profile_of_hit
from services.related.scoring import score_pair as pair
from shared.events import ArticleEnriched

SEARCH_THREADS = 4


def score_candidates(
    event: ArticleEnriched, candidates: list[Candidate], weights: Weights
) -> list[Match]:
    """Return every candidate scored once, best first."""
    me = profile_of_event(event)
    unique = {profile.id: (profile, cosine) for profile, cosine in candidates}
    matches = [pair(me, profile, cosine, weights) for profile, cosine in unique.values()]
    return sorted(matches, key=lambda m: (-m.score, m.id))


def _found(
    event: ArticleEnriched, hits: list[dict[str, Any]], cosines: dict[str, float]
) -> list[Candidate]:
    found = []
    for hit in hits:
        cosine = cosines.get(str(hit["id"]))
        if cosine is None:
            # Without a vector on either side, the titles' shared words stand in.
            cosine = title_similarity(event.article.title, str(hit["title"]))
        found.append((profile_of_hit(hit), cosine))
    return found


def _split(results: list[dict[str, Any]], sizes: Sequence[int]) -> list[list[dict[str, Any]]]:
    out, start = [], 0
    for size in sizes:
        out.append(results[start : start + size])
        start += size
    return out


class CandidateSearch:
    """Finds the candidates of a batch in the index: blocking calls, run in a thread."""

    def __init__(self, client: meilisearch.Client, index_uid: str, query: CandidateQuery):
        self.client, self.index_uid, self.query = client, index_uid, query
        self._pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="related-search")

    def _multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return the results of `queries`, in order, from a few multi-searches at once."""
        # Meilisearch runs the queries of one multi-search one after another; requests in
        # parallel let it use more than one core.
        size = max(1, -(-len(queries) // SEARCH_THREADS))
        chunks = [queries[i : i + size] for i in range(0, len(queries), size)]
        answers = self._pool.map(lambda chunk: self.client.multi_search(chunk)["results"], chunks)
        return [result for answer in answers for result in answer]

    def search(self, events: list[ArticleEnriched]) -> list[list[Candidate]]:
        """Return each article's candidates with their similarity to it."""
        ids, cosines = self._neighbours(events)
        index = self.client.index(self.index_uid)
        found = fetch_candidates(index, {i for group in ids for i in group})
        return [
            _found(event, [found[i] for i in group if i in found], known)
            for event, group, known in zip(events, ids, cosines, strict=True)
        ]

    def _neighbours(
        self, events: list[ArticleEnriched]
    ) -> tuple[list[list[str]], list[dict[str, float]]]:
        """Return each article's candidate ids, and the similarity of each candidate."""
        plan = [first_queries(e, self.index_uid, self.query) for e in events]
        results = self._multi_search([q for qs in plan for q in qs])
        grouped = _split(results, [len(qs) for qs in plan])
        ids = [candidate_ids(rs) for rs in grouped]
        cosines = [similarities(rs) for rs in grouped]
        follow = [
            missing_query(e, self.index_uid, i, c)
            for e, i, c in zip(events, ids, cosines, strict=True)
        ]
        asked = [q for q in follow if q is not None]
        if asked:
            more = iter(self._multi_search(asked))
            for query, known in zip(follow, cosines, strict=True):
                if query is not None:
                    known.update(similarities([next(more)]))
        return ids, cosines
