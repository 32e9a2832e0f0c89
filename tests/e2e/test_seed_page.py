"""The page the product is modelled on, sent through the API: its boxes as a reader sees them.

The page (an article and the 20 headlines of its "More on theme" box) is the user's example and
is not copied into the project: it is read from the shared data folder next to the repository
(or ONTHEME_SEED_PAGE). Without it the test is skipped and says where it looked.
"""

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.pipeline import Running, wait_idle

SEED_PAGE = Path(
    os.environ.get(
        "ONTHEME_SEED_PAGE",
        Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "seed" / "seed-page.json",
    )
)
SAME_STORY = "Russia's Military Withdrawal from Syria Gains Pace: Tartous Port Evacuated"
WINDOW_S = 14 * 86_400

pytestmark = pytest.mark.skipif(
    not SEED_PAGE.is_file(), reason=f"the seed page is not at {SEED_PAGE} (set ONTHEME_SEED_PAGE)"
)


def payloads(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The article (title, lede, body) and its headlines, as a publisher would send them."""
    article = page["article"]
    main = {
        "title": article["title"],
        "description": article.get("lede"),
        "body": article["body"],
        "published_at": article["published_at"],
        "source": "seed-article",
    }
    headlines = [
        {"title": item["title"], "published_at": item["published_at"], "source": f"outlet-{n}"}
        for n, item in enumerate(page["more_on_theme"])
    ]
    return [main, *headlines]


@pytest.fixture(scope="module")
def seeded(stack: Running) -> tuple[httpx.Client, list[str], dict[str, Any]]:
    """Ingest the page; return the search client, the accepted ids (article first), the page."""
    _, ingest, search = stack
    page = json.loads(SEED_PAGE.read_text(encoding="utf-8"))
    response = ingest.post("/articles/batch", json=payloads(page))
    results = response.raise_for_status().json()["results"]
    assert not any("error" in r or r["duplicate"] for r in results), results
    wait_idle(search)
    return search, [r["id"] for r in results], page


def epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_the_article_lists_its_same_story_headline_as_same_story(
    seeded: tuple[httpx.Client, list[str], dict[str, Any]],
) -> None:
    search, ids, _ = seeded
    related = search.get(f"/articles/{ids[0]}/related").raise_for_status().json()["related"]
    same = {item["title"]: item["same_story"] for item in related}
    assert same.get(SAME_STORY) is True, related


def test_more_on_theme_lists_ten_distinct_recent_stories_of_the_page(
    seeded: tuple[httpx.Client, list[str], dict[str, Any]],
) -> None:
    search, ids, page = seeded
    body = search.get(f"/articles/{ids[0]}/more-on-theme").raise_for_status().json()
    items = body["items"]
    titles = {item["title"] for item in page["more_on_theme"]}
    stories = {item["story_id"] or item["id"] for item in items if item["title"] in titles}
    assert len(stories) >= 10, items
    published = epoch(page["article"]["published_at"])
    times = [epoch(item["published_at"]) for item in items]
    assert all(published - WINDOW_S <= t <= published + 86_400 for t in times), items
