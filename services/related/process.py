"""One batch of enriched articles: candidates, scores, stories, related lists, index copies.

Work per article is bounded: at most `candidates` hits from each of two searches, at most
`limit` related entries stored, and at most `limit` older articles told about it.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import meilisearch
import numpy as np

from services.related.lists import RelatedLists
from services.related.logic import (
    CandidateQuery,
    candidate_ids,
    fetch_candidates,
    first_queries,
    missing_query,
    similarities,
    title_similarity,
    wait_until_indexed,
)
from services.related.scoring import Match, Weights, profile_of_event, profile_of_hit, reasons
from services.related.scoring import score_pair as pair
from services.related.store import Join, RelatedStore
from services.related.stories import (
    Arrival,
    StoryRules,
    StoryState,
    plan_stories,
    story_document,
)
from shared import filters
from shared.events import ArticleEnriched

INDEXED_WAIT_S = 10.0
Hits = tuple[list[dict[str, Any]], dict[str, float]]


@dataclass(frozen=True)
class Rules:
    """Everything that decides what is related and what is one story."""

    query: CandidateQuery
    weights: Weights
    stories: StoryRules
    min_score: float
    limit: int


def score_candidates(event: ArticleEnriched, hits: Hits, weights: Weights) -> list[Match]:
    """Return every candidate scored, best first."""
    me, (found, cosines) = profile_of_event(event), hits
    matches = [
        pair(me, profile_of_hit(hit), cosines.get(str(hit["id"]), _fallback(event, hit)), weights)
        for hit in found
    ]
    return sorted(matches, key=lambda m: (-m.score, m.id))


def _fallback(event: ArticleEnriched, hit: dict[str, Any]) -> float:
    # Without a vector on either side, the titles' shared words stand in for similarity.
    return title_similarity(event.article.title, str(hit.get("title", "")))


def _split(results: list[dict[str, Any]], sizes: Sequence[int]) -> list[list[dict[str, Any]]]:
    out, start = [], 0
    for size in sizes:
        out.append(results[start : start + size])
        start += size
    return out


class _Clock:
    """Seconds per step, for the log line of each batch."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name], self._last = round(now - self._last, 3), now


