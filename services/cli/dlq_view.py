"""Pure side of `ontheme dlq`: read entries, select, check replays and format; no I/O."""

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from shared.contracts.events import EventDeadLettered
from shared.contracts.keys import Streams
from shared.contracts.wire import read_dead_letter
from shared.runtime.batches import UNDECODABLE

ENTRY_ID = re.compile(r"^\d+-\d+$")
WIDTH = 120
MIN_ERROR_WIDTH = 20
UNKNOWN = "?"


@dataclass(frozen=True)
class Letter:
    """One dead-letter entry: the event, or why it could not be read as one."""

    entry_id: str
    event: EventDeadLettered | None
    data: str
    problem: str | None = None


@dataclass(frozen=True)
class Filters:
    """`--service` and `--stream`: exact service; stream by short name or full key."""

    service: str | None = None
    stream: str | None = None

    def accepts(self, letter: Letter, streams: Streams) -> bool:
        """Tell whether a letter passes every filter given."""
        if self.service is None and self.stream is None:
            return True
        event = letter.event
        if event is None:
            return False
        if self.service is not None and event.service != self.service:
            return False
        return self.stream is None or self.stream in (
            event.stream,
            short_stream(event.stream, streams),
        )


@dataclass
class Listing:
    """What `dlq list` shows: the newest matching letters and counts over the whole stream."""

    shown: list[Letter] = field(default_factory=list)
    matching: int = 0
    by_service: Counter[str] = field(default_factory=Counter)


def parse_entry(entry_id: bytes, fields: dict[bytes, bytes]) -> Letter:
    """Read a stream entry as a dead letter, keeping unreadable ones with the reason."""
    read = read_dead_letter(fields)
    return Letter(entry_id.decode(), read.event, read.data, read.problem)


def collect(letters: Iterable[Letter], filters: Filters, streams: Streams, limit: int) -> Listing:
    """Take the first `limit` matching letters, counting all of them by service."""
    listing = Listing()
    for letter in letters:
        listing.by_service[letter.event.service if letter.event else UNKNOWN] += 1
        if filters.accepts(letter, streams):
            listing.matching += 1
            if len(listing.shown) < limit:
                listing.shown.append(letter)
    return listing


def short_stream(stream: str, streams: Streams) -> str:
    """Return a stream key without this namespace's prefix."""
    prefix = streams.namespace
    return stream[len(prefix) :] if prefix and stream.startswith(prefix) else stream


def replay_problem(letter: Letter, streams: Streams) -> str | None:
    """Return why a letter must not go back on its stream, or None when it may."""
    event = letter.event
    if event is None:
        return f"unreadable dead letter ({letter.problem})"
    if event.stream not in streams.groups():
        known = ", ".join(streams.groups())
        return f"source stream {event.stream!r} is not a pipeline stream here ({known})"
    return original_problem(event.original)


def original_problem(original: str) -> str | None:
    """Return why an original would not reach a worker as the event it was, or None."""
    try:
        body = json.loads(original)
    except ValueError:
        return "original is not valid JSON"
    if not isinstance(body, dict):
        return "original is not a JSON object, so it can never be a valid event"
    if UNDECODABLE in body:
        return f"original was not decodable ({body[UNDECODABLE]}); only its bytes' repr is kept"
    # FastStream reads a JSON object whose "data" is a string as its legacy envelope and
    # delivers only that string (BinaryMessageFormatV1.parse): the event would arrive mangled.
    if isinstance(body.get("data"), str):
        return 'original has a string "data" field, which FastStream would unwrap'
    return None


def list_line(letter: Letter, streams: Streams, width: int = WIDTH) -> str:
    """One line per letter: id, failed at, service, stream, attempts, error (cut to fit)."""
    event = letter.event
    if event is None:
        prefix = f"{letter.entry_id:<15} {UNKNOWN:<20} {UNKNOWN:<10} {UNKNOWN:<17} {UNKNOWN:>3} "
        error = f"unreadable: {letter.problem}"
    else:
        failed = event.failed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        stream = short_stream(event.stream, streams)
        prefix = f"{letter.entry_id:<15} {failed:<20} {event.service:<10} {stream:<17} "
        prefix += f"{event.attempts:>3} "
        error = event.error
    return prefix + cut(" ".join(error.split()), max(MIN_ERROR_WIDTH, width - len(prefix)))


def cut(text: str, width: int) -> str:
    """Return text shortened to `width` characters, marked with '...' when cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def header_line() -> str:
    """Column names over `list_line` output."""
    return f"{'ID':<15} {'FAILED_AT':<20} {'SERVICE':<10} {'STREAM':<17} {'TRY':>3} ERROR"


def summary_line(listing: Listing, total: int) -> str:
    """Counts: shown, matching, in the stream, and per service."""
    services = ", ".join(f"{name} {n}" for name, n in sorted(listing.by_service.items()))
    counts = f": {services}" if services else ""
    return f"{len(listing.shown)} shown of {listing.matching} matching; {total} in total{counts}"


def letter_json(letter: Letter) -> dict[str, Any]:
    """A letter as JSON: its id and the event's fields, or the raw data and the reason."""
    if letter.event is None:
        return {"id": letter.entry_id, "unreadable": letter.problem, "data": letter.data}
    return {"id": letter.entry_id, **letter.event.model_dump(mode="json")}


def show_lines(letter: Letter) -> list[str]:
    """Every field of a letter, the original last and pretty-printed when it is JSON."""
    if letter.event is None:
        return [f"id: {letter.entry_id}", f"unreadable: {letter.problem}", "data:", letter.data]
    fields = letter.event.model_dump(mode="json", exclude={"original"})
    lines = [f"{'id:':<16}{letter.entry_id}"]
    lines += [f"{name + ':':<16}{value}" for name, value in fields.items()]
    return [*lines, "original:", *pretty(letter.event.original).splitlines()]


def pretty(text: str) -> str:
    """Return JSON indented, anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
