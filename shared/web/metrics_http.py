"""Metrics of the HTTP services: request latency by route template, and GET /metrics."""

import time
from collections.abc import Callable
from typing import cast

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from prometheus_client import REGISTRY, Histogram
from prometheus_client.exposition import choose_encoder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_SECONDS = Histogram(
    "ontheme_http_request_duration_seconds",
    "HTTP requests by service, method, route template and status, and the time they took",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Anything else a client sends is counted as "other": label values must stay a small set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


def route_of(scope: Scope) -> str:
    """Return the template of the route that took a request, e.g. `/a/{article_id}`.

    Never the path itself: one label value per article id would grow without bound.
    """
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) and template else UNMATCHED


class MetricsMiddleware:
    """Time every HTTP request and record it under its route template and status."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record it once the app is done, also when it raised."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers when the app raises before it responds

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            labels = (self.service, method, route_of(scope), str(status))
            REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)


def instrument(app: FastAPI, service: str) -> None:
    """Time every request of `app` (outermost middleware) and serve GET /metrics."""
    app.add_middleware(MetricsMiddleware, service=service)

    # Out of the OpenAPI document: operators scrape it, API clients never call it.
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(REGISTRY), headers={"Content-Type": content_type})


def on_invalid_body(app: FastAPI, method: str, path: str, count: Callable[[], None]) -> None:
    """Call `count` for each request to `method path` FastAPI refuses as invalid (its 422)."""

    async def refused(request: Request, exc: Exception) -> Response:
        if request.method == method and request.url.path == path:
            count()
        return await request_validation_exception_handler(
            request, cast(RequestValidationError, exc)
        )

    app.add_exception_handler(RequestValidationError, refused)
