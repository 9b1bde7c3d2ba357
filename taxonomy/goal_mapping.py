"""A goal's TARGETS: set by the mapper, confirmed or corrected by a steward.

`map_goal` stores the mapper's best nodes as the goal's targets (source "embedding").
`correct_goal_mapping` replaces them with a steward's choice (source "steward", confidence 1)
and makes the goal's wording an alias of the first chosen node, through
`taxonomy.editing.add_alias` (so it is versioned and revertible like any steward edit), and
teaches the running mapper at once; a mapper rebuilt from the store learns it from the alias.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.errors import InvalidInput, NotFound
from graph.model import Goal, GoalTarget, NodeStatus, TargetSource
from graph.store import GraphStore, SetGoalTargets
from taxonomy.editing import add_alias
from taxonomy.mapping import GoalMapper

MAX_ALIAS_CHARS = 500  # graph.model.Label


def _goal(store: GraphStore, goal_id: str) -> Goal:
    goal = store.get_goal(goal_id)
    if goal is None:
        raise NotFound(f"unknown goal {goal_id!r}")
    return goal


def map_goal(
    store: GraphStore, mapper: GoalMapper, goal_id: str, *, k: int = 3
) -> list[GoalTarget]:
    """Map the goal's text and store the best k nodes as its targets (replacing earlier ones).

    When the mapper falls back to clusters, the clusters are the targets."""
    goal = _goal(store, goal_id)
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
    store.apply([SetGoalTargets(goal_id=goal.id, targets=targets)])
    return targets


def correct_goal_mapping(
    store: GraphStore,
    mapper: GoalMapper,
    goal_id: str,
    node_ids: Sequence[str],
    *,
    actor: str,
    reason: str = "",
) -> list[GoalTarget]:
    """A steward confirms or corrects the goal's targets: they become exactly `node_ids`
    (source "steward", confidence 1.0), and the goal's wording maps to `node_ids[0]` from now
    on. Goal texts longer than an alias may be (500 characters) are taught to the running
    mapper only; a node the running mapper does not know yet (created after its last
    `refresh`) gets the alias in the store, and the mapper learns it on its next refresh."""
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
    store.apply([SetGoalTargets(goal_id=goal.id, targets=targets)])
    if phrase.casefold() not in known and len(phrase) <= MAX_ALIAS_CHARS:
        add_alias(
            store,
            first.id,
            phrase,
            actor=actor,
            reason=reason or f"steward mapped goal {goal.id!r} to {first.label!r}",
        )
    if first.id in mapper.node_ids:
        mapper.teach(phrase, first.id)
    return targets
