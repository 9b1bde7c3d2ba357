"""Every mutating route x every relation of the caller to what the route acts on -> allowed
or 403 (issue 13). Routes are enumerated from the app (`app.routes`): a mutating route with
no entry in CASES fails `test_every_mutating_route_is_declared`, with the line to add.

Each route acts on a subject, and a relation names how the caller stands to it. The actors
are people with keys of their own (a single role each):

    pairing routes (subject: group pairing pr-rel, mentor rm, mentees re (proposed it), ro)
        self        un    a mentee proposing a pairing for themselves (on the other pairing
                          routes un is one more outsider)
        proposer    re    counterpart  rm (the side that did not propose)
        other       ro    (a fellow mentee)
        mentor_of   mo    re's accepted mentor in another pairing
        manager_of  mgr   re's manager
        unrelated   un2

    person routes: people/{person_id}..., goals/{goal_id}... (subject: re, goal g-re)
        self        re    proposer     pm  (proposed a pairing to re; not accepted)
        counterpart rm    (re proposed to them; not accepted)
        other       ro    (with re in a group pairing)
        mentor_of   mo    manager_of   mgr    unrelated   un2

    routes with no subject (org-wide, taxonomy, keys...): the pairing actors.

    coordinator and admin keys act for nobody; the steward key acts for st1.

"Allowed" means the authority check passes: the answer is not 403 (it may be 404, 409 or
422 when the subject, its status or the body does not allow the move) and never 5xx.
A refused call writes nothing (the store's data version does not move).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import plan_create_key
from graph.model import (
    Goal,
    MentoringModel,
    Pairing,
    PairingEvent,
    PairingSide,
    PairingStatus,
    Person,
    Role,
)
from graph.store import (
    GraphStore,
    StoreOp,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
)
from tests.api.test_role_matrix import mutating_routes

RELATIONS = (
    "self",
    "proposer",
    "counterpart",
    "other",
    "mentor_of",
    "manager_of",
    "unrelated",
    "coordinator",
    "steward",
    "admin",
)
ORG_ACTORS = {"coordinator": "coordinator", "steward": "st1", "admin": "admin"}
PAIRING_ACTORS = {
    "self": "un",
    "proposer": "re",
    "counterpart": "rm",
    "other": "ro",
    "mentor_of": "mo",
    "manager_of": "mgr",
    "unrelated": "un2",
    **ORG_ACTORS,
}
PERSON_ACTORS = {
    "self": "re",
    "proposer": "pm",
    "counterpart": "rm",
    "other": "ro",
    "mentor_of": "mo",
    "manager_of": "mgr",
    "unrelated": "un2",
    **ORG_ACTORS,
}
ROLES = {
    "un": Role.mentee,
    "re": Role.mentee,
    "ro": Role.mentee,
    "un2": Role.mentee,
    "rm": Role.mentor,
    "mo": Role.mentor,
    "mgr": Role.mentor,
    "pm": Role.mentor,
    "st1": Role.steward,
    "coordinator": Role.coordinator,
    "admin": Role.admin,
}
PATH_VALUES = {
    "pairing_id": "pr-rel",
    "person_id": "re",
    "goal_id": "g-re",
    "node_id": "s-present",
    "change_id": "chg_missing",
    "key_id": "key_missing",
    "program": "spring",
    "run_id": "run_missing",
    "proposal_id": "wfit_missing",
}

ORG = frozenset({"coordinator", "admin"})
EVERYONE = frozenset(RELATIONS)
STEWARD = frozenset({"steward"})
SELF_OR_ORG = frozenset({"self"}) | ORG
PARTICIPANTS = frozenset({"proposer", "counterpart", "other"}) | ORG


@dataclass(frozen=True)
class Case:
    """One call of a route: its body, the relations allowed, and what it is about."""

    allowed: frozenset[str]
    body: dict[str, Any] | None = field(default=None)
    about: str = ""


TODAY = date.today().isoformat()
# (method, path) -> the calls to make; every relation not in `allowed` must get 403.
CASES: dict[tuple[str, str], list[Case]] = {
    # people
    ("POST", "/v1/people"): [Case(ORG, {"id": "new1", "name": "New One"})],
    ("POST", "/v1/people/import"): [
        Case(ORG, {"format": "jsonl", "content": '{"id": "new2", "name": "New Two"}'})
    ],
    # program formats (issue 14): groups, peer circles and micro sessions are pairings once
    # proposed (accept/decline/withdraw/close are the pairing routes); these propose them.
    # The group is led by rm (the counterpart), the circle is un, ro and re, the micro
    # session is rm's for un.
    ("PUT", "/v1/programs/{program}"): [
        Case(ORG, {"models": ["one_to_one", "group", "circle", "micro"]}, "declare")
    ],
    ("POST", "/v1/programs/{program}/groups"): [
        Case(frozenset({"counterpart"}) | ORG, {"mentor_id": "rm", "mentee_ids": ["un", "un2"]})
    ],
    ("POST", "/v1/programs/{program}/circles"): [
        Case(frozenset({"self", "other", "proposer"}) | ORG, {"member_ids": ["un", "ro", "re"]})
    ],
    ("POST", "/v1/programs/{program}/micro-sessions"): [
        Case(
            frozenset({"self", "counterpart"}) | ORG,
            {"mentor_id": "rm", "mentee_id": "un", "skill_id": "s-present"},
        )
    ],
    # issue 14: growth into mentoring (only the person themself) and ranking weights (org)
    ("POST", "/v1/people/{person_id}/mentoring/opt-in"): [
        Case(frozenset({"self"}), {"skill_ids": ["s-present"]})
    ],
    ("POST", "/v1/ranking/weights/fit"): [Case(ORG)],
    ("POST", "/v1/ranking/weights/{proposal_id}/accept"): [Case(ORG)],
    ("POST", "/v1/ranking/weights/revert"): [Case(ORG)],
    ("PUT", "/v1/ranking/weights"): [
        Case(
            ORG,
            {
                "weights": {
                    "skill_fit": 1,
                    "availability": 0,
                    "capacity": 0,
                    "preferences": 0,
                    "feedback": 0,
                }
            },
        )
    ],
    # off-boarding: coordinators and admins only (issue 18)
    ("DELETE", "/v1/people/{person_id}"): [Case(ORG, None, "off-board")],
    ("PATCH", "/v1/people/{person_id}"): [
        Case(SELF_OR_ORG, {"timezone": "Europe/Paris", "hours_wanted_per_month": 3}, "profile"),
        # HR fields come from the HR import: clearing one's manager would dodge the
        # never-your-manager rule
        Case(ORG, {"manager_id": None}, "manager"),
        Case(ORG, {"department": "Sales", "title": "Lead"}, "HR fields"),
    ],
    ("PUT", "/v1/people/{person_id}/skills"): [
        Case(SELF_OR_ORG, {"skills": [{"skill_id": "s-present", "level": 3}]})
    ],
    # goals
    ("POST", "/v1/goals/map"): [Case(EVERYONE, {"text": "public speaking"})],
    ("POST", "/v1/people/{person_id}/goals"): [Case(SELF_OR_ORG, {"text": "learn python"})],
    ("PATCH", "/v1/goals/{goal_id}"): [Case(SELF_OR_ORG, {"measurable_outcome": "a talk"})],
    ("DELETE", "/v1/goals/{goal_id}"): [Case(SELF_OR_ORG)],
    ("POST", "/v1/goals/{goal_id}/remap"): [Case(SELF_OR_ORG, {})],
    ("PUT", "/v1/goals/{goal_id}/targets"): [Case(STEWARD, {"node_ids": ["s-python"]})],
    # taxonomy: stewards only
    ("POST", "/v1/taxonomy/skills"): [Case(STEWARD, {"label": "kite flying"})],
    ("POST", "/v1/taxonomy/clusters"): [Case(STEWARD, {"label": "outdoor things"})],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/rename"): [Case(STEWARD, {"label": "oratory"})],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/describe"): [
        Case(STEWARD, {"description": "speaking to an audience"})
    ],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/aliases"): [
        Case(STEWARD, {"alias": "speechcraft"})
    ],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/aliases/remove"): [
        Case(STEWARD, {"alias": "presenting"})
    ],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/move"): [Case(STEWARD, {"parent_ids": []})],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/merge"): [Case(STEWARD, {"into": "s-python"})],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/split"): [Case(STEWARD, {})],
    ("POST", "/v1/taxonomy/nodes/{node_id:path}/deprecate"): [Case(STEWARD, {})],
    ("POST", "/v1/taxonomy/changes/{change_id}/revert"): [Case(STEWARD, {})],
    ("POST", "/v1/taxonomy/preview"): [Case(STEWARD, {})],
    # pairings
    ("POST", "/v1/pairings"): [
        Case(frozenset({"self"}) | ORG, {"mentor_id": "rm", "mentee_ids": ["un"]}),
    ],
    ("POST", "/v1/pairings/stalled/mark"): [Case(ORG, {})],
    ("POST", "/v1/pairings/{pairing_id}/accept"): [
        Case(frozenset({"counterpart", "other"}) | ORG, {})
    ],
    ("POST", "/v1/pairings/{pairing_id}/withdraw"): [Case(frozenset({"proposer"}) | ORG, {})],
    ("POST", "/v1/pairings/{pairing_id}/activate"): [Case(PARTICIPANTS, {})],
    ("POST", "/v1/pairings/{pairing_id}/decline"): [Case(PARTICIPANTS, {})],
    ("POST", "/v1/pairings/{pairing_id}/close"): [Case(PARTICIPANTS, {})],
    ("POST", "/v1/pairings/{pairing_id}/check-ins"): [
        Case(PARTICIPANTS, {"on": TODAY, "rating": 3})
    ],
    # cohorts, keys, analytics
    ("POST", "/v1/cohorts/{program}/match"): [Case(ORG, {"asynchronous": True})],
    ("POST", "/v1/cohorts/runs/{run_id}/publish"): [Case(ORG, {})],
    ("POST", "/v1/keys"): [Case(frozenset({"admin"}), {"roles": ["mentee"], "label": "x"})],
    ("DELETE", "/v1/keys/{key_id}"): [Case(frozenset({"admin"}))],
    ("POST", "/v1/analytics/queries/cypher"): [
        Case(ORG, {"query": "MATCH (p:Person) RETURN count(p) AS n"})
    ],
}


def how_to_declare(method: str, path: str) -> str:
    return (
        f"mutating route {method} {path} is not in the relationship matrix: add\n"
        f"    ({method!r}, {path!r}): [Case(<relations allowed>, <a valid body>)],\n"
        f"to CASES in tests/api/test_relationship_matrix.py, with the relations (of "
        f"{', '.join(RELATIONS)}) that may call it; every other relation must get 403"
    )


def test_every_mutating_route_is_declared() -> None:
    routes = mutating_routes()
    assert routes, "no mutating routes found: enumeration is broken"
    missing = [how_to_declare(m, p) for m, p in routes if (m, p) not in CASES]
    assert not missing, "\n".join(missing)
    gone = sorted(set(CASES) - set(routes))
    assert not gone, f"CASES lists routes the app no longer has: {gone}"


def actors_for(path: str) -> dict[str, str]:
    if "{person_id}" in path or "{goal_id}" in path:
        return PERSON_ACTORS
    return PAIRING_ACTORS


def fill(path: str) -> str:
    out = path.replace("{node_id:path}", PATH_VALUES["node_id"])
    for name, value in PATH_VALUES.items():
        out = out.replace("{" + name + "}", value)
    assert "{" not in out, f"add a value for the path parameter of {path} to PATH_VALUES"
    return out


def seed_relations(store: GraphStore) -> dict[str, str]:
    """The actors, their pairings and re's goal (on top of the API seed); a token per actor."""
    mentor = {"is_mentor": True, "max_mentees": 5, "max_hours_per_month": 20}
    proposed_by_re = PairingEvent(
        status=PairingStatus.proposed, by="person:re", side=PairingSide.mentee, person_id="re"
    )
    proposed_by_pm = PairingEvent(
        status=PairingStatus.proposed, by="person:pm", side=PairingSide.mentor, person_id="pm"
    )
    store.apply(
        [
            UpsertPeople(
                [
                    Person(id="rm", name="R Mentor", **mentor),  # type: ignore[arg-type]
                    Person(id="mo", name="Other Mentor", **mentor),  # type: ignore[arg-type]
                    Person(id="mgr", name="Manager", **mentor),  # type: ignore[arg-type]
                    Person(id="pm", name="Proposing Mentor", **mentor),  # type: ignore[arg-type]
                    Person(id="re", name="Proposer", manager_id="mgr", programs=["spring"]),
                    Person(id="ro", name="Other Mentee"),
                    Person(id="un", name="Self"),
                    Person(id="un2", name="Unrelated"),
                ]
            ),
            UpsertGoals([Goal(id="g-re", person_id="re", text="speak at the all-hands")]),
            UpsertPairings(
                [
                    Pairing(
                        id="pr-rel",
                        mentor_id="rm",
                        mentee_ids=["re", "ro"],
                        model=MentoringModel.group,
                        history=[proposed_by_re],
                    ),
                    Pairing(
                        id="pr-mo",
                        mentor_id="mo",
                        mentee_ids=["re"],
                        status=PairingStatus.accepted,
                    ),
                    Pairing(
                        id="pr-pm", mentor_id="pm", mentee_ids=["re"], history=[proposed_by_pm]
                    ),
                ]
            ),
        ]
    )
    ops: list[StoreOp] = []
    tokens: dict[str, str] = {}
    for actor, role in ROLES.items():
        person = None if actor in ("coordinator", "admin") else actor
        planned = plan_create_key(store, [role], person_id=person, label=f"rel {actor}")
        ops.extend(planned.ops)
        tokens[actor] = planned.result[1]
    store.apply(ops)
    return tokens


