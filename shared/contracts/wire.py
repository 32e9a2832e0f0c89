"""The wire format of stream entries: the one encoder and decoder, and dead letters.

Events travel in FastStream's binary envelope (`BinaryMessageFormatV1`) in the `__data__` field
of a stream entry: a JSON body, with headers for its content type and trace id. This module
is the only one that knows it: ingest, the workers' publishers, the DLQ replay and the readers
(workers, reindex, DLQ, benches) all go through it. Raw JSON in `__data__` (what `redis-cli`
or another client writes) reads as a body without headers.

Envelopes are stored deflated, behind a tag, with a preset dictionary of the events' own
field names and IPTC level-1 and level-2 themes: an enriched headline takes 0.45 of its bytes; the
enriched stream is the biggest thing Redis holds (`bench.wire_compression` measures both).
Entries without the tag (written before, or by another client) read as they are.

Dead letters are written as plain JSON (`EventDeadLettered`) in `__data__`, no envelope and no
headers, so that any Redis client can read them.
"""

import json
import re
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from faststream.redis.message import bDATA_KEY
from faststream.redis.parser.binary import BinaryMessageFormatV1
from pydantic import ValidationError
from redis.typing import EncodableT, FieldT

from shared.contracts.events import EventDeadLettered

DATA_FIELD: bytes = bDATA_KEY  # b"__data__": FastStream's own name, so its subscribers read ours
# The header name, as FastStream names its own (`correlation_id`), and the log field's name.
TRACE_HEADER = "trace_id"
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
# 0x89 starts no UTF-8 text, and FastStream's own tag is b"\x89BIN": nothing else begins so.
# The digit names the dictionary: a new one gets a new tag, and the old stays readable.
DEFLATED_TAG = b"\x89OTZ1"
_RAW_DEFLATE = -15  # window bits: no zlib header or checksum, the tag says what follows


@cache
def _dictionary() -> bytes:
    return resources.files("shared.contracts").joinpath("wire-dictionary-1.txt").read_bytes()


@cache
def _primed() -> "zlib._Compress":
    # Primed once; each message starts from a copy (priming costs more than a headline).
    return zlib.compressobj(6, zlib.DEFLATED, _RAW_DEFLATE, zdict=_dictionary())


def deflate(data: bytes) -> bytes:
    """Return data compressed for a stream entry, tagged so readers know to inflate it."""
    compressor = _primed().copy()
    return DEFLATED_TAG + compressor.compress(data) + compressor.flush()


def inflate(data: bytes) -> bytes:
    """Return a stored `__data__` value as written: inflated when tagged, else as it is.

    Raises ValueError when a tagged value is corrupt.
    """
    if not data.startswith(DEFLATED_TAG):
        return data
    inflater = zlib.decompressobj(_RAW_DEFLATE, zdict=_dictionary())
    try:
        out = inflater.decompress(data[len(DEFLATED_TAG) :]) + inflater.flush()
    except zlib.error as exc:
        raise ValueError(f"corrupt deflated entry: {exc}") from exc
    if not inflater.eof:
        raise ValueError("corrupt deflated entry: truncated")
    return out


def trace_headers(trace_id: str | None) -> dict[str, str]:
    """Return the headers that carry a trace id (none for None)."""
    return {TRACE_HEADER: trace_id} if trace_id else {}


def event_headers(trace_id: str | None) -> dict[str, str]:
    """Return the headers of an event: JSON, and its trace id when it has one."""
    return {"content-type": "application/json", **trace_headers(trace_id)}


def trace_of(headers: Mapping[str, Any]) -> str | None:
    """Return the trace id in an event's headers; None when missing or malformed."""
    value = headers.get(TRACE_HEADER)
    return value if isinstance(value, str) and _TRACE_ID.fullmatch(value) else None


async def encode(body: bytes, trace_id: str | None) -> bytes:
    """Return the `__data__` value of a JSON body: FastStream's envelope, trace id, deflated."""
    envelope = await BinaryMessageFormatV1.encode(
        message=body,
        reply_to=None,
        headers=event_headers(trace_id),
        correlation_id=str(uuid.uuid4()),
    )
    return deflate(envelope)


def unwrap(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Return the body and headers of a `__data__` value: an envelope, or raw JSON (no headers).

    FastStream's parser, so entries read here as its subscribers read them (it also accepts
    its older JSON envelope, and returns what it cannot parse as the body, whole). Raises
    ValueError when a deflated value is corrupt.
    """
    return BinaryMessageFormatV1.parse(inflate(data))


def inflated(fields: Mapping[bytes, bytes]) -> Mapping[bytes, bytes]:
    """Return entry fields with `__data__` as written (raises ValueError when corrupt)."""
    data = fields.get(DATA_FIELD)
    if data is None or not data.startswith(DEFLATED_TAG):
        return fields
    return {**fields, DATA_FIELD: inflate(data)}


def body_and_headers(fields: Mapping[bytes, bytes]) -> tuple[bytes | None, dict[str, Any]]:
    """Return an entry's body bytes and headers; (None, {}) when it has no `__data__`."""
    data = fields.get(DATA_FIELD)
    return (None, {}) if data is None else unwrap(data)


def dead_letter_fields(letter: EventDeadLettered) -> dict[FieldT, EncodableT]:
    """Return the stream-entry fields of a dead letter: plain JSON, no envelope."""
    return {DATA_FIELD: letter.model_dump_json()}


@dataclass(frozen=True)
class ReadLetter:
    """A dead-letter entry as read: the event, or why it is not one; `data` is what it held."""

    event: EventDeadLettered | None
    data: str
    problem: str | None = None


def read_dead_letter(fields: Mapping[bytes, bytes]) -> ReadLetter:
    """Read a dead-letter entry, keeping an unreadable one with the reason (never raises)."""
    raw = fields.get(DATA_FIELD)
    if raw is None:
        shown = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in fields.items()}
        return ReadLetter(None, json.dumps(shown), f"no {DATA_FIELD.decode()} field")
    text = raw.decode(errors="replace")
    try:
        return ReadLetter(EventDeadLettered.model_validate_json(text), text)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return ReadLetter(None, text, f"not an EventDeadLettered: {reasons}")
