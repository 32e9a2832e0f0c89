"""Ingest HTTP API wiring: FastAPI routes over the broker and the duplicate check."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Depends, FastAPI, Header, HTTPException, status
from fastapi_offline import FastAPIOffline
from redis.exceptions import RedisError

from services.ingest.auth import UNAUTHORIZED, ApiKeys, require_api_key
from services.ingest.feeds import feeds_router
from services.ingest.pages import submitted_article
from services.ingest.schemas import Accepted, ArticleRequest, BatchResult, Rejected
from services.ingest.settings import Settings
from shared.articles.accept import Acceptor, Admission
from shared.articles.convert import parse_batch, to_article
from shared.articles.submitted import ArticleIn
from shared.contracts.events import Article, ArticleIngested
from shared.contracts.keys import INGESTED, Streams
from shared.runtime.broker import create_broker, create_redis
from shared.runtime.metrics import count_articles
from shared.runtime.tracing import from_traceparent, new_trace_id
from shared.web.errors import hide_internal_errors
from shared.web.http import BodyLimitMiddleware
from shared.web.metrics_http import instrument, on_invalid_body

log = structlog.stdlib.get_logger(__name__)
SERVICE = "ingest"
UNAVAILABLE = "the event stream (Redis) is unavailable; retry later"
TraceParent = Annotated[
    str | None,
    Header(
        description="W3C Trace Context: its trace-id becomes the trace id of the articles "
        "accepted, carried by their events and logged by every service; new ones otherwise"
    ),
]


def create_app(settings: Settings) -> FastAPI:
    """Wire the ingest API."""
    broker = create_broker(settings)
    redis = create_redis(settings)
    streams = Streams(settings.namespace)
    # Declared for the AsyncAPI document; the acceptor writes the events itself, atomically.
    broker.publisher(stream=streams.ingested, schema=ArticleIngested, title=INGESTED)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        yield
        await broker.stop()
        await redis.aclose()

    app = FastAPIOffline(title="ontheme ingest", version="0.1.0", lifespan=lifespan)
    app.add_middleware(
        BodyLimitMiddleware,
        limits={"/articles/batch": settings.max_batch_bytes},
        default=settings.max_article_bytes,
    )
    hide_internal_errors(app)
    instrument(app, SERVICE)
    # Every write goes through this router, so none can be added without the key check.
    writes = APIRouter(
        dependencies=[Depends(require_api_key(ApiKeys(settings.api_key_values)))],
        responses=UNAUTHORIZED,
    )
    _add_article_routes(writes, Acceptor.of(redis, streams), settings)
    # A single article FastAPI refuses (422 before our handler runs) is rejected too.
    on_invalid_body(app, "POST", "/articles", lambda: count_articles(SERVICE, [], rejected=1))
    app.include_router(writes)
    app.include_router(feeds_router(settings, redis))

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness and Redis reachability."""
        try:
            await redis.ping()
        except RedisError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE) from exc
        return {"status": "ok"}

    return app


def _add_article_routes(writes: APIRouter, acceptor: Acceptor, settings: Settings) -> None:
    @writes.post("/articles", status_code=status.HTTP_202_ACCEPTED)
    async def post_article(item: ArticleRequest, traceparent: TraceParent = None) -> Accepted:
        """Accept one article, or a web page's: `url` alone is fetched, `url` + `html` read.

        `duplicate` is true when its id was accepted before. A page with no article, or one
        that cannot be fetched, is answered 422 with the reason.
        """
        try:
            article = await submitted_article(item, settings.fetch_policy)
        except HTTPException:
            count_articles(SERVICE, [], rejected=1)
            raise
        trace_id = from_traceparent(traceparent) or new_trace_id()
        (admission,) = await _admit(acceptor, [article], [trace_id])
        count_articles(SERVICE, [admission.new])
        structlog.contextvars.bind_contextvars(article_id=admission.id, trace_id=admission.trace_id)
        log.info("article accepted", duplicate=not admission.new)
        return Accepted(id=admission.id, duplicate=not admission.new)

    @writes.post("/articles/batch", status_code=status.HTTP_202_ACCEPTED)
    async def post_batch(
        items: Annotated[list[Any], Body()], traceparent: TraceParent = None
    ) -> BatchResult:
        """Accept up to `max_batch` articles; each bad item is rejected on its own."""
        if len(items) > settings.max_batch:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"batch has {len(items)} items; the limit is {settings.max_batch}",
            )
        parsed = parse_batch(items)
        articles = [to_article(p) for p in parsed if isinstance(p, ArticleIn)]
        admissions = await _admit(acceptor, articles, request_traces(traceparent, len(articles)))
        _batch_admitted(len(items), len(parsed) - len(articles), admissions)
        admitted = iter(admissions)
        results: list[Accepted | Rejected] = [
            Rejected(error=p) if isinstance(p, str) else _accepted(next(admitted)) for p in parsed
        ]
        return BatchResult(results=results)


async def _admit(
    acceptor: Acceptor, articles: list[Article], traces: list[str] | None
) -> list[Admission]:
    try:
        return await acceptor.admit(articles, traces)
    except RedisError as exc:
        log.warning("redis unavailable", error=str(exc))
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE) from exc


def _batch_admitted(items: int, rejected: int, admissions: list[Admission]) -> None:
    count_articles(SERVICE, [a.new for a in admissions], rejected=rejected)
    new = [a for a in admissions if a.new]
    log.info(
        "batch accepted",
        items=items,
        valid=len(admissions),
        article_ids=[a.id for a in new],
        trace_ids=[a.trace_id for a in new],
    )


def request_traces(traceparent: str | None, count: int) -> list[str] | None:
    """Return a client's trace id for each article of its batch; None: one new id each."""
    # The client's trace is its whole request: every article it sent belongs to it.
    client_trace = from_traceparent(traceparent)
    return [client_trace] * count if client_trace else None


def _accepted(admission: Admission) -> Accepted:
    return Accepted(id=admission.id, duplicate=not admission.new)
