"""Trace ids: one per article from ingest on, carried in event headers, bound into log lines.

Ingest gives each new article a trace id (the client's W3C `traceparent` trace-id when it
sends one) and writes it into the event's headers; each worker reads it from the headers of
the entries it consumes and writes it into the events it publishes. Workers log per batch:
a log line that names an `article_id` (or `article_ids`) while a batch is being processed
gets that article's `trace_id` (or `trace_ids`) added, so `grep TRACE_ID` finds an article's
lines in every service's log.
"""

import contextlib
import re
import uuid
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from structlog.typing import EventDict, WrappedLogger

# W3C Trace Context: version-traceid-parentid-flags, lowercase hex; later versions may append.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_NO_TRACES: Mapping[str, str] = MappingProxyType({})
# Not a structlog context variable: a batch's map would then be printed on every line.
_batch_traces: ContextVar[Mapping[str, str]] = ContextVar("batch_traces", default=_NO_TRACES)


def new_trace_id() -> str:
    """Return a fresh trace id: 32 lowercase hex digits, the W3C trace-id format."""
    return uuid.uuid4().hex


def from_traceparent(value: str | None) -> str | None:
    """Return the trace-id of a W3C `traceparent` header; None when absent or invalid."""
    found = _TRACEPARENT.fullmatch(value.strip()) if value else None
    if found is None:
        return None
    version, trace_id, parent_id, _, rest = found.groups()
    # An invalid header starts a new trace (the W3C rules): version ff, all-zero ids, and
    # version 00 with anything after its four fields.
    if version == "ff" or (version == "00" and rest) or not int(trace_id, 16):
        return None
    return trace_id if int(parent_id, 16) else None


def article_id_of(body: Any) -> str | None:
    """Return the article id of an event body (every pipeline event has `article.id`)."""
    article = body.get("article") if isinstance(body, dict) else None
    found = article.get("id") if isinstance(article, dict) else None
    return found if isinstance(found, str) else None


@contextlib.contextmanager
def batch_traces(traces: Mapping[str, str]) -> Iterator[None]:
    """Let log lines written while the block runs find each article's trace id."""
    token = _batch_traces.set(traces)
    try:
        yield
    finally:
        _batch_traces.reset(token)


def add_trace_ids(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """Add the trace id of the article(s) a log line names, in a batch (a structlog processor)."""
    traces = _batch_traces.get()
    if not traces:
        return event
    article_id = event.get("article_id")
    if isinstance(article_id, str) and "trace_id" not in event:
        event["trace_id"] = traces.get(article_id)
    article_ids = event.get("article_ids")
    if isinstance(article_ids, list) and "trace_ids" not in event:
        event["trace_ids"] = [traces.get(i) for i in article_ids]
    return event
