"""`make run`: Redis, Meilisearch and every service on this machine, with the demo loaded."""

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from deploy.native.backends import Backends, display_url, start_backends
from deploy.native.binaries import BinaryError, meilisearch_binary, valkey_binary
from deploy.native.demo import SAMPLE, load_sample
from deploy.native.keys import load_local_env
from deploy.native.local import RunConfig, UsageError, check_ports, hold_lock, read_config
from deploy.native.process import ServerError
from deploy.native.stack import Stack, start_stack
from deploy.native.supervise import Supervisor
from services.ingest.settings import API_KEYS_VAR, split_keys

WATCH_S = 0.5


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; a BaseException so that no `except Exception` swallows it."""


def run(root: Path) -> int:
    """Run everything until Ctrl-C or SIGTERM; return the exit status."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = read_config(root, os.environ)
        with hold_lock(config.data_dir / "run.lock"):
            check_ports(config.ports_to_bind())
            _serve(config)
    except Interrupted:
        say("ontheme stopped.")
        return 0
    except (UsageError, BinaryError) as exc:
        say(str(exc), error=True)
        return 1
    except ServerError as exc:
        say(f"ontheme stopped: {exc}", error=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return 0  # not reached: _serve returns only by raising


def fetch(root: Path) -> int:
    """Install the Meilisearch binary into `root`/.cache and check Valkey; return the status."""
    try:
        say(f"meilisearch: {meilisearch_binary(root / '.cache')}")
        say(f"valkey-server: {valkey_binary()}")
    except BinaryError as exc:
        say(str(exc), error=True)
        return 1
    return 0


def say(message: str, *, error: bool = False) -> None:
    """Print to the terminal at once, even when it is a pipe."""
    print(message, file=sys.stderr if error else sys.stdout, flush=True)


def _serve(config: RunConfig) -> None:
    env_file = config.data_dir / "local.env"
    local_env, created = load_local_env(env_file)
    say(
        f"{'created' if created else 'using'} {env_file} "
        "(the local Meilisearch master key and ingest API key)"
    )
    # A key set in the environment wins, as REDIS_URL and MEILI_URL do.
    ingest_keys = config.ingest_keys or local_env[API_KEYS_VAR]
    with contextlib.ExitStack() as cleanup:
        try:
            backends = start_backends(config, local_env["MEILI_MASTER_KEY"], cleanup)
            stack = _start_services(config, backends, ingest_keys)
            cleanup.callback(stack.stop)
            _announce(config, backends, stack, split_keys(ingest_keys)[0])
            _watch(backends, stack)
        except Interrupted:
            say("stopping ontheme...")
            raise
        finally:
            # From here on we are shutting down: a second Ctrl-C must not cut the stops short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _start_services(config: RunConfig, backends: Backends, ingest_keys: str) -> Stack:
    say("starting the services...")
    env = {
        "ONTHEME_ENV": "development",
        "LOG_FORMAT": "json",
        "REDIS_URL": backends.redis_url,
        "MEILI_URL": backends.meili_url,
        "MEILI_MASTER_KEY": backends.meili_key,
        API_KEYS_VAR: ingest_keys,
    }
    return start_stack(
        env,
        config.data_dir / "logs",
        ingest_port=config.ports["INGEST_PORT"],
        search_port=config.ports["SEARCH_PORT"],
        processes=config.processes,
    )


def _announce(config: RunConfig, backends: Backends, stack: Stack, ingest_key: str) -> None:
    search, ingest = stack.urls["search"], stack.urls["ingest"]
    say(str(load_sample(ingest, ingest_key, SAMPLE)))
    env_file = config.data_dir / "local.env"
    key_note = "" if config.meili_url else f" (master key in {env_file})"
    where = f"{API_KEYS_VAR} from the environment" if config.ingest_keys else f"in {env_file}"
    say(
        "\nontheme is running. Stop it with Ctrl-C.\n"
        f"  search       {search}/search?q=netflix\n"
        f"  search API   {search}/docs\n"
        f"  pipeline     {search}/pipeline\n"
        f"  ingest API   {ingest}/docs (POST {ingest}/articles)\n"
        f"  ingest key   {where} (send `Authorization: Bearer KEY`)\n"
        f"  meilisearch  {display_url(backends.meili_url)}{key_note}\n"
        f"  redis        {display_url(backends.redis_url)}\n"
        f"  logs         {config.data_dir / 'logs'}/"
    )


def _watch(backends: Backends, stack: Stack) -> None:
    # A part that dies is restarted; only Ctrl-C/SIGTERM, or a part that cannot start, ends this.
    supervisor = Supervisor([*backends.processes, *stack.processes], say)
    while True:
        supervisor.step()
        time.sleep(WATCH_S)
