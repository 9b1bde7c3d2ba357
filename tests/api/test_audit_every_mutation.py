"""Every mutating route leaves an audit entry naming the caller.

One scenario calls each mutating route once, successfully; each call must add at least one
audit entry with the caller's actor. The route list comes from `app.routes`, so a new
mutating route fails here until the scenario covers it (and it audits).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from graph.recommend.scoring import Weights
from graph.store import GraphStore
from tests.api.conftest import Keys
from tests.api.test_ranking_weights_api import seed_outcomes
from tests.api.test_role_matrix import MUTATING, api_routes

# POSTs that compute and return without writing anything.
READ_ONLY = {
    ("POST", "/v1/goals/map"),
    ("POST", "/v1/analytics/queries/cypher"),
    ("POST", "/v1/taxonomy/preview"),  # a dry run: tests/api/test_taxonomy_pages_api.py
}
ACTORS = {
    "mentee": "person:p1",
    "mentee2": "person:p2",
    "mentor": "person:m1",
    "steward": "person:st1",
}


class Audited:
    def __init__(self, app: FastAPI, client: TestClient, keys: Keys, store: GraphStore) -> None:
        self.client, self.keys, self.store = client, keys, store
        self.me = {
            role: client.get("/v1/me", headers=keys.auth(role)).json()
            for role in ("coordinator", "admin")
        }
        self.covered: set[tuple[str, str]] = set()
        self.templates = {(m, r.path): r for r in api_routes(app) for m in r.methods & MUTATING}

    def call(self, role: str, method: str, template: str, path: str, **kw: Any) -> Any:
        before = len(self.store.list_audit(limit=10_000))
        r = self.client.request(method, path, headers=self.keys.auth(role), **kw)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        entries = self.store.list_audit(limit=10_000)
        assert len(entries) > before, f"{method} {template} wrote no audit entry"
        actor = ACTORS.get(role) or f"key:{self.me[role]['key_id']}"
        assert entries[0].actor == actor, (template, entries[0].actor)
        assert (method, template) in self.templates, f"unknown route {method} {template}"
        self.covered.add((method, template))
        return r.json() if r.content else None


def test_every_mutating_route_is_audited(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    a = Audited(app, client, keys, api_store)
    scenario(a)
    missing = sorted(set(a.templates) - a.covered - READ_ONLY)
    assert missing == [], f"mutating routes the audit scenario does not cover: {missing}"


def scenario(a: Audited) -> None:
    """Each mutating route once, successfully (tests/api/test_audit_atomic.py reuses it)."""
    # keys
    k = a.call("admin", "POST", "/v1/keys", "/v1/keys", json={"roles": ["mentor"]})
    a.call("admin", "DELETE", "/v1/keys/{key_id}", f"/v1/keys/{k['id']}")
    # people
    a.call("coordinator", "POST", "/v1/people", "/v1/people", json={"id": "p5", "name": "Five"})
    a.call(
        "mentee", "PATCH", "/v1/people/{person_id}", "/v1/people/p1", json={"location": "Lisbon"}
    )
    a.call(
        "mentee",
        "PUT",
        "/v1/people/{person_id}/skills",
        "/v1/people/p1/skills",
        json={"skills": [{"skill_id": "s-python", "level": 2}]},
    )
    a.call(
        "coordinator",
        "POST",
        "/v1/people/import",
        "/v1/people/import",
        json={"format": "csv", "content": "id,name\np6,Six\n"},
    )
    # goals
    g = a.call(
        "mentee",
        "POST",
        "/v1/people/{person_id}/goals",
        "/v1/people/p1/goals",
        json={"text": "public speaking"},
    )
    a.call("mentee", "PATCH", "/v1/goals/{goal_id}", f"/v1/goals/{g['id']}", json={"text": "talks"})
    a.call("mentee", "POST", "/v1/goals/{goal_id}/remap", f"/v1/goals/{g['id']}/remap")
    a.call(
        "steward",
        "PUT",
        "/v1/goals/{goal_id}/targets",
        f"/v1/goals/{g['id']}/targets",
        json={"node_ids": ["s-present"]},
    )
    # pairings
    p = a.call(
        "mentee",
        "POST",
        "/v1/pairings",
        "/v1/pairings",
        json={"mentor_id": "m1", "mentee_ids": ["p1"]},
    )
    pid = p["id"]
    a.call(
        "mentor", "POST", "/v1/pairings/{pairing_id}/accept", f"/v1/pairings/{pid}/accept", json={}
    )
    a.call(
        "mentor",
        "POST",
        "/v1/pairings/{pairing_id}/activate",
        f"/v1/pairings/{pid}/activate",
        json={},
    )
    a.call(
        "mentee",
        "POST",
        "/v1/pairings/{pairing_id}/check-ins",
        f"/v1/pairings/{pid}/check-ins",
        json={"on": "2026-11-01", "rating": 3},
    )
    a.call("coordinator", "POST", "/v1/pairings/stalled/mark", "/v1/pairings/stalled/mark")
    a.call(
        "mentee", "POST", "/v1/pairings/{pairing_id}/close", f"/v1/pairings/{pid}/close", json={}
    )
    again = a.call(
        "mentee",
        "POST",
        "/v1/pairings",
        "/v1/pairings",
        json={"mentor_id": "m1", "mentee_ids": ["p1"]},
    )
    a.call(
        "mentee",
        "POST",
        "/v1/pairings/{pairing_id}/withdraw",
        f"/v1/pairings/{again['id']}/withdraw",
        json={},
    )
    a.call(
        "mentee2",
        "POST",
        "/v1/pairings/{pairing_id}/decline",
        "/v1/pairings/pr-p2/decline",
        json={},
    )
    # programs and formats (a group, a peer circle, a micro session)
    pr = "/v1/programs/{program}"
    a.call(
        "coordinator",
        "PUT",
        pr,
        "/v1/programs/s",
        json={"models": ["one_to_one", "group", "circle", "micro"], "max_group_size": 3},
    )
    grp = a.call(
        "mentor",
        "POST",
        f"{pr}/groups",
        "/v1/programs/s/groups",
        json={"mentor_id": "m1", "mentee_ids": ["p5", "p6"]},
    )
    a.call(
        "mentor",
        "POST",
        "/v1/pairings/{pairing_id}/withdraw",
        f"/v1/pairings/{grp['id']}/withdraw",
        json={},
    )
    a.call(
        "mentee",
        "POST",
        f"{pr}/circles",
        "/v1/programs/s/circles",
        json={"member_ids": ["p1", "p5", "p6"]},
    )
    a.call(
        "coordinator",
        "PATCH",
        "/v1/people/{person_id}",
        "/v1/people/m1",
        json={"micro_mentor": True},
    )
    a.call(
        "mentee",
        "POST",
        f"{pr}/micro-sessions",
        "/v1/programs/s/micro-sessions",
        json={"mentor_id": "m1", "mentee_id": "p1", "skill_id": "s-present"},
    )
    # cohorts
    a.call(
        "coordinator", "PATCH", "/v1/people/{person_id}", "/v1/people/p2", json={"programs": ["s"]}
    )
    run = a.call(
        "coordinator",
        "POST",
        "/v1/cohorts/{program}/match",
        "/v1/cohorts/s/match",
        json={"asynchronous": True},
    )
    a.call(
        "coordinator",
        "POST",
        "/v1/cohorts/runs/{run_id}/publish",
        f"/v1/cohorts/runs/{run['run_id']}/publish",
    )
    # taxonomy
    t = "/v1/taxonomy"
    a.call(
        "steward",
        "POST",
        f"{t}/clusters",
        f"{t}/clusters",
        json={"id": "c2", "label": "C2", "tier": 0},
    )
    a.call("steward", "POST", f"{t}/skills", f"{t}/skills", json={"id": "s9", "label": "nine"})
    n = f"{t}/nodes/{{node_id:path}}"
    rn = a.call("steward", "POST", f"{n}/rename", f"{t}/nodes/s9/rename", json={"label": "Nine"})
    a.call(
        "steward",
        "POST",
        f"{t}/changes/{{change_id}}/revert",
        f"{t}/changes/{rn['id']}/revert",
        json={},
    )
    a.call("steward", "POST", f"{n}/describe", f"{t}/nodes/s9/describe", json={"description": "d"})
    a.call("steward", "POST", f"{n}/aliases", f"{t}/nodes/s9/aliases", json={"alias": "9"})
    a.call(
        "steward",
        "POST",
        f"{n}/aliases/remove",
        f"{t}/nodes/s9/aliases/remove",
        json={"alias": "9"},
    )
    a.call("steward", "POST", f"{n}/move", f"{t}/nodes/s9/move", json={"parent_ids": ["c2"]})
    split = {"into": [{"id": "s9a", "label": "nine a"}, {"id": "s9b", "label": "nine b"}]}
    a.call("steward", "POST", f"{n}/split", f"{t}/nodes/s9/split", json=split)
    a.call("steward", "POST", f"{n}/merge", f"{t}/nodes/s9b/merge", json={"into": "s9a"})
    a.call("steward", "POST", f"{n}/deprecate", f"{t}/nodes/s9a/deprecate", json={})
    a.call("mentee", "DELETE", "/v1/goals/{goal_id}", f"/v1/goals/{g['id']}")
    # leavers: off-boarding (its erasure after the grace period is a maintenance apply)
    a.call("coordinator", "DELETE", "/v1/people/{person_id}", "/v1/people/p5")
    # growth into mentoring: p1 offers a skill they hold (only they can)
    a.call(
        "mentee",
        "POST",
        "/v1/people/{person_id}/mentoring/opt-in",
        "/v1/people/p1/mentoring/opt-in",
        json={"skill_ids": ["s-python"]},
    )
    # ranking weights taught by outcomes
    seed_outcomes(a.store)
    w = "/v1/ranking/weights"
    fit = a.call("coordinator", "POST", f"{w}/fit", f"{w}/fit?min_outcomes=20")
    a.call(
        "coordinator",
        "POST",
        f"{w}/{{proposal_id}}/accept",
        f"{w}/{fit['proposal_id']}/accept",
    )
    a.call("admin", "PUT", w, w, json={"weights": Weights().as_dict()})
    a.call("coordinator", "POST", f"{w}/revert", f"{w}/revert")