def cases() -> list[tuple[str, str, int, str]]:
    out = []
    for (method, path), calls in sorted(CASES.items()):
        for i in range(len(calls)):
            for relation in RELATIONS:
                out.append((method, path, i, relation))
    return out


def case_id(c: tuple[str, str, int, str]) -> str:
    method, path, i, relation = c
    about = CASES[(method, path)][i].about
    return f"{method} {path}{' [' + about + ']' if about else ''} as {relation}"


@pytest.mark.parametrize("call", cases(), ids=case_id)
def test_relation_matrix(
    app: FastAPI, client: TestClient, api_store: GraphStore, call: tuple[str, str, int, str]
) -> None:
    method, path, i, relation = call
    case = CASES[(method, path)][i]
    tokens = seed_relations(api_store)
    token = tokens[actors_for(path)[relation]]
    before = api_store.data_version()
    r = client.request(
        method, fill(path), json=case.body, headers={"Authorization": f"Bearer {token}"}
    )
    what = f"{relation} {method} {path} {case.about}: {r.status_code} {r.text}"
    if relation in case.allowed:
        assert r.status_code != 403, what
        assert r.status_code < 500, what
    else:
        assert r.status_code == 403, what
        assert r.json()["error"]["code"] == "forbidden"
        assert api_store.data_version() == before, f"a refused call wrote: {what}"
