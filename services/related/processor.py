"""One batch of enriched articles: candidates, scores, stories, related lists, index copies.

Work per article is bounded: at most `candidates` hits from each of two searches, at most
`limit` related entries stored, and at most `limit` older articles told about it. The lists
stay in Redis (the search service reads them there); an article's document gets its story
once, and again only when its story merges into another.
"""

import asyncio
import time
from dataclasses import dataclass

from services.related.batch_candidates import batch_mates
from services.related.candidate_query import CandidateQuery
from services.related.evidence import SameEvent
from services.related.list_writer import entries_of
from services.related.merges import alias_documents, article_moves, with_moves
from services.related.ports import ArticleIndex, ListWriter, StoryStore
from services.related.scoring import Match, score_candidates
from services.related.settings import DAY_SECONDS
from services.related.store import join_of
from services.related.stories import StoryRules, arrival_of, plan_stories
from services.related.vectors import Window
from shared.contracts.events import ArticleEnriched
from shared.stories.records import StoryState, resolve, story_document

INDEXED_WAIT_S = 10.0


@dataclass(frozen=True)
class Rules:
    """Everything that decides what is related and what is one story."""

    query: CandidateQuery
    model: SameEvent  # the probability of the same event: the related score, and story joins
    stories: StoryRules
    min_score: float
    limit: int
    # Vector searches in memory over the vectors Redis holds (see vectors.py), not Meilisearch.
    local_vectors: bool = True


class _Clock:
    """Seconds per step, for the log line of each batch."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Record the seconds since the last lap under `name`."""
        now = time.perf_counter()
        self.laps[name], self._last = round(now - self._last, 3), now


class RelatedProcessor:
    """Finds, scores and stores the related articles and stories of a batch."""

    def __init__(
        self, index: ArticleIndex, store: StoryStore, lists: ListWriter, rules: Rules
    ) -> None:
        self.index, self.store, self.lists, self.rules = index, store, lists, rules

    async def process(self, events: list[ArticleEnriched]) -> dict[str, float]:
        """Handle one batch; safe to repeat. Returns the seconds each step took."""
        events = list({e.article.id: e for e in events}.values())
        ids = [e.article.id for e in events]
        clock = _Clock()
        scored = await self._find(events, clock)
        story_of, merged = await self._place(events, scored)
        clock.lap("stories_s")
        entries = entries_of(ids, scored, self.rules.min_score, self.rules.limit)
        await self.lists.add(entries, self.rules.limit)
        touched = {story_of[i] for i in ids if i in story_of} | {kept for _, kept in merged}
        stories = await self.store.story_states(touched)
        clock.lap("lists_s")
        await asyncio.to_thread(self._publish, ids, story_of, stories, merged)
        clock.lap("publish_s")
        return clock.laps

    async def _find(self, events: list[ArticleEnriched], clock: "_Clock") -> list[list[Match]]:
        """Return every article's candidates, scored, best first."""
        # Indexing reads the same stream; let it catch up so a batch's articles find each
        # other. Bounded: a stopped indexer delays related lists, it never blocks them.
        ids = [e.article.id for e in events]
        await asyncio.to_thread(self.index.wait_until_indexed, ids, INDEXED_WAIT_S)
        clock.lap("wait_indexed_s")
        # Our previous update made articles searchable that this batch may find.
        await asyncio.to_thread(self.index.settle_previous)
        stored = await self._stored_vectors(events)
        found = await asyncio.to_thread(self.index.candidates, events, stored)
        window = int(self.rules.query.window_days * DAY_SECONDS)
        mates = batch_mates(events, window, self.rules.query.candidates)
        model = self.rules.model
        scored = [
            score_candidates(e, f + m, model) for e, f, m in zip(events, found, mates, strict=True)
        ]
        clock.lap("search_s")
        return scored

    async def _stored_vectors(self, events: list[ArticleEnriched]) -> Window | None:
        """Return the stored vectors the batch's searches need; None: Meilisearch searches."""
        if not self.rules.local_vectors:
            return None
        span = int(self.rules.query.window_days * DAY_SECONDS)
        return await self.store.vectors.around(events, span)

    async def _place(
        self, events: list[ArticleEnriched], scored: list[list[Match]]
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """Return the story of every article of the batch and of every candidate, and merges."""
        ids = {e.article.id for e in events} | {m.id for ms in scored for m in ms}
        story_of = await self.store.stories_of(ids)
        arrivals = [arrival_of(e, ms) for e, ms in zip(events, scored, strict=True)]
        plan = plan_stories(arrivals, story_of, self.rules.stories)
        by_id = {e.article.id: e for e in events}
        joins = [join_of(by_id[a], s) for a, s in plan.placed.items()]
        story_of.update(await self.store.join(joins) if joins else {})
        if not plan.merges:
            return story_of, []
        merged = await self.store.merges.merge(plan.merges)
        aliases = await self.store.aliases(story_of.values())
        return {a: resolve(s, aliases) for a, s in story_of.items()}, merged

    def _publish(
        self,
        ids: list[str],
        story_of: dict[str, str],
        stories: list[StoryState],
        merged: list[tuple[str, str]],
    ) -> None:
        """Give the batch's articles, and the merged stories' ones, their story; write stories."""
        updates = [{"id": i, "story_id": story_of[i]} for i in ids]
        moves = article_moves(merged, self.index.member_ids)
        self.index.update_articles(with_moves(updates, moves))
        documents = [story_document(state) for state in stories] + alias_documents(merged)
        if documents:
            self.index.add_stories(documents)