class RelatedProcessor:
    """Finds, scores and stores the related articles and stories of a batch."""

    def __init__(
        self, client: meilisearch.Client, index_uid: str, stories_uid: str,
        store: RelatedStore, lists: RelatedLists, rules: Rules,
    ) -> None:  # fmt: skip
        self.client, self.index_uid, self.stories_uid = client, index_uid, stories_uid
        self.store, self.lists, self.rules = store, lists, rules

    async def process(self, events: list[ArticleEnriched]) -> dict[str, float]:
        """Handle one batch; safe to repeat. Returns the seconds each step took."""
        events = list({e.article.id: e for e in events}.values())
        ids = [e.article.id for e in events]
        clock = _Clock()
        scored = await self._find(events, clock)
        story_of = await self._place(events, scored)
        clock.lap("stories_s")
        lists = await self._lists(events, scored, story_of)
        stories = await self.store.story_states({story_of[i] for i in ids if i in story_of})
        clock.lap("lists_s")
        await asyncio.to_thread(self._publish, lists, story_of, set(ids), stories)
        clock.lap("publish_s")
        return clock.laps

    async def _find(self, events: list[ArticleEnriched], clock: "_Clock") -> list[list[Match]]:
        """Return every article's candidates, scored, best first."""
        # Indexing reads the same stream; let it catch up so a batch's articles find each
        # other. Bounded: a stopped indexer delays related lists, it never blocks them.
        index = self.client.index(self.index_uid)
        ids = [e.article.id for e in events]
        await asyncio.to_thread(wait_until_indexed, index, ids, INDEXED_WAIT_S)
        clock.lap("wait_indexed_s")
        hits = await asyncio.to_thread(self._search, events)
        weights = self.rules.weights
        scored = [score_candidates(e, h, weights) for e, h in zip(events, hits, strict=True)]
        clock.lap("search_s")
        return scored

    def _search(self, events: list[ArticleEnriched]) -> list[Hits]:
        plan = [first_queries(e, self.index_uid, self.rules.query) for e in events]
        results = self.client.multi_search([q for qs in plan for q in qs])["results"]
        grouped = _split(results, [len(qs) for qs in plan])
        ids = [candidate_ids(rs) for rs in grouped]
        cosines = [similarities(rs) for rs in grouped]
        follow = [
            missing_query(e, self.index_uid, i, c)
            for e, i, c in zip(events, ids, cosines, strict=True)
        ]
        asked = [q for q in follow if q is not None]
        if asked:
            more = iter(self.client.multi_search(asked)["results"])
            for query, known in zip(follow, cosines, strict=True):
                if query is not None:
                    known.update(similarities([next(more)]))
        index = self.client.index(self.index_uid)
        found = fetch_candidates(index, {i for group in ids for i in group})
        return [
            ([found[i] for i in group if i in found], c)
            for group, c in zip(ids, cosines, strict=True)
        ]

    async def _place(
        self, events: list[ArticleEnriched], scored: list[list[Match]]
    ) -> dict[str, str]:
        """Return the story of every article of the batch and of every candidate."""
        ids = {e.article.id for e in events} | {m.id for ms in scored for m in ms}
        story_of = await self.store.stories_of(ids)
        centroids = await self.store.centroids(story_of.values())
        arrivals = [_arrival(e, ms) for e, ms in zip(events, scored, strict=True)]
        placed = plan_stories(arrivals, story_of, centroids, self.rules.stories)
        by_id = {e.article.id: e for e in events}
        joins = [_join(by_id[a], s) for a, s in placed.items()]
        story_of.update(await self.store.join(joins) if joins else {})
        return story_of

    async def _lists(
        self, events: list[ArticleEnriched], scored: list[list[Match]], story_of: dict[str, str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Store each article's entries and tell its matches about it; return touched lists."""
        entries: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for event, matches in zip(events, scored, strict=True):
            mine = event.article.id
            for match in [m for m in matches if m.score >= self.rules.min_score][
                : self.rules.limit
            ]:
                same = story_of.get(mine) is not None and story_of.get(mine) == story_of.get(
                    match.id
                )
                entries[mine][match.id] = entries[match.id][mine] = _entry(match, same)
        batch = {e.article.id for e in events}
        await self._reseed(set(entries) - batch)
        await self.lists.add_entries(entries)
        return await self.lists.top_lists(set(entries) | batch, self.rules.limit)

    async def _reseed(self, older: set[str]) -> None:
        """Reload the lists Redis let expire from the index, so an update never shortens them."""
        missing = await self.lists.missing_lists(older)
        if not missing:
            return
        index = self.client.index(self.index_uid)
        params = {
            "filter": filters.any_of("id", missing),
            "fields": ["id", "related"],
            "limit": len(missing),
        }
        docs = (await asyncio.to_thread(index.get_documents, params)).results
        await self.lists.add_entries({doc.id: _seed(doc) for doc in docs}, only_new=True)

    def _publish(
        self,
        lists: dict[str, list[dict[str, Any]]],
        story_of: dict[str, str],
        batch: set[str],
        stories: list[StoryState],
    ) -> None:
        updates = [
            {"id": aid, "related": entries, **({"story_id": story_of[aid]} if aid in batch else {})}
            for aid, entries in lists.items()
        ]
        self.client.index(self.index_uid).update_documents(updates, "id")
        if stories:
            documents = [story_document(state) for state in stories]
            self.client.index(self.stories_uid).add_documents(documents, "id")


def _arrival(event: ArticleEnriched, matches: list[Match]) -> Arrival:
    embedding = event.enrichment.embedding
    return Arrival(
        id=event.article.id,
        published_ts=event.timestamp,
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32),
        candidates=[(m.id, m.similarity) for m in matches],
    )


def _join(event: ArticleEnriched, story_id: str) -> Join:
    themes = event.enrichment.themes
    embedding = event.enrichment.embedding
    return Join(
        article_id=event.article.id,
        story_id=story_id,
        published_ts=event.timestamp,
        title=event.article.title,
        source=event.article.source,
        theme=themes[0].top if themes else None,
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32),
    )


def _entry(match: Match, same_story: bool) -> dict[str, Any]:
    return {
        "score": match.score,
        "same_story": same_story,
        "reasons": reasons(match, same_story=same_story),
    }


def _seed(document: Any) -> dict[str, dict[str, Any]]:
    stored = getattr(document, "related", None) or []
    return {
        e["id"]: {k: v for k, v in e.items() if k != "id"}
        for e in stored
        if isinstance(e, dict) and "id" in e
    }
