"""API keys for the write endpoints: `Authorization: Bearer KEY`, checked in constant time."""

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import structlog
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

log = structlog.stdlib.get_logger(__name__)

# auto_error=False: we answer 401 ourselves, with a reason. Declaring the scheme gives the
# OpenAPI document its security scheme and /docs its "Authorize" button.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ingestApiKey",
    description="An ingest API key (one of INGEST_API_KEYS), sent as `Authorization: Bearer KEY`.",
)
MISSING = "missing API key: send `Authorization: Bearer KEY`"
INVALID = "invalid API key"


class Problem(BaseModel):
    """An error answer: what went wrong, in one line."""

    detail: str


UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {
        "model": Problem,
        "description": "No API key, or not a valid one",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    }
}


class ApiKeys:
    """The keys the service accepts; several while one is being rotated out."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one API key is needed")
        # Bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
        self._keys = tuple(key.encode() for key in keys)

    def valid(self, token: str) -> bool:
        """Whether `token` is one of the keys."""
        candidate = token.encode()
        matched = False
        for key in self._keys:
            # Every key is compared, with no early exit, so timing tells nothing about which.
            matched |= hmac.compare_digest(candidate, key)
        return matched


def require_api_key(keys: ApiKeys) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that answers 401 unless the request carries one of `keys`."""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if credentials is None:
            raise _unauthorized(request, MISSING, "Bearer")
        if not keys.valid(credentials.credentials):
            raise _unauthorized(request, INVALID, 'Bearer error="invalid_token"')

    return check


def _unauthorized(request: Request, reason: str, challenge: str) -> HTTPException:
    # Where from, never the key sent: logs are read by more people than hold the keys.
    client = request.client.host if request.client else None
    log.warning("request refused", reason=reason, path=request.url.path, client=client)
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": challenge}
    )
