"""Goals: create, update, re-map, correct the mapping, delete; who may read a goal's text.

A goal's text is mapped onto the taxonomy before anything is written, so the goal, its
TARGETS and the audit entry land in one apply.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.audit import actor_of
from api.auth import Principal
from api.state import AppState
from api.usecases.base import Who, audited, goal, person
from graph.errors import Conflict, InvalidInput
from graph.model import Goal, PairingStatus, milestone_order_problems, open_duplicate, utcnow
from graph.store import DeleteGoals, GraphStore, PairingFilter, Planned, StoreOp, UpsertGoals
from taxonomy.goal_mapping import (
    GoalCorrection,
    MappingVerdict,
    VerdictMapper,
    mapped_targets_with_verdict,
    plan_correct_goal_mapping,
    teach,
)
from taxonomy.mapping import GoalMapper, MappingResult

GOAL_TARGETS_K = 3
MENTOR_SEES = frozenset({PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled})


# --- reads and access -----------------------------------------------------------------------


def get_goal(state: AppState, goal_id: str) -> Goal:
    """The goal; NotFound."""
    return goal(state.store, goal_id)


def mentors_of(state: AppState, mentee_id: str) -> set[str]:
    """Mentors in an accepted/active/stalled pairing with the mentee."""
    pairings = state.store.list_pairings(PairingFilter(mentee_id=mentee_id))
    return {p.mentor_id for p in pairings if p.status in MENTOR_SEES}


def may_read_goal_text(state: AppState, who: Principal, owner_id: str) -> bool:
    """Goal text is confidential to the mentee, their mentor(s) and coordinators."""
    if who.org_wide or who.is_person(owner_id):
        return True
    return who.person_id is not None and who.person_id in mentors_of(state, owner_id)


def proposed_mentors_of(state: AppState, mentee_id: str) -> set[str]:
    """Mentors in a proposed (not yet accepted) pairing with the mentee."""
    pairings = state.store.list_pairings(PairingFilter(mentee_id=mentee_id))
    return {p.mentor_id for p in pairings if p.status == PairingStatus.proposed}


def is_proposed_mentor(state: AppState, who: Principal, owner_id: str) -> bool:
    """Whether the caller is a mentor merely proposed for the mentee (no accepted pairing)."""
    return who.person_id is not None and who.person_id in proposed_mentors_of(state, owner_id)


# --- checks ---------------------------------------------------------------------------------


def check_not_duplicate(store: GraphStore, goal: Goal) -> None:
    """Conflict (409) when the person has another open goal with the same text (by
    `graph.text.label_key`); the message and `details` name the existing goal's id, never the
    text."""
    twin = open_duplicate(store.goals_of(goal.person_id), goal)
    if twin is not None:
        raise Conflict(
            f"person {goal.person_id!r} already has this goal open: {twin.id!r}",
            details=[{"field": "body.text", "reason": f"same text as open goal {twin.id!r}"}],
        )


def check_goal_dates(goal: Goal, before: Goal | None = None, *, today: date | None = None) -> None:
    """InvalidInput (422) naming the field (`body.target_date`, `body.milestones.<i>.due`):

    - a milestone due before `start_date` or after `target_date` (order);
    - a target date or milestone due date before `today` (server clock, UTC) when it is new:
      at creation (`before` None), or changed from the stored goal `before` on update (dates
      already stored are kept as they are, so a goal past its date can still be edited).
    """
    today = today or utcnow().date()
    problems: list[dict[str, str]] = []
    old_dues = {m.due for m in before.milestones} if before is not None else set()
    new_target = before is None or goal.target_date != before.target_date
    if goal.target_date is not None and new_target and goal.target_date < today:
        problems.append(
            {"field": "body.target_date", "reason": f"{goal.target_date} is past (today {today})"}
        )
    out_of_order = dict(milestone_order_problems(goal))
    for i, m in enumerate(goal.milestones):
        field = f"milestones.{i}.due"
        if field in out_of_order:
            problems.append({"field": f"body.{field}", "reason": out_of_order[field]})
        elif m.due is not None and m.due < today and m.due not in old_dues:
            problems.append(
                {"field": f"body.{field}", "reason": f"{m.due} is past (today {today})"}
            )
    if problems:
        fields = ", ".join(p["field"] for p in problems)
        raise InvalidInput(f"goal dates out of order or past: {fields}", details=problems)


# --- changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TaxonomyOnly:
    """The mapper without the phrases stewards taught from goal corrections (see `mapper_for`)."""

    mapper: GoalMapper

    def map(self, text: str, k: int = 5) -> MappingResult:
        return self.mapper.map(text, k, taught=False)

    @property
    def languages(self) -> frozenset[str]:
        return self.mapper.languages


def mapper_for(state: AppState, who: Who) -> VerdictMapper:
    """The goal mapper as `who` may use it. Taught phrases are other people's goal wording:
    a caller who may not read every goal (anyone but a coordinator, an admin or the CLI)
    maps on the taxonomy alone, else writing a goal with a guessed text and reading its
    targets would tell whether someone's corrected goal reads so."""
    mapper = state.goal_mapper()
    if isinstance(who, Principal) and not who.org_wide:
        return _TaxonomyOnly(mapper)
    return mapper


