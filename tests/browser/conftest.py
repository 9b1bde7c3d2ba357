"""The service on loopback over the seeded demo (1,000 people, the bundled ESCO taxonomy, nine
months of program history), keys for every role, and headless Chromium to drive it.

Needs Debian's chromium (`.ci/run` installs it) and the `playwright` package (driving
/usr/bin/chromium; no browser download). Under CI=true a missing browser fails the tests.
Screenshots go to $MENTORGRAPH_ARTIFACTS (default `artifacts/screenshots`, git-ignored).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graph.model import Role
from graph.stores.embedded import EmbeddedStore

CHROMIUM = os.environ.get("MENTORGRAPH_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(os.environ.get("MENTORGRAPH_ARTIFACTS", "artifacts/screenshots"))
WIDTHS = (1280, 720)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Everything inside `root` that is wider than its own box (scrollWidth > clientWidth) without
# being a scroll container, every SVG text outside its SVG, every element sticking out of its
# panel. Returns descriptions (empty when nothing overflows).
OVERFLOW_JS = """
(root) => {
  const out = [];
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  for (const e of document.querySelectorAll(root + ' *')) {
    if (e.closest('svg')) continue;
    if (e.offsetParent === null && getComputedStyle(e).position !== 'fixed') continue;
    if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && !scrolls(e))
      out.push(`${e.tagName.toLowerCase()}#${e.id} "${e.textContent.trim().slice(0, 40)}" ` +
               `is ${e.scrollWidth}px wide in a ${e.clientWidth}px box`);
  }
  for (const svg of document.querySelectorAll(root + ' svg')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 ||
          r.bottom > box.bottom + 1)
        out.push(`svg[data-chart=${svg.dataset.chart}] text "${t.textContent}" is clipped`);
    }
  }
  for (const panel of document.querySelectorAll(root + ' section.panel')) {
    const box = panel.getBoundingClientRect();
    for (const e of panel.querySelectorAll('*')) {
      if (e.closest('.table-wrap') && e.closest('.table-wrap') !== e) continue;
      const r = e.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1))
        out.push(`${e.tagName.toLowerCase()} in #${panel.id} sticks out of its panel`);
    }
  }
  return out.slice(0, 30);
}
"""


def need_browser() -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run must install it")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")


@dataclass
class Service:
    base: str
    keys: dict[str, str]  # role (and "revoked") -> token
    store: EmbeddedStore


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A real uvicorn server on 127.0.0.1 over a private copy of the seeded demo."""
    need_browser()
    import uvicorn

    from api.auth import create_key, revoke_key
    from api.main import create_app
    from graph.settings import Settings
    from taxonomy.embedding import FakeEmbedder
    from tests.loaders.demo_seed import demo_copy

    tmp = tmp_path_factory.mktemp("browser")
    store = demo_copy(tmp)
    steward = next(p.id for p in store.list_people() if p.department == "People & HR")
    mentee = next(g.person_id for g in store.list_goals())
    keys = {
        "coordinator": create_key(store, [Role.coordinator], label="browser")[1],
        "steward": create_key(store, [Role.steward], person_id=steward, label="browser")[1],
        "mentee": create_key(store, [Role.mentee], person_id=mentee, label="browser")[1],
    }
    revoked, keys["revoked"] = create_key(store, [Role.coordinator], label="revoked")
    revoke_key(store, revoked.id)
    app = create_app(
        Settings(environment="test", data_dir=tmp, embedding_model="fake"),
        store=store,
        embedder=FakeEmbedder(),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    while not (server.started and server.servers):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.1)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Service(f"http://127.0.0.1:{port}", keys, store)
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="session")
def browser(service: Service) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Page:
    """A Playwright page with the console errors it logged."""

    page: Any
    errors: list[str]


def open_page(browser: Any, width: int, url: str, *, height: int = 900) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return Page(page, errors)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
