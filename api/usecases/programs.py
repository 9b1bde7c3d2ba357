"""Programs: declare one (formats and intensity); propose a group, a peer circle or a micro
session; find micro-session mentors.

Each change is one apply with its audit entry: `program.put` (target the program id),
`program.group.propose`, `program.circle.propose`, `program.micro.propose` (target the new
pairing's id, detail the program, model and member count). Accepting, declining, closing
and checking in go through `api.usecases.pairings` (groups, circles and micro sessions are
pairings), so each member accepts for themselves and a coordinator acts for the program.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.audit import actor_of
from api.state import AppState
from api.usecases.base import Who, audited
from api.usecases.pairings import acting_of
from graph.errors import InvalidInput
from graph.lifecycle import programs as lifecycle
from graph.lifecycle.formats import program_of
from graph.model import Format, MentoringModel, Pairing, Program
from graph.recommend.groups import MicroCandidate, micro_mentors
from graph.store import GraphStore, Planned


def put_program(state: AppState, who: Who, program: Program) -> Program:
    """Declare or re-declare a program (one apply with its audit entry)."""

    def plan(store: GraphStore) -> Planned[Program]:
        planned = lifecycle.plan_put_program(store, program)
        detail = {"models": [m.value for m in program.models]}
        return audited(planned, who, "program.put", program.id, detail)

    return state.write_plan(plan)


def get_program(state: AppState, program_id: str) -> Program:
    """The program's declaration, or what an undeclared program allows."""
    return program_of(state.store, program_id)


def _audited_proposal(
    planned: Planned[Pairing], who: Who, what: str, program: str | None
) -> Planned[Pairing]:
    p = planned.result
    detail = {"program": program, "model": p.model.value, "members": len(p.members)}
    return audited(planned, who, f"program.{what}.propose", p.id, detail)


def propose_group(
    state: AppState,
    who: Who,
    program: str,
    mentor_id: str,
    mentee_ids: Sequence[str],
    *,
    format: Format = Format.video,
    goal_ids: Sequence[str] = (),
    hours_per_month: float | None = None,
    reason: str = "",
) -> Pairing:
    """A proposed group (graph.lifecycle.programs.plan_propose_group for the checks)."""
    snapshot = state.current_snapshot()

    def plan(store: GraphStore) -> Planned[Pairing]:
        planned = lifecycle.plan_propose_group(
            store,
            program,
            mentor_id,
            mentee_ids,
            format=format,
            goal_ids=goal_ids,
            hours_per_month=hours_per_month,
            by=actor_of(who),
            reason=reason,
            snapshot=snapshot,
            acting=acting_of(who),
        )
        return _audited_proposal(planned, who, "group", program)

    return state.write_plan(plan)


def propose_circle(
    state: AppState,
    who: Who,
    program: str,
    member_ids: Sequence[str],
    *,
    format: Format = Format.video,
    hours_per_month: float | None = None,
    reason: str = "",
) -> Pairing:
    """A proposed peer circle (graph.lifecycle.programs.plan_propose_circle)."""
    snapshot = state.current_snapshot()

    def plan(store: GraphStore) -> Planned[Pairing]:
        planned = lifecycle.plan_propose_circle(
            store,
            program,
            member_ids,
            format=format,
            hours_per_month=hours_per_month,
            by=actor_of(who),
            reason=reason,
            snapshot=snapshot,
            acting=acting_of(who),
        )
        return _audited_proposal(planned, who, "circle", program)

    return state.write_plan(plan)


def propose_micro(
    state: AppState,
    who: Who,
    program: str,
    mentor_id: str,
    mentee_id: str,
    skill_id: str,
    *,
    session_minutes: int | None = None,
    format: Format = Format.video,
    reason: str = "",
) -> Pairing:
    """A proposed micro session (graph.lifecycle.programs.plan_propose_micro)."""
    snapshot = state.current_snapshot()

    def plan(store: GraphStore) -> Planned[Pairing]:
        planned = lifecycle.plan_propose_micro(
            store,
            program,
            mentor_id,
            mentee_id,
            skill_id,
            session_minutes=session_minutes,
            format=format,
            by=actor_of(who),
            reason=reason,
            snapshot=snapshot,
            acting=acting_of(who),
        )
        return _audited_proposal(planned, who, "micro", program)

    return state.write_plan(plan)


def find_micro_mentors(
    state: AppState, program: str, mentee_id: str, skill_id: str, *, k: int = 5
) -> list[MicroCandidate]:
    """Mentors for one micro session of `mentee_id` on `skill_id` (graph.recommend.groups.
    micro_mentors), with the program's session length. InvalidInput when the program does
    not run micro-mentoring or the skill is unknown; NotFound for an unknown mentee."""
    declared = program_of(state.store, program)
    if MentoringModel.micro not in declared.models:
        raise InvalidInput(
            f"model: program.models: program {program!r} does not run micro mentoring",
            details=[{"field": "model", "reason": "program.models: micro is not offered"}],
        )
    if state.store.get_node(skill_id) is None:
        raise InvalidInput(
            f"skill_id: unknown skill {skill_id!r}",
            details=[{"field": "skill_id", "reason": f"unknown skill {skill_id!r}"}],
        )
    st = state.current_snapshot().state
    return micro_mentors(st, mentee_id, skill_id, minutes=declared.micro_session_minutes, k=k)
