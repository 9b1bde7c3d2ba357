"""Rejected batches: nothing written, the error names op, row and field, the store stays usable."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import BatchRejected, InvalidInput
from graph.model import (
    Broader,
    CheckIn,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    TaxonomyChange,
    parse_rows,
)
from graph.store import (
    AddBroader,
    AddCheckIns,
    GraphStore,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
)
from tests.contract.conftest import seed_ops


def rejected(store: GraphStore, ops: list[StoreOp]) -> BatchRejected:
    before = store.data_version()
    with pytest.raises(BatchRejected) as info:
        store.apply(ops)
    assert store.data_version() == before
    assert isinstance(info.value, InvalidInput) and info.value.status_code == 422
    return info.value


def one_problem(err: BatchRejected, row: int, field: str) -> None:
    """Exactly one problem, at `row`, on a field path that ends with `field`."""
    assert len(err.problems) == 1, err.problems
    p = err.problems[0]
    assert p.row == row, p
    assert p.field.endswith(field), p
    assert field in str(err) and f"row {row}" in str(err)


def test_bad_last_op_rolls_back_the_whole_batch(store: GraphStore) -> None:
    ops: list[StoreOp] = [
        UpsertClusters([SkillCluster(id="c1", label="Tech", tier=0)]),
        UpsertSkills([Skill(id="s1", label="Python"), Skill(id="s2", label="Go")]),
        UpsertPersonSkills([]),  # placeholder, replaced below
    ]
    ops[2] = UpsertPeople(
        [
            Person(id="p1", name="A"),
            Person(id="p2", name="B", manager_id="p1"),
            Person(id="p3", name="C", manager_id="ghost"),
        ]
    )
    err = rejected(store, ops)
    one_problem(err, 2, "manager_id")
    assert "UpsertPeople" in err.problems[0].field
    assert "ghost" in err.problems[0].reason
    assert store.count_skills() == 0
    assert store.get_cluster("c1") is None
    assert store.count_people() == 0
    assert store.find_by_label("python") == []
    # still usable: the same batch without the bad row goes through
    ops[2] = UpsertPeople([Person(id="p1", name="A"), Person(id="p2", name="B", manager_id="p1")])
    store.apply(ops)
    assert store.count_skills() == 2
    assert store.reports_of("p1") == ["p2"]


def test_bad_batch_on_a_seeded_store_leaves_it_as_it_was(store: GraphStore) -> None:
    store.apply(seed_ops())
    renamed = Skill(id="s-py", label="Renamed")
    err = rejected(
        store,
        [
            UpsertSkills([renamed]),
            UpsertPersonSkills([PersonSkill(person_id="alice", skill_id="s-nope", level=3)]),
        ],
    )
    one_problem(err, 0, "skill_id")
    assert "ops[1]" in err.problems[0].field
    got = store.get_skill("s-py")
    assert got is not None and got.label == "Python"
    assert store.find_by_label("renamed") == []


@pytest.mark.parametrize(
    ("rows", "row", "field"),
    [
        (
            [Skill(id="s1", label="A"), Skill(id="s2", label="B"), Skill(id="s1", label="C")],
            2,
            "id",
        ),
        (
            [
                PersonSkill(person_id="alice", skill_id="s-py", level=1),
                PersonSkill(person_id="alice", skill_id="s-py", level=2),
            ],
            1,
            "skill_id",
        ),
    ],
)
def test_duplicate_keys_in_one_op(store: GraphStore, rows: list[Any], row: int, field: str) -> None:
    store.apply(seed_ops())
    op: StoreOp = UpsertSkills(rows) if isinstance(rows[0], Skill) else UpsertPersonSkills(rows)
    err = rejected(store, [op])
    one_problem(err, row, field)
    assert "duplicate" in err.problems[0].reason


def test_ids_are_shared_by_skills_and_clusters(store: GraphStore) -> None:
    store.apply(seed_ops())
    one_problem(rejected(store, [UpsertSkills([Skill(id="c-data", label="X")])]), 0, "id")
    one_problem(
        rejected(store, [UpsertClusters([SkillCluster(id="s-sql", label="X", tier=2)])]), 0, "id"
    )


# Each case: one op with exactly one bad reference at (row, field).
DANGLING: list[tuple[str, StoreOp, int, str]] = [
    ("has_skill unknown person", UpsertPersonSkills([
        PersonSkill(person_id="alice", skill_id="s-java", level=1),
        PersonSkill(person_id="zoe", skill_id="s-py", level=3)]), 1, "person_id"),
    ("has_skill unknown skill", UpsertPersonSkills([
        PersonSkill(person_id="alice", skill_id="s-cobol", level=3)]), 0, "skill_id"),
    ("has_skill to a cluster", UpsertPersonSkills([
        PersonSkill(person_id="alice", skill_id="c-prog", level=3)]), 0, "skill_id"),
    ("cluster under a skill", AddBroader([
        Broader(child_id="s-sql", parent_id="c-prog"),
        Broader(child_id="c-data", parent_id="s-java")]), 1, "parent_id"),
    ("broader to nothing", AddBroader([Broader(child_id="s-sql", parent_id="c-x")]), 0,
     "parent_id"),
    ("broader from nothing", AddBroader([Broader(child_id="s-x", parent_id="c-prog")]), 0,
     "child_id"),
    ("unknown manager", UpsertPeople([Person(id="eve", name="Eve", manager_id="mallory")]), 0,
     "manager_id"),
    ("goal of nobody", UpsertGoals([Goal(id="g9", person_id="zoe", text="x")]), 0, "person_id"),
    ("targets of unknown goal", SetGoalTargets("g-none", []), 0, "goal_id"),
    ("target unknown node", SetGoalTargets("g2", [
        GoalTarget(goal_id="g2", node_id="s-sql", confidence=0.5),
        GoalTarget(goal_id="g2", node_id="s-none", confidence=0.5)]), 1, "node_id"),
    ("pairing unknown mentor", UpsertPairings([
        Pairing(id="p9", mentor_id="zoe", mentee_ids=["dan"])]), 0, "mentor_id"),
    ("pairing unknown mentee", UpsertPairings([
        Pairing(id="p9", mentor_id="bob", mentee_ids=["dan", "zoe"])]), 0, "mentee_ids.1"),
    ("pairing unknown goal", UpsertPairings([
        Pairing(id="p9", mentor_id="bob", mentee_ids=["dan"], goal_ids=["g1", "gx"])]), 0,
     "goal_ids.1"),
    ("check-in of unknown pairing", AddCheckIns([
        CheckIn(id="c9", pairing_id="pr-none", on=date(2025, 5, 1), rating=3)]), 0, "pairing_id"),
    ("repoint unknown source", RepointReferences("s-none", ["s-py"]), 0, "source_id"),
    ("repoint unknown target", RepointReferences("s-sql", ["s-py", "s-none"]), 0, "target_ids.1"),
    ("change of unknown node", UpsertTaxonomyChanges([
        TaxonomyChange(id="t9", actor="st", op="rename", node_ids=["s-py", "s-none"])]), 0,
     "node_ids.1"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "op", "row", "field"), DANGLING, ids=[d[0] for d in DANGLING])
def test_references_to_missing_or_wrong_nodes(
    store: GraphStore, case: str, op: StoreOp, row: int, field: str
) -> None:
    store.apply(seed_ops())
    before = (store.taxonomy(), store.list_people(), store.all_goal_targets(),
              store.list_pairings(), store.all_checkins())  # fmt: skip
    err = rejected(store, [op])
    one_problem(err, row, field)
    assert type(op).__name__ in err.problems[0].field
    after = (store.taxonomy(), store.list_people(), store.all_goal_targets(),
             store.list_pairings(), store.all_checkins())  # fmt: skip
    assert after == before


def test_references_may_point_forward_within_a_batch(store: GraphStore) -> None:
    store.apply(
        [
            UpsertPeople([Person(id="r", name="R", manager_id="m"), Person(id="m", name="M")]),
            UpsertClusters([SkillCluster(id="c", label="C", tier=0)]),
            UpsertSkills([Skill(id="s", label="S")]),
            AddBroader([Broader(child_id="s", parent_id="c")]),
            UpsertPersonSkills([PersonSkill(person_id="r", skill_id="s", level=2)]),
            UpsertGoals([Goal(id="g", person_id="r", text="t")]),
            SetGoalTargets("g", [GoalTarget(goal_id="g", node_id="c", confidence=0.4)]),
            UpsertPairings([Pairing(id="p", mentor_id="m", mentee_ids=["r"], goal_ids=["g"])]),
            AddCheckIns([CheckIn(id="ci", pairing_id="p", on=date(2025, 1, 2), rating=5)]),
        ]
    )
    assert store.reports_of("m") == ["r"]
    assert [c.id for c in store.checkins("p")] == ["ci"]


def test_every_problem_of_a_batch_is_reported(store: GraphStore) -> None:
    store.apply(seed_ops())
    err = rejected(
        store,
        [
            UpsertPeople([Person(id="x", name="X", manager_id="nobody")]),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id="x", skill_id="s-py", level=3),  # fine: x from op 0
                    PersonSkill(person_id="alice", skill_id="c-data", level=3),
                ]
            ),
        ],
    )
    where = sorted((p.field.split(".")[0], p.row, p.field.split(".")[-1]) for p in err.problems)
    assert where == [("ops[0]", 0, "manager_id"), ("ops[1]", 1, "skill_id")]


def test_bad_levels_and_types_are_caught_when_rows_are_built() -> None:
    rows: list[dict[str, Any]] = [
        {"person_id": "a", "skill_id": "s", "level": 3},
        {"person_id": "a", "skill_id": "t", "level": 7},
        {"person_id": "a", "skill_id": "u", "level": "high"},
    ]
    with pytest.raises(BatchRejected) as info:
        parse_rows(PersonSkill, rows, sources=["f.csv:2", "f.csv:3", "f.csv:4"])
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "level"), (2, "level")]
    assert "f.csv:3: level" in str(info.value)


# Invariant: after any sequence of HAS_SKILL upserts and removals, the store holds exactly
# what replaying them on a dict gives (last write wins, removals of missing keys ignored).
_edit = st.tuples(
    st.sampled_from(["put", "del"]),
    st.sampled_from(["alice", "bob", "carol"]),
    st.sampled_from(["s-py", "s-sql", "s-java"]),
    st.integers(1, 5),
    st.booleans(),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(_edit, max_size=6), min_size=1, max_size=4))
def test_has_skill_edits_match_a_replay(store: GraphStore, batches: list) -> None:
    from graph.store import RemovePersonSkills

    store.apply(seed_ops())  # same rows each example: resets HAS_SKILL of the seeded people
    people = ["alice", "bob", "carol"]
    store.apply(
        [RemovePersonSkills([(p, s.skill_id) for p in people for s in store.person_skills(p)])]
    )
    model: dict[tuple[str, str], tuple[int, bool]] = {}
    for batch in batches:
        puts: dict[tuple[str, str], PersonSkill] = {}
        ops: list[StoreOp] = []
        for kind, p, s, level, willing in batch:
            if kind == "put":
                puts[(p, s)] = PersonSkill(person_id=p, skill_id=s, level=level,
                                           willing_to_mentor=willing)  # fmt: skip
                model[(p, s)] = (level, willing)
            else:
                if puts:
                    ops.append(UpsertPersonSkills(list(puts.values())))
                    puts = {}
                ops.append(RemovePersonSkills([(p, s)]))
                model.pop((p, s), None)
        if puts:
            ops.append(UpsertPersonSkills(list(puts.values())))
        if ops:
            store.apply(ops)
    stored = {
        (ps.person_id, ps.skill_id): (ps.level, ps.willing_to_mentor)
        for p in people
        for ps in store.person_skills(p)
    }
    assert stored == model
