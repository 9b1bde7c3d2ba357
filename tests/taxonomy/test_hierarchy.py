"""Hierarchy on a tiny hand-drawn taxonomy, plus invariants on random DAGs.

root ─┬─ comm ─┬─ present ── slides (skill)
      │        └─ write ──── reports (skill)
      └─ tech ── python (skill)
slides also sits under tech (multi-parent); talks (skill) sits under present.
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import NotFound
from graph.hierarchy import Hierarchy
from graph.model import Broader, NodeStatus, Skill, SkillCluster
from graph.store import TaxonomyDump


def cluster(node_id: str, tier: int) -> SkillCluster:
    return SkillCluster(id=node_id, label=f"{node_id} label", tier=tier)


def skill(node_id: str, **kw: object) -> Skill:
    return Skill(id=node_id, label=f"{node_id} label", **kw)


EDGES = [
    ("comm", "root"),
    ("tech", "root"),
    ("present", "comm"),
    ("write", "comm"),
    ("slides", "present"),
    ("slides", "tech"),
    ("talks", "present"),
    ("reports", "write"),
    ("python", "tech"),
]


@pytest.fixture
def h() -> Hierarchy:
    dump = TaxonomyDump(
        skills=[
            skill("slides"),
            skill("talks"),
            skill("reports"),
            skill("python", status=NodeStatus.deprecated),
        ],
        clusters=[
            cluster("root", 0),
            cluster("comm", 1),
            cluster("tech", 1),
            cluster("present", 2),
            cluster("write", 2),
        ],
        broader=[Broader(child_id=c, parent_id=p) for c, p in EDGES],
    )
    return Hierarchy.from_dump(dump)


def test_nodes_labels_kinds(h: Hierarchy) -> None:
    assert isinstance(h.graph, nx.DiGraph)
    assert h.graph.number_of_nodes() == 9
    assert h.graph.number_of_edges() == 9
    assert h.graph.has_edge("slides", "present")  # child -> parent
    assert h.label("talks") == "talks label"
    assert h.kind("talks") == "skill"
    assert h.kind("comm") == "cluster"
    assert isinstance(h.node("comm"), SkillCluster)
    assert h.is_active("talks")
    assert not h.is_active("python")
    assert h.roots() == ["root"]


def test_unknown_ids_raise_not_found(h: Hierarchy) -> None:
    for call in (h.node, h.label, h.kind, h.parents, h.children, h.path_to_root, h.siblings):
        with pytest.raises(NotFound):
            call("nope")
    with pytest.raises(NotFound):
        h.ancestors_by_distance("nope")


def test_parents_children_sorted(h: Hierarchy) -> None:
    assert h.parents("slides") == ["present", "tech"]
    assert h.children("present") == ["slides", "talks"]
    assert h.children("root") == ["comm", "tech"]
    assert h.parents("root") == []


def test_ancestors_by_distance(h: Hierarchy) -> None:
    assert h.ancestors_by_distance("slides") == {"present": 1, "tech": 1, "comm": 2, "root": 2}
    assert h.ancestors_by_distance("slides", max_depth=1) == {"present": 1, "tech": 1}
    assert h.ancestors_by_distance("talks") == {"present": 1, "comm": 2, "root": 3}
    assert h.ancestors_by_distance("root") == {}
    assert h.ancestors_by_distance("talks", max_depth=0) == {}


def test_descendants(h: Hierarchy) -> None:
    assert h.descendant_skills("comm") == {"slides", "talks", "reports"}
    assert h.descendant_skills("tech") == {"slides", "python"}
    assert h.descendant_skills("talks") == set()
    assert h.descendants_by_distance("comm") == {
        "present": 1,
        "write": 1,
        "slides": 2,
        "talks": 2,
        "reports": 2,
    }


def test_siblings_share_a_parent_and_kind(h: Hierarchy) -> None:
    assert h.siblings("slides") == {"talks", "python"}  # via present and via tech
    assert h.siblings("talks") == {"slides"}
    assert h.siblings("reports") == set()
    assert h.siblings("present") == {"write"}  # clusters: other clusters only


def test_path_to_root_is_shortest_with_stable_ties(h: Hierarchy) -> None:
    # slides -> tech -> root (2 steps) beats slides -> present -> comm -> root (3).
    assert h.path_to_root("slides") == ["slides", "tech", "root"]
    assert h.path_to_root("talks") == ["talks", "present", "comm", "root"]
    assert h.path_to_root("root") == ["root"]
    assert h.path_labels("reports") == ["reports label", "write label", "comm label", "root label"]


def test_path_ties_broken_by_smallest_parent_id() -> None:
    dump = TaxonomyDump(
        skills=[skill("s")],
        clusters=[cluster("b", 1), cluster("a", 1), cluster("top", 0)],
        broader=[
            Broader(child_id=c, parent_id=p)
            for c, p in [("s", "b"), ("s", "a"), ("a", "top"), ("b", "top")]
        ],
    )
    assert Hierarchy.from_dump(dump).path_to_root("s") == ["s", "a", "top"]


def test_cycles(h: Hierarchy) -> None:
    assert h.find_cycle() is None
    assert h.would_create_cycle("root", "present")  # present is under root
    assert h.would_create_cycle("comm", "comm")
    assert not h.would_create_cycle("python", "present")
    assert not h.would_create_cycle("write", "tech")
    assert not h.would_create_cycle("new", "root")  # unknown ids are not on any path
    looped = h.with_changes(add_edges=[("root", "present")])
    cycle = looped.find_cycle()
    assert cycle is not None
    assert set(cycle) == {"root", "present", "comm"}
    # each element's parent is the next one, the last one's is the first
    for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        assert looped.graph.has_edge(a, b)
    assert h.find_cycle() is None  # with_changes copies


def test_edges_to_unknown_nodes_are_left_out() -> None:
    dump = TaxonomyDump(
        skills=[skill("s")], clusters=[], broader=[Broader(child_id="s", parent_id="ghost")]
    )
    h = Hierarchy.from_dump(dump)
    assert h.parents("s") == []
    assert "ghost" not in h


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40))
def test_random_dags_agree_with_networkx(pairs: list[tuple[int, int]]) -> None:
    # Edges always go from a larger number to a smaller one: a DAG by construction.
    edges = {(f"n{max(a, b)}", f"n{min(a, b)}") for a, b in pairs if a != b}
    nodes = [cluster(f"n{i}", 0) for i in range(12)]
    h = Hierarchy.from_parts([], nodes, [Broader(child_id=c, parent_id=p) for c, p in edges])
    assert h.find_cycle() is None
    for node in nodes:
        dist = h.ancestors_by_distance(node.id)
        expected = nx.single_source_shortest_path_length(h.graph, node.id)
        expected.pop(node.id)
        assert dist == expected
        path = h.path_to_root(node.id)
        assert h.parents(path[-1]) == []
        assert len(path) - 1 == min([dist[r] for r in dist if not h.parents(r)] or [0])
        for up in dist:
            assert h.would_create_cycle(up, node.id)


def test_skills_under_a_broader_skill(h: Hierarchy) -> None:
    """ESCO: a skill's broader concept may be a skill; walks treat that edge like any other."""
    deeper = h.with_changes(
        nodes=[skill("keynotes"), skill("pitches")],
        add_edges=[("keynotes", "talks"), ("pitches", "talks"), ("pitches", "present")],
    )
    assert deeper.parents("keynotes") == ["talks"]
    assert deeper.kind(deeper.parents("keynotes")[0]) == "skill"
    assert deeper.children("talks") == ["keynotes", "pitches"]
    assert deeper.descendant_skills("talks") == {"keynotes", "pitches"}
    assert deeper.descendant_skills("present") == {"slides", "talks", "keynotes", "pitches"}
    assert deeper.ancestors_by_distance("keynotes") == {"talks": 1, "present": 2, "comm": 3,
                                                        "root": 4}  # fmt: skip
    assert deeper.path_to_root("keynotes") == ["keynotes", "talks", "present", "comm", "root"]
    assert deeper.siblings("keynotes") == {"pitches"}  # under the same broader skill
    assert deeper.siblings("pitches") == {"keynotes", "slides", "talks"}
    # a loop through skills is a cycle like any other
    assert deeper.would_create_cycle("talks", "keynotes")
    looped = deeper.with_changes(add_edges=[("talks", "keynotes")])
    cycle = looped.find_cycle()
    assert cycle is not None and set(cycle) == {"talks", "keynotes"}
