"""Related articles, "More on theme" and stories against a real Meilisearch."""

from collections.abc import Iterator
from typing import Any

import meilisearch
import pytest
from fastapi.testclient import TestClient

from services.search.app import create_app
from tests.fixtures.search import search_settings, seed_indexes

HOUR, DAY = 3_600, 86_400
T0 = 1_394_400_000  # 2014-03-09T21:20:00Z
ECON, SPORT = "economy-business-and-finance", "sport"


def hx(n: int) -> str:
    return f"{n:024x}"


def article(
    n: int, hours: int, theme: str | None, story: int | None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": hx(n),
        "title": f"Article {n}",
        "url": f"https://news.example/{n}",
        "source": "AP",
        "published_at": None,
        "published_ts": T0 + hours * HOUR,
        "primary_theme": theme,
        "themes": [theme] if theme else [],
        "story_id": hx(story) if story else None,
        "_vectors": {"article": None},
        **extra,
    }


def story(
    n: int, count: int, last_day: int, themes: list[str], sources: tuple[str, ...] = ("AP",)
) -> dict[str, Any]:
    return {
        "id": hx(n),
        "title": f"Story {n}",
        "first_seen_ts": T0,
        "last_seen_ts": T0 + last_day * DAY,
        "first_seen": "2014-03-09T21:20:00Z",
        "last_seen": None,
        "article_count": count,
        "sources": list(sources),
        "primary_theme": themes[0],
        "themes": themes,
    }


RELATED_OF_1 = [  # as the related service stores them in Redis (tests/fixtures/search.py)
    {"id": hx(2), "score": 0.9},  # in the article's story
    {"id": hx(10), "score": 0.8},  # gone
    {"id": hx(4), "score": 0.5, "shared_entities": ["Russia", "Syria"]},
    {"id": hx(8), "score": 0.3, "similarity": 0.7},
    {"id": hx(11), "score": 0.2},  # only partly written, not indexed: dropped
]
ARTICLES = [
    article(1, 0, ECON, 1, related=RELATED_OF_1),
    article(2, 24, ECON, 1),
    article(3, 48, ECON, 1),
    article(4, 24, ECON, 4),
    article(5, 40, ECON, 4),
    article(6, 36, ECON, None),  # no story yet: still listed
    article(7, 20 * 24, ECON, 7),  # more than a day after article 2
    article(13, 19 * 24, ECON, 13),
    article(14, -15 * 24, ECON, 14),  # more than two weeks before article 2
    article(8, 24, SPORT, 8),
    article(9, 24, None, None),
    {"id": hx(11), "story_id": hx(1), "_vectors": {"article": None}},
]
STORIES = [
    story(1, 3, 2, [ECON], ("AP", "Reuters")),
    story(4, 2, 3, [ECON, "economy"]),
    story(7, 1, 20, [ECON]),
    story(8, 1, 1, [SPORT]),
    story(12, 3, 5, [ECON]),  # as big as story 1 and later: first
    {"id": hx(15), "merged_into": hx(1)},  # merged into story 1: answers, never listed
]


@pytest.fixture
def api(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> Iterator[TestClient]:
    settings = search_settings(service_env, monkeypatch)
    seed_indexes(meili_admin, settings, ARTICLES, STORIES)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def numbers(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["id"], 16) for item in items]


def test_related_best_first_with_display_fields_and_gone_articles_dropped(api: TestClient) -> None:
    related = ok(api.get(f"/articles/{hx(1)}/related"))["related"]
    assert numbers(related) == [2, 4, 8]
    assert related[0] == {
        "id": hx(2),
        "title": "Article 2",
        "url": "https://news.example/2",
        "source": "AP",
        "published_at": None,
        "score": 0.9,
        "same_story": True,
        "reasons": ["same story"],
    }
    assert related[1]["reasons"] == ["shared entities: Russia, Syria"]
    assert (related[2]["title"], related[2]["source"], related[2]["same_story"]) == (
        "Article 8",
        "AP",
        False,
    )
    assert numbers(ok(api.get(f"/articles/{hx(1)}/related", params={"limit": 2}))["related"]) == [
        2,
        4,
    ]
    assert ok(api.get(f"/articles/{hx(2)}/related"))["related"] == []


def test_more_on_theme_one_per_story_newest_first_without_itself(api: TestClient) -> None:
    body = ok(api.get(f"/articles/{hx(2)}/more-on-theme"))
    assert body["theme"] == ECON
    items = body["items"]
    # Two weeks before to a day after: not 7 (20 days on), not 14 (15 days before), nor 13.
    # Story 1's newest other article is 3, story 4's is 5; 6 has no story yet.
    assert numbers(items) == [3, 5, 6]
    assert [(i["story_id"], i["same_story"]) for i in items] == [
        (hx(1), True),
        (hx(4), False),
        (None, False),
    ]
    assert [(i["story_size"], i["other_sources"]) for i in items] == [
        (3, ["Reuters"]),
        (2, []),
        (1, []),
    ]
    assert set(items[0]) == {
        "id",
        "title",
        "url",
        "source",
        "published_at",
        "story_id",
        "same_story",
        "story_size",
        "other_sources",
    }
    limited = ok(api.get(f"/articles/{hx(2)}/more-on-theme", params={"limit": 2}))["items"]
    assert numbers(limited) == [3, 5]


