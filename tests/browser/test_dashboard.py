"""The L&D dashboard end to end in a real headless Chromium, over the seeded demo with its
nine months of history: every panel loads with real figures, charts carry accessible names,
nothing overflows its box at 1280 and at 720 px, no console errors; keys that cannot open it
say why and offer another try. Screenshots of both widths go to the artifacts folder."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import OVERFLOW_JS, WIDTHS, Service, open_page, screenshot

pytestmark = pytest.mark.browser

CHARTS = {
    "chart-programs": "programs",
    "chart-monthly": "monthly",
    "chart-checkins": "checkins",
    "chart-gaps": "gaps",
    "chart-load": "load",
    "chart-fairness": "fairness",
    "chart-recognition": "recognition",
    "chart-network": "network",
}
PANELS = (
    "panel-health",
    "panel-stalled",
    "panel-gaps",
    "panel-load",
    "panel-fairness",
    "panel-recognition",
    "panel-network",
)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_panel_loads_readable_at_both_widths(
    service: Service, browser: object, width: int
) -> None:
    p = open_page(browser, width, f"{service.base}/dashboard#key={service.keys['coordinator']}")
    page = p.page
    try:
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        assert "key=" not in page.url  # the key left the address bar
        assert page.locator(".panel-error").count() == 0, page.locator(
            ".panel-error"
        ).all_inner_texts()
        for panel in PANELS:
            assert page.locator(f"#{panel}").is_visible(), panel

        # every chart: an SVG with an accessible name, a title, a description and marks
        for box, chart in CHARTS.items():
            svg = page.locator(f"#{box} svg")
            assert svg.count() == 1, box
            assert svg.get_attribute("role") == "img"
            assert svg.get_attribute("data-chart") == chart
            name = svg.get_attribute("aria-label") or ""
            assert name.endswith("?") and len(name) > 15, (box, name)  # a question
            assert svg.locator("title").first.inner_html() == name.replace("&", "&amp;")
            assert svg.locator("desc").count() == 1
            assert svg.locator("g.bar, g.point, g.node").count() >= 3, box
            assert svg.locator("text.empty").count() == 0, box
            for mark in svg.locator("g.bar rect, g.point circle").all()[:5]:
                assert mark.locator("title").count() == 1  # tooltip with the exact value
        assert page.locator("#chart-monthly svg text.axis-label").all_text_contents() == [
            "pairings",
            "month",
        ]
        assert page.locator("#chart-checkins svg .legend-label").all_text_contents() == [
            "check-ins",
            "average rating",
        ]

        # the figures are the demo's, formatted for people, names not ids
        kpis = page.locator("#kpis .kpi b").all_inner_texts()
        assert kpis[0].replace(",", "").isdigit() and int(kpis[0].replace(",", "")) > 100
        for rate in kpis[1:4]:
            assert re.fullmatch(r"\d{1,3}%", rate) and rate != "0%", kpis
        assert page.locator("#programs tbody tr").count() >= 3
        stalled = page.locator("#stalled tbody tr")
        assert stalled.count() >= 5
        found = page.locator("#stalled .tag").all_inner_texts()
        assert {"marked", "now"} <= set(found)
        first_mentor = page.locator("#stalled tbody tr td").first
        assert not first_mentor.inner_text().startswith("demo-")  # a name ...
        assert first_mentor.locator("[title^='demo-']").count() == 1  # ... its id on hover
        assert page.locator("#load tbody tr").count() >= 3
        assert page.locator("#grown tbody tr").count() >= 2
        assert page.locator("#impact tbody tr").count() >= 3  # per mentor and program
        assert page.locator("#suggested tbody tr").count() >= 1  # could mentor now
        assert page.locator("#fairness tbody tr").count() >= 5
        assert "26.9983" not in page.content()

        # nothing clipped or overflowing, the collapsed table included
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate(OVERFLOW_JS, "#app") == []
        assert p.errors == []
        path = screenshot(page, f"dashboard-{width}")
        assert path.stat().st_size > 50_000
    finally:
        page.close()


def test_the_network_view_follows_a_search_and_a_table_row(
    service: Service, browser: object
) -> None:
    p = open_page(browser, 1280, f"{service.base}/dashboard#key={service.keys['coordinator']}")
    page = p.page
    try:
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        page.fill("#network-node", "negotiat")
        page.click("#network-form button")
        page.wait_for_function(
            "document.querySelector('#chart-network svg').getAttribute('aria-label')"
            ".includes('negotiat')"
        )
        svg = page.locator("#chart-network svg")
        assert "http" not in (svg.get_attribute("aria-label") or "")  # a label, not a URI
        assert svg.locator(".legend-label").count() >= 2
        # a mentor's name in the stalled table opens their network
        row = page.locator("#stalled tbody tr").first
        name = row.locator("button.linkish").first.inner_text()
        row.locator("button.linkish").first.click()
        page.wait_for_function(
            f"document.querySelector('#chart-network svg').getAttribute('aria-label')"
            f".includes({name!r})"
        )
        assert page.locator("#chart-network svg g.node[data-kind=person]").count() >= 2
        # an unknown node: the API's words in the form, nothing thrown
        page.fill("#network-node", "demo-99999")
        page.click("#network-form button")
        page.wait_for_function("document.querySelector('#network-error').textContent.length > 0")
        assert "demo-99999" in page.inner_text("#network-error")
        assert [e for e in p.errors if "Failed to load resource" not in e] == []
    finally:
        page.close()


def _key_panel_says(page: object, words: str) -> str:
    page.wait_for_selector("#keypanel:not([hidden])")  # type: ignore[attr-defined]
    message = page.inner_text("#key-message")  # type: ignore[attr-defined]
    assert words in message, message
    assert page.locator("#app").is_hidden()  # type: ignore[attr-defined]
    return str(message)


def test_missing_wrong_role_and_revoked_keys_say_why_and_offer_another(
    service: Service, browser: object
) -> None:
    p = open_page(browser, 720, f"{service.base}/dashboard")
    page = p.page
    try:
        _key_panel_says(page, "Enter a coordinator or admin API key")
        # the form checks the key's shape before sending it
        page.click("#key-form button")
        assert "Enter a key first" in page.inner_text("#key-error")
        page.fill("#key-input", "not a key")
        page.click("#key-form button")
        assert "starts with mg_" in page.inner_text("#key-error") or "start with mg_" in (
            page.inner_text("#key-error")
        )
        # a mentee's key: the right words, and the form again
        page.fill("#key-input", service.keys["mentee"])
        page.click("#key-form button")
        message = _key_panel_says(page, "needs a coordinator or admin key")
        assert "mentee" in message
        # a revoked key: the API's own reason
        page.fill("#key-input", service.keys["revoked"])
        page.click("#key-form button")
        _key_panel_says(page, "API key revoked")
        # another key from the same form opens the dashboard
        page.fill("#key-input", service.keys["coordinator"])
        page.click("#key-form button")
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        assert "coordinator" in page.inner_text("#who")
        # and "Use another key" goes back to the form
        page.click("#switch-key")
        _key_panel_says(page, "Enter a coordinator or admin API key")
        screenshot(page, "dashboard-key-720")
        # only the refused requests' own log lines, no script error
        assert [e for e in p.errors if "Failed to load resource" not in e] == []
    finally:
        page.close()
