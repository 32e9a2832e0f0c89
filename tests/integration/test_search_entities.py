"""Entity suggestions and an entity's articles, on documents the indexing service would write."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import meilisearch
import pytest
from fastapi.testclient import TestClient

from services.search.app import create_app
from shared.contracts.documents import to_documents
from shared.contracts.events import Article, ArticleEnriched, Enrichment, EntityMention
from tests.fixtures.search import search_settings, seed_indexes

T0 = datetime(2014, 3, 10, 12, tzinfo=UTC)
NAMES = {
    1: [("person", "Janet Yellen"), ("organisation", "Fed")],
    2: [("person", "Janet Yellen"), ("place", "Washington")],
    3: [("person", "Jane Austen"), ("place", "Jamaica")],
    4: [("organisation", "AC/DC"), ("person", 'Jan "the man" \\ Smith')],
}


def event(n: int) -> ArticleEnriched:
    mentions = [
        EntityMention.model_validate({"type": t, "name": name, "mentions": 1, "first_position": 0})
        for t, name in NAMES[n]
    ]
    article = Article(id=f"{n:024x}", title=f"Story {n}", published_at=T0 + timedelta(hours=n))
    enrichment = Enrichment(entities=mentions)
    return ArticleEnriched(article=article, enrichment=enrichment, ingested_at=T0)


@pytest.fixture
def api(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Iterator[TestClient]:
    settings = search_settings(service_env, monkeypatch, semantic=False)
    seed_indexes(meili_admin, settings, to_documents([event(n) for n in NAMES], vectors=False))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def entities(api: TestClient, **params: str | int) -> list[tuple[str, str, int]]:
    response = api.get("/entities", params=params)
    assert response.status_code == 200, response.text
    return [(e["name"], e["type"], e["article_count"]) for e in response.json()["entities"]]


def test_suggestions_start_with_the_prefix_most_named_first(api: TestClient) -> None:
    assert entities(api, q="ja") == [
        ("Janet Yellen", "person", 2),
        ("Jamaica", "place", 1),
        ('Jan "the man" \\ Smith', "person", 1),
        ("Jane Austen", "person", 1),
    ]
    assert entities(api, q="ja", type="place") == [("Jamaica", "place", 1)]
    assert entities(api, q="ja", limit=1) == [("Janet Yellen", "person", 2)]
    assert len(entities(api)) == 7
    assert entities(api, q="zz") == []
    assert api.get("/entities", params={"type": "thing"}).status_code == 422


def test_an_entitys_articles_come_newest_first(api: TestClient) -> None:
    page = api.get("/entities/person/Janet Yellen/articles").json()
    assert [int(a["id"], 16) for a in page["articles"]] == [2, 1]
    assert (page["total"], page["entity"]["article_count"]) == (2, 2)
    assert api.get("/entities/organisation/AC/DC/articles").json()["total"] == 1
    odd = api.get("/entities/person/" + 'Jan "the man" \\ Smith' + "/articles").json()
    assert [int(a["id"], 16) for a in odd["articles"]] == [4]
    # A name is looked up as an entity of the type asked for, not of any type.
    assert api.get("/entities/place/Janet Yellen/articles").status_code == 404
    assert api.get("/entities/thing/Fed/articles").status_code == 422


def test_search_narrows_to_a_name_of_a_type(api: TestClient) -> None:
    both = api.get("/search", params={"entity": "Janet Yellen", "entity_type": "person"})
    assert {int(h["id"], 16) for h in both.json()["hits"]} == {1, 2}
    wrong = api.get("/search", params={"entity": "Janet Yellen", "entity_type": "place"})
    assert wrong.json()["hits"] == []
