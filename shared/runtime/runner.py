"""Process entry points: load settings, configure logging once, run the app."""

import asyncio
import io
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

import structlog
import uvicorn
from fastapi import FastAPI
from faststream import FastStream
from pydantic import ValidationError

from shared.contracts.settings import CommonSettings, HttpServiceSettings
from shared.runtime.logging import configure_logging

log = structlog.stdlib.get_logger(__name__)

SettingsT = TypeVar("SettingsT", bound=CommonSettings)
HttpSettingsT = TypeVar("HttpSettingsT", bound=HttpServiceSettings)


def load_settings(settings_cls: type[SettingsT]) -> SettingsT:
    """Load settings from the environment, or exit with one readable line per problem."""
    try:
        return settings_cls()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        sys.exit(f"invalid settings for {settings_cls.__module__}: {problems}")


def run_worker(
    service: str,
    settings_cls: type[SettingsT],
    create_app: Callable[[SettingsT], FastStream],
) -> None:
    """Run a stream worker until SIGINT or SIGTERM, then shut down gracefully."""
    settings = load_settings(settings_cls)
    configure_logging(service, settings.log_level, settings.log_format)
    asyncio.run(_serve(create_app(settings)))


async def _serve(app: FastStream) -> None:
    # `kill -USR1 PID` logs what every task of a worker is waiting on: for stuck workers.
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, _log_tasks)
    await app.run()


def _log_tasks() -> None:
    for task in asyncio.all_tasks():
        stack = io.StringIO()
        task.print_stack(limit=12, file=stack)
        log.warning("task", task=task.get_name(), stack=stack.getvalue())


def run_http(
    service: str,
    settings_cls: type[HttpSettingsT],
    create_app: Callable[[HttpSettingsT], FastAPI],
) -> None:
    """Serve an HTTP service with uvicorn on the configured host and port."""
    settings = load_settings(settings_cls)
    configure_logging(service, settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep the structlog handlers configure_logging installed
        access_log=False,
        proxy_headers=False,
    )
