"""Search HTTP API wiring: clients, lifespan, limits and routers."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from services.search.deps import UNAVAILABLE, SearchDeps
from services.search.entities import entities_router
from services.search.keys import search_client
from services.search.links import DAY_SECONDS, ThemeWindow
from services.search.pages import pages_router
from services.search.pages_render import STATIC
from services.search.routes import ops_router, search_router
from services.search.settings import Settings
from services.search.stories import links_router, stories_router
from services.search.themes import themes_router
from shared.broker import create_redis
from shared.embeddings import load_embedder
from shared.errors import hide_internal_errors
from shared.http import BodyLimitMiddleware
from shared.metrics_http import instrument
from shared.streams import Streams

log = structlog.get_logger(__name__)
# Read-only API: no endpoint takes a body, so anything sizeable is refused outright.
MAX_REQUEST_BYTES = 16_384


def create_app(settings: Settings) -> FastAPI:
    """Wire the search API."""
    deps = SearchDeps(
        index_uid=settings.meili_index,
        redis=create_redis(settings),
        streams=Streams(settings.namespace),
        snippet_words=settings.snippet_words,
        theme_window=ThemeWindow(
            before_s=int(settings.theme_before_days * DAY_SECONDS),
            after_s=int(settings.theme_after_days * DAY_SECONDS),
        ),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        deps.connect(await asyncio.to_thread(search_client, settings))
        if settings.semantic:
            deps.embedder = await asyncio.to_thread(load_embedder, settings.embedder)
        log.info("search ready", semantic=settings.semantic, index=settings.meili_index)
        yield
        deps.close()
        await deps.redis.aclose()

    app = FastAPIOffline(title="ontheme search", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, limits={}, default=MAX_REQUEST_BYTES)
    hide_internal_errors(app)
    instrument(app, "search")
    app.include_router(search_router(deps), responses=UNAVAILABLE)
    app.include_router(links_router(deps), responses=UNAVAILABLE)
    app.include_router(stories_router(deps), responses=UNAVAILABLE)
    app.include_router(themes_router(deps), responses=UNAVAILABLE)
    app.include_router(entities_router(deps), responses=UNAVAILABLE)
    app.include_router(ops_router(deps), responses=UNAVAILABLE)
    app.include_router(pages_router(deps))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
