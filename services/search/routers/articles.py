"""/articles: one article, its related articles and its "More on theme" list."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.search.deps import NOT_FOUND, UNAVAILABLE, Deps
from services.search.queries.articles import article, more_on_theme, related
from services.search.schemas import ARTICLE_ID, ArticleView, MoreOnTheme, RelatedResult

ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
router = APIRouter()


@router.get("/articles/{article_id}", responses=NOT_FOUND)
def get_article(article_id: ArticleId, deps: Deps) -> ArticleView:
    """The enriched article; 404 until it is indexed."""
    return article(deps, article_id)


@router.get("/articles/{article_id}/related", responses={**NOT_FOUND, **UNAVAILABLE})
async def get_related(
    article_id: ArticleId, deps: Deps, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> RelatedResult:
    """The related articles, best first, with their scores and reasons."""
    return await related(deps, article_id, limit)


@router.get("/articles/{article_id}/more-on-theme", responses=NOT_FOUND)
def get_more_on_theme(
    article_id: ArticleId, deps: Deps, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> MoreOnTheme:
    """Stories on the article's themes, newest first, one article per story with its size.

    From two weeks before the article to a day after it (settings), so an archive page
    shows what was on theme then; each item names its story's other outlets.
    """
    return more_on_theme(deps, article_id, limit)
