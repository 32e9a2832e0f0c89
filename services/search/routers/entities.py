"""/entities: people, organisations and places by name, and the articles that name one."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.search.deps import NOT_FOUND, Deps
from services.search.entities import ENTITY_TYPES, EntityArticles, EntityList, EntityType
from services.search.queries.entities import entity_articles, entity_names

EntityName = Annotated[
    str, Path(min_length=1, max_length=200, description="as enrichment wrote it")
]
router = APIRouter()


@router.get("/entities")
def suggest(
    deps: Deps,
    q: Annotated[str, Query(max_length=100)] = "",
    type: EntityType | None = None,  # noqa: A002 - the API's name for it
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> EntityList:
    """Names that start with `q` (all names when empty), with their article counts."""
    return entity_names(deps, q, (type,) if type else ENTITY_TYPES, limit)


@router.get("/entities/{type}/{name:path}/articles", responses=NOT_FOUND)
def list_entity_articles(
    type: EntityType,  # noqa: A002 - the API's name for it
    name: EntityName,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> EntityArticles:
    """The articles that name the entity, newest first; 404 when none does."""
    return entity_articles(deps, type, name, limit, offset)
