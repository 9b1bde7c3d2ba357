"""The service skeleton: health, the error shape, keys and auth, people, audit."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.auth import create_key, hash_token
from graph.model import Role, utcnow
from graph.store import GraphStore
from tests.api.conftest import Keys


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


def test_healthz_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_store(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["store"] is True


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    r = client.get("/v1/nope")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = client.put("/healthz")
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


def test_missing_bad_expired_revoked_keys_are_401(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    assert client.get("/v1/me").status_code == 401
    r = client.get("/v1/me", headers={"Authorization": "Bearer mg_not-a-key"})
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert "mg_not-a-key" not in r.text
    _, old = create_key(api_store, [Role.admin], expires_at=utcnow() - timedelta(seconds=1))
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and "expired" in error_of(r)["message"]
    key, tok = create_key(api_store, [Role.admin])
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    r = client.delete(f"/v1/keys/{key.id}", headers=keys.auth("admin"))
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 401 and "revoked" in error_of(r)["message"]


def test_keys_are_stored_hashed_and_shown_once(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    r = client.post(
        "/v1/keys", json={"roles": ["mentee"], "person_id": "p2"}, headers=keys.auth("admin")
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    stored = api_store.get_api_key_by_hash(hash_token(token))
    assert stored is not None and stored.person_id == "p2" and token not in stored.key_hash
    listing = client.get("/v1/keys", headers=keys.auth("admin")).text
    assert token not in listing and stored.key_hash not in listing
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"key_id": stored.id, "person_id": "p2", "roles": ["mentee"]}
    r = client.post(
        "/v1/keys", json={"roles": ["mentee"], "person_id": "ghost"}, headers=keys.auth("admin")
    )
    assert r.status_code == 404


def test_validation_errors_name_the_field(client: TestClient, keys: Keys) -> None:
    r = client.post(
        "/v1/people",
        json={
            "id": "p9",
            "name": "N",
            "timezone": "Mars/Olympus",
            "windows": [{"weekday": 9, "start": "09:00", "end": "10:00"}],
        },
        headers=keys.auth("coordinator"),
    )
    assert r.status_code == 422
    fields = {d["field"] for d in error_of(r)["details"]}
    assert fields == {"body.timezone", "body.windows.0.weekday"}


def test_body_size_limit_is_413(client: TestClient, keys: Keys) -> None:
    big = {"id": "p9", "name": "x" * 200, "title": "y" * (6 * 1024 * 1024)}
    r = client.post("/v1/people", json=big, headers=keys.auth("coordinator"))
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large"


def test_people_create_read_update_list(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    coord = keys.auth("coordinator")
    r = client.post(
        "/v1/people",
        json={"id": "p3", "name": "Quinn", "attributes": {"group": "a"}},
        headers=coord,
    )
    assert r.status_code == 201 and r.json()["timezone"] == "UTC"
    assert (
        client.post("/v1/people", json={"id": "p3", "name": "Q"}, headers=coord).status_code == 409
    )
    r = client.patch(
        "/v1/people/p3", json={"timezone": "Asia/Tokyo", "opt_out_recommend": True}, headers=coord
    )
    assert r.status_code == 200
    assert r.json()["timezone"] == "Asia/Tokyo" and r.json()["name"] == "Quinn"
    assert api_store.get_person("p3").opt_out_recommend is True
    page = client.get("/v1/people?offset=1&limit=2", headers=coord).json()
    assert page["count"] == 5 and [p["id"] for p in page["data"]] == ["p1", "p2"]
    r = client.get("/v1/people?limit=51", headers=coord)
    assert r.status_code == 422 and error_of(r)["details"][0]["field"] == "query.limit"
    # directory view hides self-reported attributes from other people
    assert client.get("/v1/people/p3", headers=keys.auth("mentee")).json()["attributes"] == {}
    assert client.get("/v1/people/p3", headers=coord).json()["attributes"] == {"group": "a"}
    assert client.get("/v1/people/nobody", headers=coord).status_code == 404


def test_cross_field_rules_are_422_not_500(client: TestClient, keys: Keys) -> None:
    coord = keys.auth("coordinator")
    r = client.patch("/v1/people/p1", json={"manager_id": "p1"}, headers=coord)
    assert r.status_code == 422, r.text
    r = client.patch("/v1/people/p1", json={"manager_id": "ghost"}, headers=coord)
    assert r.status_code == 422, r.text
    r = client.patch("/v1/people/p1", json={"name": None}, headers=coord)
    assert r.status_code == 422 and error_of(r)["details"][0]["field"] == "body.name"


def test_hr_fields_are_not_self_service(client: TestClient, keys: Keys) -> None:
    """Issue 13: a mentee could clear their own manager and then pair with them."""
    r = client.patch("/v1/people/p1", json={"manager_id": None}, headers=keys.auth("mentee"))
    assert r.status_code == 403, r.text
    assert error_of(r)["details"] == [
        {"field": "body.manager_id", "reason": "set by the HR import"}
    ]
    r = client.patch(
        "/v1/people/m1", json={"title": "VP", "timezone": "UTC"}, headers=keys.auth("mentor")
    )
    assert r.status_code == 403 and "title" in error_of(r)["message"]
    r = client.patch("/v1/people/p1", json={"max_mentees": 1}, headers=keys.auth("mentee"))
    assert r.status_code == 200, r.text


def test_self_service_only_on_own_profile(client: TestClient, keys: Keys) -> None:
    ok = client.patch(
        "/v1/people/p1", json={"timezone": "Europe/Paris"}, headers=keys.auth("mentee")
    )
    assert ok.status_code == 200
    r = client.patch(
        "/v1/people/p2", json={"timezone": "Europe/Paris"}, headers=keys.auth("mentee")
    )
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"


def test_skills_replace_and_audit(client: TestClient, keys: Keys, api_store: GraphStore) -> None:
    body = {"skills": [{"skill_id": "s-python", "level": 3}, {"skill_id": "s-present", "level": 2}]}
    r = client.put("/v1/people/p1/skills", json=body, headers=keys.auth("mentee"))
    assert r.status_code == 200, r.text
    assert {(s["skill_id"], s["label"]) for s in r.json()["data"]} == {
        ("s-python", "Python programming"),
        ("s-present", "public speaking"),
    }
    r = client.put(
        "/v1/people/p1/skills",
        json={"skills": [{"skill_id": "s-python", "level": 4}]},
        headers=keys.auth("mentee"),
    )
    assert [s["skill_id"] for s in r.json()["data"]] == ["s-python"]
    r = client.put(
        "/v1/people/p1/skills",
        json={"skills": [{"skill_id": "nope", "level": 4}]},
        headers=keys.auth("mentee"),
    )
    assert r.status_code == 422, r.text
    entries = api_store.list_audit(actor="person:p1")
    assert [e.action for e in entries] == ["person.skills.replace", "person.skills.replace"]


CSV = """id,name,timezone,skills,goals
n1,New One,Europe/Rome,public speaking:3,get better at public speaking
n2,New Two,Mars/Olympus,,
"""


def test_people_import_all_or_nothing_dry_run_partial(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    coord = keys.auth("coordinator")
    body = {"format": "csv", "content": CSV}
    assert (
        client.post("/v1/people/import", json=body, headers=keys.auth("mentee")).status_code == 403
    )
    r = client.post("/v1/people/import", json=body, headers=coord)
    assert r.status_code == 422, r.text
    assert any(d["field"] == "timezone" for d in error_of(r)["details"])
    assert api_store.get_person("n1") is None
    r = client.post("/v1/people/import", json={**body, "dry_run": True}, headers=coord)
    assert r.status_code == 200 and r.json()["written"] is False and r.json()["problems"]
    r = client.post("/v1/people/import", json={**body, "allow_partial": True}, headers=coord)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == ["n1"] and out["goals_mapped"] == 1
    assert "n2" in out["rejected"] and "error" in out["rejected"].splitlines()[0]
    (goal,) = api_store.goals_of("n1")
    assert api_store.goal_targets(goal.id)[0].node_id == "s-present"


def test_people_import_with_column_map_delimiter_and_warnings(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    coord = keys.auth("coordinator")
    content = (
        "Employee ID;Full Name;Time Zone;Location\n"
        "h1;Hal;EST;New York\n"
        "h2;Hap;Central Standard Time;\n"
    )
    body = {
        "format": "csv",
        "content": content,
        "columns": {"Employee ID": "id", "Full Name": "name"},
    }
    r = client.post("/v1/people/import", json=body, headers=coord)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == ["h1", "h2"]
    assert [(w["source"], w["field"]) for w in out["warnings"]] == [("upload.csv:2", "timezone")]
    assert [n["source"] for n in out["notes"]] == ["upload.csv:3"]
    person = api_store.get_person("h2")
    assert person is not None and person.timezone == "America/Chicago"
    # explicit delimiter that the header does not use: the error names what it found
    r = client.post("/v1/people/import", json={**body, "delimiter": ","}, headers=coord)
    assert r.status_code == 422
    assert any("found ';' delimiters" in d["reason"] for d in error_of(r)["details"])
    # a column map target that is not a column: 422 naming it
    bad = {**body, "columns": {"Employee ID": "identifier"}}
    r = client.post("/v1/people/import", json=bad, headers=coord)
    assert r.status_code == 422 and "'identifier'" in error_of(r)["message"]
