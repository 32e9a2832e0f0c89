"""A reader's search as Meilisearch parameters, and Meilisearch's answer as hits. No I/O."""

from datetime import UTC, date, datetime, time
from typing import Any

from services.search import paging
from services.search.schemas import SearchHit, SearchParams
from shared.contracts import filters
from shared.contracts.index_schema import ENTITY_FIELDS
from shared.contracts.vectors import INDEX_EMBEDDER

HIGHLIGHT_PRE, HIGHLIGHT_POST = "<mark>", "</mark>"
SNIPPET_SOURCES = ("body", "description", "lede")
RETRIEVED = ["id", "title", "url", "source", "published_at", "themes"]
# Meilisearch facet -> the name the API gives its counts.
FACETS = {
    "themes": "themes",
    "source": "sources",
    "entities.type": "entity_types",
    "language": "languages",
}


def epoch(value: datetime | date, *, end_of_day: bool) -> int:
    """Return a date (its first or last second, in UTC) or a datetime as epoch seconds."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return int(aware.timestamp())


def search_filter(params: SearchParams) -> str | None:
    """Return the filter expression for the reader's filters, built from the allow-list."""
    clauses = []
    if params.theme:
        clauses.append(filters.equals("themes", params.theme))
    if params.source:
        clauses.append(filters.equals("source", params.source))
    clauses.extend(_entity_clauses(params))
    if params.language:
        clauses.append(filters.equals("language", params.language))
    if params.story:
        clauses.append(filters.equals("story_id", params.story))
    if params.since:
        clauses.append(filters.at_least("published_ts", epoch(params.since, end_of_day=False)))
    if params.until:
        clauses.append(filters.at_most("published_ts", epoch(params.until, end_of_day=True)))
    return filters.all_of(clauses)


def _entity_clauses(params: SearchParams) -> list[str]:
    if params.entity and params.entity_type:
        # The name as an entity of that type, not merely in an article with one of that type.
        return [filters.equals(ENTITY_FIELDS[params.entity_type], params.entity)]
    if params.entity:
        return [filters.equals("entities.name", params.entity)]
    if params.entity_type:
        return [filters.equals("entities.type", params.entity_type)]
    return []


def search_request(
    params: SearchParams, snippet_words: int, vector: list[float] | None = None
) -> dict[str, Any]:
    """Return the Meilisearch search parameters (besides `q`) for a reader's query."""
    # With the query's `vector` the search is hybrid: `semantic_ratio` weighs meaning
    # against words.
    # Without words to rank by, relevance means nothing: show the newest first.
    recent = params.sort == "recent" or not params.q.strip()
    return {
        **_hybrid(params.semantic_ratio, vector),
        "filter": search_filter(params),
        "facets": list(FACETS),
        "sort": ["published_ts:desc"] if recent else None,
        **paging.window(params.offset, params.limit),
        "attributesToRetrieve": RETRIEVED,
        "attributesToHighlight": ["title"],
        "attributesToCrop": list(SNIPPET_SOURCES),
        "cropLength": snippet_words,
        "highlightPreTag": HIGHLIGHT_PRE,
        "highlightPostTag": HIGHLIGHT_POST,
    }


def wants_vector(params: SearchParams) -> bool:
    """Return whether the query asks for meaning, so it must be embedded."""
    return params.semantic_ratio > 0 and bool(params.q.strip())


def _hybrid(ratio: float, vector: list[float] | None) -> dict[str, Any]:
    if vector is None:
        return {}
    return {"hybrid": {"embedder": INDEX_EMBEDDER, "semanticRatio": ratio}, "vector": vector}


def _snippet(formatted: dict[str, Any]) -> str:
    for name in SNIPPET_SOURCES:
        value = formatted.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def to_hit(document: dict[str, Any]) -> SearchHit:
    """Return the API hit for a Meilisearch hit."""
    formatted = document.get("_formatted") or {}
    return SearchHit(
        id=document["id"],
        title=document.get("title") or "",
        url=document.get("url"),
        source=document.get("source"),
        published_at=document.get("published_at"),
        themes=document.get("themes") or [],
        snippet=_snippet(formatted),
        title_highlighted=formatted.get("title") or document.get("title") or "",
    )


def facet_counts(response: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Return the facet counts of a Meilisearch response under the API's names."""
    found = response.get("facetDistribution") or {}
    return {name: dict(found.get(field) or {}) for field, name in FACETS.items()}
