"""A goal's TARGETS: set by the mapper, confirmed or corrected by a steward.

`map_goal` stores the mapper's best nodes as the goal's targets (source "embedding").
`correct_goal_mapping` replaces them with a steward's choice (source "steward", confidence 1)
and teaches the running mapper the goal's wording at once.

Goal text is confidential (the mentee, their accepted mentor, coordinators), so a correction
never publishes it: the mapper learns PRIVATELY. The private store of corrections is the goal's
own steward TARGETS (readable only through the goal); a mapper rebuilt from the store learns
them again with `learn_corrections`. Nothing of the goal's wording reaches the taxonomy, its
change history or the audit. Only wording the steward types (`alias`) becomes an alias of the
first node, through `taxonomy.editing.plan_add_alias` (versioned and revertible like any
steward edit). The `plan_*` forms return the change unwritten (`graph.store.Planned`) so a
caller can add its audit entry to the same apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from graph.errors import InvalidInput, NotFound
from graph.model import Goal, GoalTarget, NodeStatus, TargetSource
from graph.store import GraphStore, Planned, SetGoalTargets, applying
from taxonomy.editing import plan_add_alias
from taxonomy.goal_text import guess_language
from taxonomy.mapping import GoalMapper, MappingResult

MAX_ALIAS_CHARS = 500  # graph.model.Label


class TextMapper(Protocol):
    """What goal mapping needs of a mapper (taxonomy.mapping.GoalMapper, or a stand-in that
    builds one on first use): the best k taxonomy nodes for a text."""

    def map(self, text: str, k: int = 5) -> MappingResult: ...


class VerdictMapper(TextMapper, Protocol):
    """A mapper that also says which languages its taxonomy's names are in (for
    `verdict_of`): taxonomy.mapping.GoalMapper."""

    @property
    def languages(self) -> frozenset[str]: ...


LANGUAGE_NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French"}


@dataclass(frozen=True)
class MappingVerdict:
    """How well a goal's text mapped, for the person who wrote it.

    `fell_back`: no skill was confident enough, the targets are broad clusters the mentee
    should choose from (`choose` then True); `vague`: the goal names no specific skill (the
    targets are areas to choose from too); `reason`: the mapper's words, plus a hint when the
    goal is in a language (`language`: "en", "de", "es", "fr", as the mapper read it, else
    guessed from function words)
    that none of the taxonomy's labels are in."""

    fell_back: bool
    vague: bool
    reason: str
    language: str
    choose: bool


def verdict_of(result: MappingResult, text: str, languages: frozenset[str]) -> MappingVerdict:
    """The verdict on `result`, the mapping of `text` onto a taxonomy whose names are in
    `languages` (see `MappingVerdict`)."""
    language = result.language or guess_language(text)
    reason = result.reason
    if language not in languages and languages:
        name = LANGUAGE_NAMES.get(language, language)
        hint = (
            f"{name} goal: import {name} ESCO labels with "
            f"`mentorgraph import esco --language {language}` for better matches"
        )
        reason = f"{hint}; {reason}" if reason else hint
    return MappingVerdict(
        fell_back=result.fell_back,
        vague=result.vague,
        reason=reason,
        language=language,
        choose=result.fell_back or result.vague,
    )


def _goal(store: GraphStore, goal_id: str) -> Goal:
    goal = store.get_goal(goal_id)
    if goal is None:
        raise NotFound(f"unknown goal {goal_id!r}")
    return goal


def mapped_targets(mapper: TextMapper, goal: Goal, *, k: int = 3) -> SetGoalTargets:
    """The op that makes the mapper's best k nodes for the goal's text its targets (replacing
    earlier ones). When the mapper falls back to clusters, the clusters are the targets.
    Reads nothing from a store: the goal may be one the same apply creates."""
    return _targets_op(mapper.map(goal.text, k=k), goal)


def mapped_targets_with_verdict(
    mapper: VerdictMapper, goal: Goal, *, k: int = 3
) -> tuple[SetGoalTargets, MappingVerdict]:
    """`mapped_targets` and the verdict on the mapping (`verdict_of`). On a fall-back or a
    vague goal the targets are the clusters the mapper offered (as `map` returns them), for
    the mentee to choose from (`MappingVerdict.choose`)."""
    result = mapper.map(goal.text, k=k)
    return _targets_op(result, goal), verdict_of(result, goal.text, mapper.languages)


