"""The article index of the related worker in Meilisearch (ports.ArticleIndex): blocking calls.

The articles index holds the searchable copies the indexing service writes; this worker adds
each article's story id to them and writes the stories index.
"""

import time
from collections.abc import Callable, Iterator

import meilisearch

from services.related.candidate_query import CandidateQuery
from services.related.candidate_search import CandidateSearch
from services.related.ports import Document
from services.related.scoring import Candidate
from services.related.titles import Idf
from services.related.vectors import Window
from shared.adapters.indexes import settle
from shared.contracts import filters
from shared.contracts.events import ArticleEnriched

SETTLE_MS = 10_000
SETTLE_POLL_MS = 20
PAGE = 1000


def wait_until_indexed(
    index: meilisearch.index.Index,
    ids: list[str],
    timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Poll until every id is indexed with a title, or the timeout passes; say which."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = index.get_documents(
            {"ids": sorted(set(ids)), "fields": ["id", "title"], "limit": len(ids)}
        ).results
        if sum(1 for doc in found if getattr(doc, "title", None)) >= len(set(ids)):
            return True
        if time.monotonic() >= deadline:
            return False
        sleep(0.1)


def member_ids(index: meilisearch.index.Index, story_id: str) -> Iterator[str]:
    """Return the ids of the indexed articles of a story, a page at a time."""
    offset = 0
    while True:
        params = {
            "filter": filters.equals("story_id", story_id),
            "fields": ["id"],
            "limit": PAGE,
            "offset": offset,
        }
        found = index.get_documents(params).results
        yield from (str(doc.id) for doc in found)
        if len(found) < PAGE:
            return
        offset += PAGE


class MeiliArticleIndex:
    """The articles and stories indexes of one deployment."""

    def __init__(
        self,
        client: meilisearch.Client,
        uids: tuple[str, str],
        query: CandidateQuery,
        idf: Idf,
    ) -> None:
        self.client = client
        self.index_uid, self.stories_uid = uids  # the articles and the stories indexes
        self.search = CandidateSearch(client, self.index_uid, query, idf)
        self._last_task: int | None = None

    def wait_until_indexed(self, ids: list[str], timeout_s: float) -> bool:
        """Poll until every id is indexed with a title, or the timeout passes; say which."""
        return wait_until_indexed(self.client.index(self.index_uid), ids, timeout_s)

    def settle_previous(self) -> None:
        """Let our previous update land, so this batch finds the articles it made searchable."""
        if self._last_task is not None:
            settle(self.client, self._last_task, SETTLE_MS, SETTLE_POLL_MS)

    def candidates(
        self, events: list[ArticleEnriched], window: Window | None
    ) -> list[list[Candidate]]:
        """Return each article's processed candidates with their similarity to it."""
        return self.search.search(events, window)

    def member_ids(self, story_id: str) -> Iterator[str]:
        """Return the ids of the indexed articles of a story."""
        return member_ids(self.client.index(self.index_uid), story_id)

    def update_articles(self, updates: list[Document]) -> None:
        """Enqueue partial updates of article documents; the next batch settles them first."""
        task = self.client.index(self.index_uid).update_documents(updates, "id")
        self._last_task = int(task.task_uid)

    def add_stories(self, documents: list[Document]) -> None:
        """Enqueue story documents, added or replaced by id."""
        self.client.index(self.stories_uid).add_documents(documents, "id")
