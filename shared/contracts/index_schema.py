"""The articles and stories indexes' schema: fields, settings and uids (no I/O)."""

from typing import Any

from shared.contracts.vectors import INDEX_EMBEDDER

# Entity names by type, one field each, so that facet search suggests names of one type.
ENTITY_FIELDS = {"person": "people", "organisation": "organisations", "place": "places"}
# Fields readers search in, most important first (Meilisearch ranks earlier attributes higher).
SEARCHABLE = ["title", "description", "lede", "keywords", "body", "source"]
# Facet search (value suggestions) costs Meilisearch work on every batch: only the entity
# fields the search service suggests from have it.
FACET_SEARCHED = list(ENTITY_FIELDS.values())
FILTERABLE = [
    "id",
    "themes",
    "primary_theme",
    "source",
    "language",
    "published_ts",
    "story_id",
    "entities.name",
    "entities.type",
    *ENTITY_FIELDS.values(),
]
SORTABLE = ["published_ts"]


def _filterable(fields: list[str], *, facet_search: bool) -> dict[str, Any]:
    features = {"facetSearch": facet_search, "filter": {"equality": True, "comparison": True}}
    return {"attributePatterns": fields, "features": features}


# Totals count every match up to here (Meilisearch's default stops at 1,000).
MAX_TOTAL_HITS = 10_000_000

BASE_SETTINGS: dict[str, Any] = {
    "searchableAttributes": SEARCHABLE,
    "filterableAttributes": [
        _filterable([f for f in FILTERABLE if f not in FACET_SEARCHED], facet_search=False),
        _filterable(FACET_SEARCHED, facet_search=True),
    ],
    "sortableAttributes": SORTABLE,
    # Measured here: byAttribute indexes news about 5x faster at a small cost in phrase ranking.
    "proximityPrecision": "byAttribute",
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    # Above the 652 themes of the taxonomy, so /themes counts every one. Entity suggestions
    # come most-named first, so a prefix finds the names readers most likely mean.
    "faceting": {
        "maxValuesPerFacet": 1000,
        "sortFacetValuesBy": {
            "*": "alpha",
            # Capped at maxValuesPerFacet: the most frequent sources and names, not A to C.
            "source": "count",
            **dict.fromkeys(ENTITY_FIELDS.values(), "count"),
        },
    },
}
# Meilisearch 1.21's HNSW vector store ("hannoy": experimental there, the default from 1.29)
# in place of its tree store ("arroy"). 512-float USE vectors, 55,000 UCI headlines, 2 cores
# (bench/meili_vector_store.py): a batch of 20 new documents costs 0.28 s of CPU instead of
# 1.07 s, and the trees' cost grows with the index; exact top-10 recall 0.99 instead of 0.91.
VECTOR_STORE = "experimental"
# Stories (same-event groups) live in their own index, kept by the related service.
STORIES_SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["title", "sources"],
    "filterableAttributes": [
        "id",
        "themes",
        "primary_theme",
        "sources",
        "first_seen_ts",
        "last_seen_ts",
        "article_count",
        "merged_into",  # a merged story's id stays, naming the story it went into
    ],
    "sortableAttributes": ["article_count", "last_seen_ts", "first_seen_ts"],
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
}


# One bit a value in Meilisearch: its vectors serve only hybrid search (the related worker
# keeps its own int8 copy in Redis). 30,000 contiguous UCI headlines, 400 queries each of
# whole headlines and of their three rarest words (bench/hybrid_quality.py): same-story P@10
# of hybrid search 0.622 -> 0.612 and 0.339 -> 0.341; bulk indexing about 3x faster (make
# bench); Meilisearch 380 -> 250 MiB anonymous, its database 173 -> 57 MiB. One way only:
# Meilisearch cannot undo it on an index, and then returns bits for `retrieveVectors`.
BINARY_QUANTIZED = True


def index_settings(dimensions: int | None) -> dict[str, Any]:
    """Return the index settings for article vectors of `dimensions` floats (None: no vectors).

    Without vectors the embedder is reset: Meilisearch drops the vectors it kept, if any.
    """
    if dimensions is None:
        return {**BASE_SETTINGS, "embedders": None}
    embedder = {
        "source": "userProvided",
        "dimensions": dimensions,
        "binaryQuantized": BINARY_QUANTIZED,
    }
    return {**BASE_SETTINGS, "vectorStore": VECTOR_STORE, "embedders": {INDEX_EMBEDDER: embedder}}


def stories_index_uid(articles_uid: str) -> str:
    """Return the uid of the stories index that goes with the articles index `articles_uid`."""
    return f"{articles_uid}-stories"
