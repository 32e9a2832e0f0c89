"""`/feeds`: register, list and remove the RSS and Atom feeds the poller polls."""

from collections.abc import Awaitable
from typing import Annotated, TypeVar

import structlog
from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.ingest.auth import UNAUTHORIZED, ApiKeys, Problem, require_api_key
from services.ingest.settings import Settings
from shared.articles.submitted import HttpUrl
from shared.contracts.events import utcnow
from shared.contracts.keys import FeedKeys
from shared.feeds.feed import (
    DEFAULT_INTERVAL_S,
    MAX_INTERVAL_S,
    MIN_INTERVAL_S,
    FeedStatus,
    feed_id,
)
from shared.feeds.registry import FeedStore

log = structlog.stdlib.get_logger(__name__)
T = TypeVar("T")
UNAVAILABLE = "the feed store (Redis) is unavailable; retry later"
FeedId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$", description="The feed's id")]
NOT_FOUND: dict[int | str, dict[str, object]] = {
    status.HTTP_404_NOT_FOUND: {"model": Problem, "description": "No feed has this id"}
}


class FeedIn(BaseModel):
    """A feed to poll."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: HttpUrl = Field(max_length=2048)
    interval_s: int = Field(
        default=DEFAULT_INTERVAL_S,
        ge=MIN_INTERVAL_S,
        le=MAX_INTERVAL_S,
        description="Seconds between polls while the feed answers",
    )


class FeedList(BaseModel):
    """Every registered feed, by URL."""

    feeds: list[FeedStatus]


def feeds_router(settings: Settings, redis: "Redis") -> APIRouter:
    """Return the /feeds routes; every one needs an ingest API key (feeds are operator data)."""
    store = FeedStore(redis, FeedKeys(settings.namespace))
    router = APIRouter(
        prefix="/feeds",
        tags=["feeds"],
        dependencies=[Depends(require_api_key(ApiKeys(settings.api_key_values)))],
        responses=UNAUTHORIZED,
    )
    _add_writes(router, store)
    _add_reads(router, store)
    return router


def _add_writes(router: APIRouter, store: FeedStore) -> None:
    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        responses={status.HTTP_200_OK: {"model": FeedStatus, "description": "Known already"}},
    )
    async def register(item: FeedIn, response: Response) -> FeedStatus:
        """Register a feed (201), polled from now on; a known URL (200) gets the new interval."""
        id_ = feed_id(item.url)
        created = await _guard(store.register(id_, item.url, item.interval_s, utcnow().timestamp()))
        found = await _guard(store.status(id_))
        if found is None:  # deleted between the two calls
            raise HTTPException(status.HTTP_409_CONFLICT, "the feed was deleted meanwhile")
        response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        log.info("feed registered", feed_id=id_, created=created, interval_s=item.interval_s)
        return found

    @router.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
    async def delete_feed(feed_id: FeedId) -> None:
        """Stop polling a feed and forget it; the articles it brought stay."""
        if not await _guard(store.delete(feed_id)):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no feed has this id")
        log.info("feed deleted", feed_id=feed_id)


def _add_reads(router: APIRouter, store: FeedStore) -> None:
    @router.get("")
    async def list_feeds() -> FeedList:
        """Every feed with its status: last poll, last error, items seen and accepted."""
        return FeedList(feeds=await _guard(store.statuses()))

    @router.get("/{feed_id}", responses=NOT_FOUND)
    async def get_feed(feed_id: FeedId) -> FeedStatus:
        """One feed with its status."""
        found = await _guard(store.status(feed_id))
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no feed has this id")
        return found


async def _guard(call: Awaitable[T]) -> T:
    try:
        return await call
    except RedisError as exc:
        log.warning("redis unavailable", error=str(exc))
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE) from exc
