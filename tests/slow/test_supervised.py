"""`make run`'s supervisor under kill -9: of each worker, both APIs, Redis and Meilisearch in turn.

Nothing restarts the parts but the supervisor `make run` uses (deploy/native/supervise.py).
While 3,000 articles are ingested, every part is killed once; afterwards every acknowledged
article is indexed once, with its enrichment and story, and after each kill both APIs answer
again within 10 s.
"""

import json
import os
import signal
import threading
import time
from collections import Counter
from functools import partial

import httpx
import meilisearch
import pytest

from deploy.native.process import ManagedProcess, ServerError
from deploy.native.supervise import Supervisor
from tests.slow.cluster import Cluster
from tests.slow.traffic import Ingester, articles, indexed
from tests.waits import wait_for_sync

ARTICLES = 3_000
KILL_EVERY_S = 5.0
ANSWER_WITHIN_S = 10.0
ORDER = ("related", "ingest", "indexing", "redis", "enrichment", "meilisearch", "search")


class Supervising:
    """The supervisor stepping in a thread, as `make run`'s loop does; keeps what it said."""

    def __init__(self, cluster: Cluster) -> None:
        self.said: list[str] = []
        self.error: ServerError | None = None
        self.supervisor = Supervisor(list(cluster.processes.values()), self.said.append)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(0.2):
                self.supervisor.step()
        except ServerError as exc:
            self.error = exc

    def __enter__(self) -> "Supervising":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def kill_in_turn(cluster: Cluster) -> dict[str, float]:
    """kill -9 each part in turn; return the seconds until both APIs answered again."""
    back: dict[str, float] = {}
    pace = threading.Event()  # never set: its wait paces the kills
    for name in ORDER:
        pace.wait(KILL_EVERY_S)
        process = cluster.processes[name]
        killed = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        wait_for_sync(partial(_dead, process), within=10, what=f"{name} to die")
        wait_for_sync(cluster.answers, within=60, what=f"the APIs after killing {name}")
        back[name] = round(time.monotonic() - killed, 1)
        cluster.kills[name] += 1
    return back


def _dead(process: ManagedProcess) -> bool:
    return not process.alive


def _idle(cluster: Cluster) -> bool:
    try:
        state = httpx.get(f"{cluster.url('search')}/pipeline", timeout=5).json()
    except (httpx.HTTPError, json.JSONDecodeError):
        return False
    return bool(state.get("idle"))


@pytest.mark.timeout(300)
def test_every_part_killed_once_under_supervision_loses_nothing(cluster: Cluster) -> None:
    ingester = Ingester(cluster.url("ingest"), cluster.api_key, articles(ARTICLES), pause=1.0)
    sender = threading.Thread(target=ingester.run)
    with Supervising(cluster) as supervising:
        sender.start()
        back = kill_in_turn(cluster)
        sender.join()
        assert ingester.error is None, ingester.error
        wait_for_sync(lambda: _idle(cluster), within=150, what="the pipeline to drain")
    assert supervising.error is None, supervising.error
    documents = list(indexed(meilisearch.Client(cluster.meili_url, cluster.master_key), "articles"))
    ids = Counter(doc["id"] for doc in documents)
    unfinished = [d["id"] for d in documents if not d.get("enrichments") or "story_id" not in d]
    figures = {"accepted": len(ingester.accepted), "documents": len(documents),
               "seconds_until_apis_answer": back,
               "restarts": supervising.supervisor.restarts}  # fmt: skip
    (cluster.root / "figures.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))  # noqa: T201 - the figures, shown with -s
    assert len(ingester.accepted) == ARTICLES
    assert not ingester.accepted - set(ids), "acknowledged articles missing from the index"
    assert [i for i, n in ids.items() if n > 1] == []
    assert not unfinished, f"{len(unfinished)} without enrichment or story: {unfinished[:5]}"
    slow = {name: s for name, s in back.items() if s > ANSWER_WITHIN_S}
    assert not slow, f"answered after more than {ANSWER_WITHIN_S} s: {slow}; all: {back}"
    assert all(supervising.supervisor.restarts[name] == 1 for name in ORDER), supervising.said
