"""What the taxonomy side of both stores keeps: skill -> skill BROADER edges (refusing a
cluster under a skill and every cycle), reuse levels, and labels in other languages."""

from __future__ import annotations

import pytest

from graph.errors import BatchRejected
from graph.model import Broader, ReuseLevel, Skill, SkillCluster
from graph.store import (
    MAX_BROADER_DEPTH,
    AddBroader,
    GraphStore,
    RemoveBroader,
    UpsertClusters,
    UpsertSkills,
)
from graph.stores import cypher

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


def _chain(n: int, prefix: str) -> tuple[UpsertClusters, list[Broader]]:
    """n clusters and the n - 1 BROADER edges that chain them: prefix0 -> prefix1 -> ..."""
    nodes = [SkillCluster(id=f"{prefix}{i}", label=f"{prefix} level {i}", tier=1) for i in range(n)]
    edges = [Broader(child_id=f"{prefix}{i}", parent_id=f"{prefix}{i + 1}") for i in range(n - 1)]
    return UpsertClusters(nodes), edges


def test_a_cycle_as_long_as_the_bound_is_refused(store: GraphStore) -> None:
    """The Neo4j store's cycle check is a bounded expansion; the longest chain a store keeps
    has MAX_BROADER_DEPTH - 1 edges, so the longest cycle anyone can close has
    MAX_BROADER_DEPTH edges: refused on both stores alike."""
    nodes, edges = _chain(MAX_BROADER_DEPTH, "c")  # c0 -> ... -> c49: 49 edges
    store.apply([nodes, AddBroader(edges)])
    before = store.taxonomy()
    last = f"c{MAX_BROADER_DEPTH - 1}"
    with pytest.raises(BatchRejected) as info:
        store.apply([AddBroader([Broader(child_id=last, parent_id="c0")])])
    [problem] = info.value.problems
    assert "makes a BROADER cycle" in problem.reason
    assert store.taxonomy() == before


def test_a_chain_up_to_the_bound_is_kept_one_more_level_is_refused(store: GraphStore) -> None:
    nodes, edges = _chain(MAX_BROADER_DEPTH + 1, "d")  # d0 .. d50
    store.apply([nodes, AddBroader(edges[1:])])  # d1 -> ... -> d50: 49 edges
    assert len(store.taxonomy().broader) == MAX_BROADER_DEPTH - 1
    with pytest.raises(BatchRejected) as info:
        store.apply([AddBroader(edges[:1])])  # d0 -> d1 would leave 50 edges above d0
    [problem] = info.value.problems
    assert f"{MAX_BROADER_DEPTH} or more BROADER edges" in problem.reason


def test_the_cypher_cycle_check_is_bounded_at_max_broader_depth() -> None:
    assert f"[:BROADER*1..{MAX_BROADER_DEPTH}]" in cypher.BROADER_CYCLES
    assert f"[:BROADER*{MAX_BROADER_DEPTH}]" in cypher.BROADER_TOO_DEEP
