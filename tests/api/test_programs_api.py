"""Programs and formats over the API, on every store (the `store` fixture: embedded, and
Neo4j over Bolt when configured): declare a program; groups, peer circles and micro
sessions proposed, accepted by each member, closed; bad sizes refused with the field and
rule named and nothing stored; a cohort run that forms groups and circles."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import create_key
from graph.lifecycle.pairings import mentor_load
from graph.model import Goal, GoalTarget, MentoringModel, Person, PersonSkill, Preferences, Role
from graph.store import GraphStore, SetGoalTargets, UpsertGoals, UpsertPeople, UpsertPersonSkills
from tests.api.conftest import Keys

PROGRAM = "spring"
SPRING = {
    "name": "Spring cohort",
    "models": ["one_to_one", "group", "circle", "micro"],
    "hours_per_month": 3,
    "max_group_size": 3,
    "max_circle_size": 5,
    "micro_session_minutes": 30,
}


def seed_program_people(store: GraphStore) -> dict[str, str]:
    """Mentees a1..a5 of `spring` (goals on public speaking, seniority 3); g1, a group mentor
    (4 places, 4 hours: a 3-mentee group at 3 hours fits once, never at 3 x 3 hours); mm, a
    mentor offering micro sessions in Python; nm, a mentor who does not. Keys for g1, a1, a2."""
    mentees = [
        Person(
            id=f"a{i}",
            name=f"Ada {i}",
            seniority=3,
            programs=[PROGRAM],
            preferences=Preferences(models=[]),
        )
        for i in range(1, 6)
    ]
    mentors = [
        Person(
            id="g1",
            name="Gus Group",
            is_mentor=True,
            max_mentees=4,
            max_hours_per_month=4,
            seniority=7,
        ),
        Person(
            id="mm",
            name="Mia Micro",
            is_mentor=True,
            micro_mentor=True,
            max_mentees=0,
            max_hours_per_month=2,
            seniority=6,
        ),
        Person(
            id="nm",
            name="Ned NoMicro",
            is_mentor=True,
            max_mentees=2,
            max_hours_per_month=4,
        ),
    ]
    goals = [Goal(id=f"g-a{i}", person_id=f"a{i}", text="speak at all-hands") for i in range(1, 6)]
    store.apply(
        [
            UpsertPeople([*mentees, *mentors]),
            UpsertPersonSkills(
                [
                    PersonSkill(
                        person_id="g1", skill_id="s-present", level=5, willing_to_mentor=True
                    ),
                    PersonSkill(
                        person_id="mm", skill_id="s-python", level=4, willing_to_mentor=True
                    ),
                    PersonSkill(
                        person_id="nm", skill_id="s-python", level=5, willing_to_mentor=True
                    ),
                ]
            ),
            UpsertGoals(goals),
            *[
                SetGoalTargets(
                    g.id, [GoalTarget(goal_id=g.id, node_id="s-present", confidence=0.9)]
                )
                for g in goals
            ],
        ]
    )

    def key(role: Role, pid: str) -> str:
        return create_key(store, [role], person_id=pid, label=f"test {pid}")[1]

    return {
        "g1": key(Role.mentor, "g1"),
        "a1": key(Role.mentee, "a1"),
        "a2": key(Role.mentee, "a2"),
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(client: TestClient, keys: Keys, api_store: GraphStore) -> dict[str, Any]:
    tokens = seed_program_people(api_store)
    r = client.put(f"/v1/programs/{PROGRAM}", json=SPRING, headers=keys.auth("coordinator"))
    assert r.status_code == 200, r.text
    return tokens


def refused(r: Any, status: int, field: str, rule: str) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == ("invalid_input" if status == 422 else "conflict")
    if status == 409:  # a rule of the pairing lifecycle: named in the message
        assert rule in err["message"], err
        return
    assert any(d["field"] == field and rule in d["reason"] for d in err["details"]), err


def stored(store: GraphStore) -> tuple[int, int]:
    return len(store.list_pairings()), len(store.list_audit(limit=10_000))


def test_declare_and_read_a_program(client: TestClient, keys: Keys, world: dict[str, Any]) -> None:
    r = client.get(f"/v1/programs/{PROGRAM}", headers=keys.auth("mentee"))
    body = r.json()
    assert body["declared"] is True and body["max_group_size"] == 3
    assert body["models"] == SPRING["models"]
    assert [
        p["id"] for p in client.get("/v1/programs", headers=keys.auth("mentor")).json()["data"]
    ] == [PROGRAM]
    undeclared = client.get("/v1/programs/other", headers=keys.auth("mentee")).json()
    assert undeclared["declared"] is False and "circle" in undeclared["models"]
    r = client.put(f"/v1/programs/{PROGRAM}", json=SPRING, headers=keys.auth("mentee"))
    assert r.status_code == 403
    r = client.put(
        "/v1/programs/x", json={**SPRING, "max_circle_size": 7}, headers=keys.auth("admin")
    )
    assert (
        r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.max_circle_size"
    )


def test_group_lifecycle_each_member_accepts(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    coord = keys.auth("coordinator")
    body = {"mentor_id": "g1", "mentee_ids": ["a1", "a2", "a3"], "goal_ids": ["g-a1"]}
    r = client.post(f"/v1/programs/{PROGRAM}/groups", json=body, headers=bearer(world["g1"]))
    assert r.status_code == 201, r.text
    group = r.json()
    assert group["model"] == "group" and group["hours_per_month"] == 3
    # the group costs its mentor its hours once: 3 of 4, not 9
    assert mentor_load(api_store, "g1") == (3, 3.0)
    gid = group["id"]
    # the proposer (g1) cannot accept for the mentees
    r = client.post(f"/v1/pairings/{gid}/accept", json={}, headers=bearer(world["g1"]))
    assert r.status_code == 403, r.text
    r = client.post(f"/v1/pairings/{gid}/accept", json={}, headers=bearer(world["a1"]))
    assert r.json()["status"] == "proposed"
    r = client.post(f"/v1/pairings/{gid}/accept", json={}, headers=bearer(world["a1"]))
    assert r.status_code == 409  # a1 already accepted
    r = client.post(f"/v1/pairings/{gid}/accept", json={}, headers=bearer(world["a2"]))
    assert r.json()["status"] == "proposed"  # a3 still awaited
    r = client.post(f"/v1/pairings/{gid}/accept", json={"activate": True}, headers=coord)
    assert r.json()["status"] == "active"
    last = r.json()["history"][-1]
    assert last["side"] == "program" and last["person_id"] is None
    r = client.post(
        f"/v1/pairings/{gid}/close", json={"reason": "done"}, headers=bearer(world["a1"])
    )
    assert r.json()["status"] == "closed"
    actions = [e.action for e in api_store.list_audit(limit=20)]
    assert "program.group.propose" in actions and actions[0] == "pairing.close"


def test_bad_sizes_name_the_field_and_rule_and_store_nothing(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    coord = keys.auth("coordinator")
    before = stored(api_store)
    url = f"/v1/programs/{PROGRAM}"
    four = {"mentor_id": "g1", "mentee_ids": ["a1", "a2", "a3", "a4"]}
    refused(
        client.post(f"{url}/groups", json=four, headers=coord),
        422,
        "mentee_ids",
        "program.max_group_size",
    )
    one = {"mentor_id": "g1", "mentee_ids": ["a1"]}
    refused(
        client.post(f"{url}/groups", json=one, headers=coord),
        422,
        "mentee_ids",
        "program.max_group_size",
    )
    for members in (["a1"], ["a1", "a2"], ["a1", "a2", "a3", "a4", "a5", "p1"]):
        r = client.post(f"{url}/circles", json={"member_ids": members}, headers=coord)
        refused(r, 422, "member_ids", "program.circle_size")
    r = client.post(f"{url}/circles", json={"member_ids": ["a1", "a1", "a2"]}, headers=coord)
    assert r.status_code == 422
    micro = {"mentor_id": "mm", "mentee_id": "a1", "skill_id": "s-python", "session_minutes": 90}
    r = client.post(f"{url}/micro-sessions", json=micro, headers=coord)
    assert (
        r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.session_minutes"
    )
    r = client.post(
        f"{url}/micro-sessions",
        json={**micro, "skill_id": "s-nope", "session_minutes": 30},
        headers=coord,
    )
    refused(r, 422, "skill_id", "unknown skill")
    # an undeclared program allows circles of at most 6
    seven = {"member_ids": ["a1", "a2", "a3", "a4", "a5", "p1", "p2"]}
    r = client.post("/v1/programs/undeclared/circles", json=seven, headers=coord)
    refused(r, 422, "member_ids", "program.circle_size")
    assert stored(api_store) == before  # nothing of the refused proposals, not even audit
    # a program that runs only one-to-one refuses groups, circles and micro sessions
    solo = {"models": ["one_to_one"]}
    assert client.put("/v1/programs/solo", json=solo, headers=coord).status_code == 200
    before = stored(api_store)
    two = {"mentor_id": "g1", "mentee_ids": ["a1", "a2"]}
    refused(
        client.post("/v1/programs/solo/groups", json=two, headers=coord),
        422,
        "model",
        "program.models",
    )
    r = client.post(
        "/v1/programs/solo/circles", json={"member_ids": ["a1", "a2", "a3"]}, headers=coord
    )
    refused(r, 422, "model", "program.models")
    r = client.post(
        "/v1/pairings",
        json={"mentor_id": "g1", "mentee_ids": ["a1", "a2"], "program": "solo", "model": "group"},
        headers=coord,
    )
    refused(r, 422, "model", "program.models")  # the same rule at the plain pairing door
    assert stored(api_store) == before


def test_circle_members_accept_for_themselves(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    url = f"/v1/programs/{PROGRAM}/circles"
    members = {"member_ids": ["a1", "a2", "a4"]}
    r = client.post(url, json=members, headers=keys.auth("mentee"))  # p1 is not in it
    assert r.status_code == 403
    r = client.post(url, json=members, headers=bearer(world["a1"]))
    assert r.status_code == 201, r.text
    circle = r.json()
    assert circle["model"] == "circle" and circle["mentor_id"] == "a1"
    assert circle["mentee_ids"] == ["a2", "a4"]
    assert circle["history"][0]["person_id"] == "a1"
    r = client.post(f"/v1/pairings/{circle['id']}/accept", json={}, headers=bearer(world["a1"]))
    assert r.status_code == 403  # the convener proposed it
    r = client.post(f"/v1/pairings/{circle['id']}/accept", json={}, headers=bearer(world["a2"]))
    assert r.json()["status"] == "proposed"
    r = client.post(
        f"/v1/pairings/{circle['id']}/accept", json={}, headers=keys.auth("coordinator")
    )
    assert r.json()["status"] == "accepted"
    assert mentor_load(api_store, "a1") == (0, 0.0)  # equals: no mentor capacity held


def test_circle_refuses_a_manager_and_report(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    a3 = api_store.get_person("a3")
    assert a3 is not None
    api_store.apply([UpsertPeople([a3.model_copy(update={"manager_id": "a4"})])])
    r = client.post(
        f"/v1/programs/{PROGRAM}/circles",
        json={"member_ids": ["a1", "a3", "a4"]},
        headers=keys.auth("coordinator"),
    )
    assert r.status_code == 409, r.text
    assert "guardrail" in r.json()["error"]["message"]


def test_micro_session_only_with_opted_in_mentors(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    coord = keys.auth("coordinator")
    url = f"/v1/programs/{PROGRAM}"
    r = client.get(
        f"{url}/micro-mentors?person_id=a1&skill_id=s-python", headers=bearer(world["a1"])
    )
    assert r.status_code == 200, r.text
    assert [c["mentor_id"] for c in r.json()["data"]] == ["mm"]  # nm did not opt in
    assert r.json()["session_minutes"] == 30
    r = client.get(
        f"{url}/micro-mentors?person_id=a2&skill_id=s-python", headers=bearer(world["a1"])
    )
    assert r.status_code == 403
    nm = {"mentor_id": "nm", "mentee_id": "a1", "skill_id": "s-python"}
    refused(client.post(f"{url}/micro-sessions", json=nm, headers=coord), 409, "", "micro_mentor")
    r = client.post(
        f"{url}/micro-sessions", json={**nm, "mentor_id": "mm"}, headers=bearer(world["a1"])
    )
    assert r.status_code == 201, r.text
    session = r.json()
    assert session["model"] == "micro" and session["session_minutes"] == 30
    assert session["skill_id"] == "s-python" and session["hours_per_month"] == 0.5
    assert mentor_load(api_store, "mm") == (0, 0.5)  # no place held, only the session
    sid = session["id"]
    r = client.post(f"/v1/pairings/{sid}/accept", json={"activate": True}, headers=coord)
    assert r.json()["status"] == "active", r.text
    r = client.post(
        f"/v1/pairings/{sid}/check-ins",
        json={"on": "2025-01-02", "rating": 5},
        headers=bearer(world["a1"]),
    )
    assert r.status_code == 201, r.text
    after = api_store.get_pairing(sid)
    assert after is not None and after.status == "closed"  # the one session held
    assert mentor_load(api_store, "mm") == (0, 0.0)


def test_cohort_run_forms_groups_and_circles(
    client: TestClient, keys: Keys, api_store: GraphStore, world: dict[str, Any]
) -> None:
    coord = keys.auth("coordinator")
    # a1..a3 take groups, a4, a5, p1 circles (p1 joins the program as an equal)
    for pid in ("a1", "a2", "a3"):
        person = api_store.get_person(pid)
        assert person is not None
        prefs = person.preferences.model_copy(update={"models": [MentoringModel.group]})
        api_store.apply([UpsertPeople([person.model_copy(update={"preferences": prefs})])])
    p1 = api_store.get_person("p1")
    assert p1 is not None
    api_store.apply(
        [
            UpsertPeople([p1.model_copy(update={"programs": [PROGRAM], "seniority": 3})]),
            UpsertGoals([Goal(id="g-p1", person_id="p1", text="speak up")]),
            SetGoalTargets(
                "g-p1", [GoalTarget(goal_id="g-p1", node_id="s-present", confidence=0.9)]
            ),
        ]
    )
    r = client.post(
        f"/v1/cohorts/{PROGRAM}/match",
        json={"model": None, "formats": ["circle", "group"], "asynchronous": True},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    run = r.json()
    circles = run["circles"]
    assert len(circles) == 1
    assert sorted(m["person_id"] for m in circles[0]["members"]) == ["a4", "a5", "p1"]
    assert all(m["reasons"] for m in circles[0]["members"])
    assert circles[0]["goal_ids"] and "g-p1" in circles[0]["goal_ids"]  # its members' goals
    assert run["notes"] == []  # both formats formed something
    groups = run["groups"]
    assert len(groups) == 1 and groups[0]["mentor_id"] == "g1"
    assert sorted(m["mentee_id"] for m in groups[0]["members"]) == ["a1", "a2", "a3"]
    assert all(m["reasons"] for m in groups[0]["members"])  # each member's own explanation
    assert groups[0]["hours_per_month"] == 3
    r = client.post(f"/v1/cohorts/runs/{run['run_id']}/publish", headers=coord)
    assert r.status_code == 200, r.text
    made = sorted(p["model"] for p in r.json()["data"])
    assert made == ["circle", "group"]
    circle = next(p for p in r.json()["data"] if p["model"] == "circle")
    assert circle["goal_ids"] == circles[0]["goal_ids"]
    # a second run leaves the published circle (convener too) and group alone, and says why
    r = client.post(
        f"/v1/cohorts/{PROGRAM}/match",
        json={"model": None, "formats": ["circle", "group"], "asynchronous": True},
        headers=coord,
    )
    again = r.json()
    assert again["circles"] == [] and again["groups"] == [], again
    assert [n.split(":")[0] for n in again["notes"]] == ["circle", "group"]
    assert mentor_load(api_store, "g1") == (3, 3.0)
    # a format the program does not declare is refused, naming the field
    r = client.post("/v1/cohorts/spring/match", json={"formats": ["peer"]}, headers=coord)
    refused(r, 422, "formats", "program.models")
