"""Leavers (issue 18): off-boarding, erasure, one's own data, retention, over the API on both
stores (embedded; Neo4j where a Bolt server is configured).

The leaver `lv-zyl7` (every string of theirs carries "zyl") mentors p1 (active pairing, with
check-ins they and p1 wrote), is proposed as m1's mentee, has a goal with text, outcome and
milestones, an API key they used, and appears in the audit log as actor and target. After
`DELETE /v1/people/lv-zyl7?erase=now`, every GET route (as admin, every path value), every
export (API and CLI) and the raw store (every SQLite table; every Bolt node and relationship
property) is scanned for any of their strings.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, time, timedelta
from itertools import product
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import create_key
from api.cli import _export_rows
from api.usecases.leavers import pseudonym_for, run_maintenance
from graph.analytics.orgdata import FORMER_COLLEAGUE
from graph.lifecycle.leavers import LEFT_REASON, PARTICIPANT_LEFT
from graph.model import (
    AuditEntry,
    AvailabilityException,
    CheckIn,
    CheckInAuthor,
    Goal,
    GoalTarget,
    MentoringModel,
    Milestone,
    Pairing,
    PairingEvent,
    PairingStatus,
    Person,
    PersonSkill,
    Role,
    WeeklyWindow,
    utcnow,
)
from graph.store import (
    AddCheckIns,
    AppendAudit,
    GraphStore,
    SetGoalTargets,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
)
from graph.stores.embedded import EmbeddedStore
from tests.api.conftest import Keys
from tests.api.test_privacy_markers import PATH_VALUES, get_urls

LV = "lv-zyl7"
STRINGS = {
    "id": LV,
    "name": "Quentin Zylberschlag",
    "email": "q.zylberschlag@example.test",
    "title": "Head of Zylbertitle",
    "location": "Zylbertown",
    "attribute": "zylgroupvalue",
    "leave reason": "zylleavereason",
    "goal text": "zylgoaltext present to executives",
    "outcome": "zyloutcome",
    "milestone": "zylmilestone",
    "note by lv": "zylnote written by the leaver",
    "note by p1": "zylnote2 written by the mentee",
    "decline reason": "zyldeclinereason",
    "key label": "zylkeylabel",
}


def plant(store: GraphStore) -> str:
    """The leaver and everything about them; returns their API key."""
    today = utcnow().date()
    lv = Person(
        id=LV,
        name=STRINGS["name"],
        email=STRINGS["email"],
        title=STRINGS["title"],
        location=STRINGS["location"],
        department="Sales",
        attributes={"group": STRINGS["attribute"]},
        exceptions=[
            AvailabilityException(
                start=today, end=today + timedelta(days=3), reason=STRINGS["leave reason"]
            )
        ],
        is_mentor=True,
        max_mentees=3,
        max_hours_per_month=10,
        manager_id="m1",
    )
    window = [WeeklyWindow(weekday=d, start=time(9), end=time(17)) for d in range(5)]
    m1, p1 = store.get_person("m1"), store.get_person("p1")
    assert m1 is not None and p1 is not None
    store.apply(
        [
            UpsertPeople(
                [
                    m1.model_copy(update={"windows": window}),
                    p1.model_copy(update={"windows": window}),
                    lv,
                    Person(id="rep-1", name="Report One", manager_id=LV),
                ]
            ),
            UpsertPersonSkills(
                [PersonSkill(person_id=LV, skill_id="s-present", level=5, willing_to_mentor=True)]
            ),
            UpsertGoals(
                [
                    Goal(
                        id=f"{LV}:goal:1",
                        person_id=LV,
                        text=STRINGS["goal text"],
                        measurable_outcome=STRINGS["outcome"],
                        milestones=[Milestone(title=STRINGS["milestone"])],
                    ),
                    Goal(id="g-p1", person_id="p1", text="speak at the all-hands"),
                ]
            ),
            SetGoalTargets(
                f"{LV}:goal:1",
                [GoalTarget(goal_id=f"{LV}:goal:1", node_id="s-python", confidence=0.7)],
            ),
            SetGoalTargets(
                "g-p1", [GoalTarget(goal_id="g-p1", node_id="s-present", confidence=0.9)]
            ),
            UpsertPairings(
                [
                    Pairing(
                        id="pr-lv",
                        mentor_id=LV,
                        mentee_ids=["p1"],
                        goal_ids=["g-p1"],
                        program="spring",
                        status=PairingStatus.active,
                        history=[
                            PairingEvent(
                                status=PairingStatus.proposed, by=f"person:{LV}", person_id=LV
                            ),
                            PairingEvent(status=PairingStatus.active, by="cli"),
                        ],
                    ),
                    Pairing(
                        id="pr-lv-mentee",
                        mentor_id="m1",
                        mentee_ids=[LV],
                        goal_ids=[f"{LV}:goal:1"],
                        history=[
                            PairingEvent(
                                status=PairingStatus.proposed,
                                by="person:m1",
                                reason=f"{STRINGS['decline reason']} {STRINGS['name']}",
                            )
                        ],
                    ),
                    Pairing(
                        id="pr-lv-old",
                        mentor_id=LV,
                        mentee_ids=["p2"],
                        program="autumn",
                        status=PairingStatus.closed,
                        close_reason=STRINGS["decline reason"],
                    ),
                ]
            ),
            AddCheckIns(
                [
                    CheckIn(
                        id="ci-lv-2",
                        pairing_id="pr-lv",
                        on=today,
                        rating=4,
                        note=STRINGS["note by p1"],
                        by="person:p1",
                        author_role=CheckInAuthor.mentee,
                        author_id="p1",
                    ),
                    CheckIn(id="ci-old", pairing_id="pr-lv-old", on=today, rating=5),
                ]
            ),
        ]
    )
    return create_key(store, [Role.mentor], person_id=LV, label=STRINGS["key label"])[1]


def leaver_acts(client: TestClient, token: str) -> None:
    """The leaver uses the app: audit entries name them as actor and target."""
    auth = {"Authorization": f"Bearer {token}"}
    r = client.patch(f"/v1/people/{LV}", json={"hours_wanted_per_month": 3}, headers=auth)
    assert r.status_code == 200, r.text
    r = client.post(
        "/v1/pairings/pr-lv/check-ins",
        json={"on": utcnow().date().isoformat(), "rating": 5, "note": STRINGS["note by lv"]},
        headers=auth,
    )
    assert r.status_code == 201, r.text


def found_in(text: str) -> list[str]:
    return [what for what, s in STRINGS.items() if s in text]


def raw_store_text(store: GraphStore) -> list[tuple[str, str]]:
    """(where, text) of every row of every SQLite table, or every Bolt node/relationship."""
    if isinstance(store, EmbeddedStore):
        conn = sqlite3.connect(store.path)
        try:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return [
                (table, repr(row))
                for table in tables
                for row in conn.execute(f'SELECT * FROM "{table}"')  # names from sqlite_master
            ]
        finally:
            conn.close()
    nodes = store._rows("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")  # type: ignore[attr-defined]
    rels = store._rows("MATCH ()-[r]->() RETURN type(r) AS l, properties(r) AS p")  # type: ignore[attr-defined]
    return [(str(r["l"]), json.dumps(r["p"], default=str)) for r in [*nodes, *rels]]


def leaks(client: TestClient, app: FastAPI, store: GraphStore, keys: Keys) -> list[Any]:
    pseudonym = pseudonym_for(app.state.mg.settings, LV)
    values = {
        **PATH_VALUES,
        "person_id": [*PATH_VALUES["person_id"], LV, pseudonym, "rep-1"],
        "goal_id": [g.id for g in store.list_goals()],
        "pairing_id": [p.id for p in store.list_pairings()],
    }
    out: list[Any] = []
    for who, (_, url) in product(("admin", "coordinator", "mentee"), get_urls(app, values)):
        r = client.get(url, headers=keys.auth(who))
        # a URL that asks for the old id hears it back (a 404 names what was asked for)
        text = r.text.replace(LV, "") if LV in url else r.text
        if hits := found_in(text):
            out.append((f"GET as {who} ({r.status_code})", url, hits))
    for what in ("people", "pairings", "taxonomy"):
        text = json.dumps(list(_export_rows(store, what)), default=str)
        if hits := found_in(text):
            out.append(("cli export", what, hits))
    for where, text in raw_store_text(store):
        if hits := found_in(text):
            out.append(("raw store", f"{where}: {text[:300]}", hits))
    return out


def test_erasure_leaves_no_string_of_the_leaver(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    token = plant(api_store)
    leaver_acts(client, token)
    api_store.apply(
        [
            AppendAudit(
                [
                    AuditEntry(
                        id="audit-about-lv",
                        actor="cli",
                        action="person.update",
                        target=LV,
                        detail={"fields": ["email"], "ids": [LV, "p1"]},
                    )
                ]
            )
        ]
    )
    coord = keys.auth("coordinator")
    before = client.get("/v1/analytics/health", headers=coord)
    assert before.status_code == 200
    # the scan does see the leaver before (it would find a string that stayed)
    seen = leaks(client, app, api_store, keys)
    assert set(STRINGS) <= {h for _, _, hits in seen for h in hits}
    assert {source for source, _, _ in seen} >= {"raw store", "cli export"}

    r = client.delete(f"/v1/people/{LV}", params={"erase": "now"}, headers=coord)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["erased"] is True and body["erase_after"] is None
    ended = {p["id"]: p for p in body["ended_pairings"]}
    assert set(ended) == {"pr-lv", "pr-lv-mentee"}
    assert ended["pr-lv"]["status"] == "closed" and ended["pr-lv-mentee"]["status"] == "declined"
    assert {p["close_reason"] for p in ended.values()} == {LEFT_REASON}
    assert len(body["keys_revoked"]) == 1
    assert body["alternates"] == {"p1": ["m1"]}  # p1's goal wants public speaking: m1
    assert body["erased_counts"]["goals"] == 1 and body["erased_counts"]["audit_entries"] >= 3

    assert leaks(client, app, api_store, keys) == []
    # their key is dead, they are nowhere
    assert (
        client.get("/v1/me/export", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert client.get(f"/v1/people/{LV}", headers=coord).status_code == 404
    pseudonym = pseudonym_for(app.state.mg.settings, LV)
    assert client.get(f"/v1/people/{pseudonym}", headers=coord).status_code == 404
    listed = client.get("/v1/people", headers=coord).json()
    assert LV not in {p["id"] for p in listed["data"]} and pseudonym not in {
        p["id"] for p in listed["data"]
    }
    assert listed["count"] == len(listed["data"])
    recs = client.get("/v1/people/p1/recommendations", headers=coord)
    assert recs.status_code == 200, recs.text
    assert pseudonym not in recs.text
    # analytics keep counting the departed mentor's pairings, anonymously
    after = client.get("/v1/analytics/health", headers=coord)
    assert after.status_code == 200
    erased = api_store.get_person(pseudonym)
    assert erased is not None and erased.erased_at is not None and erased.department == "Sales"
    closed = api_store.get_pairing("pr-lv-old")
    assert closed is not None and closed.mentor_id == pseudonym and closed.close_reason == ""
    assert [c.rating for c in api_store.checkins("pr-lv-old")] == [5]
    report = api_store.get_person("rep-1")
    assert report is not None and report.manager_id is None
    # erasing twice (by the old id) is idempotent; the pseudonym answers the same
    again = client.delete(f"/v1/people/{LV}", params={"erase": "now"}, headers=coord)
    assert again.status_code == 200 and again.json()["already_left"] is True
    assert again.json()["erased"] is True
    assert client.delete(f"/v1/people/{LV}", headers=coord).status_code == 200
    by_pseudonym = client.delete(f"/v1/people/{pseudonym}", headers=coord)
    assert by_pseudonym.status_code == 200 and by_pseudonym.json()["erased"] is True
    assert by_pseudonym.json()["erase_after"] is None
    assert leaks(client, app, api_store, keys) == []


def test_health_counts_stay_through_erasure(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    plant(api_store)
    coord = keys.auth("coordinator")
    r = client.delete(f"/v1/people/{LV}", headers=coord)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["erased"] is False
    assert body["erase_after"] == (date.fromisoformat(body["left_on"]) + timedelta(30)).isoformat()
    # in the grace period: gone from listings and lookups, records kept
    assert client.get(f"/v1/people/{LV}", headers=coord).status_code == 404
    assert client.get(f"/v1/people/{LV}/goals", headers=coord).status_code == 404
    assert api_store.get_person(LV) is not None
    assert api_store.person_skills(LV) == []  # supplies nothing any more
    load = client.get("/v1/analytics/load", headers=coord)
    assert load.status_code == 200 and LV not in load.text and STRINGS["name"] not in load.text
    assert LV not in {p["id"] for p in client.get("/v1/people", headers=coord).json()["data"]}
    before = client.get("/v1/analytics/health", headers=coord).json()
    r = client.delete(f"/v1/people/{LV}", params={"erase": "now"}, headers=coord)
    assert r.status_code == 200 and r.json()["erased"] is True
    after = client.get("/v1/analytics/health", headers=coord).json()
    assert json.dumps(after, sort_keys=True).replace(
        pseudonym_for(app.state.mg.settings, LV), LV
    ) == json.dumps(before, sort_keys=True)


def test_remove_unknown_person_is_404_and_roles(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    r = client.delete("/v1/people/nobody", headers=keys.auth("coordinator"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/v1/people/nobody", params={"erase": "now"}, headers=keys.auth("admin"))
    assert r.status_code == 404
    r = client.delete("/v1/people/p1", params={"erase": "soon"}, headers=keys.auth("admin"))
    assert r.status_code == 422
    for role in ("mentee", "mentor", "steward"):
        assert client.delete("/v1/people/p2", headers=keys.auth(role)).status_code == 403
    assert api_store.get_person("p2") is not None and not api_store.get_person("p2").departed


def test_maintenance_erases_after_the_grace_period(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    plant(api_store)
    state = app.state.mg
    assert client.delete(f"/v1/people/{LV}", headers=keys.auth("coordinator")).status_code == 200
    grace = state.settings.erase_after_days
    early = run_maintenance(state, "test", now=utcnow() + timedelta(days=grace - 1))
    assert early.erased == 0 and api_store.get_person(LV) is not None
    due = run_maintenance(state, "test", now=utcnow() + timedelta(days=grace))
    assert due.erased == 1 and api_store.get_person(LV) is None
    assert run_maintenance(state, "test", now=utcnow() + timedelta(days=grace)).erased == 0


# --- one's own data -------------------------------------------------------------------------


def test_me_export_has_everything_about_the_caller(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    token = plant(api_store)
    leaver_acts(client, token)
    r = client.get("/v1/me/export", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["person"]["id"] == LV and data["person"]["email"] == STRINGS["email"]
    assert [s["skill_id"] for s in data["skills"]] == ["s-present"]
    (goal,) = data["goals"]
    assert goal["text"] == STRINGS["goal text"] and goal["milestones"][0]["title"]
    assert [t["node_id"] for t in goal["targets"]] == ["s-python"]
    assert {p["id"] for p in data["pairings"]} == {"pr-lv", "pr-lv-mentee", "pr-lv-old"}
    assert [c["note"] for c in data["checkins"]] == [STRINGS["note by lv"]]  # not p1's note
    assert "person.update" in {e["action"] for e in data["audit"]}
    assert all(e["actor"] == f"person:{LV}" or LV in e["target"] for e in data["audit"])
    assert data["api_keys"] and "key_hash" not in data["api_keys"][0]
    # the same through the people route, for the person and for coordinators
    own = client.get(f"/v1/people/{LV}/export", headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200 and own.json()["goals"] == data["goals"]
    assert (
        client.get(f"/v1/people/{LV}/export", headers=keys.auth("coordinator")).status_code == 200
    )


@pytest.mark.parametrize("role", ["mentee", "mentor", "steward"])
def test_someone_elses_export_is_403(client: TestClient, keys: Keys, role: str) -> None:
    r = client.get("/v1/people/p2/export", headers=keys.auth(role))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "present to executives" not in r.text


def test_me_export_needs_a_person(client: TestClient, keys: Keys) -> None:
    r = client.get("/v1/me/export", headers=keys.auth("admin"))
    assert r.status_code == 422
    assert client.get("/v1/people/nobody/export", headers=keys.auth("admin")).status_code == 404


def _plant_group_and_circle(store: GraphStore) -> None:
    """Group gr-1: mentor m1, mentees p1, p2 and the leaver (active, with a check-in by the
    leaver and their acceptance in the history). Circle ci-1: convener m1, members p1, p2
    and the leaver (4 members). Circle ci-small: convener m1, p1 and the leaver (3)."""
    lv = Person(id=LV, name=STRINGS["name"], email=STRINGS["email"])
    store.apply(
        [
            UpsertPeople([lv]),
            UpsertGoals([Goal(id=f"{LV}:goal:g", person_id=LV, text=STRINGS["goal text"])]),
            UpsertPairings(
                [
                    Pairing(
                        id="gr-1",
                        mentor_id="m1",
                        mentee_ids=["p1", LV, "p2"],
                        model=MentoringModel.group,
                        goal_ids=["g-p2", f"{LV}:goal:g"],
                        status=PairingStatus.active,
                        baseline_levels={LV: {"s-present": 1}, "p1": {"s-present": 2}},
                        history=[
                            PairingEvent(status=PairingStatus.proposed, by="person:m1"),
                            PairingEvent(
                                status=PairingStatus.proposed,
                                by=f"person:{LV}",
                                person_id=LV,
                                reason=STRINGS["decline reason"],
                            ),
                            PairingEvent(status=PairingStatus.active, by="cli"),
                        ],
                    ),
                    Pairing(
                        id="ci-1",
                        mentor_id="m1",
                        mentee_ids=["p1", "p2", LV],
                        model=MentoringModel.circle,
                        status=PairingStatus.active,
                    ),
                    Pairing(
                        id="ci-small",
                        mentor_id="m1",
                        mentee_ids=["p1", LV],
                        model=MentoringModel.circle,
                        status=PairingStatus.active,
                    ),
                ]
            ),
            AddCheckIns(
                [
                    CheckIn(
                        id="ci-gr-lv",
                        pairing_id="gr-1",
                        on=utcnow().date(),
                        rating=4,
                        note=STRINGS["note by lv"],
                        by=f"person:{LV}",
                        author_role=CheckInAuthor.mentee,
                        author_id=LV,
                    )
                ]
            ),
        ]
    )


def test_a_member_leaving_a_group_or_circle_leaves_it_running(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    """Only the leaver goes: the group and the 4-member circle run on without them (an event
    that names nobody says so); the 3-member circle cannot run with 2 and closes. After
    erasure no string of theirs is left in the pairings they left."""
    _plant_group_and_circle(api_store)
    coord = keys.auth("coordinator")
    r = client.delete(f"/v1/people/{LV}", headers=coord)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {p["id"] for p in body["ended_pairings"]} == {"ci-small"}
    assert sorted(body["left_pairings"]) == ["ci-1", "gr-1"]
    group = api_store.get_pairing("gr-1")
    assert group is not None and group.status == PairingStatus.active
    assert group.mentee_ids == ["p1", "p2"]
    assert group.goal_ids == ["g-p2"] and set(group.baseline_levels) == {"p1"}
    last = group.history[-1]
    assert last.reason == PARTICIPANT_LEFT and last.status == PairingStatus.active
    assert last.person_id is None and LV not in last.reason and group.close_reason == ""
    circle = api_store.get_pairing("ci-1")
    assert circle is not None and circle.status == PairingStatus.active
    assert circle.mentee_ids == ["p1", "p2"]
    small = api_store.get_pairing("ci-small")
    assert small is not None and small.status == PairingStatus.closed
    assert small.close_reason == LEFT_REASON and LV in small.mentee_ids

    r = client.delete(f"/v1/people/{LV}", params={"erase": "now"}, headers=coord)
    assert r.status_code == 200 and r.json()["erased"] is True, r.text
    for pid in ("gr-1", "ci-1", "ci-small"):
        p = api_store.get_pairing(pid)
        assert p is not None
        text = p.model_dump_json() + json.dumps(
            [c.model_dump(mode="json") for c in api_store.checkins(pid)]
        )
        assert found_in(text) == [], (pid, found_in(text))
    group = api_store.get_pairing("gr-1")
    assert group is not None and group.mentee_ids == ["p1", "p2"]
    assert [c.rating for c in api_store.checkins("gr-1")] == [4]  # the rating is kept


def test_a_group_mentor_leaving_closes_it_and_every_mentee_gets_alternates(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    api_store.apply(
        [
            UpsertPeople([Person(id="m2", name="Max Mentor", is_mentor=True, max_mentees=3)]),
            UpsertPairings(
                [
                    Pairing(
                        id="gr-m2",
                        mentor_id="m2",
                        mentee_ids=["p1", "p2"],
                        model=MentoringModel.group,
                        status=PairingStatus.active,
                    )
                ]
            ),
        ]
    )
    r = client.delete("/v1/people/m2", headers=keys.auth("coordinator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["id"] for p in body["ended_pairings"]] == ["gr-m2"]
    assert body["left_pairings"] == []
    assert set(body["alternates"]) == {"p1", "p2"}
    group = api_store.get_pairing("gr-m2")
    assert group is not None and group.status == PairingStatus.closed


def _analytics_urls(app: FastAPI, nodes: list[str]) -> list[str]:
    """Every analytics GET route, node-taking ones once per node, paths for each pair."""
    urls: list[str] = []
    for _, url in get_urls(app, PATH_VALUES):
        if not url.startswith("/v1/analytics"):
            continue
        if url.endswith(("/neighbourhood", "/network.svg", "/around.svg")):
            urls += [f"{url}?node={n}" for n in nodes]
        elif url.endswith("/queries/paths"):
            urls += [f"{url}?a={a}&b={b}" for a in nodes for b in nodes if a != b]
        elif url.endswith("/queries/bridging"):
            urls.append(f"{url}?cluster_a=c-comm&cluster_b=s-present")
        else:
            urls.append(url)
    return urls


def test_a_leaver_is_no_node_and_no_name_in_analytics(
    app: FastAPI, client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    """After DELETE /v1/people/{id} (grace period, not erased) no analytics route names the
    leaver or gives their id: as a node they are a 404, in others' views "a former
    colleague", in recognition one anonymous row whose counts the totals keep."""
    plant(api_store)
    t0 = utcnow() - timedelta(days=90)
    api_store.apply(
        [
            UpsertPairings(
                [
                    Pairing(
                        id="pr-lv-done",
                        mentor_id=LV,
                        mentee_ids=["p2"],
                        program="spring",
                        status=PairingStatus.closed,
                        history=[
                            PairingEvent(status=PairingStatus.proposed, at=t0),
                            PairingEvent(status=PairingStatus.accepted, at=t0 + timedelta(1)),
                            PairingEvent(status=PairingStatus.active, at=t0 + timedelta(2)),
                            PairingEvent(status=PairingStatus.closed, at=t0 + timedelta(60)),
                        ],
                    )
                ]
            )
        ]
    )
    coord = keys.auth("coordinator")
    nodes = [LV, "p1", "p2", "m1", "s-present"]

    def named() -> list[tuple[str, int, list[str]]]:
        out = []
        for url in _analytics_urls(app, nodes):
            r = client.get(url, headers=coord)
            text = r.text.replace(f"{LV!r}", "") if r.status_code == 404 else r.text
            hits = [w for w, s in (("id", LV), ("name", STRINGS["name"])) if s in text]
            if hits:
                out.append((url, r.status_code, hits))
        return out

    before = named()  # the scan sees them while they are here
    assert {u.split("?")[0] for u, _, _ in before} >= {
        "/v1/analytics/recognition",
        "/v1/analytics/charts/around.svg",
        "/v1/analytics/queries/neighbourhood",
    }
    rec_before = client.get("/v1/analytics/recognition", headers=coord).json()

    assert client.delete(f"/v1/people/{LV}", headers=coord).status_code == 200
    assert named() == []
    for url in (
        f"/v1/analytics/charts/around.svg?node={LV}",
        f"/v1/analytics/charts/network.svg?node={LV}",
        f"/v1/analytics/queries/neighbourhood?node={LV}",
        f"/v1/analytics/queries/paths?a={LV}&b=p1",
    ):
        assert client.get(url, headers=coord).status_code == 404, url
    around = client.get("/v1/analytics/queries/neighbourhood?node=p2", headers=coord).json()
    formers = [n for n in around["nodes"] if n["label"] == FORMER_COLLEAGUE]
    assert len(formers) == 1 and formers[0]["kind"] == "person"
    assert (
        "a former colleague"
        in client.get("/v1/analytics/charts/around.svg?node=p2", headers=coord).text
    )
    rec = client.get("/v1/analytics/recognition", headers=coord).json()
    anon = [r for r in rec["by_program"] if r["name"] == FORMER_COLLEAGUE]
    assert [(r["mentor_id"], r["program"], r["mentees_supported"]) for r in anon] == [
        ("", "spring", 1)
    ]
    assert rec["total_hours"] == rec_before["total_hours"]
    assert rec["total_sessions"] == rec_before["total_sessions"]
    assert sum(r["mentees_supported"] for r in rec["by_program"]) == sum(
        r["mentees_supported"] for r in rec_before["by_program"]
    )
