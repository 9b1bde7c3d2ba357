"""Taxonomy over the API: browse, search, neighbourhood, history, steward edits + revert."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graph.store import GraphStore
from tests.api.conftest import Keys

URI = "http://data.europa.eu/esco/skill/abc-123"


def test_browse_search_neighbourhood(client: TestClient, keys: Keys) -> None:
    h = keys.auth("mentee")
    roots = client.get("/v1/taxonomy/roots", headers=h).json()
    assert [n["id"] for n in roots["data"]] == ["c-comm"]
    hits = client.get("/v1/taxonomy/search?q=present", headers=h).json()
    assert [n["id"] for n in hits["data"]] == ["s-present"]  # via the alias "presenting"
    nb = client.get("/v1/taxonomy/nodes/s-present/neighbourhood", headers=h).json()
    assert [p["id"] for p in nb["path_to_root"]] == ["c-comm"]
    assert (nb["holders"], nb["mentors"], nb["goals"]) == (1, 1, 1)
    nb = client.get("/v1/taxonomy/nodes/c-comm/neighbourhood", headers=h).json()
    assert [c["id"] for c in nb["children"]] == ["s-present"]
    assert client.get("/v1/taxonomy/nodes/nope", headers=h).status_code == 404
    assert client.get("/v1/taxonomy/search?q=", headers=h).status_code == 422


def test_steward_edits_with_uri_ids_history_and_revert(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    st = keys.auth("steward")
    body = {"id": URI, "label": "storytelling", "parents": ["c-comm"], "reason": "new"}
    r = client.post("/v1/taxonomy/skills", json=body, headers=st)
    assert r.status_code == 201, r.text
    assert client.post("/v1/taxonomy/skills", json=body, headers=st).status_code == 409
    r = client.post(
        f"/v1/taxonomy/nodes/{URI}/rename", json={"label": "narrative skills"}, headers=st
    )
    assert r.status_code == 201, r.text
    rename_id = r.json()["id"]
    node = client.get(f"/v1/taxonomy/nodes/{URI}", headers=st).json()
    assert node["label"] == "narrative skills" and "storytelling" in node["aliases"]
    # the mapper was re-indexed: the new label maps at once
    r = client.post("/v1/goals/map", json={"text": "narrative skills", "k": 1}, headers=st)
    assert r.json()["candidates"][0]["id"] == URI
    hist = client.get(f"/v1/taxonomy/nodes/{URI}/history", headers=st).json()
    assert [c["op"] for c in hist["data"]] == ["rename", "create"]
    r = client.post(f"/v1/taxonomy/changes/{rename_id}/revert", json={}, headers=st)
    assert r.status_code == 201, r.text
    assert api_store.get_node(URI).label == "storytelling"
    r = client.post(f"/v1/taxonomy/changes/{rename_id}/revert", json={}, headers=st)
    assert r.status_code == 409
    actions = [e.action for e in api_store.list_audit(actor="person:st1")]
    assert actions == ["taxonomy.revert", "taxonomy.rename", "taxonomy.create"]


def test_merge_moves_holders_and_only_stewards_edit(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    r = client.post(
        "/v1/taxonomy/nodes/s-present/merge", json={"into": "s-python"}, headers=keys.auth("admin")
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/taxonomy/nodes/s-present/merge",
        json={"into": "s-python"},
        headers=keys.auth("steward"),
    )
    assert r.status_code == 201, r.text
    assert [h.person_id for h in api_store.holders_of("s-python")] == ["m1"]
    assert api_store.get_node("s-present").status == "deprecated"
    r = client.post(
        "/v1/taxonomy/nodes/s-present/merge",
        json={"into": "s-python"},
        headers=keys.auth("steward"),
    )
    assert r.status_code in (409, 422), r.text


def test_split_deprecate_move_aliases(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    st = keys.auth("steward")
    body = {"into": [{"id": "s-talk", "label": "talks"}, {"id": "s-pitch", "label": "pitching"}]}
    r = client.post("/v1/taxonomy/nodes/s-present/split", json=body, headers=st)
    assert r.status_code == 201, r.text
    assert {h.skill_id for h in api_store.person_skills("m1")} == {"s-talk", "s-pitch"}
    assert [p.id for p in api_store.parents("s-talk")] == ["c-comm"]
    r = client.post("/v1/taxonomy/nodes/s-pitch/aliases", json={"alias": "sales pitch"}, headers=st)
    assert r.status_code == 201 and "sales pitch" in api_store.get_node("s-pitch").aliases
    r = client.post("/v1/taxonomy/nodes/s-pitch/aliases/remove", json={"alias": "nope"}, headers=st)
    assert r.status_code == 404
    r = client.post("/v1/taxonomy/nodes/s-python/move", json={"parent_ids": ["c-comm"]}, headers=st)
    assert r.status_code == 201 and [p.id for p in api_store.parents("s-python")] == ["c-comm"]
    r = client.post("/v1/taxonomy/nodes/s-python/move", json={"parent_ids": ["s-talk"]}, headers=st)
    assert r.status_code in (409, 422), r.text  # a skill is not a cluster
    r = client.post(
        "/v1/taxonomy/nodes/s-pitch/deprecate", json={"replacement_id": "s-talk"}, headers=st
    )
    assert r.status_code == 201 and api_store.get_node("s-pitch").status == "deprecated"
    r = client.post(
        "/v1/taxonomy/clusters", json={"id": "c-new", "label": "New area", "tier": 0}, headers=st
    )
    assert r.status_code == 201, r.text
