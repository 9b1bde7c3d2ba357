"""Steward edits on real stores: atomic, recorded, revertible.

Fixture taxonomy (all steward-made):
    comm (cluster) ── present (cluster) ── talks, slides (skills)
    tech (cluster) ── python (skill)
People: ana holds talks 2 (willing) and slides 4; ben holds slides 3. Goal g1 targets talks 0.9.
"""

from __future__ import annotations

import pytest

from graph.errors import BatchRejected, Conflict, InvalidInput, NotFound
from graph.model import (
    Goal,
    GoalTarget,
    NodeStatus,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
)
from graph.store import (
    GraphStore,
    SetGoalTargets,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
)
from taxonomy import editing as ed

STEWARD = "steward@acme"


def levels(store: GraphStore, person: str) -> dict[str, tuple[int, bool]]:
    return {ps.skill_id: (ps.level, ps.willing_to_mentor) for ps in store.person_skills(person)}


def targets(store: GraphStore, goal: str) -> dict[str, float]:
    return {t.node_id: t.confidence for t in store.goal_targets(goal)}


def seed(store: GraphStore) -> None:
    ed.create_cluster(store, SkillCluster(id="comm", label="communication", tier=0), actor=STEWARD)
    ed.create_cluster(store, SkillCluster(id="tech", label="technology", tier=0), actor=STEWARD)
    ed.create_cluster(
        store,
        SkillCluster(id="present", label="presenting", tier=1),
        parents=["comm"],
        actor=STEWARD,
    )
    for sid, label, parent in [
        ("talks", "give talks", "present"),
        ("slides", "slide design", "present"),
        ("python", "python", "tech"),
    ]:
        ed.create_skill(store, Skill(id=sid, label=label), parents=[parent], actor=STEWARD)
    store.apply(
        [
            UpsertPeople(rows=[Person(id="ana", name="Ana"), Person(id="ben", name="Ben")]),
            UpsertPersonSkills(
                rows=[
                    PersonSkill(person_id="ana", skill_id="talks", level=2, willing_to_mentor=True),
                    PersonSkill(person_id="ana", skill_id="slides", level=4),
                    PersonSkill(person_id="ben", skill_id="slides", level=3),
                ]
            ),
            UpsertGoals(rows=[Goal(id="g1", person_id="ben", text="speak at the all-hands")]),
            SetGoalTargets(
                goal_id="g1",
                targets=[GoalTarget(goal_id="g1", node_id="talks", confidence=0.9)],
            ),
        ]
    )


@pytest.fixture
def seeded(embedded_store: GraphStore) -> GraphStore:
    seed(embedded_store)
    return embedded_store


def test_create_records_history_and_refuses_duplicates(seeded: GraphStore) -> None:
    talks = seeded.get_skill("talks")
    assert talks is not None and talks.source == "steward"
    assert [p.id for p in seeded.parents("talks")] == ["present"]
    (chg,) = ed.history(seeded, "talks")
    assert chg.op == "create" and chg.actor == STEWARD
    assert chg.before["nodes"] == {"talks": None}
    assert chg.after["parents"] == {"talks": ["present"]}
    with pytest.raises(Conflict):
        ed.create_skill(seeded, Skill(id="talks", label="again"), actor=STEWARD)
    with pytest.raises(NotFound):
        ed.create_skill(seeded, Skill(id="new", label="x"), parents=["nope"], actor=STEWARD)
    with pytest.raises(InvalidInput):  # parents must be clusters
        ed.create_skill(seeded, Skill(id="new", label="x"), parents=["talks"], actor=STEWARD)
    assert seeded.get_skill("new") is None


def test_rename_keeps_old_label_as_alias_and_reverts(seeded: GraphStore) -> None:
    chg = ed.rename(seeded, "talks", "public speaking", actor=STEWARD, reason="clearer")
    node = seeded.get_skill("talks")
    assert node is not None
    assert (node.label, node.aliases) == ("public speaking", ["give talks"])
    assert chg.reason == "clearer"
    undo = ed.revert(seeded, chg.id, actor="boss")
    node = seeded.get_skill("talks")
    assert node is not None and (node.label, node.aliases) == ("give talks", [])
    assert undo.reverts == chg.id
    old = seeded.get_taxonomy_change(chg.id)
    assert old is not None and old.reverted_by == undo.id
    with pytest.raises(Conflict):
        ed.revert(seeded, chg.id, actor="boss")  # already reverted


