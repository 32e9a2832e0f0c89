"""The search service's Meilisearch key: read-only, limited to its indexes, found again."""

import contextlib
from collections.abc import Callable, Iterator

import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError
from pydantic import SecretStr

from services.search.keys import provision_search_key, search_client, search_key_uid
from services.search.settings import Settings
from shared.contracts.index_schema import stories_index_uid
from tests.fixtures.search import search_settings, seed_indexes


@pytest.fixture
def settings(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Iterator[Settings]:
    settings = search_settings(service_env, monkeypatch)
    seed_indexes(meili_admin, settings, [])
    yield settings
    with contextlib.suppress(MeilisearchApiError):  # not every test creates it
        meili_admin.delete_key(search_key_uid(settings.meili_index))


def test_the_key_searches_but_cannot_write(settings: Settings, service_env: dict[str, str]) -> None:
    client = search_client(settings)
    assert client.config.api_key != service_env["MEILI_MASTER_KEY"]
    index = client.index(settings.meili_index)
    assert index.search("anything")["hits"] == []
    refused: list[Callable[[], object]] = [
        lambda: index.add_documents([{"id": "x"}]),
        lambda: index.update_settings({"searchableAttributes": ["id"]}),
        lambda: client.create_index("intruder"),
        lambda: client.create_key({"actions": ["*"], "indexes": ["*"], "expiresAt": None}),
        lambda: client.index("some_other_index").search("x"),
    ]
    for attempt in refused:
        with pytest.raises(MeilisearchApiError) as caught:
            attempt()
        assert caught.value.status_code == 403, caught.value


def test_the_key_is_looked_up_not_created_twice(
    settings: Settings, meili_admin: meilisearch.Client
) -> None:
    admin = meili_admin
    first = provision_search_key(admin, settings.meili_index)
    assert provision_search_key(admin, settings.meili_index) == first
    key = admin.get_key(search_key_uid(settings.meili_index))
    assert sorted(key.indexes) == sorted(
        [settings.meili_index, stories_index_uid(settings.meili_index)]
    )
    assert "documents.add" not in key.actions
    assert "*" not in key.actions


def test_a_given_search_key_is_used_as_it_is(settings: Settings) -> None:
    given = Settings(meili_search_key=SecretStr("a-search-key-from-the-operator"))
    assert search_client(given).config.api_key == "a-search-key-from-the-operator"
