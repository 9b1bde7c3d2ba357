"""A pairing's baseline levels (each mentee's level in the goal's skills when proposed) on
every store: written by `plan_propose` from the stored skills, read back as written, and the
same for a group (one entry per mentee)."""

from __future__ import annotations

from graph.lifecycle.pairings import plan_propose
from graph.model import (
    Goal,
    GoalTarget,
    MentoringModel,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
)
from graph.store import (
    GraphStore,
    SetGoalTargets,
    UpsertClusters,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)


def test_baseline_levels_written_at_propose_and_read_back(store: GraphStore) -> None:
    store.apply(
        [
            UpsertSkills([Skill(id="s-a", label="a"), Skill(id="s-b", label="b")]),
            UpsertClusters([SkillCluster(id="c", label="c", tier=0)]),
            UpsertPeople(
                [
                    Person(id="m", name="M", is_mentor=True, max_mentees=3, max_hours_per_month=9),
                    Person(id="e1", name="E1"),
                    Person(id="e2", name="E2"),
                ]
            ),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id="m", skill_id="s-a", level=5, willing_to_mentor=True),
                    PersonSkill(person_id="e1", skill_id="s-a", level=2),
                ]
            ),
            UpsertGoals(
                [Goal(id="g1", person_id="e1", text="x"), Goal(id="g2", person_id="e2", text="y")]
            ),
            SetGoalTargets(
                "g1",
                [
                    GoalTarget(goal_id="g1", node_id="s-a", confidence=0.9),
                    GoalTarget(goal_id="g1", node_id="c", confidence=0.5),  # a group: not listed
                ],
            ),
            SetGoalTargets("g2", [GoalTarget(goal_id="g2", node_id="s-b", confidence=0.7)]),
        ]
    )
    planned = plan_propose(
        store, "m", ["e1", "e2"], model=MentoringModel.group, goal_ids=["g1", "g2"]
    )
    assert planned.result.baseline_levels == {"e1": {"s-a": 2}, "e2": {"s-b": 0}}
    planned.apply_to(store)
    stored = store.get_pairing(planned.result.id)
    assert stored is not None and stored.baseline_levels == {"e1": {"s-a": 2}, "e2": {"s-b": 0}}
    assert store.list_pairings()[0].baseline_levels == stored.baseline_levels
