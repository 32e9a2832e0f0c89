"""Search HTTP API wiring: clients, lifespan, limits and routers."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from services.search.deps import UNAVAILABLE, SearchDeps
from services.search.keys import search_client
from services.search.pages_render import STATIC
from services.search.query_embedder import QueryEmbedder
from services.search.routers import articles, entities, pages, search, status, stories, themes
from services.search.settings import Settings
from services.search.side_lists import DAY_SECONDS, ThemeWindow
from shared.adapters.embeddings import load_embedder
from shared.contracts.keys import Streams
from shared.runtime.broker import create_redis
from shared.web.errors import hide_internal_errors
from shared.web.http import BodyLimitMiddleware
from shared.web.metrics_http import instrument

log = structlog.get_logger(__name__)
# Read-only API: no endpoint takes a body, so anything sizeable is refused outright.
MAX_REQUEST_BYTES = 16_384


def create_app(settings: Settings) -> FastAPI:
    """Wire the search API."""
    deps = search_deps(settings)
    app = FastAPIOffline(
        title="ontheme search", version="0.1.0", lifespan=partial(lifespan, settings, deps)
    )
    app.add_middleware(BodyLimitMiddleware, limits={}, default=MAX_REQUEST_BYTES)
    hide_internal_errors(app)
    instrument(app, "search")
    app.state.deps = deps  # read by each route's `Deps` parameter
    # This order is the order of the paths in the OpenAPI schema.
    for api in (search, articles, stories, themes, entities, status):
        app.include_router(api.router, responses=UNAVAILABLE)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def search_deps(settings: Settings) -> SearchDeps:
    """Return the routes' deps; the Meilisearch client is connected at start-up."""
    loader = partial(load_embedder, settings.embedder) if settings.semantic else None
    return SearchDeps(
        index_uid=settings.meili_index,
        redis=create_redis(settings),
        streams=Streams(settings.namespace),
        snippet_words=settings.snippet_words,
        embedder=QueryEmbedder(loader),
        theme_window=ThemeWindow(
            before_s=int(settings.theme_before_days * DAY_SECONDS),
            after_s=int(settings.theme_after_days * DAY_SECONDS),
        ),
    )


@asynccontextmanager
async def lifespan(settings: Settings, deps: SearchDeps, _: FastAPI) -> AsyncIterator[None]:
    """Connect the deps before serving, load the query embedder meanwhile; close them after."""
    deps.connect(await asyncio.to_thread(search_client, settings))
    loading = asyncio.create_task(deps.embedder.load())
    log.info("search ready", semantic=settings.semantic, index=settings.meili_index)
    yield
    loading.cancel()
    deps.close()
    await deps.redis.aclose()
