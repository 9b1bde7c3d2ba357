"""`GET /v1/taxonomy/search` and `/v1/taxonomy/find` (issue 18): words in any order, aliases,
accent and case variants, exact label first, `count` the total beside the page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graph.model import Skill
from graph.store import GraphStore, UpsertSkills
from tests.api.conftest import Keys


def test_search_any_order_aliases_and_total(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    h = keys.auth("mentee")
    api_store.apply(
        [
            UpsertSkills(
                [
                    Skill(id="s-neg", label="negotiate with suppliers", aliases=["vendor deals"]),
                    Skill(id="s-neg2", label="negotiate contracts with suppliers"),
                    Skill(id="s-cafe", label="prepare café drinks"),
                ]
            )
        ]
    )
    body = client.get("/v1/taxonomy/search?q=suppliers negotiate", headers=h).json()
    assert [n["id"] for n in body["data"]] == ["s-neg", "s-neg2"] and body["count"] == 2
    page = client.get("/v1/taxonomy/search?q=suppliers negotiate&limit=1", headers=h).json()
    assert [n["id"] for n in page["data"]] == ["s-neg"] and page["count"] == 2  # the total
    rest = client.get("/v1/taxonomy/search?q=suppliers negotiate&offset=1", headers=h).json()
    assert [n["id"] for n in rest["data"]] == ["s-neg2"] and rest["count"] == 2
    # an exact label first, even when a longer label contains it
    hits = client.get("/v1/taxonomy/search?q=Negotiate With Suppliers", headers=h).json()
    assert hits["data"][0]["id"] == "s-neg"
    assert (
        client.get("/v1/taxonomy/search?q=DEALS vendor", headers=h).json()["data"][0]["id"]
        == "s-neg"
    )
    assert client.get("/v1/taxonomy/search?q=CAFE", headers=h).json()["data"][0]["id"] == "s-cafe"
    found = client.get("/v1/taxonomy/find?q=deals vendor&limit=1", headers=h).json()
    assert found["count"] == 1 and found["data"][0]["matched"] == "alias"
    assert found["data"][0]["alias"] == "vendor deals"
