import os
import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import yaml
from pydantic import BaseModel

from deploy.asyncapi import COMMAND, SERVICES, STREAM_EVENTS, generate, stale
from shared.contracts.events import ArticleEnriched, ArticleIngested, EventDeadLettered
from shared.contracts.keys import (
    DEAD_LETTER,
    ENRICHED,
    ENRICHMENT_GROUP,
    INDEXING_GROUP,
    INGESTED,
    RELATED_GROUP,
)
from shared.contracts.wire import TRACE_HEADER

CONSUMES = {
    "enrichment": (INGESTED, ENRICHMENT_GROUP),
    "indexing": (ENRICHED, INDEXING_GROUP),
    "related": (ENRICHED, RELATED_GROUP),
}
PUBLISHES = {"ingest": INGESTED, "poller": INGESTED, "enrichment": ENRICHED}


def _no_network(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("building the AsyncAPI documents must not connect anywhere")


@pytest.fixture(scope="module")
def generated() -> Iterator[dict[str, str]]:
    with (
        mock.patch.object(socket.socket, "connect", _no_network),
        mock.patch.object(socket, "create_connection", _no_network),
    ):
        yield generate()


@pytest.fixture(scope="module")
def documents(generated: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {service: yaml.safe_load(generated[f"{service}.yaml"]) for service in SERVICES}


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def _channels(document: dict[str, Any], method: str) -> list[dict[str, Any]]:
    return [
        channel
        for channel in document["channels"].values()
        if channel["bindings"]["redis"]["method"] == method
    ]


def _payload_fields(document: dict[str, Any], channel: dict[str, Any]) -> set[str]:
    (ref,) = channel["messages"].values()
    payload = _resolve(document, _resolve(document, ref["$ref"])["payload"]["$ref"])
    if payload.get("type") == "array":
        payload = _resolve(document, payload["items"]["$ref"])
    return set(payload["properties"])


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_checked_in_files_are_current(generated: dict[str, str]) -> None:
    problems = stale(generated)
    assert not problems, f"docs/asyncapi is stale: run {COMMAND}\n" + "\n".join(problems)


def test_generation_is_deterministic(generated: dict[str, str]) -> None:
    assert generate() == generated


def test_documents_are_asyncapi_3(documents: dict[str, dict[str, Any]]) -> None:
    for service, document in documents.items():
        assert document["asyncapi"].startswith("3."), service
        assert document["info"]["title"] == f"ontheme {service}"


@pytest.mark.parametrize(("service", "expected"), sorted(CONSUMES.items()))
def test_each_worker_consumes_its_stream_in_its_group(
    documents: dict[str, dict[str, Any]], service: str, expected: tuple[str, str]
) -> None:
    (channel,) = _channels(documents[service], "xreadgroup")
    binding = channel["bindings"]["redis"]
    assert (channel["address"], binding["groupName"]) == expected
    assert binding["channel"] == expected[0]
    assert _payload_fields(documents[service], channel) >= _fields(STREAM_EVENTS[expected[0]])


@pytest.mark.parametrize(("service", "stream"), sorted(PUBLISHES.items()))
def test_publishers_document_their_event(
    documents: dict[str, dict[str, Any]], service: str, stream: str
) -> None:
    (channel,) = [c for c in _channels(documents[service], "xadd") if c["address"] == stream]
    assert _payload_fields(documents[service], channel) >= _fields(STREAM_EVENTS[stream])
    # Titled by the stream's name, not FastStream's generated "<stream>:Publisher".
    assert documents[service]["channels"][stream] is channel


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_every_worker_documents_its_dead_letters(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    published = {c["address"]: c for c in _channels(documents[service], "xadd")}
    assert set(published) == {DEAD_LETTER} | ({ENRICHED} if service == "enrichment" else set())
    letters = published[DEAD_LETTER]
    assert _payload_fields(documents[service], letters) == _fields(EventDeadLettered)
    assert "no FastStream envelope" in letters["description"]
    (ref,) = letters["messages"].values()
    assert "headers" not in _resolve(documents[service], ref["$ref"])


@pytest.mark.parametrize("service", SERVICES)
def test_the_trace_header_is_documented_on_every_event_stream(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    document = documents[service]
    traced = [c for c in document["channels"].values() if c["address"] in {INGESTED, ENRICHED}]
    assert traced
    for channel in traced:
        (ref,) = channel["messages"].values()
        headers = _resolve(document, ref["$ref"])["headers"]
        assert headers["properties"][TRACE_HEADER]["pattern"] == "^[0-9a-f]{32}$"


def test_event_models_fields_are_in_the_payloads(documents: dict[str, dict[str, Any]]) -> None:
    schemas = documents["enrichment"]["components"]["schemas"]
    assert set(schemas["ArticleIngested"]["properties"]) == _fields(ArticleIngested)
    assert set(schemas["ArticleEnriched"]["properties"]) == _fields(ArticleEnriched)


def test_no_process_specific_values(generated: dict[str, str]) -> None:
    for name, text in generated.items():
        assert f"-{os.getpid()}-" not in text, name
        assert f"-{socket.gethostname()}-" not in text, name
    for service in CONSUMES:
        assert f"consumerName: {service}-<hostname>-<pid>-<random>" in generated[f"{service}.yaml"]


def test_readme_lists_streams_publishers_and_groups(generated: dict[str, str]) -> None:
    readme = generated["README.md"]
    assert f"| `{INGESTED}` | [ArticleIngested](#articleingested) | `ingest`, `poller` |" in readme
    assert f"`related` (group `{RELATED_GROUP}`)" in readme
    assert (
        f"| `{DEAD_LETTER}` | [EventDeadLettered](#eventdeadlettered) | `enrichment`¹, " in readme
    )
    for model in STREAM_EVENTS.values():
        assert f"## {model.__name__}" in readme


def test_check_fails_on_a_stale_file(generated: dict[str, str], tmp_path: Any) -> None:
    for name, text in generated.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert stale(generated, tmp_path) == []
    (tmp_path / "indexing.yaml").write_text("asyncapi: 2.6.0\n", encoding="utf-8")
    (tmp_path / "old.yaml").write_text("", encoding="utf-8")
    problems = stale(generated, tmp_path)
    assert [p.split(":")[0] for p in problems] == ["indexing.yaml", "old.yaml"]
