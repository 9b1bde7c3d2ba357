"""Privacy by construction (issue 13): goal text, outcomes, milestones and check-in notes
reach only the mentee, their accepted mentor and coordinators.

A unique marker is planted in every confidential field of p2's goal and of the check-ins of
p2's pairing with m1; then the entitled people use the app (update the goal, check in, a
steward corrects the mapping, a coordinator runs and publishes a cohort), and every GET route
of the app (enumerated from `app.routes`, path parameters filled from the seed) is called as
every actor NOT entitled to them: an unrelated mentee, a proposed mentor (by hand, and by a
cohort run for p4), a steward, a mentor without relation, a mentor key of no person. No
response body, no row of the SQLite file outside the goals and check-ins tables, and no
captured log line may contain the marker.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from itertools import product
from typing import Any

import pytest
from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth import create_key
from graph.model import Goal, Milestone, Pairing, Person, Role, utcnow
from graph.store import GraphStore, UpsertGoals, UpsertPairings, UpsertPeople
from graph.stores.embedded import EmbeddedStore
from tests.api.conftest import Keys

MARK = "zqx7privmark"
COHORT_MARK = "zqx7cohortmark"  # p4's goal: a cohort run proposes m1 to p4

# Every value a path parameter takes (each combination is called).
PATH_VALUES: dict[str, list[str]] = {
    "person_id": ["p2", "p1", "m1", "m2"],
    "goal_id": ["g-p2"],
    "pairing_id": ["pr-p2", "pr-other"],
    "node_id": ["s-present", "s-python"],
    "skill_id": ["s-present", "s-python"],
    "cluster_id": ["c-comm"],
    "change_id": ["chg-1"],
    "key_id": ["key_missing"],
    "program": ["spring"],
    "run_id": ["run_missing"],
    "proposal_id": ["wfit_missing"],
}
TABLES_THAT_HOLD_THE_TEXT = {"goals", "checkins"}


def plant(store: GraphStore) -> dict[str, str]:
    """Markers in p2's goal; m2 proposed to p2 (pr-other); m3 a mentor without relation.
    Returns a key per non-entitled actor."""
    goal = Goal(
        id="g-p2",
        person_id="p2",
        text=f"present to executives {MARK}-goal",
        measurable_outcome=f"{MARK}-outcome",
        milestones=[Milestone(title=f"{MARK}-milestone")],
        share_with_proposed_mentor={"skills": True, "text": False},
    )
    store.apply(
        [
            UpsertGoals([goal]),
            UpsertPeople(
                [
                    Person(id="m2", name="Max Mentor", is_mentor=True, max_mentees=3),
                    Person(id="m3", name="Mia Mentor", is_mentor=True, max_mentees=3),
                    Person(id="p4", name="Pol Four", programs=["spring"]),
                ]
            ),
            UpsertPairings(
                [Pairing(id="pr-other", mentor_id="m2", mentee_ids=["p2"], goal_ids=["g-p2"])]
            ),
        ]
    )

    def key(role: Role, person: str | None) -> str:
        return create_key(store, [role], person_id=person, label=f"privacy {role}")[1]

    return {
        "unrelated mentee": key(Role.mentee, "p1"),
        "proposed mentor": key(Role.mentor, "m2"),
        "steward": key(Role.steward, "st1"),
        "mentor without relation": key(Role.mentor, "m3"),
        "mentor role, no person": key(Role.mentor, None),
    }


def entitled_use(client: TestClient, keys: Keys) -> None:
    """What the entitled do: edit the goal, check in with notes, a steward's correction, a
    cohort run published by a coordinator."""
    p2, coord = keys.auth("mentee2"), keys.auth("coordinator")
    r = client.patch(
        "/v1/goals/g-p2", json={"text": f"present to the board {MARK}-goal2"}, headers=p2
    )
    assert r.status_code == 200, r.text
    assert client.post("/v1/pairings/pr-p2/activate", json={}, headers=coord).status_code == 200
    today = utcnow().date().isoformat()
    for who in ("mentee2", "mentor", "coordinator"):
        r = client.post(
            "/v1/pairings/pr-p2/check-ins",
            json={"on": today, "rating": 4, "note": f"{MARK}-note by {who}"},
            headers=keys.auth(who),
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/v1/pairings/pr-p2/check-ins",
        json={"on": "2031-01-01", "rating": 4, "note": f"{MARK}-future"},
        headers=p2,
    )
    assert r.status_code == 422
    r = client.put(
        "/v1/goals/g-p2/targets",
        json={"node_ids": ["s-python"], "reason": "steward review"},
        headers=keys.auth("steward"),
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/v1/people/p4/goals",
        json={"text": f"public speaking {COHORT_MARK}", "milestones": [{"title": COHORT_MARK}]},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    r = client.post("/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/cohorts/runs/{r.json()['run_id']}/publish", headers=coord)
    assert r.status_code == 200, r.text
    assert [(p["mentor_id"], p["mentee_ids"]) for p in r.json()["data"]] == [("m1", ["p4"])]


def get_urls(
    app: FastAPI, values: dict[str, list[str]], methods: frozenset[str] = frozenset({"GET"})
) -> list[tuple[str, str]]:
    """(method, url) for every route with one of `methods`, each path-value combination."""
    urls: list[tuple[str, str]] = []
    for ctx in routing.iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not (route.methods & methods):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", ctx.path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{ctx.path}: give PATH_VALUES for {missing}"
        for combo in product(*(values[n] for n in names)):
            url = ctx.path
            for name, value in zip(names, combo, strict=True):
                url = re.sub(r"{" + name + r"(?::\w+)?}", value, url)
            urls.extend((m, url) for m in sorted(route.methods & methods))
    return urls


def test_no_marker_reaches_anyone_not_entitled(
    app: FastAPI,
    client: TestClient,
    keys: Keys,
    api_store: GraphStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    outsiders = plant(api_store)
    entitled_use(client, keys)
    values = {
        **PATH_VALUES,
        "person_id": [*PATH_VALUES["person_id"], "p4"],
        "goal_id": [g.id for g in api_store.list_goals()],
        "pairing_id": [p.id for p in api_store.list_pairings()],
    }
    urls = get_urls(app, values)
    assert len(urls) > 20
    leaks: list[tuple[str, str, int]] = []
    for (actor, token), (_, url) in product(outsiders.items(), urls):
        r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        if MARK in r.text or COHORT_MARK in r.text:
            leaks.append((actor, url, r.status_code))
    # p4's goal: p2 and m1 (merely proposed to p4 by the cohort run) are outsiders too
    p4_outsiders = {"mentee p2": keys.mentee2, "m1, proposed to p4": keys.mentor}
    for (actor, token), (_, url) in product(p4_outsiders.items(), urls):
        r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        if COHORT_MARK in r.text:
            leaks.append((actor, url, r.status_code))
    assert leaks == []
    # the entitled do see it (the scan would find a marker that reached them)
    for who in ("mentee2", "mentor", "coordinator"):
        assert MARK in client.get("/v1/goals/g-p2", headers=keys.auth(who)).text
        assert MARK in client.get("/v1/pairings/pr-p2/check-ins", headers=keys.auth(who)).text
    # every mutating route too, with an empty body: refusals and errors must not quote it
    writes = get_urls(app, values, frozenset({"POST", "PUT", "PATCH", "DELETE"}))
    assert len(writes) > 20
    for (actor, token), (method, url) in product(outsiders.items(), writes):
        r = client.request(method, url, json={}, headers={"Authorization": f"Bearer {token}"})
        if MARK in r.text or COHORT_MARK in r.text:
            leaks.append((actor, f"{method} {url}", r.status_code))
    assert leaks == []
    if isinstance(api_store, EmbeddedStore):
        assert scan_sqlite(api_store) == []
        held = {table for table, _ in scan_sqlite(api_store, skip=frozenset())}
        assert held == TABLES_THAT_HOLD_THE_TEXT  # the scan does read the file
    for record in [*api_store.list_audit(), *api_store.taxonomy_changes()]:
        assert MARK not in record.model_dump_json()
        assert COHORT_MARK not in record.model_dump_json()
    for pairing in api_store.list_pairings():
        assert (
            COHORT_MARK not in pairing.model_dump_json() and MARK not in pairing.model_dump_json()
        )
    assert MARK not in caplog.text and COHORT_MARK not in caplog.text


def scan_sqlite(
    store: EmbeddedStore, skip: frozenset[str] = frozenset(TABLES_THAT_HOLD_THE_TEXT)
) -> list[tuple[str, Any]]:
    """(table, row) for every row of a table not in `skip` that holds the marker."""
    found: list[tuple[str, Any]] = []
    conn = sqlite3.connect(store.path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:  # both markers
            if table in skip:
                continue
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # names from sqlite_master
                if MARK in repr(row) or COHORT_MARK in repr(row):
                    found.append((table, row))
    finally:
        conn.close()
    return found
