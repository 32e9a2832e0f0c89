"""Unexpected errors: a short JSON 500 for the client, the traceback only in the log."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

INTERNAL = "internal error; the service log has the details"


async def internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    """Answer 500 without anything of the exception: it may name files, hosts or data."""
    # Starlette re-raises the exception after this response, so the server logs it in full.
    return JSONResponse({"detail": INTERNAL}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


def hide_internal_errors(app: FastAPI) -> None:
    """Install the handler for every exception no other handler took."""
    app.add_exception_handler(Exception, internal_error)
