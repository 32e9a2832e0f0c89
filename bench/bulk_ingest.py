"""Speed and memory of `ontheme ingest` on a whole file, against a throwaway Redis.

    .venv/bin/python -m bench.bulk_ingest ../shared/data/uci-news-aggregator.dev.jsonl.gz \
        [--small 10000] [--batch 1000]

Starts a Valkey of its own (no persistence) in a temporary folder on a free port, then runs
the command as a user would, `python -m services.cli ingest FILE --quiet` with REDIS_URL set
(rejects go to the temporary folder, never next to FILE), three times: the first `--small`
lines (the command's baseline memory), the whole file, and the whole file again (every line
a duplicate). Prints each run's summary: lines read, accepted, duplicate, rejected, seconds,
lines/s and accepted/s, and the command's peak RSS (getrusage), plus Redis's memory after.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import redis

from deploy.native.servers import free_port, start_redis


def run(file: Path, url: str, rejects: Path, *extra: str) -> str:
    """Run `ontheme ingest` as a user would; return its summary."""
    env = {**os.environ, "REDIS_URL": url, "ONTHEME_NAMESPACE": "bench:"}
    argv = [sys.executable, "-m", "services.cli", "ingest", str(file), "--quiet"]
    argv += ["--rejects", str(rejects), *extra]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"ontheme ingest exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def runs(small: int) -> list[tuple[str, list[str]]]:
    """The three runs: a title and the command's extra arguments."""
    return [
        (f"first {small:,} lines", ["--limit", str(small)]),
        ("whole file (after FLUSHALL)", []),
        ("whole file again: every line a duplicate", []),
    ]


def main() -> None:
    """Start Redis, time the three runs, print their summaries."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--batch", default="1000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulk-ingest-") as work:
        port = free_port()
        server = start_redis(Path(work) / "redis", port, appendonly=False)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            for number, (title, extra) in enumerate(runs(args.small)):
                if number == 1:
                    redis.Redis.from_url(url).flushall()
                rejects = Path(work) / f"rejects-{number}.jsonl"
                summary = run(args.file, url, rejects, "--batch", args.batch, *extra)
                print(f"== {title}\n{summary}", flush=True)
            memory = redis.Redis.from_url(url).info("memory")["used_memory_human"]
            print(f"Redis used_memory after: {memory}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
