"""The L&D dashboard end to end in a real headless Chromium, against the service on loopback
over the demo org (real ESCO taxonomy, generated people, a few pairings and check-ins).

Needs Debian's chromium (`.ci/run` installs it) and the `playwright` package (driving
/usr/bin/chromium; no browser download). Under CI=true a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph.model import Role

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MENTORGRAPH_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(os.environ.get("MENTORGRAPH_ARTIFACTS", "artifacts"))
DEMO_SIZE = 300


def _need_browser() -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run must install it")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")


def _seed_pairings(store) -> None:  # type: ignore[no-untyped-def]
    """A handful of accepted pairings with check-ins so match health has a history."""
    from graph.errors import MentorgraphError
    from graph.lifecycle import pairings

    people = store.list_people()
    mentors = [p for p in people if p.is_mentor and p.max_mentees > 0]
    mentees = [p for p in people if not p.is_mentor and store.goals_of(p.id)]
    made = 0
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for i, (mentor, mentee) in enumerate(zip(mentors, mentees, strict=False)):
        when = start + timedelta(days=20 * i)
        try:
            p = pairings.propose(store, mentor.id, [mentee.id], by="test", now=when)
            pairings.accept(store, p.id, by=mentee.id, activate=True, now=when)
            pairings.check_in(
                store,
                p.id,
                on=(when + timedelta(days=14)).date(),
                rating=3 + i % 3,
                note="",
                by=mentee.id,
            )
        except MentorgraphError:
            continue  # guardrails (e.g. manager) refuse some pairs: that is fine here
        made += 1
        if made == 6:
            break
    assert made >= 3, "the demo org should allow a few pairings"


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base url, coordinator key) of a real uvicorn server on 127.0.0.1."""
    import uvicorn

    from api.auth import create_key
    from api.main import create_app
    from graph.settings import Settings
    from graph.stores.embedded import EmbeddedStore
    from loaders.demo_org import load_demo
    from taxonomy.embedding import FakeEmbedder
    from taxonomy.mapping import GoalMapper

    _need_browser()
    tmp = tmp_path_factory.mktemp("dashboard")
    store = EmbeddedStore(tmp / "graph.sqlite3")
    store.init_schema()
    load_demo(store, size=DEMO_SIZE, seed=7)
    mapper = GoalMapper(store.taxonomy(), FakeEmbedder())
    from taxonomy.goal_mapping import map_goal

    for goal in store.list_goals()[:150]:
        map_goal(store, mapper, goal.id, k=3)
    _seed_pairings(store)
    key = create_key(store, [Role.coordinator], label="dashboard test")[1]

    app = create_app(
        Settings(environment="test", data_dir=tmp, embedding_model="fake"),
        store=store,
        embedder=FakeEmbedder(),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (server.started and server.servers):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", key
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_dashboard_renders_with_demo_data(live_service: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, key = live_service
    console_errors: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.on(
                "console", lambda m: console_errors.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.goto(f"{base}/dashboard#key={key}")
            page.wait_for_selector("body[data-loaded=true]", timeout=60_000)

            # the key left the address bar, and lives only in the tab's session storage
            assert "key=" not in page.url
            # every chart rendered as SVG with content
            for chart in ("health", "coverage", "load", "network"):
                svg = page.locator(f"#chart-{chart} svg")
                assert svg.count() == 1, chart
            assert page.locator("#chart-coverage svg g.cell").count() > 5
            assert page.locator("#chart-load svg g.bar").count() == 5
            assert page.locator("#chart-health svg polyline.series").count() == 4
            assert page.locator("#chart-network svg g.node").count() >= 2
            assert page.locator("#gaps tbody tr").count() >= 1
            matched = page.locator("#health-stats div").nth(1).locator("b").inner_text()
            assert int(matched) >= 3

            # the network view follows a chosen node
            page.fill("#network-node", "http://data.europa.eu/esco/skill/S1")
            page.click("#network-form button")
            page.wait_for_function(
                "document.querySelector('#chart-network svg title')"
                ".textContent.includes('esco/skill/S1')"
            )
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert console_errors == []
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_dashboard_without_key_asks_for_one(live_service: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = live_service
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/dashboard")
            page.wait_for_selector("#login:not([hidden])")
            assert "coordinator API key" in page.inner_text("#status")
        finally:
            browser.close()
