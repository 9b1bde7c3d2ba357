"""The core API flow on every store (embedded always; Neo4j over Bolt when configured)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Keys


def test_core_flow(any_client: tuple[TestClient, Keys]) -> None:
    client, keys = any_client
    assert client.get("/readyz").json()["store"] is True
    assert client.get("/v1/me", headers=keys.auth("mentee")).json()["person_id"] == "p1"
    coord = keys.auth("coordinator")
    r = client.post("/v1/people", json={"id": "p9", "name": "Nine"}, headers=coord)
    assert r.status_code == 201, r.text
    assert (
        client.post("/v1/people", json={"id": "p9", "name": "Nine"}, headers=coord).status_code
        == 409
    )
    r = client.patch("/v1/people/p9", json={"timezone": "Asia/Kolkata"}, headers=coord)
    assert r.json()["timezone"] == "Asia/Kolkata"
    assert client.get("/v1/people?limit=2", headers=coord).json()["count"] == 5
    r = client.post(
        "/v1/people/p1/goals", json={"text": "public speaking"}, headers=keys.auth("mentee")
    )
    assert r.status_code == 201 and r.json()["targets"][0]["node_id"] == "s-present"
    r = client.get("/v1/people/p1/recommendations?asynchronous=true", headers=keys.auth("mentee"))
    assert [x["mentor_id"] for x in r.json()["data"]] == ["m1"]
    r = client.post(
        "/v1/pairings", json={"mentor_id": "m1", "mentee_ids": ["p1"]}, headers=keys.auth("mentee")
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/pairings/{r.json()['id']}/accept", json={}, headers=keys.auth("mentor"))
    assert r.json()["status"] == "accepted"
    r = client.get("/v1/taxonomy/nodes/s-present/neighbourhood", headers=keys.auth("steward"))
    assert r.json()["holders"] == 1
    assert client.get("/v1/nowhere", headers=coord).status_code == 404
