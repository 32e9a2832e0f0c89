"""Reads of entity names and of an entity's articles, for the JSON entity routes."""

from fastapi import HTTPException

from services.search import paging
from services.search.articles import article_links
from services.search.deps import SearchDeps, meili_errors
from services.search.entities import (
    Entity,
    EntityArticles,
    EntityList,
    EntityType,
    entity_articles_request,
    suggestions,
)
from shared.contracts.index_schema import ENTITY_FIELDS


def entity_names(deps: SearchDeps, q: str, kinds: tuple[EntityType, ...], limit: int) -> EntityList:
    """Return the names of `kinds` that start with `q`, most named first, with their counts."""
    params = {"exhaustiveFacetCount": True}
    with meili_errors():
        found = {k: deps.articles.facet_search(ENTITY_FIELDS[k], q, params) for k in kinds}
    return EntityList(entities=suggestions(found, limit))


def entity_articles(
    deps: SearchDeps, kind: EntityType, name: str, limit: int, offset: int
) -> EntityArticles:
    """Return a page of the articles that name the entity, newest first; 404 when none does."""
    with meili_errors():
        found = deps.articles.search("", entity_articles_request(kind, name, limit, offset))
    hits, total = paging.cut(found, offset, limit)
    if not total:
        raise HTTPException(404, f"no article names the {kind} {name!r}")
    entity = Entity(name=name, type=kind, article_count=total)
    return EntityArticles(entity=entity, articles=article_links(hits), total=total)
