"""Redis replies as text: the one place that knows a client may answer bytes.

Clients here keep `decode_responses` off, because stream entries (FastStream's binary envelope)
and vector records are bytes; everything else is read through these helpers.
"""

from collections.abc import Iterable, Mapping
from typing import Any, overload


@overload
def text(value: bytes | str) -> str: ...
@overload
def text(value: None) -> None: ...
def text(value: bytes | str | None) -> str | None:
    """Return a Redis reply as text (None stays None)."""
    return value.decode() if isinstance(value, bytes) else value


def texts(values: Iterable[bytes | str]) -> list[str]:
    """Return a Redis list or set reply as text."""
    return [text(value) for value in values]


def text_hash(raw: Mapping[Any, Any]) -> dict[str, str]:
    """Return a Redis hash reply (HGETALL) as text."""
    return {text(key): text(value) for key, value in raw.items()}
