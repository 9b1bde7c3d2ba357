"""The competency map in a real headless Chromium over the seeded demo: a steward merges two
skills and reverts the merge, each previewed (diff, who is affected) before it is applied;
forms check their input and show the API's error text; other roles read without edit tools
and see counts, not names. Screenshots at 1280 and 720 px."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from graph.model import NodeStatus, Skill
from tests.browser.conftest import OVERFLOW_JS, WIDTHS, Service, open_page, screenshot

pytestmark = pytest.mark.browser


def _url(service: Service, node: str, role: str) -> str:
    return f"{service.base}/taxonomy?node={quote(node, safe='')}#key={service.keys[role]}"


def _two_held_siblings(service: Service) -> tuple[Skill, Skill]:
    """Two active skills of one skill group that people hold (a merge moves them)."""
    store = service.store
    for cluster in store.list_clusters(include_deprecated=False):
        kids = [
            k
            for k in store.children(cluster.id)
            if isinstance(k, Skill) and k.status == NodeStatus.active and store.holders_of(k.id)
        ]
        if len(kids) >= 2:
            return kids[0], kids[1]
    raise AssertionError("the demo has no two held skills under one group")


def test_merge_and_revert_previewed_in_the_browser(service: Service, browser: object) -> None:
    store = service.store
    source, survivor = _two_held_siblings(service)
    holders = {h.person_id for h in store.holders_of(source.id)}
    version = store.data_version()
    p = open_page(browser, 1280, _url(service, source.id, "steward"), height=1000)
    page = p.page
    try:
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        assert page.inner_text("#node-title") == source.label
        assert "steward" in page.inner_text("#who")

        # merge: pick the survivor from a search, give a reason, preview
        page.click("#edit-ops button[data-op=merge]")
        page.click("#edit-preview")  # nothing chosen yet: the form says so, nothing is sent
        assert "Give a reason" in page.inner_text("#edit-error")
        page.fill("#edit-reason", "one skill under two labels")
        page.click("#edit-preview")
        assert "Choose the node to merge into" in page.inner_text("#edit-error")
        page.fill("#search-q", survivor.label)
        page.click("#search-form button[type=submit]")
        page.locator(f'#search-results li[data-id="{survivor.id}"] button.pick').click()
        assert survivor.label in page.inner_text("#f-into")
        page.click("#edit-preview")
        page.wait_for_selector("#preview:not([hidden])")
        summary = page.inner_text("#preview-summary")
        assert f"merged “{source.label}” into “{survivor.label}”" in summary
        affected = page.inner_text("#preview-affected")
        assert f"moves {len(holders)} people's skills" in affected
        diff = page.locator("#preview-diff tbody tr").all_inner_texts()
        assert any("status" in r and "deprecated" in r for r in diff)
        assert any("alias added" in r and source.label in r for r in diff)
        assert store.data_version() == version  # a preview writes nothing
        screenshot(page, "taxonomy-merge-preview-1280")

        page.click("#preview-apply")
        page.wait_for_function("document.querySelector('#edit-done').textContent.includes('merge')")
        assert store.get_node(source.id).status == NodeStatus.deprecated
        assert store.get_node(source.id).replaced_by == [survivor.id]
        assert holders <= {h.person_id for h in store.holders_of(survivor.id)}
        assert "deprecated" in page.inner_text("#node-tags")
        first = page.locator("#history-list > li").first
        assert first.get_attribute("data-op") == "merge"

        # revert the merge from the history, previewed too
        first.locator("button.revert").click()
        page.fill("#edit-reason", "merged the wrong pair")
        page.click("#edit-preview")
        page.wait_for_selector("#preview:not([hidden])")
        assert "reverted" in page.inner_text("#preview-summary")
        page.click("#preview-apply")
        page.wait_for_function(
            "document.querySelector('#edit-done').textContent.includes('revert')"
        )
        assert store.get_node(source.id).status == NodeStatus.active
        assert holders == {h.person_id for h in store.holders_of(source.id)}
        ops = [li.get_attribute("data-op") for li in page.locator("#history-list > li").all()]
        assert ops[:2] == ["revert", "merge"]
        assert page.evaluate(OVERFLOW_JS, "#app") == []
        screenshot(page, "taxonomy-after-revert-1280")
        assert p.errors == []
    finally:
        page.close()


def test_forms_show_the_api_error_text(service: Service, browser: object) -> None:
    source, _ = _two_held_siblings(service)
    existing = source.aliases[0] if source.aliases else source.label
    p = open_page(browser, 1280, _url(service, source.id, "steward"))
    page = p.page
    try:
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        page.click("#edit-ops button[data-op=add_alias]")
        page.fill("#f-alias", existing)
        page.fill("#edit-reason", "try a duplicate")
        page.click("#edit-preview")
        page.wait_for_function("document.querySelector('#edit-error').textContent.length > 0")
        assert "already has the label or alias" in page.inner_text("#edit-error")
        page.click("#edit-cancel")
        page.click("#edit-ops button[data-op=split]")
        page.fill("#f-split", "only-one | just one line")
        page.fill("#edit-reason", "split")
        page.click("#edit-preview")
        assert "at least two" in page.inner_text("#edit-error")
        assert [e for e in p.errors if "Failed to load resource" not in e] == []
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_other_roles_read_without_edit_tools(service: Service, browser: object, width: int) -> None:
    source, _ = _two_held_siblings(service)
    p = open_page(browser, width, _url(service, source.id, "mentee"))
    page = p.page
    try:
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        assert page.locator("#edit-panel").is_hidden()
        assert "read-only" in page.inner_text("#who")
        usage = page.inner_text("#node-usage")
        assert "people hold it" in usage and "coordinators only" in usage
        assert page.locator("#node-people").inner_text() == ""  # counts, not names
        assert page.locator("#history-list > li").count() >= 1
        assert page.locator("#history-list li button.revert").count() == 0
        # search by an ESCO group code
        page.fill("#search-q", "S1.4")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#search-results li[data-id]")
        assert "by code" in page.locator("#search-results li").first.inner_text()
        assert page.evaluate(OVERFLOW_JS, "#app") == []
        screenshot(page, f"taxonomy-read-only-{width}")
        assert p.errors == []
    finally:
        page.close()


def test_a_revoked_key_on_the_map_page_asks_for_another(service: Service, browser: object) -> None:
    source, _ = _two_held_siblings(service)
    p = open_page(browser, 720, _url(service, source.id, "revoked"))
    page = p.page
    try:
        page.wait_for_selector("#keypanel:not([hidden])")
        assert "API key revoked" in page.inner_text("#key-message")
        page.fill("#key-input", service.keys["coordinator"])
        page.click("#key-form button")
        page.wait_for_selector("body[data-loaded=true]", timeout=120_000)
        # a coordinator reads names, not edit tools
        assert page.locator("#edit-panel").is_hidden()
        assert [e for e in p.errors if "Failed to load resource" not in e] == []
    finally:
        page.close()
