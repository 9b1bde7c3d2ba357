"""Pairings: propose, accept, activate, withdraw, decline, close, check in, mark the stalled.

Who acts (`acting_of(who)`): a caller with a person acts for their own side when they are a
participant; a coordinator or admin who is not a participant, and the CLI, act for the
program (graph.lifecycle.pairings.Acting decides what each may do).

Each is one apply: the lifecycle's planned change (graph.lifecycle.pairings) plus its audit
entry (action `pairing.<what>`, target the pairing id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from api.audit import actor_of
from api.auth import Principal
from api.state import AppState
from api.usecases.base import Who, audited
from graph.lifecycle import pairings as lifecycle
from graph.model import CheckIn, CheckInAuthor, Format, MentoringModel, Pairing, utcnow
from graph.store import GraphStore, Planned


def acting_of(who: Who) -> lifecycle.Acting:
    """The lifecycle's view of the caller: their person id, and whether they may act for the
    program (coordinators, admins, the CLI)."""
    if isinstance(who, Principal):
        return lifecycle.Acting(person_id=who.person_id, program=who.org_wide)
    return lifecycle.PROGRAM


def propose(
    state: AppState,
    who: Who,
    mentor_id: str,
    mentee_ids: Sequence[str],
    *,
    program: str | None = None,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format = Format.video,
    goal_ids: Sequence[str] = (),
    hours_per_month: float = 2.0,
    reason: str = "",
) -> Pairing:
    """A new proposed pairing (see graph.lifecycle.pairings.plan_propose for the checks)."""
    snapshot = state.current_snapshot()

    def plan(store: GraphStore) -> Planned[Pairing]:
        planned = lifecycle.plan_propose(
            store,
            mentor_id,
            mentee_ids,
            program=program,
            model=model,
            format=format,
            goal_ids=goal_ids,
            hours_per_month=hours_per_month,
            by=actor_of(who),
            reason=reason,
            snapshot=snapshot,
            acting=acting_of(who),
        )
        return audited(planned, who, "pairing.propose", planned.result.id)

    return state.write_plan(plan)


Move = Callable[[GraphStore, str], Planned[Pairing]]  # (store, actor) -> the moved pairing


def _transition(state: AppState, who: Who, action: str, pairing_id: str, move: Move) -> Pairing:
    def plan(store: GraphStore) -> Planned[Pairing]:
        return audited(move(store, actor_of(who)), who, f"pairing.{action}", pairing_id)

    return state.write_plan(plan)


def accept(
    state: AppState, who: Who, pairing_id: str, *, reason: str = "", activate: bool = False
) -> Pairing:
    """proposed -> accepted (-> active with `activate`)."""
    return _transition(
        state,
        who,
        "accept",
        pairing_id,
        lambda s, by: lifecycle.plan_accept(
            s, pairing_id, by=by, reason=reason, activate=activate, acting=acting_of(who)
        ),
    )


def activate(state: AppState, who: Who, pairing_id: str, *, reason: str = "") -> Pairing:
    """accepted/stalled -> active (mentoring has started)."""
    return _transition(
        state,
        who,
        "activate",
        pairing_id,
        lambda s, by: lifecycle.plan_activate(
            s, pairing_id, by=by, reason=reason, acting=acting_of(who)
        ),
    )


def withdraw(state: AppState, who: Who, pairing_id: str, *, reason: str = "") -> Pairing:
    """proposed -> withdrawn, by the proposer (or the program)."""
    return _transition(
        state,
        who,
        "withdraw",
        pairing_id,
        lambda s, by: lifecycle.plan_withdraw(
            s, pairing_id, by=by, reason=reason, acting=acting_of(who)
        ),
    )


def decline(
    state: AppState,
    who: Who,
    pairing_id: str,
    *,
    reason: str = "",
    do_not_pair_again: bool = False,
) -> Pairing:
    """proposed/accepted -> declined."""
    return _transition(
        state,
        who,
        "decline",
        pairing_id,
        lambda s, by: lifecycle.plan_decline(
            s, pairing_id, by=by, reason=reason, do_not_pair_again=do_not_pair_again
        ),
    )


def close(
    state: AppState,
    who: Who,
    pairing_id: str,
    *,
    reason: str = "",
    do_not_pair_again: bool = False,
) -> Pairing:
    """accepted/active/stalled -> closed."""
    return _transition(
        state,
        who,
        "close",
        pairing_id,
        lambda s, by: lifecycle.plan_close(
            s, pairing_id, by=by, reason=reason, do_not_pair_again=do_not_pair_again
        ),
    )


def check_in(
    state: AppState, who: Who, pairing_id: str, *, on: date, rating: int, note: str = ""
) -> CheckIn:
    """Record a session on an active or stalled pairing (a stalled one becomes active). The
    check-in records who wrote it (the caller's side of the pairing): only a mentee's rating
    counts toward the mentor's standing. InvalidInput: a date after today (+1 day skew)."""

    def plan(store: GraphStore) -> Planned[CheckIn]:
        writer = who.person_id if isinstance(who, Principal) else None
        author = lifecycle.check_in_author(lifecycle.get(store, pairing_id), writer)
        planned = lifecycle.plan_check_in(
            store,
            pairing_id,
            on=on,
            rating=rating,
            note=note,
            by=actor_of(who),
            author_id=writer if author != CheckInAuthor.coordinator else None,
            author_role=author,
        )
        detail = {"id": planned.result.id}
        return audited(planned, who, "pairing.check_in", pairing_id, detail)

    return state.write_plan(plan)


def mark_stalled(state: AppState, who: Who, *, stall_after_days: int = 21) -> list[Pairing]:
    """Set every stalled pairing's status to `stalled` (one apply; the audit lists the ids)."""

    def plan(store: GraphStore) -> Planned[list[Pairing]]:
        planned = lifecycle.plan_mark_stalled(
            store, now=utcnow(), by=actor_of(who), stall_after_days=stall_after_days
        )
        ids = [p.id for p in planned.result]
        return audited(planned, who, "pairing.mark_stalled", "", {"ids": ids})

    return state.write_plan(plan)
