"""The Meilisearch queries that find an article's candidates, and reading their answers. No I/O.

Candidates never come from a scan of the corpus: a vector search on the article's embedding
and a keyword search on its title (both in memory, see vectors.py and titles.py; or here, in
Meilisearch), both limited to a window of publication time; the keyword-only hits'
similarity comes from the stored vectors too. Meilisearch's own vectors are bits
(shared/contracts/index_schema.py): its vector search only finds candidates, and hits the
stored vectors lack fall back to the titles' similarity.
Only articles the related service has processed (they have a story) are candidates; the
articles of the same batch are compared in memory. A pair is thus scored once, when the
later of the two is processed, and the earlier one learns of it by a back-link. Without
that, a backlog of newer, unprocessed articles crowded the earlier members of a story out of
the candidates, and stories split (B-cubed recall 0.65 on UCI dev).
Searches return ids only and the fields scoring needs are fetched once per batch
(candidate_search.py): retrieving them in every search made each search about twice as slow
(measured on 30k headlines).
"""

from dataclasses import dataclass
from typing import Any

from services.related.settings import DAY_SECONDS
from shared.contracts import filters
from shared.contracts.events import ArticleEnriched
from shared.contracts.vectors import INDEX_EMBEDDER


@dataclass(frozen=True)
class CandidateQuery:
    """How many candidates to fetch for an article, and from how far apart in time."""

    candidates: int
    window_days: float
    # Whether Meilisearch keeps vectors: its vector search stands in when the window cannot.
    meili_vectors: bool = False


def _window(event: ArticleEnriched, query: CandidateQuery) -> str | None:
    window = int(query.window_days * DAY_SECONDS)
    return filters.all_of(
        [
            filters.at_least("published_ts", event.timestamp - window),
            filters.at_most("published_ts", event.timestamp + window),
            filters.not_equals("id", event.article.id),
            filters.exists("story_id"),
        ]
    )


def _vector(index: str, vector: list[float], filter_: str | None, limit: int) -> dict[str, Any]:
    return {
        "indexUid": index,
        "q": "",
        "vector": vector,
        # Without `vector` Meilisearch quietly falls back to keywords; ratio 1 is vectors only.
        "hybrid": {"embedder": INDEX_EMBEDDER, "semanticRatio": 1.0},
        "filter": filter_,
        "limit": limit,
        "attributesToRetrieve": ["id"],
    }


def first_queries(
    event: ArticleEnriched, index: str, query: CandidateQuery, *, vector: bool = True
) -> list[dict[str, Any]]:
    """Return the keyword search, and the vector search if asked and there is an embedding."""
    window = _window(event, query)
    keyword = {
        "indexUid": index,
        "q": event.article.title,
        # What the story is about; bodies made this search several times slower and noisier.
        "attributesToSearchOn": ["title", "lede", "keywords"],
        "filter": window,
        "limit": query.candidates,
        "attributesToRetrieve": ["id"],
        "matchingStrategy": "last",
    }
    embedding = event.enrichment.embedding
    if embedding is None or not vector:
        return [keyword]
    return [keyword, _vector(index, embedding, window, query.candidates)]


def candidate_ids(results: list[dict[str, Any]]) -> list[str]:
    """Return the ids of all hits of `results`, once each, in order."""
    return list(dict.fromkeys(str(hit["id"]) for result in results for hit in result["hits"]))
