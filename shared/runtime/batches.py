"""What every stream worker does with a batch: decode each entry, dead-letter the bad ones."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import structlog
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis

from shared.adapters.redis import text
from shared.contracts.events import EventDeadLettered
from shared.contracts.wire import (
    DATA_FIELD,
    body_and_headers,
    dead_letter_fields,
    inflated,
    trace_of,
)
from shared.runtime.metrics import DEAD_LETTERS
from shared.runtime.tracing import article_id_of

ModelT = TypeVar("ModelT", bound=BaseModel)
log = structlog.stdlib.get_logger(__name__)
# An entry no JSON decoder can read is replaced by this marker, so one bad entry never
# breaks the decoding of its whole batch; validation then dead-letters it with the cause.
UNDECODABLE = "__undecodable__"
MAX_ORIGINAL_BYTES = 100_000


@dataclass(frozen=True)
class Entry:
    """One stream entry: its id, its decoded body and the headers of its envelope."""

    id: str
    body: Any
    headers: Mapping[str, Any] = field(default_factory=dict)

    @property
    def trace_id(self) -> str | None:
        """The trace id the entry's headers carry, if any."""
        return trace_of(self.headers)


@dataclass
class Checked(Generic[ModelT]):
    """A batch split into valid events (with the entry of each) and dead letters."""

    valid: list[ModelT] = field(default_factory=list)
    rejected: list[EventDeadLettered] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    @property
    def traces(self) -> list[str | None]:
        """The trace id of each valid event, in order."""
        return [entry.trace_id for entry in self.entries]


def payload(fields: Mapping[bytes, bytes]) -> bytes | None:
    """Return an entry's body bytes (FastStream's envelope or raw JSON), None if it has none."""
    return body_and_headers(fields)[0]


def undecodable(fields: Mapping[bytes, bytes]) -> str | None:
    """Return why an entry cannot be decoded as text, or None when it can."""
    try:
        body = payload(fields)
    except Exception as exc:  # noqa: BLE001 - a corrupt envelope: whatever the parser raised
        return f"corrupt envelope: {exc}"
    if body is None:
        return f"no {DATA_FIELD.decode()} field (fields: {sorted(text(k) for k in fields)[:10]})"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text: {exc}"
    return None


def marker(reason: str, fields: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    """Return entry fields that decode to the undecodable marker, keeping what was sent."""
    sent = {text(k): repr(v[:MAX_ORIGINAL_BYTES]) for k, v in fields.items()}
    body = {UNDECODABLE: reason, "fields": sent}
    return {DATA_FIELD: json.dumps(body).encode()}


def readable(fields: Mapping[bytes, bytes]) -> Mapping[bytes, bytes]:
    """Return entry fields as a consumer reads them: inflated, or the marker saying why not."""
    try:
        plain = inflated(fields)
    except ValueError as exc:
        return marker(f"corrupt envelope: {exc}", fields)
    reason = undecodable(plain)
    return plain if reason is None else marker(reason, plain)


def decode(entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> Entry:
    """Return an entry decoded as a consumer would see it: JSON, else text, else the marker."""
    body, headers = body_and_headers(readable(fields))
    decoded = (body or b"").decode("utf-8")
    try:
        return Entry(text(entry_id), json.loads(decoded), headers)
    except json.JSONDecodeError:
        return Entry(text(entry_id), decoded, headers)


def dump_body(body: Any) -> str:
    """Return a body as JSON text for a dead letter, or its repr when it is not JSON."""
    try:
        return json.dumps(body, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(body)


def _reason(body: Any, exc: ValidationError) -> str:
    if isinstance(body, dict) and UNDECODABLE in body:
        return f"not decodable: {body[UNDECODABLE]}"
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or '<event>'}: {e['msg']}" for e in exc.errors()
    )


def check_batch(
    model: type[ModelT], entries: Sequence[Entry], *, service: str, stream: str
) -> Checked[ModelT]:
    """Validate each entry on its own, so one bad event never blocks the others."""
    checked: Checked[ModelT] = Checked()
    for entry in entries:
        try:
            checked.valid.append(model.model_validate(entry.body))
        except ValidationError as exc:
            error = _reason(entry.body, exc)
            checked.rejected.append(letter(entry, service=service, stream=stream, error=error))
        else:
            checked.entries.append(entry)
    return checked


def letter(entry: Entry, *, service: str, stream: str, error: str) -> EventDeadLettered:
    """Return the dead letter of an entry `service` gave up on, with the cause."""
    return EventDeadLettered(
        service=service,
        stream=stream,
        message_id=entry.id,
        error=error,
        original=dump_body(entry.body),
        trace_id=entry.trace_id,
    )


async def dead_letter(
    redis: "Redis",
    stream: str,
    letters: Sequence[EventDeadLettered],
    cause: Literal["invalid", "exhausted"] = "invalid",
) -> None:
    """Append dead letters as plain JSON, readable by any Redis client."""
    if not letters:
        return
    for letter in letters:
        log.warning(
            "event dead-lettered",
            stream=letter.stream,
            error=letter.error,
            article_id=_article_id(letter.original),
            trace_id=letter.trace_id,
        )
        DEAD_LETTERS.labels(letter.service, letter.stream, cause).inc()
    async with redis.pipeline(transaction=False) as pipe:
        for letter in letters:
            pipe.xadd(stream, dead_letter_fields(letter))
        await pipe.execute()


def _article_id(original: str) -> str | None:
    try:
        return article_id_of(json.loads(original))
    except json.JSONDecodeError:
        return None
