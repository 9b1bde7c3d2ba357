"""What the taxonomy side of both stores keeps: skill -> skill BROADER edges (refusing a
cluster under a skill and every cycle), reuse levels, and labels in other languages."""

from __future__ import annotations

import pytest

from graph.errors import BatchRejected
from graph.model import Broader, ReuseLevel, Skill, SkillCluster
from graph.store import (
    AddBroader,
    GraphStore,
    RemoveBroader,
    UpsertClusters,
    UpsertSkills,
)

GROUP = SkillCluster(id="g", label="supervising a team or group", code="S4.8.1", tier=3)
STAFF = Skill(id="staff", label="manage staff", reuse_level=ReuseLevel.cross_sector)
MUSICAL = Skill(
    id="musical",
    label="manage musical staff",
    aliases=["direct musical staff"],
    reuse_level=ReuseLevel.sector_specific,
    aliases_by_language={
        "es": ["gestionar tareas en relación con los músicos"],
        "fr": ["gérer le personnel musical", "diriger le personnel musical"],
    },
)


@pytest.fixture
def staff_store(store: GraphStore) -> GraphStore:
    store.apply(
        [
            UpsertClusters([GROUP]),
            UpsertSkills([STAFF, MUSICAL]),
            AddBroader(
                [
                    Broader(child_id="staff", parent_id="g"),
                    Broader(child_id="musical", parent_id="staff"),
                    Broader(child_id="musical", parent_id="g"),
                ]
            ),
        ]
    )
    return store


def test_skill_under_skill_round_trips(staff_store: GraphStore) -> None:
    store = staff_store
    assert [(p.id, p.kind) for p in store.parents("musical")] == [
        ("g", "cluster"),
        ("staff", "skill"),
    ]
    assert [c.id for c in store.children("staff")] == ["musical"]
    assert [c.id for c in store.children("g")] == ["musical", "staff"]
    edges = {(e.child_id, e.parent_id) for e in store.taxonomy().broader}
    assert edges == {("staff", "g"), ("musical", "staff"), ("musical", "g")}
    store.apply([RemoveBroader([Broader(child_id="musical", parent_id="staff")])])
    assert [p.id for p in store.parents("musical")] == ["g"]


def test_reuse_level_and_language_labels_round_trip(staff_store: GraphStore) -> None:
    store = staff_store
    assert store.get_skill("musical") == MUSICAL
    assert store.get_node("staff") == STAFF
    assert store.taxonomy().skills == [MUSICAL, STAFF]
    assert [n.id for n in store.find_by_label("Diriger le personnel musical")] == ["musical"]
    assert [n.id for n in store.search_taxonomy("relación con los")] == ["musical"]
    # label hits before alias-only hits, then by id
    assert [n.id for n in store.search_taxonomy("staff")] == ["musical", "staff"]
    assert [n.id for n in store.search_taxonomy("direct")] == ["musical"]


def test_a_cluster_under_a_skill_is_refused(staff_store: GraphStore) -> None:
    other = SkillCluster(id="g2", label="other", tier=0)
    with pytest.raises(BatchRejected) as info:
        staff_store.apply(
            [UpsertClusters([other]), AddBroader([Broader(child_id="g2", parent_id="staff")])]
        )
    [problem] = info.value.problems
    assert problem.field == "ops[1].AddBroader.parent_id"
    assert "a cluster's BROADER parent must be a cluster" in problem.reason
    assert staff_store.get_cluster("g2") is None


def test_a_cycle_through_skills_is_refused(staff_store: GraphStore) -> None:
    before = staff_store.taxonomy()
    with pytest.raises(BatchRejected) as info:
        staff_store.apply([AddBroader([Broader(child_id="staff", parent_id="musical")])])
    [problem] = info.value.problems
    assert "makes a BROADER cycle" in problem.reason
    assert staff_store.taxonomy() == before
