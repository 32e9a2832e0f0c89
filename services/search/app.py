"""Search HTTP API wiring: clients, lifespan, limits and routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.search.routes import SearchDeps, ops_router, search_router
from services.search.settings import Settings
from services.search.stories import links_router, stories_router
from services.search.themes import themes_router
from shared.broker import create_redis
from shared.http import BodyLimitMiddleware
from shared.search_client import create_search_client
from shared.streams import Streams

# Read-only API: no endpoint takes a body, so anything sizeable is refused outright.
MAX_REQUEST_BYTES = 16_384


def create_app(settings: Settings) -> FastAPI:
    """Wire the search API."""
    deps = SearchDeps(
        client=create_search_client(settings),
        index_uid=settings.meili_index,
        redis=create_redis(settings),
        streams=Streams(settings.namespace),
        snippet_words=settings.snippet_words,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await deps.redis.aclose()

    app = FastAPI(title="ontheme search", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, limits={}, default=MAX_REQUEST_BYTES)
    app.include_router(search_router(deps))
    app.include_router(links_router(deps))
    app.include_router(stories_router(deps))
    app.include_router(themes_router(deps))
    app.include_router(ops_router(deps))
    return app
