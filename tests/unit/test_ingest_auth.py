"""The ingest API's keys: every write needs one, health does not, and errors stay terse."""

from collections.abc import Iterator, Sequence

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from structlog.testing import capture_logs

import services.ingest.app as ingest_app
from services.ingest.auth import INVALID, MISSING, ApiKeys
from services.ingest.settings import Settings
from shared.articles.accept import Acceptor, Admission
from shared.contracts.events import Article
from shared.web.errors import INTERNAL

KEY = "current-key-0123456789abcdef"
OLD_KEY = "previous-key-0123456789abcdef"
ARTICLE = {"title": "Fed holds rates"}
WRITES = [("/articles", ARTICLE), ("/articles/batch", [ARTICLE])]


class FakeRedis:
    """Stands in for Redis where the app touches it without its lifespan: /health's ping."""

    async def ping(self) -> bool:
        return True


@pytest.fixture
def accepted(monkeypatch: pytest.MonkeyPatch) -> list[Article]:
    """What the app handed on for publishing; no Redis or broker is reached."""
    handed: list[Article] = []

    async def admit(
        _self: Acceptor, articles: Sequence[Article], _traces: Sequence[str] | None = None
    ) -> list[Admission]:
        handed.extend(articles)
        return [Admission(article.id, new=True) for article in articles]

    monkeypatch.setattr(Acceptor, "admit", admit)
    monkeypatch.setattr(ingest_app, "create_redis", lambda _settings: FakeRedis())
    return handed


def client(keys: str = KEY, *, raise_server_exceptions: bool = True) -> TestClient:
    """The ingest app as in production, with `keys` as INGEST_API_KEYS; no lifespan, no I/O."""
    settings = Settings(api_keys=SecretStr(keys), environment="production")
    app = ingest_app.create_app(settings)
    return TestClient(app, raise_server_exceptions=raise_server_exceptions)


Header = dict[str, str] | dict[bytes, bytes]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_a_write_without_a_key_gets_401_with_a_bearer_challenge(
    accepted: list[Article], path: str, body: object
) -> None:
    response = client().post(path, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": MISSING}
    assert accepted == []


@pytest.mark.parametrize(
    "header",
    [
        bearer("wrong-key-0123456789abcdef"),
        bearer(KEY[:-1]),
        bearer(KEY + "x"),
        bearer(f"{KEY},{OLD_KEY}"),
        {b"Authorization": "Bearer kéy-not-ascii".encode("latin-1")},
    ],
)
@pytest.mark.parametrize(("path", "body"), WRITES)
def test_a_wrong_key_gets_401_and_nothing_is_accepted(
    accepted: list[Article], path: str, body: object, header: Header
) -> None:
    response = client().post(path, json=body, headers=header)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {"detail": INVALID}
    assert accepted == []


def test_a_refusal_is_logged_without_the_key_sent(accepted: list[Article]) -> None:
    sent = "guessed-key-0123456789abcdef"
    with capture_logs() as logs:
        client().post("/articles", json=ARTICLE, headers=bearer(sent))
    refused = [entry for entry in logs if entry["event"] == "request refused"]
    assert [(e["reason"], e["path"]) for e in refused] == [(INVALID, "/articles")]
    assert sent not in repr(logs)
    assert KEY not in repr(logs)


@pytest.mark.parametrize("header", ["Basic " + KEY, KEY, "Bearer", "Bearer "])
def test_a_key_not_sent_as_bearer_counts_as_missing(accepted: list[Article], header: str) -> None:
    response = client().post("/articles", json=ARTICLE, headers={"Authorization": header})
    assert (response.status_code, response.json()) == (401, {"detail": MISSING})
    assert accepted == []


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_the_right_key_is_accepted(accepted: list[Article], path: str, body: object) -> None:
    response = client().post(path, json=body, headers=bearer(KEY))
    assert response.status_code == 202
    assert [a.title for a in accepted] == ["Fed holds rates"]


def test_during_a_rotation_every_listed_key_works(accepted: list[Article]) -> None:
    api = client(f" {KEY} , {OLD_KEY},")
    for key in (KEY, OLD_KEY):
        assert api.post("/articles", json=ARTICLE, headers=bearer(key)).status_code == 202
    assert api.post("/articles", json=ARTICLE, headers=bearer("x" * 20)).status_code == 401
    assert len(accepted) == 2


def test_every_operation_that_is_not_a_read_needs_the_key(accepted: list[Article]) -> None:
    api = client()
    paths = api.get("/openapi.json").json()["paths"]
    writes = [
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if method not in {"get", "head", "options"}
    ]
    assert len(writes) >= 2, f"the ingest app lost its write operations: {sorted(paths)}"
    for method, path in writes:
        assert api.request(method, path, json=ARTICLE).status_code == 401, (method, path)
    assert accepted == []


def test_health_and_docs_stay_open(accepted: list[Article]) -> None:
    api = client()
    assert api.get("/health").json() == {"status": "ok"}
    assert api.get("/openapi.json").status_code == 200
    assert api.get("/docs").status_code == 200


def test_the_openapi_document_declares_the_bearer_scheme_and_the_401(
    accepted: list[Article],
) -> None:
    schema = client().get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ingestApiKey"]["type"] == "http"
    assert schemes["ingestApiKey"]["scheme"] == "bearer"
    for path in ("/articles", "/articles/batch"):
        post = schema["paths"][path]["post"]
        assert post["security"] == [{"ingestApiKey": []}]
        assert "401" in post["responses"]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_an_oversized_request_without_a_key_is_refused_but_never_500(
    accepted: list[Article],
) -> None:
    api = client()
    body = b'{"title": "' + b"x" * 1_200_000 + b'"}'
    declared = api.post("/articles", content=body, headers={"content-type": "application/json"})
    assert declared.status_code == 413  # the size limit answers before the body is read

    def chunks() -> Iterator[bytes]:
        yield from (body[i : i + 65536] for i in range(0, len(body), 65536))

    streamed = api.post("/articles", content=chunks(), headers={"content-type": "application/json"})
    assert 400 <= streamed.status_code < 500
    assert accepted == []


def test_an_unexpected_error_answers_a_short_json_500_without_a_traceback(
    accepted: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(
        _self: Acceptor, _articles: Sequence[Article], _traces: Sequence[str] | None = None
    ) -> list[Admission]:
        raise RuntimeError("boom in /srv/ontheme/secret_module.py")

    monkeypatch.setattr(Acceptor, "admit", broken)
    api = client(raise_server_exceptions=False)
    response = api.post("/articles", json=ARTICLE, headers=bearer(KEY))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": INTERNAL}
    assert "Traceback" not in response.text
    assert "secret_module" not in response.text


def test_api_keys_need_at_least_one_key() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ApiKeys([])
    assert ApiKeys([KEY, OLD_KEY]).valid(OLD_KEY)
    assert not ApiKeys([KEY]).valid("")
