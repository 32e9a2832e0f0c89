from typing import Any

import pytest

from services.search import paging


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 20, {"page": 1, "hitsPerPage": 20}),
        (40, 20, {"page": 3, "hitsPerPage": 20}),
        (1, 2, {"page": 1, "hitsPerPage": 3}),
        (5, 10, {"page": 1, "hitsPerPage": 15}),
    ],
)
def test_the_window_is_one_meilisearch_page(
    offset: int, limit: int, expected: dict[str, int]
) -> None:
    assert paging.window(offset, limit) == expected


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 20, 100])
def test_every_window_is_cut_exactly_from_its_page(limit: int) -> None:
    matches = [{"id": n} for n in range(1000)]
    for offset in range(0, 300):
        page = paging.window(offset, limit)
        start = (page["page"] - 1) * page["hitsPerPage"]
        response: dict[str, Any] = {
            "hits": matches[start : start + page["hitsPerPage"]],
            "totalHits": 1000,
        }
        hits, total = paging.cut(response, offset, limit)
        assert hits == matches[offset : offset + limit]
        assert total == 1000


def test_a_window_past_the_end_is_empty_with_the_total() -> None:
    assert paging.cut({"hits": [], "totalHits": 3}, 40, 20) == ([], 3)
