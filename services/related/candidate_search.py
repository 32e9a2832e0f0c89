"""The candidates of a batch: a keyword search and a vector search, then their fields.

With the stored vectors at hand (vectors.py) the vector search runs in memory, and so does the
keyword search once the window holds every article's title words (titles.py); Meilisearch
then only supplies the candidates' fields. Otherwise both run in Meilisearch.
"""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import meilisearch

from services.related.batch_candidates import unit_vectors
from services.related.candidate_query import (
    CandidateQuery,
    candidate_ids,
    first_queries,
)
from services.related.nearest import cosines_in, nearest_of
from services.related.scoring import Candidate, Profile, profile_of_hit
from services.related.settings import DAY_SECONDS
from services.related.titles import Idf, keyword_hits
from services.related.vectors import Window
from services.related.words import title_similarity
from shared.contracts.events import ArticleEnriched

SEARCH_THREADS = 4
RETRIEVED = ["id", "title", "published_ts", "entities", "keywords", "source"]


def _found(
    event: ArticleEnriched,
    ids: list[str],
    profiles: Mapping[str, Profile],
    cosines: dict[str, float],
) -> list[Candidate]:
    found = []
    for i in ids:
        profile = profiles.get(i)
        if profile is None:
            continue
        cosine = cosines.get(i)
        if cosine is None:
            # Without a vector on either side, the titles' shared words stand in.
            cosine = title_similarity(event.article.title, profile.title)
        found.append((profile, cosine))
    return found


def fetch_candidates(index: meilisearch.index.Index, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Return the fields scoring needs of the candidates indexed in full (with a title), by id."""
    if not ids:
        return {}
    body = {"ids": sorted(ids), "fields": RETRIEVED, "limit": len(ids)}
    # The raw answer: the SDK's Document wrappers cost more than the fetch itself.
    found = index.http.post(f"indexes/{index.uid}/documents/fetch", body=body)["results"]
    return {str(doc["id"]): doc for doc in found if doc.get("title")}


class CandidateSearch:
    """Finds the candidates of a batch in the index: blocking calls, run in a thread."""

    def __init__(
        self, client: meilisearch.Client, index_uid: str, query: CandidateQuery, idf: Idf
    ) -> None:
        self.client, self.index_uid, self.query, self.idf = client, index_uid, query, idf
        self._pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="related-search")
        self._span = int(query.window_days * DAY_SECONDS)

    def _multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return the results of `queries`, in order, from a few multi-searches at once."""
        # Meilisearch runs the queries of one multi-search one after another; requests in
        # parallel let it use more than one core.
        size = max(1, -(-len(queries) // SEARCH_THREADS))
        chunks = [queries[i : i + size] for i in range(0, len(queries), size)]
        answers = self._pool.map(lambda chunk: self.client.multi_search(chunk)["results"], chunks)
        return [result for answer in answers for result in answer]

    def search(self, events: list[ArticleEnriched], window: Window | None) -> list[list[Candidate]]:
        """Return each article's candidates with their similarity to it.

        With a window of stored vectors the vector search runs here, else in Meilisearch.
        Similarities come from the window only: Meilisearch holds its vectors as bits.
        """
        ids, cosines = self._neighbours(events, window)
        index = self.client.index(self.index_uid)
        found = fetch_candidates(index, {i for group in ids for i in group})
        profiles = {i: profile_of_hit(doc) for i, doc in found.items()}
        return [
            _found(event, group, profiles, known)
            for event, group, known in zip(events, ids, cosines, strict=True)
        ]

    def _neighbours(
        self, events: list[ArticleEnriched], window: Window | None
    ) -> tuple[list[list[str]], list[dict[str, float]]]:
        """Return each article's candidate ids, and the similarities the window's vectors give."""
        if window is None:
            return self._searched(events, vector=self.query.meili_vectors), [{} for _ in events]
        if len(window.titles.ids) < len(window.ids):
            # Hours stored before title words were: Meilisearch's keyword search until they age out.
            ids = self._searched(events, vector=False)
        else:
            ids = keyword_hits(window.titles, events, self._span, self.query.candidates, self.idf)
        near = nearest_of(window, events, self._span, self.query.candidates)
        units, has = unit_vectors(events)
        cosines = []
        for group, hits, unit, embedded in zip(ids, near, units, has, strict=True):
            seen = set(group)
            keyword_only = [i for i in group if i not in hits]
            group.extend(i for i in hits if i not in seen)
            known = dict(hits)
            # The keyword-only hits' similarity, from the window's vectors too.
            known.update(cosines_in(window, unit, keyword_only) if embedded else {})
            cosines.append(known)
        return ids, cosines

    def _searched(self, events: list[ArticleEnriched], *, vector: bool) -> list[list[str]]:
        """Return the ids the Meilisearch searches find for each article."""
        plan = [first_queries(e, self.index_uid, self.query, vector=vector) for e in events]
        answers = iter(self._multi_search([q for qs in plan for q in qs]))
        return [candidate_ids([next(answers) for _ in qs]) for qs in plan]
