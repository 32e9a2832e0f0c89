"""The page the product is modelled on, through the API: its article's two boxes, printed.

    .venv/bin/python -m bench.seed_page ../shared/data

Starts the system as bench/related_quality.py does, ingests the seed article (title, lede,
body) and its 20 "more on theme" headlines through POST /articles/batch, waits until idle, and
prints the article's themes, its /related list and its /more-on-theme list with story ids, and
how many of the page's stories More on theme shows. Nothing of the page is kept.
"""

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.related_quality import run_cli, running_system, wait_idle
from tests.e2e.test_seed_page import payloads


def show(search: httpx.Client, article_id: str, page: dict[str, Any]) -> None:
    """Print the article's themes and both lists."""
    article = search.get(f"/articles/{article_id}").raise_for_status().json()
    print("article themes:", [(t["slug"], t["score"]) for t in article.get("theme_scores", [])])
    print("story:", article.get("story_id"))
    related = search.get(f"/articles/{article_id}/related").raise_for_status().json()["related"]
    print(f"\n/related ({len(related)}):")
    for item in related:
        print(f"  {item['score']:.3f} same_story={item['same_story']!s:5} {item['title'][:70]}")
    body = search.get(f"/articles/{article_id}/more-on-theme").raise_for_status().json()
    items, titles = body["items"], {h["title"] for h in page["more_on_theme"]}
    print(f"\n/more-on-theme (theme {body['theme']}, {len(items)} items):")
    for item in items:
        print(f"  {item['published_at']} size {item['story_size']} {item['title'][:64]}")
    stories = {i["story_id"] or i["id"] for i in items if i["title"] in titles}
    print(f"\ndistinct stories of the page shown: {len(stories)}")


def main() -> None:
    """Run the system, ingest the page, print what a reader would see."""
    page = json.loads(Path(sys.argv[1], "seed", "seed-page.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as workdir, running_system(Path(workdir)) as system:
        with system.ingest_client(timeout=60) as ingest:
            answer = ingest.post("/articles/batch", json=payloads(page)).raise_for_status()
        wait_idle(system, 300, time.monotonic())
        with httpx.Client(base_url=system.search, timeout=30) as search:
            show(search, answer.json()["results"][0]["id"], page)


if __name__ == "__main__":
    sys.exit(run_cli("seed_page", main))