# A mapped goal keeps as targets only candidates at least this share as confident as its
# best: a skill at 0.00003 beside one at 0.9 is noise, not a second reading of the goal.
KEEP_SHARE = 0.1


def _targets_op(result: MappingResult, goal: Goal) -> SetGoalTargets:
    """The op storing `result`'s candidates as the goal's targets: every cluster offered on
    a fall-back or a vague goal (the choices), else the candidates at least KEEP_SHARE as
    confident as the best one."""
    kept = result.candidates
    if kept and not (result.fell_back or result.vague):
        floor = KEEP_SHARE * max(c.score for c in kept)
        kept = [kept[0], *(c for c in kept[1:] if c.score >= floor)]
    targets = [
        GoalTarget(
            goal_id=goal.id,
            node_id=c.id,
            confidence=min(max(c.score, 0.0), 1.0),
            source=TargetSource.embedding,
        )
        for c in kept
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
    learn for the first node (`teach` it once the correction is written). `phrase` is the
    goal's confidential text: keep it in memory only, never in a response, log or audit."""

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
    alias: str | None = None,
) -> Planned[GoalCorrection]:
    """A steward confirms or corrects the goal's targets: they become exactly `node_ids`
    (source "steward", confidence 1.0). The goal's wording is never published; with `alias`
    (wording the steward typed, 1-500 characters) that wording becomes an alias of
    `node_ids[0]` (a versioned steward edit) in the same apply, unless it already is one.

    NotFound: unknown goal or node. InvalidInput: no nodes, duplicates, a deprecated node,
    an empty or over-long alias."""
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
    targets = [
        GoalTarget(goal_id=goal.id, node_id=n, confidence=1.0, source=TargetSource.steward)
        for n in ids
    ]
    planned = Planned(
        [SetGoalTargets(goal_id=goal.id, targets=targets)],
        GoalCorrection(targets=targets, phrase=phrase, node_id=first.id),
    )
    if alias is not None:
        wording = alias.strip()
        if not wording or len(wording) > MAX_ALIAS_CHARS:
            raise InvalidInput(f"alias must be 1-{MAX_ALIAS_CHARS} characters; got {len(wording)}")
        known = {n.casefold() for n in [first.label, *first.aliases]}
        if wording.casefold() not in known:
            added = plan_add_alias(
                store,
                first.id,
                wording,
                actor=actor,
                reason=reason or f"steward correction of a goal mapping to {first.label!r}",
            )
            planned = planned.plus(*added.ops)
    return planned


def teach(mapper: GoalMapper, correction: GoalCorrection) -> None:
    """After the correction is written: the running mapper maps the goal's wording to the
    first node from now on (in memory only). A node it does not know yet (created after its
    last `refresh`) is learnt by `learn_corrections` when the mapper is next built."""
    if correction.node_id in mapper.node_ids:
        mapper.teach(correction.phrase, correction.node_id)


def learn_corrections(mapper: GoalMapper, store: GraphStore) -> int:
    """Teach `mapper` every stored steward correction, privately: for each goal whose targets
    a steward set, its wording -> one steward target the mapper knows (a skill before a
    cluster, as the mapper prefers; the store keeps no order among targets). The goals' text
    stays in the goals; returns how many phrases were taught."""
    taught = 0
    known = set(mapper.node_ids)
    for goal in store.list_goals():
        steward = [
            t.node_id
            for t in store.goal_targets(goal.id)
            if t.source == TargetSource.steward and t.node_id in known
        ]
        if steward:
            skills = [n for n in steward if store.get_skill(n) is not None]
            mapper.teach(goal.text.strip(), (skills or steward)[0])
            taught += 1
    return taught


def correct_goal_mapping(
    store: GraphStore,
    mapper: GoalMapper,
    goal_id: str,
    node_ids: Sequence[str],
    *,
    actor: str,
    reason: str = "",
    alias: str | None = None,
) -> list[GoalTarget]:
    """Plan the correction (`plan_correct_goal_mapping`), apply it, teach the mapper."""
    correction = plan_correct_goal_mapping(
        store, goal_id, node_ids, actor=actor, reason=reason, alias=alias
    ).apply_to(store)
    teach(mapper, correction)
    return correction.targets
