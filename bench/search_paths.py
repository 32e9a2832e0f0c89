"""The request paths bench/search_latency.py times: the search API, and Meilisearch directly.

Every path has its own client; a thread sends each query over every path in turn, rotating
the order from query to query, and keeps the client's wall clock for the whole exchange.
"""

import contextlib
import functools
import itertools
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

PATHS = {
    "api": "API GET /search, httpx keep-alive",
    "meili_close": "Meilisearch, Connection: close",
    "meili_keepalive": "Meilisearch, keep-alive",
    "meili_identity": "Meilisearch, keep-alive, no gzip",
}
# httpx asks for gzip by default; Meilisearch then streams compressed chunks (see report).
HEADERS: dict[str, dict[str, str]] = {
    "api": {},
    "meili_close": {"Connection": "close"},
    "meili_keepalive": {},
    "meili_identity": {"Accept-Encoding": "identity"},
}
PERCENTILES = {"p50": 50.0, "p95": 95.0, "p99": 99.0}
STALL_MS = 40.0  # Linux's delayed ACK is 40 ms: a stall lands just above it


@dataclass(frozen=True)
class Endpoints:
    """Where the search API and Meilisearch answer, the Meilisearch key and the index."""

    search: str
    meili: str
    meili_key: str
    index: str


@dataclass(frozen=True)
class Query:
    """One reader query: the API's query string and the Meilisearch body it stands for."""

    params: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    """One request: client latency, the server's own time, the ids of the hits returned."""

    ms: float
    server_ms: float
    ids: tuple[str, ...]


@dataclass
class Samples:
    """Every measured request by path, and the queries whose paths returned different hits."""

    by_path: dict[str, list[Sample]] = field(default_factory=lambda: {p: [] for p in PATHS})
    differing: list[dict[str, str]] = field(default_factory=list)


class BenchError(RuntimeError):
    """A request failed: the URL, status and the start of the answer."""


def response_json(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful response; BenchError with the answer otherwise."""
    if response.is_error:
        raise BenchError(f"{response.request.url} -> {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def via_api(client: httpx.Client, query: Query) -> tuple[float, tuple[str, ...]]:
    """GET /search; its took_ms (the time of its Meilisearch call) and the hit ids."""
    body = response_json(client.get("/search", params=query.params))
    return float(body["took_ms"]), tuple(hit["id"] for hit in body["hits"])


def via_meili(index: str, client: httpx.Client, query: Query) -> tuple[float, tuple[str, ...]]:
    """POST the search body to Meilisearch; its processingTimeMs and the hit ids."""
    body = response_json(client.post(f"/indexes/{index}/search", json=query.body))
    return float(body["processingTimeMs"]), tuple(hit["id"] for hit in body["hits"])


Call = Callable[[httpx.Client, Query], tuple[float, tuple[str, ...]]]
Timed = Callable[[Query], Sample]


def timed(call: Call, client: httpx.Client, query: Query) -> Sample:
    """Run one call and time it."""
    started = time.perf_counter()
    server_ms, ids = call(client, query)
    return Sample((time.perf_counter() - started) * 1000, server_ms, ids)


def open_paths(where: Endpoints, stack: contextlib.ExitStack) -> dict[str, Timed]:
    """One client per path, opened on `stack`; each path as a timed call."""
    auth = {"Authorization": f"Bearer {where.meili_key}"}
    paths: dict[str, Timed] = {}
    for name, headers in HEADERS.items():
        api = name == "api"
        client = httpx.Client(
            base_url=where.search if api else where.meili,
            headers=headers if api else auth | headers,
            timeout=30,
        )
        call: Call = via_api if api else functools.partial(via_meili, where.index)
        paths[name] = functools.partial(timed, call, stack.enter_context(client))
    return paths


def run_share(where: Endpoints, warmup: Sequence[Query], measured: Sequence[Query]) -> Samples:
    """One thread's share: warm-up (discarded), then every query over every path in turn."""
    samples = Samples()
    with contextlib.ExitStack() as stack:
        paths = open_paths(where, stack)
        names = list(paths)
        for i, query in enumerate(itertools.chain(warmup, measured)):
            turn = i % len(names)
            row = {name: paths[name](query) for name in names[turn:] + names[:turn]}
            if i < len(warmup):
                continue
            for name, sample in row.items():
                samples.by_path[name].append(sample)
            if len({sample.ids for sample in row.values()}) > 1:
                samples.differing.append(query.params)
    return samples


def measure(where: Endpoints, warmup: list[Query], measured: list[Query], threads: int) -> Samples:
    """Run the shares in `threads` threads, each with its own clients; merge their samples."""
    merged = Samples()
    with ThreadPoolExecutor(threads) as pool:
        for share in pool.map(
            lambda k: run_share(where, warmup[k::threads], measured[k::threads]), range(threads)
        ):
            for name, samples in share.by_path.items():
                merged.by_path[name] += samples
            merged.differing += share.differing
    return merged


def summary(samples: Sequence[Sample]) -> dict[str, float]:
    """Percentiles, mean and max of the latencies (ms), stalls, the server's own p50 and p95."""
    ms = np.array([s.ms for s in samples])
    server = np.array([s.server_ms for s in samples])
    figures = {name: float(np.percentile(ms, q)) for name, q in PERCENTILES.items()}
    return figures | {
        "mean": float(ms.mean()),
        "max": float(ms.max()),
        "over_40ms": float((ms > STALL_MS).mean()),
        "server_p50": float(np.percentile(server, 50)),
        "server_p95": float(np.percentile(server, 95)),
    }
