"""A goal's TARGETS: set by the mapper, confirmed or corrected by a steward.

`map_goal` stores the mapper's best nodes as the goal's targets (source "embedding").
`correct_goal_mapping` replaces them with a steward's choice (source "steward", confidence 1)
and makes the goal's wording an alias of the first chosen node, through
`taxonomy.editing.plan_add_alias` (so it is versioned and revertible like any steward edit),
in the same apply, and teaches the running mapper at once; a mapper rebuilt from the store
learns it from the alias. The `plan_*` forms return the change unwritten
(`graph.store.Planned`) so a caller can add its audit entry to the same apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from graph.errors import InvalidInput, NotFound
from graph.model import Goal, GoalTarget, NodeStatus, TargetSource
from graph.store import GraphStore, Planned, SetGoalTargets, applying
from taxonomy.editing import plan_add_alias
from taxonomy.mapping import GoalMapper, MappingResult

MAX_ALIAS_CHARS = 500  # graph.model.Label


class TextMapper(Protocol):
    """What goal mapping needs of a mapper (taxonomy.mapping.GoalMapper, or a stand-in that
    builds one on first use): the best k taxonomy nodes for a text."""

    def map(self, text: str, k: int = 5) -> MappingResult: ...


def _goal(store: GraphStore, goal_id: str) -> Goal:
    goal = store.get_goal(goal_id)
    if goal is None:
        raise NotFound(f"unknown goal {goal_id!r}")
    return goal


def mapped_targets(mapper: TextMapper, goal: Goal, *, k: int = 3) -> SetGoalTargets:
    """The op that makes the mapper's best k nodes for the goal's text its targets (replacing
    earlier ones). When the mapper falls back to clusters, the clusters are the targets.
    Reads nothing from a store: the goal may be one the same apply creates."""
    result = mapper.map(goal.text, k=k)
    targets = [
        GoalTarget(
            goal_id=goal.id,
            node_id=c.id,
            confidence=min(max(c.score, 0.0), 1.0),
            source=TargetSource.embedding,
        )
        for c in result.candidates
    ]
    return SetGoalTargets(goal_id=goal.id, targets=targets)


def plan_map_goal(
    store: GraphStore, mapper: TextMapper, goal_id: str, *, k: int = 3
) -> Planned[list[GoalTarget]]:
    """Map the stored goal's text (`mapped_targets`); NotFound for an unknown goal."""
    op = mapped_targets(mapper, _goal(store, goal_id), k=k)
    return Planned([op], list(op.targets))


map_goal = applying(plan_map_goal)


@dataclass(frozen=True)
class GoalCorrection:
    """A steward's correction: the goal's new targets, and the wording the mapper should
    learn for the first node (`teach` it once the correction is written)."""

    targets: list[GoalTarget]
    phrase: str
    node_id: str


def plan_correct_goal_mapping(
    store: GraphStore,
    goal_id: str,
    node_ids: Sequence[str],
    *,
    actor: str,
    reason: str = "",
) -> Planned[GoalCorrection]:
    """A steward confirms or corrects the goal's targets: they become exactly `node_ids`
    (source "steward", confidence 1.0), and the goal's wording becomes an alias of
    `node_ids[0]` (a versioned steward edit) in the same apply, unless it already is one or is
    longer than an alias may be (500 characters).

    NotFound: unknown goal or node. InvalidInput: no nodes, duplicates, a deprecated node."""
    goal = _goal(store, goal_id)
    ids = list(node_ids)
    if not ids:
        raise InvalidInput("a correction needs at least one taxonomy node")
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"node_ids has duplicates: {ids}")
    for node_id in ids:
        node = store.get_node(node_id)
        if node is None:
            raise NotFound(f"unknown taxonomy node {node_id!r}")
        if node.status != NodeStatus.active:
            raise InvalidInput(f"taxonomy node {node_id!r} is {node.status.value}; pick a live one")
    first = store.get_node(ids[0])
    assert first is not None
    phrase = goal.text.strip()
    known = {n.casefold() for n in [first.label, *first.aliases]}
    targets = [
        GoalTarget(goal_id=goal.id, node_id=n, confidence=1.0, source=TargetSource.steward)
        for n in ids
    ]
    planned = Planned(
        [SetGoalTargets(goal_id=goal.id, targets=targets)],
        GoalCorrection(targets=targets, phrase=phrase, node_id=first.id),
    )
    if phrase.casefold() not in known and len(phrase) <= MAX_ALIAS_CHARS:
        alias = plan_add_alias(
            store,
            first.id,
            phrase,
            actor=actor,
            reason=reason or f"steward mapped goal {goal.id!r} to {first.label!r}",
        )
        planned = planned.plus(*alias.ops)
    return planned


def teach(mapper: GoalMapper, correction: GoalCorrection) -> None:
    """After the correction is written: the running mapper maps the goal's wording to the
    first node from now on. A node it does not know yet (created after its last `refresh`)
    is learnt from the stored alias on the next refresh."""
    if correction.node_id in mapper.node_ids:
        mapper.teach(correction.phrase, correction.node_id)


def correct_goal_mapping(
    store: GraphStore,
    mapper: GoalMapper,
    goal_id: str,
    node_ids: Sequence[str],
    *,
    actor: str,
    reason: str = "",
) -> list[GoalTarget]:
    """Plan the correction (`plan_correct_goal_mapping`), apply it, teach the mapper."""
    correction = plan_correct_goal_mapping(
        store, goal_id, node_ids, actor=actor, reason=reason
    ).apply_to(store)
    teach(mapper, correction)
    return correction.targets