def test_more_on_theme_later_article_and_no_theme(api: TestClient) -> None:
    assert numbers(ok(api.get(f"/articles/{hx(7)}/more-on-theme"))["items"]) == [13]
    assert ok(api.get(f"/articles/{hx(8)}/more-on-theme")) == {"theme": SPORT, "items": []}
    assert ok(api.get(f"/articles/{hx(9)}/more-on-theme")) == {"theme": None, "items": []}


@pytest.mark.parametrize("path", ["related", "more-on-theme"])
def test_article_lists_404_and_422(api: TestClient, path: str) -> None:
    assert api.get(f"/articles/{hx(10)}/{path}").status_code == 404
    assert api.get(f"/articles/{hx(11)}/{path}").status_code == 404  # not indexed yet
    assert api.get(f'/articles/x" OR id = "y/{path}').status_code == 422
    for limit in (0, 51):
        response = api.get(f"/articles/{hx(1)}/{path}", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_story_with_its_articles_oldest_first(api: TestClient) -> None:
    body = ok(api.get(f"/stories/{hx(1)}"))
    assert body["story"] == {**STORIES[0], "last_seen": None}
    assert numbers(body["articles"]) == [1, 2, 3]  # 11 is not indexed yet
    assert set(body["articles"][0]) == {"id", "title", "url", "source", "published_at"}
    assert numbers(ok(api.get(f"/stories/{hx(1)}", params={"limit": 2}))["articles"]) == [1, 2]
    assert ok(api.get(f"/stories/{hx(12)}"))["articles"] == []


def test_a_merged_story_sends_on_to_the_story_it_went_into(api: TestClient) -> None:
    moved = api.get(f"/stories/{hx(15)}", params={"limit": 2}, follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"] == f"/stories/{hx(1)}?limit=2"
    followed = ok(api.get(f"/stories/{hx(15)}", params={"limit": 2}))
    assert followed["story"]["id"] == hx(1)
    assert numbers(followed["articles"]) == [1, 2]
    page = api.get(f"/s/{hx(15)}", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (308, f"/s/{hx(1)}")
    assert "Story 1" in api.get(f"/s/{hx(15)}").text


def test_story_404_and_422(api: TestClient) -> None:
    missing = api.get(f"/stories/{hx(99)}")
    assert missing.status_code == 404
    assert "does not exist" in missing.json()["detail"]
    assert api.get("/stories/not-an-id").status_code == 422
    for limit in (0, 201):
        assert api.get(f"/stories/{hx(1)}", params={"limit": limit}).status_code == 422


def test_stories_biggest_then_latest_with_filters_and_pages(api: TestClient) -> None:
    body = ok(api.get("/stories"))
    assert numbers(body["stories"]) == [12, 1, 4, 7, 8]
    assert body["total"] == 5
    assert numbers(ok(api.get("/stories", params={"theme": SPORT}))["stories"]) == [8]
    assert numbers(ok(api.get("/stories", params={"theme": "economy"}))["stories"]) == [4]
    since = ok(api.get("/stories", params={"since": "2014-03-12"}))
    assert (numbers(since["stories"]), since["total"]) == ([12, 4, 7], 3)
    since_time = ok(api.get("/stories", params={"since": "2014-03-12T22:00:00Z"}))["stories"]
    assert numbers(since_time) == [12, 7]
    page = ok(api.get("/stories", params={"limit": 2, "offset": 1}))
    assert (numbers(page["stories"]), page["total"]) == ([1, 4], 5)


@pytest.mark.parametrize(
    "params",
    [
        {"theme": 'x" OR source = "y'},
        {"theme": "Sport"},
        {"theme": "a" * 101},
        {"since": "last week"},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
    ],
)
def test_invalid_story_parameters_get_422_with_the_reason(
    api: TestClient, params: dict[str, Any]
) -> None:
    response = api.get("/stories", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", next(iter(params))]


def test_a_missing_stories_index_is_503_not_an_empty_result(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, meili_admin: meilisearch.Client
) -> None:
    settings = search_settings(service_env, monkeypatch)
    seed_indexes(meili_admin, settings, [])
    with TestClient(create_app(settings)) as api:
        for path in ("/stories", f"/stories/{hx(1)}"):
            response = api.get(path)
            assert response.status_code == 503
            assert "stories index does not exist" in response.json()["detail"]
