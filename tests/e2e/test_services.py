"""Every service as a process against real Redis and Meilisearch, used over HTTP."""

import json
import uuid

import httpx
import pytest

from deploy.native.stack import Stack
from tests.e2e.pipeline import wait_idle
from tests.fixtures.metrics import sample

# One event, three outlets, one morning: headlines a day or more apart start stories of their
# own (services/related/models/README.md).
STORY = [
    "Malaysia Airlines MH370: search widens to Indian Ocean",
    "MH370 search moves to Indian Ocean as Malaysia widens hunt",
    "Indian Ocean search for missing Malaysia Airlines jet MH370",
]


def test_articles_flow_from_ingest_to_search_and_related(
    stack: tuple[Stack, httpx.Client, httpx.Client],
) -> None:
    _, ingest, search = stack
    single = ingest.post(
        "/articles",
        json={
            "title": "Fed holds interest rates steady",
            "body": "The Federal Reserve held rates on Wednesday. Markets rose. More followed.",
            "url": "https://news.example/fed-holds?utm_source=feed",
            "source": "Example Wire",
            "published_at": "2014-03-19T18:00:00Z",
            "language": "en",
        },
    )
    assert single.status_code == 202
    article_id = single.json()["id"]
    batch = [
        {"title": title, "source": f"Outlet {n}", "published_at": f"2014-03-10T1{n}:00:00Z"}
        for n, title in enumerate(STORY)
    ]
    results = ingest.post("/articles/batch", json=batch).json()["results"]
    assert [r["duplicate"] for r in results] == [False, False, False]
    state = wait_idle(search)
    assert state["streams"][0]["length"] == 4

    found = search.get("/search", params={"q": "federal reserve rates"}).json()
    assert [hit["id"] for hit in found["hits"]] == [article_id]
    article = search.get(f"/articles/{article_id}").json()
    assert article["lede"] == "The Federal Reserve held rates on Wednesday. Markets rose."
    assert article["language"] == "en"
    assert article["word_count"] == 11

    # The newest of the story sees the others: they were indexed before or with it.
    story_ids = {r["id"] for r in results}
    newest = results[-1]["id"]
    related = search.get(f"/articles/{newest}/related").json()["related"]
    assert related
    assert {r["id"] for r in related} <= story_ids - {newest}
    assert all(0 < r["score"] <= 1 for r in related)
    assert all(r["same_story"] and "same story" in r["reasons"] for r in related)

    # One story for the three: its page lists them oldest first, and it leads the stories.
    stories = {search.get(f"/articles/{i}").json()["story_id"] for i in story_ids}
    assert len(stories) == 1
    (story_id,) = stories
    story = search.get(f"/stories/{story_id}").json()
    assert story["story"]["article_count"] == 3
    assert story["story"]["sources"] == ["Outlet 0", "Outlet 1", "Outlet 2"]
    assert [a["id"] for a in story["articles"]] == [r["id"] for r in results]
    assert search.get("/stories").json()["stories"][0]["id"] == story_id
    theme = search.get(f"/articles/{newest}/more-on-theme").json()
    assert newest not in {item["id"] for item in theme["items"]}


@pytest.mark.parametrize(
    ("path", "content", "status"),
    [
        ("/articles", b'{"title": ', 422),
        ("/articles", b'{"body": "no title"}', 422),
        ("/articles", b'{"title": 42}', 422),
        ("/articles", b'{"title": "t", "extra": 1}', 422),
        ("/articles", b'{"title": "t", "body": "' + b"x" * 2_000_000 + b'"}', 413),
        ("/articles/batch", b"[" + b",".join([b'{"title": "t"}'] * 1001) + b"]", 413),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_the_services_stay_up(
    stack: tuple[Stack, httpx.Client, httpx.Client], path: str, content: bytes, status: int
) -> None:
    running, ingest, search = stack
    before = search.get("/pipeline").json()["streams"][0]["length"]
    response = ingest.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["detail"]
    assert search.get("/pipeline").json()["streams"][0]["length"] == before
    assert ingest.get("/health").status_code == 200
    running.check_alive()


@pytest.mark.parametrize("key", [None, "not-the-key-0123456789abcdef"])
def test_writes_without_the_key_get_401_and_publish_nothing(
    stack: tuple[Stack, httpx.Client, httpx.Client], key: str | None
) -> None:
    running, ingest, search = stack
    before = search.get("/pipeline").json()["streams"][0]["length"]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=ingest.base_url, headers=headers, timeout=30) as anonymous:
        response = anonymous.post("/articles", json={"title": "Not let in"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert set(response.json()) == {"detail"}
        assert anonymous.get("/health").status_code == 200
    assert search.get("/pipeline").json()["streams"][0]["length"] == before
    running.check_alive()


def test_one_article_is_followed_through_every_services_log_by_its_trace_id(
    stack: tuple[Stack, httpx.Client, httpx.Client],
) -> None:
    running, ingest, search = stack
    trace = uuid.uuid4().hex
    response = ingest.post(
        "/articles",
        json={"title": "Bank of England holds rates as inflation cools", "source": "Trace Wire"},
        headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 202
    article_id = response.json()["id"]
    wait_idle(search)
    logs = {process.name: process.log_path for process in running.processes}
    for name in ("ingest", "enrichment", "indexing", "related"):
        # What `grep TRACE_ID .data/logs/*.log` finds after `make run`.
        found = [line for line in logs[name].read_text().splitlines() if trace in line]
        assert found, f"{name}.log has no line with the trace id"
        parsed = [json.loads(line) for line in found]
        assert any(
            line.get("trace_id") == trace or trace in line.get("trace_ids", []) for line in parsed
        ), name
        assert any(
            article_id in (line.get("article_id"), *line.get("article_ids", [])) for line in parsed
        ), name


def test_every_service_serves_metrics_that_count_the_articles(
    stack: tuple[Stack, httpx.Client, httpx.Client], metrics_ports: dict[str, int]
) -> None:
    _, ingest, search = stack
    accepted = sample(ingest.get("/metrics").text, "ontheme_articles_total", outcome="accepted")
    assert accepted is not None
    assert accepted >= 4
    searched = search.get("/metrics").text
    assert sample(searched, "ontheme_http_request_duration_seconds_count", route="/pipeline")
    scraped = {
        name: httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for name, port in metrics_ports.items()
    }
    for name, group in (
        ("enrichment", "enrichment"),
        ("indexing", "indexing"),
        ("related", "related"),
    ):
        processed = sample(scraped[name], "ontheme_events_processed_total", group=group)
        assert processed is not None, name
        assert processed >= 4, name
    assert sample(scraped["poller"], "process_cpu_seconds_total") is not None
