"""People, organisations and places: name suggestions with counts, and an entity's articles."""

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from services.search import paging
from services.search.deps import NOT_FOUND, SearchDeps, meili_errors
from services.search.links import article_links, newest_request
from services.search.schemas import ArticleLink
from shared import filters
from shared.indexes import ENTITY_FIELDS

EntityType = Literal["person", "organisation", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)
EntityName = Annotated[
    str, Path(min_length=1, max_length=200, description="as enrichment wrote it")
]


class Entity(BaseModel):
    """A person, organisation or place, and how many articles name it."""

    name: str
    type: EntityType
    article_count: int


class EntityList(BaseModel):
    """Entity names that start with what the reader typed, most named first."""

    entities: list[Entity]


class EntityArticles(BaseModel):
    """A page of the articles that name an entity, newest first."""

    entity: Entity
    articles: list[ArticleLink]
    total: int


def suggestions(found: dict[EntityType, dict[str, Any]], limit: int) -> list[Entity]:
    """Return the facet-search hits of each type as entities, most named first."""
    entities = [
        Entity(name=hit["value"], type=kind, article_count=int(hit["count"]))
        for kind, response in found.items()
        for hit in response.get("facetHits") or []
    ]
    entities.sort(key=lambda e: (-e.article_count, e.name, e.type))
    return entities[:limit]


def entity_articles_request(kind: EntityType, name: str, limit: int, offset: int) -> dict[str, Any]:
    """Return the search parameters for a page of an entity's articles, newest first."""
    return newest_request(filters.equals(ENTITY_FIELDS[kind], name), limit, offset)


def entities_router(deps: SearchDeps) -> APIRouter:
    """Return the routes for entity suggestions and an entity's articles."""
    router = APIRouter()

    @router.get("/entities")
    def suggest(
        q: Annotated[str, Query(max_length=100)] = "",
        type: EntityType | None = None,  # noqa: A002 - the API's name for it
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> EntityList:
        """Names that start with `q` (all names when empty), with their article counts."""
        kinds = (type,) if type else ENTITY_TYPES
        params = {"exhaustiveFacetCount": True}
        with meili_errors():
            found = {k: deps.articles.facet_search(ENTITY_FIELDS[k], q, params) for k in kinds}
        return EntityList(entities=suggestions(found, limit))

    @router.get("/entities/{type}/{name:path}/articles", responses=NOT_FOUND)
    def list_entity_articles(
        type: EntityType,  # noqa: A002 - the API's name for it
        name: EntityName,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> EntityArticles:
        """The articles that name the entity, newest first; 404 when none does."""
        with meili_errors():
            found = deps.articles.search("", entity_articles_request(type, name, limit, offset))
        hits, total = paging.cut(found, offset, limit)
        if not total:
            raise HTTPException(404, f"no article names the {type} {name!r}")
        entity = Entity(name=name, type=type, article_count=total)
        return EntityArticles(entity=entity, articles=article_links(hits), total=total)

    return router
