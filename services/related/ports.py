"""What the batch processor needs of its stores, as interfaces: Redis and Meilisearch behind them.

The processor (processor.py) sees only these, so its tests run on in-memory fakes; the real
ones are RelatedStore (store.py), RelatedLists (list_writer.py) and MeiliArticleIndex
(meili.py). The index's methods block: the processor runs them in a thread.
"""

from collections.abc import Iterable
from typing import Any, Protocol

from services.related.list_writer import Entries
from services.related.scoring import Candidate
from services.related.store import Join
from services.related.vectors import Window
from shared.contracts.events import ArticleEnriched
from shared.stories.records import StoryState

Document = dict[str, Any]


class StoryMerger(Protocol):
    """Merges stories where they are kept."""

    async def merge(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Merge each pair of stories; return the merges made, as (merged, kept)."""
        ...


class StoredVectors(Protocol):
    """The embeddings of the articles placed in stories, for the vector search in memory."""

    async def around(self, events: list[ArticleEnriched], span_s: int) -> Window | None:
        """Return the stored vectors within `span_s` of the articles; None: search the index."""
        ...


class StoryStore(Protocol):
    """Which story each article is in, the stories' states, their aliases and merges."""

    @property
    def merges(self) -> StoryMerger:
        """The merges of stories."""
        ...

    @property
    def vectors(self) -> StoredVectors:
        """The stored vectors of placed articles."""
        ...

    async def stories_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return the story of each article that has one."""
        ...

    async def join(self, joins: list[Join]) -> dict[str, str]:
        """Add each article to its story unless it has one; return the story of each."""
        ...

    async def aliases(self, story_ids: Iterable[str]) -> dict[str, str]:
        """Return the alias chain of each merged story among `story_ids` (merged -> went into)."""
        ...

    async def story_states(self, story_ids: Iterable[str]) -> list[StoryState]:
        """Return the stories as they stand now."""
        ...


class ListWriter(Protocol):
    """Every article's related list."""

    async def add(self, entries: Entries, keep: int) -> None:
        """Store entries, keeping each touched list's best `keep`."""
        ...


class ArticleIndex(Protocol):
    """The searchable copies of articles and stories: candidates found, story ids published."""

    def wait_until_indexed(self, ids: list[str], timeout_s: float) -> bool:
        """Wait until every id is searchable with its title, or the timeout passes; say which."""
        ...

    def settle_previous(self) -> None:
        """Wait (bounded) for the last update of articles to apply."""
        ...

    def candidates(
        self, events: list[ArticleEnriched], window: Window | None
    ) -> list[list[Candidate]]:
        """Return each article's processed candidates with their similarity to it."""
        ...

    def member_ids(self, story_id: str) -> Iterable[str]:
        """Return the ids of the indexed articles of a story."""
        ...

    def update_articles(self, updates: list[Document]) -> None:
        """Apply partial updates to article documents, by id."""
        ...

    def add_stories(self, documents: list[Document]) -> None:
        """Add or replace story documents, by id."""
        ...
