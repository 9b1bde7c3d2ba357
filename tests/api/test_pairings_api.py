"""Recommendations, the pairing lifecycle and cohort runs over the API, on the tiny org."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from graph.model import utcnow
from graph.store import GraphStore
from tests.api.conftest import Keys

ASYNC = "asynchronous=true"  # the seeded people have no weekly windows


def add_goal(client: TestClient, keys: Keys) -> str:
    r = client.post(
        "/v1/people/p1/goals", json={"text": "public speaking"}, headers=keys.auth("mentee")
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_recommendations_rank_the_skilled_mentor(client: TestClient, keys: Keys) -> None:
    url = f"/v1/people/p1/recommendations?k=5&{ASYNC}"
    r = client.get(url, headers=keys.auth("mentee"))
    assert r.status_code == 422 and "no open goals" in r.json()["error"]["message"]
    add_goal(client, keys)
    r = client.get(url, headers=keys.auth("mentee"))
    assert r.status_code == 200, r.text
    recs = r.json()["data"]
    assert [x["mentor_id"] for x in recs] == ["m1"]
    assert set(recs[0]["components"]) >= {"skill_fit", "availability", "capacity"}
    assert 0 < recs[0]["score"] <= 1 and recs[0]["reasons"]
    assert client.get(url, headers=keys.auth("mentee2")).status_code == 403
    assert client.get(url, headers=keys.auth("coordinator")).status_code == 200
    r = client.get("/v1/people/p1/recommendations?k=1000", headers=keys.auth("mentee"))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "query.k"


def test_consent_opt_out_is_honoured(client: TestClient, keys: Keys) -> None:
    add_goal(client, keys)
    client.patch("/v1/people/p1", json={"opt_out_recommend": True}, headers=keys.auth("mentee"))
    url = f"/v1/people/p1/recommendations?{ASYNC}"
    assert client.get(url, headers=keys.auth("coordinator")).status_code == 409
    assert client.get(url, headers=keys.auth("mentee")).status_code == 200
    # a mentor who opts out is never suggested
    client.patch("/v1/people/m1", json={"opt_out_recommend": True}, headers=keys.auth("mentor"))
    assert client.get(url, headers=keys.auth("mentee")).json()["data"] == []


def test_pairing_lifecycle(client: TestClient, keys: Keys, api_store: GraphStore) -> None:
    add_goal(client, keys)
    body = {"mentor_id": "m1", "mentee_ids": ["p2"]}
    assert client.post("/v1/pairings", json=body, headers=keys.auth("mentee")).status_code == 403
    body = {"mentor_id": "m1", "mentee_ids": ["p1"], "reason": "asked at the offsite"}
    r = client.post("/v1/pairings", json=body, headers=keys.auth("mentee"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["status"] == "proposed"
    assert client.post("/v1/pairings", json=body, headers=keys.auth("mentee")).status_code == 409
    r = client.post(f"/v1/pairings/{pid}/accept", json={}, headers=keys.auth("mentee2"))
    assert r.status_code == 403
    r = client.post(
        f"/v1/pairings/{pid}/accept", json={"activate": True}, headers=keys.auth("mentor")
    )
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = client.post(
        f"/v1/pairings/{pid}/check-ins",
        json={"on": "2026-11-20", "rating": 4, "note": "good start"},
        headers=keys.auth("mentee"),
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/v1/pairings/{pid}/check-ins",
        json={"on": "2026-11-20", "rating": 9},
        headers=keys.auth("mentee"),
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.rating"
    rows = client.get(f"/v1/pairings/{pid}/check-ins", headers=keys.auth("mentor")).json()
    assert [c["rating"] for c in rows["data"]] == [4]
    # a mentee sees only their own pairings
    mine = client.get("/v1/pairings", headers=keys.auth("mentee")).json()
    assert [p["id"] for p in mine["data"]] == [pid]
    assert client.get("/v1/pairings", headers=keys.auth("coordinator")).json()["count"] == 2
    r = client.post(
        f"/v1/pairings/{pid}/close",
        json={"reason": "not a fit", "do_not_pair_again": True},
        headers=keys.auth("coordinator"),
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = client.post(f"/v1/pairings/{pid}/accept", json={}, headers=keys.auth("mentor"))
    assert r.status_code == 409
    recs = client.get(f"/v1/people/p1/recommendations?{ASYNC}", headers=keys.auth("mentee"))
    assert recs.json()["data"] == []  # do-not-pair-again
    actions = {e.action for e in api_store.list_audit()}
    assert {"pairing.propose", "pairing.accept", "pairing.check_in", "pairing.close"} <= actions
    assert client.get("/v1/pairings/nope", headers=keys.auth("coordinator")).status_code == 404


def test_cohort_match_and_publish(client: TestClient, keys: Keys) -> None:
    add_goal(client, keys)
    coord = keys.auth("coordinator")
    client.patch("/v1/people/p1", json={"programs": ["spring"]}, headers=coord)
    r = client.post("/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
    assert r.status_code == 201, r.text
    run = r.json()
    assert [(p["mentee_id"], p["mentor_id"]) for p in run["proposals"]] == [("p1", "m1")]
    assert (
        client.post("/v1/cohorts/spring/match", json={}, headers=keys.auth("mentee")).status_code
        == 403
    )
    r = client.post(f"/v1/cohorts/runs/{run['run_id']}/publish", headers=coord)
    assert r.status_code == 200, r.text
    assert [(p["mentor_id"], p["mentee_ids"], p["status"]) for p in r.json()["data"]] == [
        ("m1", ["p1"], "proposed")
    ]
    assert (
        client.post(f"/v1/cohorts/runs/{run['run_id']}/publish", headers=coord).status_code == 409
    )
    assert client.get("/v1/cohorts/runs/run_nope", headers=coord).status_code == 404


def test_stalled_and_alternates(client: TestClient, keys: Keys) -> None:
    coord = keys.auth("coordinator")
    r = client.get("/v1/pairings/stalled", headers=coord)
    assert r.status_code == 200 and r.json()["count"] == 0  # pr-p2 is accepted, not active
    assert client.get("/v1/pairings/stalled", headers=keys.auth("mentor")).status_code == 403
    r = client.get("/v1/pairings/pr-p2/alternates", headers=keys.auth("mentee2"))
    assert r.status_code == 200, r.text
    assert r.json()["alternates"]["p2"] == []  # m1, the only mentor, is excluded
    assert (
        client.get("/v1/pairings/pr-p2/alternates", headers=keys.auth("mentor")).status_code == 403
    )


def test_a_cohort_proposal_never_quotes_the_goal_text(client: TestClient, keys: Keys) -> None:
    """Issue 13: the pairing history read "cohort match: Your goal ..." to the proposed
    mentor, while the goal itself answers them 403."""
    marker = "zqx7secret"
    r = client.post(
        "/v1/people/p1/goals",
        json={"text": f"public speaking {marker}"},
        headers=keys.auth("mentee"),
    )
    assert r.status_code == 201, r.text
    goal_id = r.json()["id"]
    coord = keys.auth("coordinator")
    client.patch("/v1/people/p1", json={"programs": ["spring"]}, headers=coord)
    r = client.post("/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/cohorts/runs/{r.json()['run_id']}/publish", headers=coord)
    assert r.status_code == 200, r.text
    (pairing,) = r.json()["data"]
    # the proposed mentor reads the pairing: its history names skills, not the goal
    r = client.get(f"/v1/pairings/{pairing['id']}", headers=keys.auth("mentor"))
    assert r.status_code == 200, r.text
    assert marker not in r.text
    assert "public speaking" in r.json()["history"][0]["reason"]
    # the goal itself: its skills (shared by default), not its text
    r = client.get(f"/v1/goals/{goal_id}", headers=keys.auth("mentor"))
    assert r.status_code == 200 and r.json()["text"] is None and marker not in r.text


def test_check_ins_record_their_author_and_refuse_future_dates(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    """Issue 13: a mentor's own rating raised their feedback; a check-in dated 2031 hid a
    stall until 2031."""
    coord = keys.auth("coordinator")
    r = client.post("/v1/pairings/pr-p2/activate", json={}, headers=coord)
    assert r.status_code == 200, r.text
    today = utcnow().date().isoformat()
    written = {}
    for role in ("mentee2", "mentor", "coordinator"):
        r = client.post(
            "/v1/pairings/pr-p2/check-ins",
            json={"on": today, "rating": 5},
            headers=keys.auth(role),
        )
        assert r.status_code == 201, r.text
        written[role] = (r.json()["author_role"], r.json()["author_id"])
    assert written == {
        "mentee2": ("mentee", "p2"),
        "mentor": ("mentor", "m1"),
        "coordinator": ("coordinator", None),
    }
    rates = {c.author_role: c.rates_mentor for c in api_store.checkins("pr-p2")}
    assert rates == {"mentee": True, "mentor": False, "coordinator": False}
    for on in ("2031-01-01", (utcnow().date() + timedelta(days=3)).isoformat()):
        r = client.post(
            "/v1/pairings/pr-p2/check-ins",
            json={"on": on, "rating": 5, "note": "zqx7note"},
            headers=keys.auth("mentee2"),
        )
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["details"][0]["field"] == "on" and "future" in err["message"]
        assert "zqx7note" not in r.text
    assert len(api_store.checkins("pr-p2")) == 3


def test_the_proposer_cannot_accept_and_may_withdraw(client: TestClient, keys: Keys) -> None:
    """Issue 13: a mentee proposed, then accepted and activated with the same key."""
    body = {"mentor_id": "m1", "mentee_ids": ["p1"]}
    pid = client.post("/v1/pairings", json=body, headers=keys.auth("mentee")).json()["id"]
    r = client.post(
        f"/v1/pairings/{pid}/accept", json={"activate": True}, headers=keys.auth("mentee")
    )
    assert r.status_code == 403 and "cannot accept" in r.json()["error"]["message"]
    r = client.post(f"/v1/pairings/{pid}/withdraw", json={}, headers=keys.auth("mentor"))
    assert r.status_code == 403
    r = client.post(f"/v1/pairings/{pid}/withdraw", json={}, headers=keys.auth("mentee"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    pid = client.post("/v1/pairings", json=body, headers=keys.auth("mentee")).json()["id"]
    r = client.post(f"/v1/pairings/{pid}/accept", json={}, headers=keys.auth("coordinator"))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["history"][-1]["side"] == "program"


def test_an_import_that_breaks_a_rule_lists_the_pairing(client: TestClient, keys: Keys) -> None:
    """Issue 13: an HR import makes p1's mentor their manager; the import report and the
    coordinators' conflict list name the pairing and the rule."""
    coord = keys.auth("coordinator")
    body = {"mentor_id": "m1", "mentee_ids": ["p1"]}
    pid = client.post("/v1/pairings", json=body, headers=coord).json()["id"]
    assert client.post(f"/v1/pairings/{pid}/accept", json={}, headers=coord).status_code == 200
    assert client.get("/v1/pairings/conflicts", headers=coord).json()["count"] == 0
    csv = "id,name,manager_id\np1,Pat One,m1\n"
    r = client.post("/v1/people/import", json={"format": "csv", "content": csv}, headers=coord)
    assert r.status_code == 200, r.text
    listed = r.json()["conflicts"]
    assert [c["pairing_id"] for c in listed] == [pid]
    assert listed[0]["problems"][0]["rule"] == "guardrail"
    assert "manager" in listed[0]["problems"][0]["reason"]
    r = client.get("/v1/pairings/conflicts", headers=coord)
    assert r.status_code == 200 and [c["pairing_id"] for c in r.json()["data"]] == [pid]
    assert client.get("/v1/pairings/conflicts", headers=keys.auth("mentor")).status_code == 403
    r = client.post(f"/v1/pairings/{pid}/activate", json={}, headers=keys.auth("mentor"))
    assert r.status_code == 409 and "guardrail" in r.json()["error"]["message"]


def test_a_proposal_with_another_persons_goal_reads_as_not_found(
    client: TestClient, keys: Keys
) -> None:
    """Naming someone else's goal in a proposal gives the same 404 as an unknown goal: the
    message names neither the owner nor that the goal exists."""
    unknown = {"mentor_id": "m1", "mentee_ids": ["p1"], "goal_ids": ["g-nope"]}
    theirs = {"mentor_id": "m1", "mentee_ids": ["p1"], "goal_ids": ["g-p2"]}
    a = client.post("/v1/pairings", json=unknown, headers=keys.auth("mentee"))
    b = client.post("/v1/pairings", json=theirs, headers=keys.auth("mentee"))
    assert a.status_code == b.status_code == 404, (a.text, b.text)
    assert "'p2'" not in b.text and "belongs" not in b.text
    assert b.json()["error"]["message"] == "goal 'g-p2' not found"