def test_describe_and_aliases(seeded: GraphStore) -> None:
    ed.describe(seeded, "python", "The language.", actor=STEWARD)
    ed.add_alias(seeded, "python", "py", actor=STEWARD)
    with pytest.raises(Conflict):
        ed.add_alias(seeded, "python", "PY", actor=STEWARD)
    node = seeded.get_skill("python")
    assert node is not None and node.description == "The language." and node.aliases == ["py"]
    ed.remove_alias(seeded, "python", "py", actor=STEWARD)
    with pytest.raises(NotFound):
        ed.remove_alias(seeded, "python", "py", actor=STEWARD)
    with pytest.raises(NotFound):
        ed.describe(seeded, "ghost", "x", actor=STEWARD)
    assert [c.op for c in ed.history(seeded, "python")] == [
        "remove_alias",
        "add_alias",
        "describe",
        "create",
    ]


def test_move_replaces_parents_and_refuses_cycles(seeded: GraphStore) -> None:
    ed.move(seeded, "slides", ["present", "tech"], actor=STEWARD)
    assert [p.id for p in seeded.parents("slides")] == ["present", "tech"]
    ed.move(seeded, "slides", ["tech"], actor=STEWARD)
    assert [p.id for p in seeded.parents("slides")] == ["tech"]
    with pytest.raises(InvalidInput, match="cycle"):
        ed.move(seeded, "comm", ["present"], actor=STEWARD)  # present sits under comm
    with pytest.raises(InvalidInput):
        ed.move(seeded, "comm", ["comm"], actor=STEWARD)
    assert [p.id for p in seeded.parents("comm")] == []
    with pytest.raises(NotFound):
        ed.move(seeded, "ghost", ["comm"], actor=STEWARD)


def test_merge_moves_holders_goals_and_aliases(store: GraphStore) -> None:
    seed(store)
    chg = ed.merge(store, "talks", "slides", actor=STEWARD, reason="same thing")
    survivor = store.get_skill("slides")
    gone = store.get_skill("talks")
    assert survivor is not None and gone is not None
    assert survivor.aliases == ["give talks"]
    assert gone.status == NodeStatus.deprecated and gone.replaced_by == ["slides"]
    # no mentor lost a skill: ana keeps max(2, 4) and willing from talks
    assert levels(store, "ana") == {"slides": (4, True)}
    assert levels(store, "ben") == {"slides": (3, False)}
    assert targets(store, "g1") == {"slides": 0.9}
    assert chg.node_ids[:2] == ["talks", "slides"]
    assert ed.history(store, "talks")[0].id == chg.id
    assert ed.history(store, "slides")[0].id == chg.id
    # and it all comes back on revert
    ed.revert(store, chg.id, actor=STEWARD)
    assert levels(store, "ana") == {"talks": (2, True), "slides": (4, False)}
    assert targets(store, "g1") == {"talks": 0.9}
    talks = store.get_skill("talks")
    slides = store.get_skill("slides")
    assert talks is not None and talks.status == NodeStatus.active and talks.replaced_by == []
    assert slides is not None and slides.aliases == []


def test_merge_is_atomic(store: GraphStore) -> None:
    """The ops a merge writes (repoint + deprecate) go in one transaction: with one bad row
    added, the store rejects all of them; so a merge can never half-happen."""
    seed(store)
    changes_before = len(store.taxonomy_changes(limit=1000))
    from graph.store import RepointReferences, UpsertSkills

    talks = store.get_skill("talks")
    assert talks is not None
    with pytest.raises(BatchRejected):
        store.apply(
            [
                RepointReferences(source_id="talks", target_ids=["slides"]),
                UpsertSkills(rows=[talks.model_copy(update={"status": NodeStatus.deprecated})]),
                UpsertPersonSkills(rows=[PersonSkill(person_id="nobody", skill_id="x", level=1)]),
            ]
        )
    assert levels(store, "ana") == {"talks": (2, True), "slides": (4, False)}
    assert store.get_skill("talks").status == NodeStatus.active  # type: ignore[union-attr]
    assert len(store.taxonomy_changes(limit=1000)) == changes_before


def test_merge_refusals(seeded: GraphStore) -> None:
    with pytest.raises(InvalidInput):
        ed.merge(seeded, "talks", "talks", actor=STEWARD)
    with pytest.raises(InvalidInput):
        ed.merge(seeded, "talks", "comm", actor=STEWARD)  # skill into cluster
    with pytest.raises(NotFound):
        ed.merge(seeded, "talks", "ghost", actor=STEWARD)
    ed.merge(seeded, "talks", "slides", actor=STEWARD)
    with pytest.raises(InvalidInput):
        ed.merge(seeded, "talks", "python", actor=STEWARD)  # already deprecated


def test_merge_clusters_moves_children(seeded: GraphStore) -> None:
    ed.merge(seeded, "present", "comm", actor=STEWARD)
    active = [c.id for c in seeded.children("comm") if c.status == NodeStatus.active]
    assert active == ["slides", "talks"]
    assert seeded.children("present") == []
    # the deprecated cluster keeps its own place, for explanations of old references
    assert [p.id for p in seeded.parents("present")] == ["comm"]


