"""What every stream worker does with a batch: validate each event, dead-letter the bad ones."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis

from shared.events import EventDeadLettered

ModelT = TypeVar("ModelT", bound=BaseModel)
log = structlog.stdlib.get_logger(__name__)


@dataclass
class Checked(Generic[ModelT]):
    """A batch split into valid events and dead letters."""

    valid: list[ModelT] = field(default_factory=list)
    rejected: list[EventDeadLettered] = field(default_factory=list)


def _dump(body: Any) -> str:
    try:
        return json.dumps(body, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(body)


def check_batch(
    model: type[ModelT], bodies: Sequence[Any], *, service: str, stream: str
) -> Checked[ModelT]:
    """Validate each body on its own, so one bad event never blocks the others."""
    checked: Checked[ModelT] = Checked()
    for body in bodies:
        try:
            checked.valid.append(model.model_validate(body))
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '<event>'}: {e['msg']}" for e in exc.errors()
            )
            checked.rejected.append(
                EventDeadLettered(
                    service=service, stream=stream, error=reason, original=_dump(body)
                )
            )
    return checked


async def dead_letter(redis: "Redis", stream: str, letters: Sequence[EventDeadLettered]) -> None:
    """Append dead letters as plain JSON, readable by any Redis client."""
    if not letters:
        return
    for letter in letters:
        log.warning("event dead-lettered", stream=letter.stream, error=letter.error)
    async with redis.pipeline(transaction=False) as pipe:
        for letter in letters:
            pipe.xadd(stream, {"__data__": letter.model_dump_json()})
        await pipe.execute()
