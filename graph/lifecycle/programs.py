"""Programs and their formats: declare a program, propose groups, peer circles and micro
sessions, publish the groups and circles of a cohort run.

A group, a circle and a micro session are pairings (`graph.model.Pairing` with `model`
group, circle or micro), so they follow the pairing lifecycle of
`graph.lifecycle.pairings`: every member other than the proposer accepts for themselves
(the proposer may only withdraw), a coordinator may accept for the program (recorded as
side `program`), and any member or the program may close. What differs is checked when they
are proposed (the program's declaration, `graph.lifecycle.formats`) and by the rules at every
door (`rule_problems`: a circle's guardrails hold between every two members; a micro session
needs a mentor who opted in).

Every `plan_*` returns a `Planned` (the ops of one apply and the result); the use cases
(`api.usecases.programs`) add the audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from graph.errors import Conflict, InvalidInput
from graph.lifecycle.formats import program_of, refuse_format_breaks
from graph.lifecycle.pairings import (
    PROGRAM,
    Acting,
    build_proposal,
    plan_propose,
    with_baseline,
)
from graph.model import Format, MentoringModel, Pairing, Program, utcnow
from graph.recommend.groups import Circle, Formed, Group
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, Planned, UpsertPairings, UpsertPrograms

M = MentoringModel


def plan_put_program(
    store: GraphStore, program: Program, *, now: datetime | None = None
) -> Planned[Program]:
    """Declare (or re-declare) a program: its formats and intensity. A re-declaration keeps
    the first `created_at`. Open pairings are not re-checked: the declaration rules what is
    proposed from now on."""
    stored = store.get_program(program.id)
    created = stored.created_at if stored is not None else (now or utcnow())
    row = program.model_copy(update={"created_at": created})
    return Planned([UpsertPrograms([row])], row)


def plan_propose_group(
    store: GraphStore,
    program: str,
    mentor_id: str,
    mentee_ids: Sequence[str],
    *,
    format: Format = Format.video,
    goal_ids: Sequence[str] = (),
    hours_per_month: float | None = None,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    acting: Acting = PROGRAM,
) -> Planned[Pairing]:
    """A proposed group of `program`: one mentor, 2..`max_group_size` mentees, meeting the
    program's `hours_per_month` (or the given hours), which is what it costs the mentor.
    InvalidInput naming `mentee_ids` (rule program.max_group_size) or `model`
    (program.models); Conflict for guardrails and capacity (see `plan_propose`)."""
    declared = program_of(store, program)
    return plan_propose(
        store,
        mentor_id,
        mentee_ids,
        program=program,
        model=M.group,
        format=format,
        goal_ids=goal_ids,
        hours_per_month=hours_per_month or declared.hours_per_month,
        by=by,
        reason=reason,
        now=now,
        snapshot=snapshot,
        acting=acting,
    )


def plan_propose_circle(
    store: GraphStore,
    program: str,
    member_ids: Sequence[str],
    *,
    format: Format = Format.video,
    hours_per_month: float | None = None,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    acting: Acting = PROGRAM,
) -> Planned[Pairing]:
    """A proposed peer circle of `program`: 3..`max_circle_size` (at most 6) equals, the
    first its convener (stored as `mentor_id`). InvalidInput naming `member_ids` (rule
    program.circle_size, or duplicates) or `model`; Conflict when a guardrail keeps two
    members apart."""
    members = list(member_ids)
    if len(set(members)) != len(members):
        raise InvalidInput(
            "member_ids: a circle lists each member once",
            details=[{"field": "member_ids", "reason": "duplicates"}],
        )
    if len(members) < 2:
        declared = program_of(store, program)
        raise InvalidInput(
            f"member_ids: program.circle_size: a peer circle has 3-{declared.max_circle_size} "
            f"members; {len(members)} given",
            details=[
                {
                    "field": "member_ids",
                    "reason": f"program.circle_size: 3-{declared.max_circle_size} members, "
                    f"{len(members)} given",
                }
            ],
        )
    declared = program_of(store, program)
    return plan_propose(
        store,
        members[0],
        members[1:],
        program=program,
        model=M.circle,
        format=format,
        hours_per_month=hours_per_month or declared.hours_per_month,
        by=by,
        reason=reason,
        now=now,
        snapshot=snapshot,
        acting=acting,
    )


def plan_propose_micro(
    store: GraphStore,
    program: str | None,
    mentor_id: str,
    mentee_id: str,
    skill_id: str,
    *,
    session_minutes: int | None = None,
    format: Format = Format.video,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    acting: Acting = PROGRAM,
) -> Planned[Pairing]:
    """A proposed micro session: one mentee, one skill, `session_minutes` (default: the
    program's `micro_session_minutes`) with a mentor who opted into micro sessions. It holds
    no mentee place, only the session's hours while open; its check-in closes it.
    InvalidInput naming `skill_id`/`session_minutes`/`model`; Conflict when the mentor did
    not opt in (rule micro_mentor), a guardrail or the mentor's hours."""
    minutes = session_minutes or program_of(store, program).micro_session_minutes
    return plan_propose(
        store,
        mentor_id,
        [mentee_id],
        program=program,
        model=M.micro,
        format=format,
        by=by,
        reason=reason,
        now=now,
        snapshot=snapshot,
        acting=acting,
        skill_id=skill_id,
        session_minutes=minutes,
    )


def group_reason(group: Group) -> str:
    """The history reason of a published group: skill names only (never goal text)."""
    if not group.skills:
        return "cohort group"
    return "cohort group on skills: " + ", ".join(group.skills[:3])


def circle_reason(circle: Circle, program: Program) -> str:
    """The history reason of a published circle: its size, program and skill names."""
    about = f" on skills: {', '.join(circle.skills[:3])}" if circle.skills else ""
    return f"cohort peer circle of {len(circle.member_ids)} in {program.id}{about}"


def plan_publish_formed(
    store: GraphStore,
    program: Program,
    formed: Formed,
    *,
    data_version: int,
    by: str | None,
    now: datetime | None = None,
) -> Planned[list[Pairing]]:
    """A cohort run's groups and circles as proposed pairings (model group / circle), the
    ops of ONE apply. Conflict when the store changed since the run (`data_version`): the
    run's capacities and guardrails would have to be checked again. Each proposal keeps the
    program's format rules (InvalidInput otherwise)."""
    if store.data_version() != data_version:
        raise Conflict(
            f"the graph changed since this cohort was matched (data version "
            f"{data_version} -> {store.data_version()}); match it again"
        )
    out: list[Pairing] = []
    for g in formed.groups:
        if g.mentor_id is None:
            continue
        out.append(
            with_baseline(  # a group's mentees, like a pair's, count skills transferred
                store,
                build_proposal(
                    mentor_id=g.mentor_id,
                    mentee_ids=g.mentee_ids,
                    program=program.id,
                    model=M.group,
                    goal_ids=g.goal_ids,
                    hours_per_month=g.hours_per_month,
                    score=g.score,
                    by=by,
                    reason=group_reason(g),
                    now=now,
                ),
            )
        )
    for c in formed.circles:
        out.append(
            build_proposal(
                mentor_id=c.member_ids[0],
                mentee_ids=c.member_ids[1:],
                program=program.id,
                model=M.circle,
                goal_ids=c.goal_ids,
                hours_per_month=c.hours_per_month,
                by=by,
                reason=circle_reason(c, program),
                now=now,
            )
        )
    for p in out:
        refuse_format_breaks(program, p)
    return Planned([UpsertPairings(out)] if out else [], out)
