"""RepointReferences on the hand-built graph, with every level and confidence worked out by hand."""

from __future__ import annotations

from graph.errors import BatchRejected
from graph.model import GoalTarget, NodeStatus, PersonSkill, TargetSource, TaxonomyChange
from graph.store import (
    GraphStore,
    RepointReferences,
    SetGoalTargets,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
)


def levels(store: GraphStore, skill_id: str) -> dict[str, tuple[int, bool]]:
    return {h.person_id: (h.level, h.willing_to_mentor) for h in store.holders_of(skill_id)}


def targets(store: GraphStore, node_id: str) -> dict[str, tuple[float, str]]:
    return {t.goal_id: (t.confidence, t.source.value) for t in store.targets_of_node(node_id)}


def test_merge_skill_into_skill(seeded: GraphStore) -> None:
    seeded.apply(
        [
            # carol: py 2 willing, stats 3 not willing -> stats 3 (max) willing (any).
            UpsertPersonSkills(
                [PersonSkill(person_id="carol", skill_id="s-py", level=2, willing_to_mentor=True)]
            ),
            SetGoalTargets(
                "g1",
                [
                    GoalTarget(
                        goal_id="g1", node_id="s-py", confidence=0.9, source=TargetSource.steward
                    ),
                    GoalTarget(goal_id="g1", node_id="s-stats", confidence=0.6),
                ],
            ),
            SetGoalTargets(
                "g2",
                [
                    GoalTarget(
                        goal_id="g2", node_id="s-py", confidence=0.3, source=TargetSource.manual
                    ),
                    GoalTarget(goal_id="g2", node_id="s-stats", confidence=0.7),
                ],
            ),
        ]
    )
    py = seeded.get_skill("s-py")
    assert py is not None
    deprecated = py.model_copy(update={"status": NodeStatus.deprecated, "replaced_by": ["s-stats"]})
    seeded.apply(
        [
            UpsertSkills([deprecated]),
            RepointReferences("s-py", ["s-stats"]),
            UpsertTaxonomyChanges(
                [TaxonomyChange(id="m1", actor="st", op="merge", node_ids=["s-py", "s-stats"])]
            ),
        ]
    )
    # alice had only py 4 willing; carol: max(2, 3) = 3, willing from py.
    assert levels(seeded, "s-stats") == {"alice": (4, True), "carol": (3, True)}
    assert seeded.holders_of("s-py") == []
    # g1: max(0.9 steward, 0.6 embedding) -> 0.9 steward; g2: max(0.3 manual, 0.7) -> 0.7.
    assert targets(seeded, "s-stats") == {"g1": (0.9, "steward"), "g2": (0.7, "embedding")}
    assert seeded.targets_of_node("s-py") == []
    assert [t.node_id for t in seeded.goal_targets("g1")] == ["s-stats"]  # deduped
    # the source itself is untouched apart from what the caller upserted
    assert seeded.get_skill("s-py") == deprecated
    assert [c.id for c in seeded.parents("s-py")] == ["c-data", "c-prog"]
    assert [c.id for c in seeded.taxonomy_changes(node_id="s-stats")] == ["m1"]
    # other people's skills are unchanged
    assert levels(seeded, "s-java") == {"bob": (5, True)}


def test_split_skill_onto_a_skill_and_a_cluster(seeded: GraphStore) -> None:
    seeded.apply([RepointReferences("s-py", ["s-java", "c-data"])])
    # HAS_SKILL only onto the skill target: alice py 4 willing, carol py 2; bob java 5 stays.
    assert levels(seeded, "s-java") == {
        "alice": (4, True),
        "bob": (5, True),
        "carol": (2, False),
    }
    # TARGETS onto every target: g1 had s-py 0.9 steward and c-prog 0.5.
    assert targets(seeded, "s-java") == {"g1": (0.9, "steward")}
    assert targets(seeded, "c-data") == {"g1": (0.9, "steward")}
    assert targets(seeded, "c-prog") == {"g1": (0.5, "embedding")}
    assert seeded.holders_of("s-py") == []
    assert seeded.targets_of_node("s-py") == []


def test_merge_cluster_moves_children_and_dedupes(seeded: GraphStore) -> None:
    seeded.apply([RepointReferences("c-prog", ["c-data"])])
    # c-prog's children s-py (already under c-data: one edge) and s-java move to c-data.
    assert [n.id for n in seeded.children("c-data")] == ["s-java", "s-py", "s-sql", "s-stats"]
    assert seeded.children("c-prog") == []
    assert [c.id for c in seeded.parents("s-py")] == ["c-data"]
    assert [c.id for c in seeded.parents("c-prog")] == ["c-root"]  # source's own edge kept
    assert targets(seeded, "c-data") == {"g1": (0.5, "embedding")}
    assert len(seeded.taxonomy().broader) == 6  # 7 - (s-py->c-prog, s-java->c-prog) + s-java


def test_repoint_tie_keeps_the_existing_source(seeded: GraphStore) -> None:
    seeded.apply(
        [
            SetGoalTargets(
                "g1",
                [
                    GoalTarget(
                        goal_id="g1", node_id="s-py", confidence=0.5, source=TargetSource.manual
                    ),
                    GoalTarget(
                        goal_id="g1", node_id="s-sql", confidence=0.5, source=TargetSource.import_
                    ),
                ],
            )
        ]
    )
    seeded.apply([RepointReferences("s-py", ["s-sql"])])
    assert targets(seeded, "s-sql") == {"g1": (0.5, "import")}


def test_repoint_onto_itself_is_refused(seeded: GraphStore) -> None:
    before = seeded.data_version()
    try:
        seeded.apply([RepointReferences("s-py", ["s-sql", "s-py"])])
    except BatchRejected as err:
        assert [(p.row, p.field.split(".")[-2:]) for p in err.problems] == [
            (0, ["target_ids", "1"])
        ]
    else:
        raise AssertionError("repointing a node onto itself was accepted")
    assert seeded.data_version() == before
    assert len(seeded.holders_of("s-py")) == 2
