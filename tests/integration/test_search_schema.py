"""Schemathesis fuzzes the search API, over a real Meilisearch and Redis, against its schema."""

from typing import Any

import meilisearch
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.search.app import create_app
from tests.fixtures.search import search_settings, seed_indexes

T0 = 1_394_400_000  # 2014-03-09T21:20:00Z
ECON = "economy-business-and-finance"
# All zeros is the simplest value of the id pattern, so Hypothesis tries it early and often:
# the article and story routes then answer 200 as well as 404.
FIRST, SECOND = "0" * 24, f"{1:024x}"

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]


def article(article_id: str, title: str, related: str) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": title,
        "url": f"https://news.example/{article_id}",
        "source": "AP",
        "published_at": "2014-03-09T21:20:00Z",
        "published_ts": T0,
        "language": "en",
        "primary_theme": ECON,
        "themes": [ECON],
        "story_id": FIRST,
        "entities": [{"name": "Fed", "type": "organisation"}],
        "people": [],
        "organisations": ["Fed"],
        "places": [],
        "related": [{"id": related, "score": 0.9, "same_story": True}],
        "_vectors": {"article": None},
    }


STORY = {
    "id": FIRST,
    "title": "Fed rates",
    "first_seen_ts": T0,
    "last_seen_ts": T0,
    "first_seen": "2014-03-09T21:20:00Z",
    "last_seen": "2014-03-09T21:20:00Z",
    "article_count": 2,
    "sources": ["AP"],
    "primary_theme": ECON,
    "themes": [ECON],
}


def seed(client: meilisearch.Client, uid: str, documents: list[dict[str, Any]]) -> None:
    task = client.index(uid).add_documents(documents)
    assert client.wait_for_task(task.task_uid).status == "succeeded"


@pytest.fixture
def search_schema(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> schemathesis.BaseSchema:
    config = search_settings(service_env, monkeypatch)
    pair = [article(FIRST, "Fed holds rates", SECOND), article(SECOND, "Fed raises rates", FIRST)]
    seed_indexes(meili_admin, config, pair, [STORY])
    # Schemathesis runs the app's lifespan itself and ends it when the test does.
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(config))


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # Schemathesis 4.32.5 reads `node._nodeid`, which pytest 9 no longer has.
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("search_schema")


@schema.parametrize()
@settings(max_examples=30, derandomize=True, database=None, deadline=None)
def test_search_api_answers_as_documented(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)
