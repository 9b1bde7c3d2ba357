"""Every mutating pairing route x every relation of the caller to the pairing -> allowed or
403 (issue 13), routes enumerated from the app so a new one must be added to EXPECTED.

The pairing: a group pairing `pr-rel`, mentor rm, mentees re (who proposed it) and ro.
Relations, each a key bound to its own person:

    self         un: a mentee proposing a pairing for themselves (the propose route asks
                 for un; on the other routes un is just another outsider)
    proposer     re                    counterpart   rm (the side that did not propose)
    other        ro (fellow mentee)    mentor_of     mo, re's mentor in another pairing
    manager_of   mgr, re's manager     unrelated     un2
    coordinator, steward, admin

"Allowed" means the authority check passes: the answer is not 403 (it may still be 409 when
the pairing's status does not allow the move, e.g. closing a proposal).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import create_key
from graph.model import (
    MentoringModel,
    Pairing,
    PairingEvent,
    PairingSide,
    PairingStatus,
    Person,
    Role,
)
from graph.store import GraphStore, UpsertPairings, UpsertPeople
from tests.api.test_role_matrix import mutating_routes

RELATIONS: dict[str, tuple[Role, str | None]] = {
    "self": (Role.mentee, "un"),
    "proposer": (Role.mentee, "re"),
    "counterpart": (Role.mentor, "rm"),
    "other": (Role.mentee, "ro"),
    "mentor_of": (Role.mentor, "mo"),
    "manager_of": (Role.mentor, "mgr"),
    "unrelated": (Role.mentee, "un2"),
    "coordinator": (Role.coordinator, None),
    "steward": (Role.steward, "st1"),
    "admin": (Role.admin, None),
}
ORG = {"coordinator", "admin"}
PARTICIPANTS = {"proposer", "counterpart", "other"} | ORG
# route (method, path) -> the relations allowed; every other relation gets 403
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/pairings"): {"self"} | ORG,
    ("POST", "/v1/pairings/stalled/mark"): ORG,
    ("POST", "/v1/pairings/{pairing_id}/accept"): {"counterpart", "other"} | ORG,
    ("POST", "/v1/pairings/{pairing_id}/withdraw"): {"proposer"} | ORG,
    ("POST", "/v1/pairings/{pairing_id}/activate"): PARTICIPANTS,
    ("POST", "/v1/pairings/{pairing_id}/decline"): PARTICIPANTS,
    ("POST", "/v1/pairings/{pairing_id}/close"): PARTICIPANTS,
    ("POST", "/v1/pairings/{pairing_id}/check-ins"): PARTICIPANTS,
    # issue 14: growth into mentoring (only the person themself) and ranking weights (org)
    ("POST", "/v1/people/{person_id}/mentoring/opt-in"): {"proposer"},
    ("POST", "/v1/ranking/weights/fit"): ORG,
    ("POST", "/v1/ranking/weights/{proposal_id}/accept"): ORG,
    ("POST", "/v1/ranking/weights/revert"): ORG,
    ("PUT", "/v1/ranking/weights"): ORG,
}
BODIES: dict[str, dict[str, Any]] = {
    "/v1/pairings": {"mentor_id": "rm", "mentee_ids": ["un"]},
    "/v1/people/{person_id}/mentoring/opt-in": {"skill_ids": ["s-present"]},
    "/v1/ranking/weights": {
        "weights": {
            "skill_fit": 1,
            "availability": 0,
            "capacity": 0,
            "preferences": 0,
            "feedback": 0,
        }
    },
    "/v1/pairings/{pairing_id}/check-ins": {"on": "2026-11-01", "rating": 3},
}


def pairing_routes() -> list[tuple[str, str]]:
    return [(m, p) for m, p in mutating_routes() if p.startswith("/v1/pairings")]


def test_every_pairing_route_is_in_the_matrix() -> None:
    declared = [k for k in EXPECTED if k[1].startswith("/v1/pairings")]
    assert sorted(pairing_routes()) == sorted(declared)
    assert set(EXPECTED) <= set(mutating_routes())  # no stale declarations


def seed_relations(store: GraphStore) -> dict[str, str]:
    mentor = {"is_mentor": True, "max_mentees": 5, "max_hours_per_month": 20}
    store.apply(
        [
            UpsertPeople(
                [
                    Person(id="rm", name="R Mentor", **mentor),  # type: ignore[arg-type]
                    Person(id="mo", name="Other Mentor", **mentor),  # type: ignore[arg-type]
                    Person(id="mgr", name="Manager", **mentor),  # type: ignore[arg-type]
                    Person(id="re", name="Proposer", manager_id="mgr"),
                    Person(id="ro", name="Other Mentee"),
                    Person(id="un", name="Self"),
                    Person(id="un2", name="Unrelated"),
                ]
            ),
            UpsertPairings(
                [
                    Pairing(
                        id="pr-rel",
                        mentor_id="rm",
                        mentee_ids=["re", "ro"],
                        model=MentoringModel.group,
                        history=[
                            PairingEvent(
                                status=PairingStatus.proposed,
                                by="person:re",
                                side=PairingSide.mentee,
                                person_id="re",
                            )
                        ],
                    ),
                    Pairing(
                        id="pr-mo",
                        mentor_id="mo",
                        mentee_ids=["re"],
                        status=PairingStatus.accepted,
                    ),
                ]
            ),
        ]
    )
    return {
        rel: create_key(store, [role], person_id=person, label=f"rel {rel}")[1]
        for rel, (role, person) in RELATIONS.items()
    }


@pytest.mark.parametrize("relation", sorted(RELATIONS))
@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_relation_matrix(
    app: FastAPI,
    client: TestClient,
    api_store: GraphStore,
    method: str,
    path: str,
    relation: str,
) -> None:
    tokens = seed_relations(api_store)
    # person routes name the proposer's own record; proposals do not exist (404 once allowed)
    url = path.replace("{pairing_id}", "pr-rel").replace("{person_id}", "re")
    url = url.replace("{proposal_id}", "wfit_missing")
    body = BODIES.get(path, {})
    r = client.request(
        method, url, json=body, headers={"Authorization": f"Bearer {tokens[relation]}"}
    )
    allowed = relation in EXPECTED[(method, path)]
    if allowed:
        assert r.status_code != 403, f"{relation} {method} {path}: {r.text}"
        assert r.status_code < 500, r.text
    else:
        assert r.status_code == 403, f"{relation} {method} {path}: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] == "forbidden"
