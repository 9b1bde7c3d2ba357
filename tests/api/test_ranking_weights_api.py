"""Ranking weights taught by outcomes, through the API on every store: refusals name the
field and the rule and write nothing; a fit on a stored history proposes weights; accept
applies them with an audit entry; revert goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from graph.model import (
    Goal,
    GoalStatus,
    GoalTarget,
    Pairing,
    PairingEvent,
    PairingStatus,
    Person,
    PersonSkill,
)
from graph.recommend.scoring import Weights
from graph.store import (
    GraphStore,
    SetGoalTargets,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
)
from tests.api.conftest import Keys

URL = "/v1/ranking/weights"
T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)


def seed_outcomes(store: GraphStore, n: int = 40) -> None:
    """n closed pairings, one mentee each, on "public speaking": mentors at level 5 reached
    the goal, mentors at level 1 did not (skill fit decides, by construction)."""
    mentors = [
        Person(id=f"hm{lv}", name=f"Mentor L{lv}", is_mentor=True, max_mentees=50,
               max_hours_per_month=100)
        for lv in (1, 5)
    ]  # fmt: skip
    ops: list = [
        UpsertPeople(mentors + [Person(id=f"he{i}", name=f"Mentee {i}") for i in range(n)]),
        UpsertPersonSkills(
            [
                PersonSkill(
                    person_id=f"hm{lv}", skill_id="s-present", level=lv, willing_to_mentor=True
                )
                for lv in (1, 5)
            ]
        ),
    ]
    goals, pairings = [], []
    for i in range(n):
        good = i % 2 == 0
        goals.append(
            Goal(
                id=f"hg{i}",
                person_id=f"he{i}",
                text="speak",
                status=GoalStatus.achieved if good else GoalStatus.dropped,
            )
        )
        at = T0 + timedelta(days=i)
        pairings.append(
            Pairing(
                id=f"hp{i:03d}",
                mentor_id="hm5" if good else "hm1",
                mentee_ids=[f"he{i}"],
                goal_ids=[f"hg{i}"],
                status=PairingStatus.closed,
                created_at=at,
                history=[
                    PairingEvent(status=PairingStatus.proposed, at=at),
                    PairingEvent(status=PairingStatus.accepted, at=at + timedelta(days=1)),
                    PairingEvent(status=PairingStatus.active, at=at + timedelta(days=2)),
                    PairingEvent(status=PairingStatus.closed, at=at + timedelta(days=100)),
                ],
            )
        )
    ops.append(UpsertGoals(goals))
    ops += [
        SetGoalTargets(g.id, [GoalTarget(goal_id=g.id, node_id="s-present", confidence=0.9)])
        for g in goals
    ]
    ops.append(UpsertPairings(pairings))
    store.apply(ops)


def test_refusals_name_the_rule_and_write_nothing(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    coord = keys.auth("coordinator")
    before = len(api_store.list_audit(limit=1000))
    r = client.post(f"{URL}/fit", headers=coord)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["details"][0]["field"] == "outcomes"
    assert "too few outcomes: 0 closed pairings" in err["message"]
    bad = {**Weights().as_dict(), "skill_fit": 1.5}
    r = client.put(URL, json={"weights": bad}, headers=coord)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "weights.skill_fit"
    r = client.put(URL, json={"weights": {**Weights().as_dict(), "skill_fit": 0.9}}, headers=coord)
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "weights" and "must sum to 1" in detail["reason"]
    partial = {"skill_fit": 1.0}
    r = client.put(URL, json={"weights": partial}, headers=coord)
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert "weights.feedback" in fields
    r = client.post(f"{URL}/revert", headers=coord)
    assert r.status_code == 409
    r = client.post(f"{URL}/wfit_missing/accept", headers=coord)
    assert r.status_code == 404
    assert len(api_store.list_audit(limit=1000)) == before
    assert client.get(URL, headers=coord).json()["source"] == "settings"
    for role in ("mentee", "mentor", "steward"):
        assert client.post(f"{URL}/fit", headers=keys.auth(role)).status_code == 403


def test_fit_accept_revert(client: TestClient, keys: Keys, api_store: GraphStore) -> None:
    seed_outcomes(api_store)
    coord = keys.auth("coordinator")
    r = client.post(f"{URL}/fit?min_outcomes=20", headers=coord)
    assert r.status_code == 200, r.text
    proposal = r.json()
    fit = proposal["fit"]
    assert fit["outcomes"] == 40 and fit["successes"] == 20
    assert fit["coefficients"]["skill_fit"] > 0
    proposed = fit["proposed"]
    assert max(proposed, key=proposed.get) == "skill_fit"
    assert fit["auc_proposed"] == 1.0  # skill fit separates the outcomes exactly
    # 12 held out: an interval is given, but too few to recommend the change
    low, high = fit["auc_difference_ci"]
    assert low <= fit["auc_difference"] <= high and fit["test"] == 12
    assert fit["recommend"] is False and "keep the current weights" in fit["message"]
    assert fit["left_out"] == ["feedback"] and "feedback" not in fit["coefficients"]
    assert proposed["feedback"] == Weights().feedback
    # proposing changes nothing
    assert client.get(URL, headers=coord).json()["weights"] == Weights().as_dict()
    r = client.post(f"{URL}/{proposal['proposal_id']}/accept", headers=coord)
    assert r.status_code == 200, r.text
    assert r.json()["weights"] == proposed
    now = client.get(URL, headers=coord).json()
    assert now["weights"] == proposed and now["source"].startswith("audit_")
    entry = api_store.list_audit(limit=1)[0]
    assert entry.action == "ranking.weights.accept"
    assert entry.detail["before"] == Weights().as_dict() and entry.detail["weights"] == proposed
    # the ranking uses them: recommendations answer with the new weights' score
    r = client.get("/v1/people/p2/recommendations?asynchronous=true", headers=coord)
    assert r.status_code == 200, r.text
    r = client.post(f"{URL}/{proposal['proposal_id']}/accept", headers=coord)
    assert r.status_code == 409
    # the way back
    r = client.post(f"{URL}/revert", headers=coord)
    assert r.status_code == 200 and r.json()["weights"] == Weights().as_dict()
    assert client.get(URL, headers=coord).json()["weights"] == Weights().as_dict()
    history = client.get(URL, headers=coord).json()["history"]
    assert [h["action"] for h in history] == [
        "ranking.weights.revert",
        "ranking.weights.accept",
        "ranking.weights.fit",
    ]
