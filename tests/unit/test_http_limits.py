from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from shared.web.http import BodyLimitMiddleware


def make_client() -> TestClient:
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, limits={"/big": 1000}, default=10)

    @app.post("/big")
    @app.post("/small")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return TestClient(app)


def test_bodies_over_the_path_limit_get_413_with_a_reason() -> None:
    client = make_client()
    assert client.post("/small", content=b"x" * 10).json() == {"size": 10}
    response = client.post("/small", content=b"x" * 11)
    assert response.status_code == 413
    assert "limit of 10 bytes" in response.json()["detail"]
    assert client.post("/big", content=b"x" * 1000).status_code == 200


def test_streamed_bodies_without_a_length_are_counted() -> None:
    client = make_client()

    def chunks() -> Iterator[bytes]:
        yield b"x" * 8
        yield b"x" * 8

    response = client.post("/small", content=chunks())
    assert response.status_code == 413