def test_split_gives_every_holder_all_new_skills(seeded: GraphStore) -> None:
    chg = ed.split(
        seeded,
        "slides",
        [
            Skill(id="slides-visual", label="visual slide design"),
            Skill(id="slides-story", label="slide storytelling"),
        ],
        actor=STEWARD,
    )
    assert levels(seeded, "ana") == {
        "talks": (2, True),
        "slides-visual": (4, False),
        "slides-story": (4, False),
    }
    old = seeded.get_skill("slides")
    assert old is not None and old.status == NodeStatus.deprecated
    assert old.replaced_by == ["slides-visual", "slides-story"]
    assert [p.id for p in seeded.parents("slides-story")] == ["present"]
    ed.revert(seeded, chg.id, actor=STEWARD)
    assert levels(seeded, "ana") == {"talks": (2, True), "slides": (4, False)}
    new = seeded.get_skill("slides-visual")
    assert new is not None and new.status == NodeStatus.deprecated  # never deleted


def test_deprecate_requires_replacement_when_referenced(seeded: GraphStore) -> None:
    with pytest.raises(InvalidInput, match="replacement"):
        ed.deprecate(seeded, "talks", actor=STEWARD)
    with pytest.raises(InvalidInput, match="replacement"):
        ed.deprecate(seeded, "present", actor=STEWARD)  # active children
    ed.deprecate(seeded, "python", actor=STEWARD)  # nobody holds it
    assert seeded.get_skill("python").status == NodeStatus.deprecated  # type: ignore[union-attr]
    ed.deprecate(seeded, "talks", replacement_id="slides", actor=STEWARD)
    assert levels(seeded, "ana") == {"slides": (4, True)}
    assert targets(seeded, "g1") == {"slides": 0.9}
    slides = seeded.get_skill("slides")
    assert slides is not None and slides.aliases == []  # unlike merge, no alias


def test_revert_refused_after_later_change_on_same_node(seeded: GraphStore) -> None:
    first = ed.rename(seeded, "talks", "public speaking", actor=STEWARD)
    second = ed.describe(seeded, "talks", "On stage.", actor=STEWARD)
    with pytest.raises(Conflict, match=second.id):
        ed.revert(seeded, first.id, actor=STEWARD)
    ed.revert(seeded, second.id, actor=STEWARD)
    ed.revert(seeded, first.id, actor=STEWARD)  # consistent again
    assert seeded.get_skill("talks").label == "give talks"  # type: ignore[union-attr]


def test_revert_keeps_a_level_changed_since(seeded: GraphStore) -> None:
    chg = ed.merge(seeded, "talks", "slides", actor=STEWARD)
    seeded.apply(
        [UpsertPersonSkills(rows=[PersonSkill(person_id="ben", skill_id="slides", level=5)])]
    )
    ed.revert(seeded, chg.id, actor=STEWARD)
    assert levels(seeded, "ben") == {"slides": (5, False)}  # ben's own later edit stays
    assert levels(seeded, "ana") == {"talks": (2, True), "slides": (4, False)}


def test_revert_unknown_change(seeded: GraphStore) -> None:
    with pytest.raises(NotFound):
        ed.revert(seeded, "chg-nope", actor=STEWARD)


def test_live_labels_are_unique_per_kind(seeded: GraphStore) -> None:
    """Issue 13: a steward could give two live skills the same label, which breaks every
    later import that looks the label up."""
    with pytest.raises(Conflict, match="live skill 'slides'") as e:
        ed.rename(seeded, "talks", "Slide  Design", actor=STEWARD)
    assert e.value.details == [{"field": "label", "node_id": "slides"}]
    assert seeded.get_node("talks").label == "give talks"  # nothing written
    with pytest.raises(Conflict, match="live skill 'python'"):
        ed.create_skill(seeded, Skill(id="py2", label="PYTHON"), actor=STEWARD)
    with pytest.raises(Conflict, match="alias 'python' is already the label of live skill"):
        ed.add_alias(seeded, "talks", "python", actor=STEWARD)
    # another kind, or the node's own label, is no clash
    ed.create_cluster(seeded, SkillCluster(id="py-c", label="python", tier=1), actor=STEWARD)
    ed.rename(seeded, "talks", "Give Talks", actor=STEWARD)
    with pytest.raises(Conflict, match="live cluster 'comm'"):
        ed.rename(seeded, "tech", "Communication", actor=STEWARD)


def test_a_deprecated_label_may_be_used_again(seeded: GraphStore) -> None:
    ed.deprecate(seeded, "python", actor=STEWARD, replacement_id="slides")
    ed.create_skill(seeded, Skill(id="py2", label="python"), actor=STEWARD)
    assert {n.id for n in seeded.find_by_label("python")} >= {"py2"}
