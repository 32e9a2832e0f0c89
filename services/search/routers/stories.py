"""/stories: the biggest recent stories, and one story's timeline."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse

from services.search.deps import NOT_FOUND, Deps
from services.search.queries.stories import stories, story_document, story_view
from services.search.schemas import ARTICLE_ID
from services.search.stories import StoriesParams, StoryList, StoryView, merged_into

StoryId = Annotated[str, Path(pattern=ARTICLE_ID, description="24 hex characters")]
MOVED: dict[int | str, dict[str, Any]] = {
    308: {"description": "The story was merged into another; `Location` is that story's"}
}
router = APIRouter()


@router.get("/stories")
def list_stories(params: Annotated[StoriesParams, Query()], deps: Deps) -> StoryList:
    """Stories, biggest first, then the latest; filter by theme and last seen since."""
    return stories(deps, params)


@router.get("/stories/{story_id}", response_model=StoryView, responses={**NOT_FOUND, **MOVED})
def get_story(
    story_id: StoryId, deps: Deps, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> StoryView | RedirectResponse:
    """A story and its articles as a timeline, oldest first; 404 if there is no such story.

    A story merged into another answers 308 with the other's address.
    """
    document = story_document(deps, story_id)
    if kept := merged_into(document):
        return RedirectResponse(f"/stories/{kept}?limit={limit}", status_code=308)
    return story_view(deps, document, limit)