def create_goal(
    state: AppState, who: Who, person_id: str, data: Mapping[str, Any]
) -> tuple[Goal, MappingVerdict]:
    """Add a goal (id given or `goal_<16 hex>`) mapped onto the taxonomy, in one apply; the
    goal and the verdict on its mapping (a fall-back's targets are the clusters offered, for
    the mentee to choose from). NotFound: unknown person. Conflict: the id exists, or the
    person has an open goal with the same text (`check_not_duplicate`, naming its id).
    InvalidInput: a text the mapper refuses, dates out of order or past
    (`check_goal_dates`). Nothing is written then."""
    fields = dict(data)
    person(state.store, person_id)
    goal_id = fields.pop("id", None) or f"goal_{secrets.token_hex(8)}"
    if state.store.get_goal(goal_id) is not None:
        raise Conflict(f"goal {goal_id!r} already exists")
    new = Goal.model_validate({**fields, "id": goal_id, "person_id": person_id})
    check_goal_dates(new)
    check_not_duplicate(state.store, new)
    targets, verdict = mapped_targets_with_verdict(mapper_for(state, who), new, k=GOAL_TARGETS_K)

    def plan(store: GraphStore) -> Planned[Goal]:
        person(store, person_id)
        if store.get_goal(goal_id) is not None:
            raise Conflict(f"goal {goal_id!r} already exists")
        check_not_duplicate(store, new)
        planned = Planned([UpsertGoals([new]), targets], new)
        return audited(planned, who, "goal.create", goal_id, {"person_id": person_id})

    return state.write_plan(plan), verdict


def update_goal(
    state: AppState, who: Who, goal_id: str, changes: Mapping[str, Any]
) -> tuple[Goal, MappingVerdict | None]:
    """Change some fields; a new text is mapped again (same apply): the goal and the verdict
    on the new mapping (None when the text did not change). NotFound. Conflict: the
    change makes it an open twin of another open goal. InvalidInput: new dates out of order
    or past (`check_goal_dates`). The audit names the fields, never the text."""
    before = goal(state.store, goal_id)
    remap = "text" in changes and changes["text"] != before.text
    proposed = Goal.model_validate({**before.model_dump(), **changes, "id": goal_id})
    check_goal_dates(proposed, before)
    check_not_duplicate(state.store, proposed)
    mapper = mapper_for(state, who)
    mapped = mapped_targets_with_verdict(mapper, proposed, k=GOAL_TARGETS_K) if remap else None
    targets = mapped[0] if mapped is not None else None

    def plan(store: GraphStore) -> Planned[Goal]:
        current = goal(store, goal_id)
        merged = Goal.model_validate({**current.model_dump(), **changes, "id": goal_id})
        check_not_duplicate(store, merged)
        ops: list[StoreOp] = [UpsertGoals([merged])]
        if targets is not None:
            ops.append(targets)
        detail = {"fields": sorted(changes)}
        return audited(Planned(ops, merged), who, "goal.update", goal_id, detail)

    return state.write_plan(plan), (mapped[1] if mapped is not None else None)


def remap_goal(state: AppState, who: Who, goal_id: str) -> tuple[Goal, MappingVerdict]:
    """Map the goal again against the current taxonomy (after taxonomy edits): the goal and
    the verdict on the mapping. NotFound."""
    current = goal(state.store, goal_id)
    targets, verdict = mapped_targets_with_verdict(
        mapper_for(state, who), current, k=GOAL_TARGETS_K
    )

    def plan(store: GraphStore) -> Planned[Goal]:
        return audited(Planned([targets], goal(store, goal_id)), who, "goal.remap", goal_id)

    return state.write_plan(plan), verdict


def correct_goal(
    state: AppState,
    who: Who,
    goal_id: str,
    node_ids: Sequence[str],
    *,
    reason: str,
    alias: str | None = None,
) -> Goal:
    """A steward's correction: the targets become exactly `node_ids` (and `alias`, wording the
    steward typed, an alias of the first node), with the audit entry, in one apply; then the
    running mapper learns the goal's wording privately (never written to the taxonomy, its
    history or the audit). NotFound; InvalidInput (see
    taxonomy.goal_mapping.plan_correct_goal_mapping)."""
    goal(state.store, goal_id)
    mapper = state.goal_mapper()
    ids = list(node_ids)

    def plan(store: GraphStore) -> Planned[tuple[Goal, GoalCorrection]]:
        current = goal(store, goal_id)
        fix = plan_correct_goal_mapping(
            store, goal_id, ids, actor=actor_of(who), reason=reason, alias=alias
        )
        planned = Planned(fix.ops, (current, fix.result))
        detail: dict[str, Any] = {"targets": ids, "reason": reason}
        if alias is not None:
            detail["alias"] = alias
        return audited(planned, who, "goal.correct", goal_id, detail)

    current, correction = state.write_plan(plan)
    teach(mapper, correction)
    return current


def delete_goal(state: AppState, who: Who, goal_id: str) -> None:
    """Delete the goal and its TARGETS. NotFound."""

    def plan(store: GraphStore) -> Planned[None]:
        goal(store, goal_id)
        return audited(Planned([DeleteGoals([goal_id])], None), who, "goal.delete", goal_id)

    state.write_plan(plan)
