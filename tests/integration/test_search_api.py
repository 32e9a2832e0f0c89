"""The search API against a real Meilisearch: filters, sort, pagination, errors."""

from collections.abc import Iterator
from typing import Any

import meilisearch
import pytest
from fastapi.testclient import TestClient

from services.search.app import create_app
from tests.fixtures.search import search_settings, seed_indexes

DAY = 86_400
T0 = 1_394_400_000  # 2014-03-09T21:20:00Z


def doc(n: int, title: str, source: str, day: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{n:024x}",
        "title": title,
        "source": source,
        "published_ts": T0 + day * DAY,
        "published_at": None,
        "themes": [],
        "_vectors": {"article": None},
        **extra,
    }


DOCS = [
    doc(
        1,
        "Fed holds rates",
        "Reuters",
        0,
        body="The Fed held rates. Markets rose.",
        language="en",
        entities=[
            {"name": "Janet Yellen", "type": "person"},
            {"name": "Fed", "type": "organisation"},
        ],
        themes=["economy-business-and-finance"],
    ),
    doc(
        2,
        "Fed raises rates",
        "AP",
        1,
        language="de",
        entities=[{"name": "Fed", "type": "organisation"}],
        themes=["economy-business-and-finance"],
    ),
    doc(3, "Fed minutes show split", 'x" OR source = "y', 2),
    doc(
        4,
        "World cup draw",
        "AP",
        3,
        themes=["sport"],
        related=[  # stored in Redis (tests/fixtures/search.py)
            {"id": f"{2:024x}", "score": 0.7, "shared_entities": ["Fed"]},
            {"id": f"{5:024x}", "score": 0.6},  # no such article: dropped
        ],
    ),
]


@pytest.fixture
def api(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Iterator[TestClient]:
    settings = search_settings(service_env, monkeypatch)
    seed_indexes(meili_admin, settings, DOCS)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [int(hit["id"], 16) for hit in response.json()["hits"]]


def test_full_text_with_typos_and_highlights(api: TestClient) -> None:
    response = api.get("/search", params={"q": "ratse"})
    assert set(ids(response)) == {1, 2}
    first = response.json()["hits"][0]
    assert "<mark>" in first["title_highlighted"]
    assert response.json()["total"] == 2


def test_filters_sort_and_pagination(api: TestClient) -> None:
    assert ids(api.get("/search", params={"q": "fed", "source": "AP"})) == [2]
    assert ids(api.get("/search", params={"sort": "recent"})) == [4, 3, 2, 1]
    assert ids(api.get("/search", params={"sort": "recent", "limit": 2, "offset": 1})) == [3, 2]
    # Totals are exact counts of every match, whatever the page (Meilisearch's page mode).
    for offset in range(5):
        page = api.get("/search", params={"sort": "recent", "limit": 3, "offset": offset})
        assert ids(page) == [4, 3, 2, 1][offset : offset + 3]
        assert page.json()["total"] == 4
    window = {"since": "2014-03-10T00:00:00Z", "until": "2014-03-11T23:00:00Z", "sort": "recent"}
    assert ids(api.get("/search", params=window)) == [3, 2]


@pytest.mark.parametrize(
    "value",
    ['x" OR source = "y', 'AP" OR source = "Reuters', "AP\\", '"', "\x00\x1f", "A" * 200],
)
def test_injection_attempts_return_nothing_outside_the_filter(api: TestClient, value: str) -> None:
    for hit in api.get("/search", params={"source": value}).json()["hits"]:
        assert hit["source"] == value


def test_a_source_with_quotes_is_found_exactly(api: TestClient) -> None:
    assert ids(api.get("/search", params={"source": 'x" OR source = "y'})) == [3]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"sort": "best"},
        {"since": "last week"},
        {"q": "x" * 501},
    ],
)
def test_invalid_parameters_get_422_with_the_reason(
    api: TestClient, params: dict[str, Any]
) -> None:
    response = api.get("/search", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_articles_and_related(api: TestClient) -> None:
    article = api.get(f"/articles/{4:024x}").json()
    assert article["title"] == "World cup draw"
    assert article["entities"] == []
    assert article["keywords"] == []
    assert "related" not in article  # the lists are served from Redis, below
    related = api.get(f"/articles/{4:024x}/related", params={"limit": 5}).json()["related"]
    assert [(r["title"], r["score"], r["same_story"], r["reasons"]) for r in related] == [
        ("Fed raises rates", 0.7, False, ["shared entities: Fed"])
    ]
    assert api.get(f"/articles/{1:024x}/related").json() == {"related": []}
    assert api.get(f"/articles/{9:024x}").status_code == 404
    assert api.get("/articles/not-an-id").status_code == 422


def test_a_missing_index_is_an_error_not_an_empty_result(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = search_settings(service_env, monkeypatch, meili_index="never_created_index")
    with TestClient(create_app(settings)) as client:
        response = client.get("/search", params={"q": "x"})
    assert response.status_code == 503
    assert "index does not exist" in response.json()["detail"]


def test_facets_count_every_match_and_entity_filters_narrow(api: TestClient) -> None:
    response = api.get("/search", params={"q": "fed"})
    assert set(ids(response)) == {1, 2, 3}
    facets = response.json()["facets"]
    assert facets["sources"] == {"Reuters": 1, "AP": 1, 'x" OR source = "y': 1}
    assert facets["entity_types"] == {"person": 1, "organisation": 2}
    assert facets["languages"] == {"en": 1, "de": 1}
    assert ids(api.get("/search", params={"q": "fed", "entity": "Janet Yellen"})) == [1]
    assert ids(api.get("/search", params={"entity": "Fed", "language": "de"})) == [2]
    assert ids(api.get("/search", params={"entity": 'Fed" OR source = "AP'})) == []
    assert api.get("/search", params={"language": "english"}).status_code == 422


def test_themes_count_articles_and_list_a_themes_newest_first(api: TestClient) -> None:
    themes = api.get("/themes", params={"level": 1}).json()["themes"]
    counts = {t["slug"]: t["article_count"] for t in themes}
    assert counts["economy-business-and-finance"] == 2
    assert counts["sport"] == 1
    page = api.get("/themes/economy-business-and-finance/articles").json()
    assert [int(a["id"], 16) for a in page["articles"]] == [2, 1]
    assert page["total"] == 2
    assert page["theme"]["name"]
    assert api.get("/themes/no-such-theme/articles").status_code == 404
    assert api.get('/themes/x" OR 1/articles').status_code == 422
    assert api.get("/themes", params={"level": 4}).status_code == 422
