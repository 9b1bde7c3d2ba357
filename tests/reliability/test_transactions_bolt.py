"""Transactions: a failing batch leaves no trace; a steward merge is atomic.

Runs on every store through the shared `store` fixture: the embedded store always, the Neo4j
store over Bolt (ArcadeDB in CI, where an unreachable server fails the run instead of skipping).
Locally: `eval "$(.ci/arcadedb.sh start)"`, then run pytest on this file.

The merge failure is injected by a thin wrapper that hands the real store the merge's own ops
plus one bad row, so the store sees one transaction that it must refuse whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from graph.errors import BatchRejected
from graph.model import (
    CheckIn,
    Goal,
    GoalTarget,
    NodeStatus,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    Skill,
)
from graph.store import (
    AddCheckIns,
    GraphStore,
    SetGoalTargets,
    StoreOp,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from taxonomy import editing


def seed(store: GraphStore) -> None:
    store.apply(
        [
            UpsertSkills(
                [
                    Skill(id="s-old", label="old wording", aliases=["legacy"]),
                    Skill(id="s-new", label="new wording"),
                ]
            ),
            UpsertPeople([Person(id=f"h{i}", name=f"Holder {i}") for i in range(6)]),
            UpsertPersonSkills(
                [PersonSkill(person_id=f"h{i}", skill_id="s-old", level=2) for i in range(6)]
                + [PersonSkill(person_id="h0", skill_id="s-new", level=5)]
            ),
            UpsertGoals([Goal(id="g1", person_id="h1", text="learn the old thing")]),
            SetGoalTargets("g1", [GoalTarget(goal_id="g1", node_id="s-old", confidence=0.7)]),
            UpsertPairings(
                [
                    Pairing(
                        id="pr1",
                        mentor_id="h0",
                        mentee_ids=["h1"],
                        status=PairingStatus.active,
                        goal_ids=["g1"],
                    )
                ]
            ),
        ]
    )


def state_of(store: GraphStore) -> dict[str, Any]:
    """Everything a failed write could have touched, as plain data."""
    return {
        "skills": [s.model_dump() for s in store.list_skills()],
        "people": [p.model_dump() for p in store.list_people()],
        "holders": {s: store.holders_of(s) for s in ("s-old", "s-new")},
        "goals": [g.model_dump() for g in store.list_goals()],
        "targets": store.all_goal_targets(),
        "pairings": [p.model_dump() for p in store.list_pairings()],
        "checkins": store.all_checkins(),
        "changes": [c.model_dump() for c in store.taxonomy_changes(limit=100)],
        "version": store.data_version(),
    }


def test_failing_batch_leaves_no_trace(store: GraphStore) -> None:
    seed(store)
    before = state_of(store)
    many = [Person(id=f"new{i:04d}", name=f"New {i}") for i in range(300)]
    ops: list[StoreOp] = [
        UpsertPeople(many),
        UpsertSkills([Skill(id="s-extra", label="extra")]),
        UpsertPersonSkills([PersonSkill(person_id="new0001", skill_id="s-extra", level=1)]),
        AddCheckIns([CheckIn(id="ci1", pairing_id="pr1", on=date(2024, 5, 1), rating=4)]),
        UpsertGoals([Goal(id="g1", person_id="h1", text="overwritten")]),
        # the last row of the last op is bad: everything above must vanish with it
        UpsertPersonSkills([PersonSkill(person_id="nobody", skill_id="s-old", level=1)]),
    ]
    with pytest.raises(BatchRejected) as err:
        store.apply(ops)
    assert any("person_id" in p.field for p in err.value.problems)
    assert state_of(store) == before
    assert store.get_person("new0001") is None and store.get_skill("s-extra") is None


def test_store_works_after_a_rejected_batch(store: GraphStore) -> None:
    seed(store)
    bad = [UpsertPersonSkills([PersonSkill(person_id="h1", skill_id="nope", level=1)])]
    for _ in range(3):
        with pytest.raises(BatchRejected):
            store.apply(bad)
    store.apply([UpsertPeople([Person(id="later", name="Later")])])
    assert store.get_person("later") is not None


class FailingApply:
    """The real store, except that `apply` adds one bad row to whatever it is given."""

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def apply(self, ops: Sequence[StoreOp]) -> None:
        self.calls += 1
        bad = UpsertPersonSkills([PersonSkill(person_id="ghost", skill_id="s-new", level=1)])
        self.inner.apply([*ops, bad])


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: editing.merge(s, "s-old", "s-new", actor="t", reason="dupe"),
        lambda s: editing.rename(s, "s-old", "renamed", actor="t"),
        lambda s: editing.split(
            s,
            "s-old",
            [Skill(id="s-a", label="part a"), Skill(id="s-b", label="part b")],
            actor="t",
        ),
        lambda s: editing.deprecate(s, "s-old", replacement_id="s-new", actor="t"),
    ],
    ids=["merge", "rename", "split", "deprecate"],
)
def test_failed_steward_edit_is_invisible(store: GraphStore, edit: Any) -> None:
    seed(store)
    before = state_of(store)
    failing = FailingApply(store)
    with pytest.raises(BatchRejected):
        edit(failing)
    assert failing.calls == 1  # the edit is one apply, so one failure undoes all of it
    assert state_of(store) == before


def test_merge_applies_whole(store: GraphStore) -> None:
    seed(store)
    change = editing.merge(store, "s-old", "s-new", actor="t", reason="dupe")
    old, new = store.get_skill("s-old"), store.get_skill("s-new")
    assert old is not None and new is not None
    assert old.status == NodeStatus.deprecated and old.replaced_by == ["s-new"]
    assert store.holders_of("s-old") == []
    levels = {h.person_id: h.level for h in store.holders_of("s-new")}
    assert levels == {"h0": 5, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2}
    assert [t.node_id for t in store.goal_targets("g1")] == ["s-new"]
    assert store.get_taxonomy_change(change.id) is not None
    assert {"old wording", "legacy"} <= set(new.aliases)
