"""Which searches find a batch's candidates: in memory once the window holds the title words."""

from datetime import UTC, datetime
from typing import Any, cast

import meilisearch
import numpy as np

from services.related.candidate_query import CandidateQuery
from services.related.candidate_search import CandidateSearch
from services.related.titles import parse_titles, words_record
from services.related.vectors import Window
from services.related.words import title_similarity
from shared.contracts.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, tzinfo=UTC)
TS = int(WHEN.timestamp())
QUERY = CandidateQuery(candidates=5, window_days=3)
IDS = [f"{n:024x}" for n in range(3)]
TITLES = ["Markets rally in Asia", "Tartous port evacuated", "Stocks rally"]
# Indexed, but in an hour stored before vectors were: the window has no vector for it.
OLD, OLD_TITLE = "e" * 24, "Russia leaves Tartous port"


class FakeHttp:
    """Meilisearch's documents fetch, over a dict."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"results": [self.documents[i] for i in body["ids"] if i in self.documents]}


class FakeIndex:
    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.uid, self.http = "articles", FakeHttp(documents)


class FakeClient:
    """Records the searches asked of Meilisearch; they find `hits` (none by default)."""

    def __init__(self, hits: tuple[str, ...] = ()) -> None:
        pairs = zip([*IDS, OLD], [*TITLES, OLD_TITLE], strict=True)
        docs = {i: {"id": i, "title": t, "published_ts": TS} for i, t in pairs}
        self.searched: list[dict[str, Any]] = []
        self._index, self._hits = FakeIndex(docs), [{"id": i} for i in hits]

    def index(self, uid: str) -> FakeIndex:
        return self._index

    def multi_search(self, queries: list[dict[str, Any]]) -> dict[str, Any]:
        self.searched += queries
        return {"results": [{"hits": self._hits} for _ in queries]}


def window(titled: int) -> Window:
    """The three stored articles' vectors, and the title words of the first `titled`."""
    units = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    lines = b"".join(words_record(IDS[n], TS, TITLES[n]) for n in range(titled))
    return Window(IDS, np.full(3, TS, dtype=np.int64), units, parse_titles(lines))


def arrival() -> ArticleEnriched:
    article = Article(id="f" * 24, title="Russia: Tartous port evacuated", published_at=WHEN)
    return ArticleEnriched(
        article=article, enrichment=Enrichment(embedding=[1.0, 0.0]), ingested_at=WHEN
    )


def test_with_every_title_stored_no_search_reaches_meilisearch() -> None:
    client = FakeClient()
    search = CandidateSearch(cast(meilisearch.Client, client), "articles", QUERY, lambda w: 1.0)
    (found,) = search.search([arrival()], window(titled=3))
    assert client.searched == []
    by_id = {profile.id: cosine for profile, cosine in found}
    assert next(iter(by_id)) == IDS[1]  # the keyword hit first, then the vector hits
    assert by_id[IDS[1]] == 0.0  # its cosine from the stored vectors
    assert by_id[IDS[0]] == 1.0


def test_hours_stored_without_titles_keep_the_keyword_search_in_meilisearch() -> None:
    client = FakeClient()
    search = CandidateSearch(cast(meilisearch.Client, client), "articles", QUERY, lambda w: 1.0)
    (found,) = search.search([arrival()], window(titled=1))
    (keyword,) = client.searched
    assert keyword["q"] == "Russia: Tartous port evacuated"
    assert "vector" not in keyword  # the vector search stays in memory
    assert {profile.id for profile, _ in found} == set(IDS)


def test_a_hit_the_window_has_no_vector_for_is_scored_by_its_title_not_meilisearch_bits() -> None:
    client = FakeClient(hits=(OLD,))
    search = CandidateSearch(cast(meilisearch.Client, client), "articles", QUERY, lambda w: 1.0)
    (found,) = search.search([arrival()], window(titled=1))
    by_id = {profile.id: cosine for profile, cosine in found}
    # FakeIndex serves no vectors: a fetch of Meilisearch's (bits) would have failed here.
    assert by_id[OLD] == title_similarity("Russia: Tartous port evacuated", OLD_TITLE)
    assert by_id[OLD] > 0
