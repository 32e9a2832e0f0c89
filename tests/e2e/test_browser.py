"""The reader's pages in headless Debian Chromium, driven by Playwright, against every service.

Needs Debian's chromium at /usr/bin/chromium (`make chromium`); Playwright's own browser
download is never used. Without it the test fails, naming the fix.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from deploy.native.servers import free_port
from deploy.native.stack import start_stack
from tests.e2e.pipeline import wait_idle
from tests.e2e.test_services import STORY

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"
# Ingest strips tags from titles; what is left must still show literally, never as markup.
EVIL_TITLE = 'Rates & "quotes": is 1 < 2 in the bond markets'
ARTICLES = [
    *[
        {"title": title, "source": f"Outlet {n}", "published_at": f"2014-03-10T1{n}:00:00Z"}
        for n, title in enumerate(STORY)
    ],
    {
        "title": EVIL_TITLE,
        "body": f"Bond markets moved. {EVIL}\n\nTraders said <b>nothing</b> & left.",
        "source": "Evil <img src=x onerror=alert(3)> Wire",
        "published_at": "2014-03-12T08:00:00Z",
    },
    {"title": "Bank of England keeps rates on hold", "source": "Outlet 5"},
    {"title": "Champions League draw pairs Barcelona with Manchester City", "source": "Outlet 6"},
]


@pytest.fixture(scope="module")
def site(
    redis_server: str, meili_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Every service as a process, the articles ingested over HTTP and processed: the site's URL."""
    run, key = uuid.uuid4().hex[:8], uuid.uuid4().hex
    index = f"e2e_browser_{run}"
    env = {
        "ONTHEME_ENV": "test", "REDIS_URL": redis_server, "MEILI_URL": meili_server.url,
        "MEILI_MASTER_KEY": meili_server.master_key, "MEILI_INDEX": index,
        "ONTHEME_NAMESPACE": f"e2eb{run}:", "LOG_FORMAT": "json", "INGEST_API_KEYS": key,
    }  # fmt: skip
    ingest_port, search_port = free_port(), free_port()
    running = start_stack(
        env,
        tmp_path_factory.mktemp("browser-logs"),
        ingest_port=ingest_port,
        search_port=search_port,
    )
    base = f"http://127.0.0.1:{search_port}"
    try:
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{ingest_port}", headers=auth) as ingest:
            ingest.post("/articles/batch", json=ARTICLES, timeout=30).raise_for_status()
        with httpx.Client(base_url=base, timeout=30) as search:
            wait_idle(search)
        yield base
        running.check_alive()
    finally:
        running.stop()
        meilisearch.Client(meili_server.url, meili_server.master_key).delete_index(index)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A fresh page, and the messages of every dialog it opens (there must be none)."""
    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    yield opened, dialogs
    context.close()


def shot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def test_search_article_same_story_and_story_pages(
    site: str, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    tab, dialogs = page
    tab.goto(f"{site}/")
    assert "Recent stories" in tab.inner_text("main")
    tab.fill("#q", "Indian Ocean")
    tab.click("form.search button")
    tab.wait_for_url("**/?q=Indian+Ocean")
    assert tab.locator(".hit").count() == 3
    assert tab.locator(".hit mark").count() >= 3
    shot(tab, tmp_path / "search-wide.png")
    tab.locator(".hit h3 a").first.click()
    tab.wait_for_url("**/a/*")
    first = tab.url
    same = tab.locator('section[aria-labelledby="same-story"] li a')
    assert same.count() == 2
    same.first.click()
    tab.wait_for_url("**/a/*")
    assert tab.url != first
    assert "MH370" in tab.inner_text("h1")
    tab.get_by_role("link", name="The whole story").first.click()
    tab.wait_for_url("**/s/*")
    assert tab.locator("main li a").count() == 3
    assert dialogs == []


def test_malicious_article_shows_literally_and_runs_nothing(
    site: str, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    tab, dialogs = page
    tab.goto(f"{site}/?q=quotes+bond")
    tab.locator(".hit h3 a").first.click()
    tab.wait_for_url("**/a/*")
    assert tab.inner_text("h1") == EVIL_TITLE
    assert tab.title() == f"{EVIL_TITLE} · ontheme"
    text = tab.inner_text("main")
    assert EVIL in text
    assert "<b>nothing</b> & left." in text
    assert "Evil <img src=x onerror=alert(3)> Wire" in text
    assert tab.locator("main script, main img, main b").count() == 0
    shot(tab, tmp_path / "article-wide.png")
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.reload()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    shot(tab, tmp_path / "article-narrow.png")
    tab.goto(f"{site}/")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    shot(tab, tmp_path / "search-narrow.png")
    assert dialogs == []
