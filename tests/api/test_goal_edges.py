"""Goal edges (issue 18): an open twin of an open goal is refused with the existing id (API and
import), goal and milestone dates are checked for order and not past at creation. Runs on
every store the `store` fixture gives (embedded; Neo4j where a Bolt server is configured)."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient

from graph.model import utcnow
from graph.store import GraphStore
from tests.api.conftest import Keys


def _future(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


def _past(days: int) -> str:
    return (utcnow().date() - timedelta(days=days)).isoformat()


def test_open_twin_goal_is_refused_with_the_existing_id(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    auth = keys.auth("mentee")
    r = client.post("/v1/people/p1/goals", json={"text": "Negotiate with suppliers"}, headers=auth)
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    # same text by label_key: other case, doubled and no-break spaces, typographic apostrophe
    for twin in ("negotiate  with SUPPLIERS", "Negotiate\u00a0with suppliers "):
        r = client.post("/v1/people/p1/goals", json={"text": twin}, headers=auth)
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert first in err["message"] and err["details"][0]["field"] == "body.text"
        assert "suppliers" not in err["message"].casefold()  # the text is never quoted
    assert len(api_store.goals_of("p1")) == 1
    # another person may have the same goal; a different text is fine
    r = client.post(
        "/v1/people/p2/goals",
        json={"text": "negotiate with suppliers"},
        headers=keys.auth("mentee2"),
    )
    assert r.status_code == 201, r.text
    r = client.post("/v1/people/p1/goals", json={"text": "negotiate with clients"}, headers=auth)
    assert r.status_code == 201, r.text
    second = r.json()["id"]
    # renaming the second into a twin of the first: 409 naming the first
    r = client.patch(f"/v1/goals/{second}", json={"text": "NEGOTIATE with suppliers"}, headers=auth)
    assert r.status_code == 409 and first in r.json()["error"]["message"], r.text
    # once the first is achieved, the same text may be an open goal again
    r = client.patch(f"/v1/goals/{first}", json={"status": "achieved"}, headers=auth)
    assert r.status_code == 200, r.text
    r = client.patch(f"/v1/goals/{second}", json={"text": "negotiate with suppliers"}, headers=auth)
    assert r.status_code == 200, r.text
    # ... but reopening the achieved one now makes a twin of the second
    r = client.patch(f"/v1/goals/{first}", json={"status": "open"}, headers=auth)
    assert r.status_code == 409 and second in r.json()["error"]["message"], r.text


def test_import_refuses_an_open_twin_naming_the_existing_goal(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    # p2 already has g-p2 "present to executives" (open)
    line = {
        "id": "p2",
        "name": "Pia Two",
        "goals": [{"id": "g-new", "text": "Present to  Executives"}],
    }
    body = {"format": "jsonl", "content": json.dumps(line) + "\n"}
    r = client.post("/v1/people/import", json=body, headers=keys.auth("coordinator"))
    assert r.status_code == 422, r.text
    details = r.json()["error"]["details"]
    assert any("g-p2" in d["reason"] and d["field"].endswith("goals") for d in details), details
    assert api_store.get_goal("g-new") is None
    # a goal without an id (CSV gives only texts) whose text is that of an open goal is that
    # goal; a repeat in another spelling inside the cell is one goal
    csv = "id,name,goals\np2,Pia Two,Present to  EXECUTIVES|present to executives\n"
    coordinator = keys.auth("coordinator")
    r = client.post(
        "/v1/people/import", json={"format": "csv", "content": csv}, headers=coordinator
    )
    assert r.status_code == 200 and r.json()["goals_added"] == 0, r.text
    assert [g.id for g in api_store.goals_of("p2")] == ["g-p2"]
    # explicit ids on two twins of one record: refused naming the first
    twins = {
        "id": "p1",
        "name": "Pat One",
        "goals": [
            {"id": "g-a", "text": "write a mentor's guide"},
            {"id": "g-b", "text": "Write a mentor\u2019s guide"},
        ],
    }
    r = client.post(
        "/v1/people/import",
        json={"format": "jsonl", "content": json.dumps(twins) + "\n"},
        headers=coordinator,
    )
    assert r.status_code == 422 and "goal 'g-b' has the same text as open goal 'g-a'" in r.text, (
        r.text
    )
    # the same goal given again (same id) is an update, not a twin
    again = {
        "id": "p2",
        "name": "Pia Two",
        "goals": [{"id": "g-p2", "text": "present to executives"}],
    }
    r = client.post(
        "/v1/people/import",
        json={"format": "jsonl", "content": json.dumps(again) + "\n"},
        headers=keys.auth("coordinator"),
    )
    assert r.status_code == 200, r.text


def test_goal_dates_in_order_and_not_past(client: TestClient, keys: Keys) -> None:
    auth = keys.auth("mentee")

    def refused(body: dict[str, object], field: str) -> None:
        r = client.post("/v1/people/p1/goals", json={"text": "learn python", **body}, headers=auth)
        assert r.status_code == 422, r.text
        fields = [d["field"] for d in r.json()["error"]["details"]]
        assert field in fields, fields

    refused({"target_date": _past(1)}, "body.target_date")
    milestone = {"title": "first talk", "due": _future(40)}
    refused({"target_date": _future(30), "milestones": [milestone]}, "body.milestones.0.due")
    early = {"title": "kick-off", "due": _future(5)}
    refused(
        {"start_date": _future(10), "target_date": _future(30), "milestones": [early]},
        "body.milestones.0.due",
    )
    refused({"milestones": [{"title": "old", "due": _past(3)}]}, "body.milestones.0.due")
    ok = {
        "text": "learn python",
        "start_date": _past(10),  # a start in the past is fine: the mentee began already
        "target_date": _future(30),
        "milestones": [{"title": "kata", "due": _future(30)}, {"title": "x", "due": _future(1)}],
    }
    r = client.post("/v1/people/p1/goals", json=ok, headers=auth)
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    # updates: a new past target date or a milestone after the target is refused
    r = client.patch(f"/v1/goals/{gid}", json={"target_date": _past(2)}, headers=auth)
    assert r.status_code == 422 and "body.target_date" in r.text, r.text
    late = [{"title": "kata", "due": _future(31)}]
    r = client.patch(f"/v1/goals/{gid}", json={"milestones": late}, headers=auth)
    assert r.status_code == 422 and "body.milestones.0.due" in r.text, r.text
    r = client.patch(f"/v1/goals/{gid}", json={"measurable_outcome": "a kata a week"}, headers=auth)
    assert r.status_code == 200, r.text


def test_person_time_zone_answers_with_the_nearest_names(client: TestClient, keys: Keys) -> None:
    auth = keys.auth("coordinator")
    for wrong, hint in (
        ("europe/berlin", "Europe/Berlin"),
        ("Europe/Berln", "Europe/Berlin"),
        ("america/new_yrok", "America/New_York"),
    ):
        r = client.patch("/v1/people/p1", json={"timezone": wrong}, headers=auth)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert f"did you mean '{hint}'" in json.dumps(err), err
    r = client.patch("/v1/people/p1", json={"timezone": "Mars/Olympus"}, headers=auth)
    assert r.status_code == 422 and "did you mean" not in r.text


def test_import_refuses_a_milestone_after_the_target(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    goal = {
        "id": "g-late",
        "text": "run a workshop",
        "target_date": _future(30),
        "milestones": [
            {"title": "dry run", "due": _future(10)},
            {"title": "x", "due": _future(40)},
        ],
    }
    line = {"id": "p1", "name": "Pat One", "goals": [goal]}
    body = {"format": "jsonl", "content": json.dumps(line) + "\n"}
    r = client.post("/v1/people/import", json=body, headers=keys.auth("coordinator"))
    assert r.status_code == 422, r.text
    (detail,) = r.json()["error"]["details"]
    assert detail["field"] == "goals" and "milestones.1.due" in detail["reason"], detail
    assert api_store.get_goal("g-late") is None
