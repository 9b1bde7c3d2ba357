"""Field case ../shared/field-cases/capacity-after-accept/ (issue 13), on both stores.

A cohort is matched and published; HR then lowers m-boss's capacity to 1; accepting every
proposal: the second accept of m-boss is refused with the reason, the import lists the
over-committed mentor, and so does the coordinators' conflict list. The same run also shows
one role per person per run (m-ana is enrolled as a mentee and is a mentor) and that m-boss
and m-ben, who want 0 hours, are never proposed as mentees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import Conflict
from graph.lifecycle import pairings as lc
from graph.lifecycle.cohorts import publish
from graph.model import GoalTarget, PairingStatus, Skill
from graph.recommend import RecommendOptions
from graph.recommend.cohort import match_cohort
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, SetGoalTargets, UpsertSkills
from loaders.people import import_people
from tests.pairings.conftest import NOW

CASE = Path(__file__).resolve().parents[3] / "shared" / "field-cases" / "capacity-after-accept"
if not CASE.is_dir():
    CASE = Path("/work/shared/field-cases/capacity-after-accept")
PROGRAM = "2026-autumn"


def load(store: GraphStore) -> None:
    store.apply(
        [UpsertSkills([Skill(id="s-neg", label="negotiate contracts with event providers")])]
    )
    import_people(store, CASE / "people.csv")
    for goal in store.list_goals():
        store.apply(
            [
                SetGoalTargets(
                    goal.id, [GoalTarget(goal_id=goal.id, node_id="s-neg", confidence=0.9)]
                )
            ]
        )


def test_capacity_holds_after_an_hr_import(store: GraphStore) -> None:
    if not (CASE / "people.csv").is_file():
        pytest.fail(f"field case missing: {CASE}")
    load(store)
    snap = Snapshot.load(store)
    result = match_cohort(snap, PROGRAM, now=NOW, options=RecommendOptions(asynchronous=True))
    pairs = [(p.mentee_id, p.mentor_id) for p in result.proposals]
    mentees = {m for m, _ in pairs}
    assert mentees and not mentees & {p.mentor_id for p in result.proposals}
    assert "m-ana" not in {mentor for _, mentor in pairs}  # a mentee of this run
    assert not {"m-boss", "m-ben"} & mentees  # want 0 hours
    published = publish(store, result, by="coord", now=NOW)
    boss = [p.id for p in published if p.mentor_id == "m-boss"]
    assert len(boss) >= 2, pairs

    report = import_people(store, CASE / "people-boss-capacity-1.csv")
    assert report.changed  # m-boss's capacity
    accepted = lc.accept(store, boss[0], by="coord", now=NOW)
    assert accepted.status == PairingStatus.accepted
    with pytest.raises(Conflict, match="capacity: mentor 'm-boss' has 0 free place") as e:
        lc.accept(store, boss[1], by="coord", now=NOW)
    assert e.value.details[0]["rule"] == "capacity"
    assert store.get_pairing(boss[1]).status == PairingStatus.proposed

    conflicts = lc.find_conflicts(Snapshot.load(store).state)
    flagged = {c.pairing_id for c in conflicts if c.mentor_id == "m-boss"}
    assert set(boss[1:]) <= flagged and boss[0] not in flagged
    assert all(p["rule"] == "capacity" for c in conflicts for p in c.problems)
