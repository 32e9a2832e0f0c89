"""People, organisations and places: their suggestions with counts, and their articles' request."""

from typing import Any, Literal, get_args

from pydantic import BaseModel

from services.search.articles import newest_request
from services.search.schemas import ArticleLink
from shared.contracts import filters
from shared.contracts.index_schema import ENTITY_FIELDS

EntityType = Literal["person", "organisation", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)


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
