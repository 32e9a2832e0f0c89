"""/themes: the taxonomy with article counts, and a theme's newest articles."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from services.search.deps import NOT_FOUND, Deps
from services.search.queries.themes import articles_on_theme, theme_counts
from services.search.schemas import THEME_SLUG
from services.search.themes import ThemeArticles, ThemeList, theme_list
from shared.contracts.themes import load_taxonomy

ThemeSlug = Annotated[str, Path(pattern=THEME_SLUG, max_length=100)]
router = APIRouter()


@router.get("/themes")
def list_themes(deps: Deps, level: Annotated[int | None, Query(ge=1, le=3)] = None) -> ThemeList:
    """The IPTC Media Topics taxonomy with the number of articles in each theme."""
    return ThemeList(themes=theme_list(load_taxonomy(), theme_counts(deps), level))


@router.get("/themes/{slug}/articles", responses=NOT_FOUND)
def list_theme_articles(
    slug: ThemeSlug,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ThemeArticles:
    """A theme's articles, newest first; 404 for a theme the taxonomy does not have."""
    topic = load_taxonomy().by_slug(slug)
    if topic is None:
        raise HTTPException(404, f"no theme {slug!r} in the taxonomy")
    return articles_on_theme(deps, topic, limit, offset)
