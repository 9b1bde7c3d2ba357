"""Pairings: propose, accept, activate, withdraw, decline, check in, close; stalled ones,
conflicts and alternates.

Participants (the mentor and the mentees) act on their own pairings; coordinators and admins
on any. Accepting needs the side that did not propose (each mentee of a group), or a
coordinator acting for the program; the proposer may withdraw, never accept. Every
transition is one apply with its audit entry (api.usecases.pairings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.pairings import (
    Accept,
    AlternatesPublic,
    CheckInCreate,
    CheckInPublic,
    CheckInsPublic,
    Decline,
    PairingConflictPublic,
    PairingConflictsPublic,
    PairingCreate,
    PairingPublic,
    PairingsPublic,
    StalledListPublic,
    StalledPublic,
    Transition,
)
from api.state import AppState
from api.usecases import pairings as cases
from api.usecases.base import pairing as stored_pairing
from graph.errors import Forbidden
from graph.lifecycle import pairings as lifecycle
from graph.model import Pairing, PairingStatus, Role, utcnow
from graph.recommend.stalls import alternates, find_stalled
from graph.store import PairingFilter

router = APIRouter(prefix="/pairings", tags=["pairings"])

ORG = (Role.coordinator, Role.admin)


def get_pairing(state: AppState, pairing_id: str) -> Pairing:
    return stored_pairing(state.store, pairing_id)


def participants(state: AppState, path: Mapping[str, Any]) -> Iterable[str]:
    p = get_pairing(state, path["pairing_id"])
    return [p.mentor_id, *p.mentee_ids]


PARTICIPANT_OR_ORG = Allow(*ORG, own=(Role.mentee, Role.mentor), owners=participants)


def out(p: Pairing) -> PairingPublic:
    return PairingPublic.model_validate(p.model_dump())


# --- org-wide views (declared before /{pairing_id} so the literal paths win) ------------------


@router.get("/stalled", response_model=StalledListPublic, dependencies=[Allow(*ORG)])
def stalled(
    state: StateDep, stall_after_days: Annotated[int, Query(ge=1, le=365)] = 21
) -> StalledListPublic:
    """Active pairings gone silent (or with falling ratings), with the reasons."""
    reports = find_stalled(
        state.current_snapshot(), now=utcnow(), stall_after_days=stall_after_days
    )
    data = [StalledPublic.model_validate(r, from_attributes=True) for r in reports]
    return StalledListPublic(data=data, count=len(data))


@router.get("/conflicts", response_model=PairingConflictsPublic, dependencies=[Allow(*ORG)])
def conflicts(state: StateDep) -> PairingConflictsPublic:
    """Open pairings that break a rule now (over capacity, paired with a new manager, a
    mentee who no longer wants mentoring...), each with every problem, for coordinators."""
    found = lifecycle.find_conflicts(state.current_snapshot().state)
    data = [PairingConflictPublic.model_validate(c.as_dict()) for c in found]
    return PairingConflictsPublic(data=data, count=len(data))


@router.post("/stalled/mark", response_model=PairingsPublic, dependencies=[Allow(*ORG)])
def mark(
    state: StateDep,
    principal: PrincipalDep,
    stall_after_days: Annotated[int, Query(ge=1, le=365)] = 21,
) -> PairingsPublic:
    """Set every stalled pairing's status to `stalled` (one write)."""
    marked = cases.mark_stalled(state, principal, stall_after_days=stall_after_days)
    return PairingsPublic(data=[out(p) for p in marked], count=len(marked))


# --- lifecycle ------------------------------------------------------------------------------


@router.post(
    "",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*ORG, Role.mentee)],
)
def propose(body: PairingCreate, state: StateDep, principal: PrincipalDep) -> PairingPublic:
    """Propose a pairing. Mentees may propose only for themselves (asking a mentor)."""
    if not principal.org_wide and body.mentee_ids != [principal.person_id]:
        raise Forbidden("mentees may only propose pairings for themselves")
    pairing = cases.propose(
        state,
        principal,
        body.mentor_id,
        body.mentee_ids,
        program=body.program,
        model=body.model,
        format=body.format,
        goal_ids=body.goal_ids,
        hours_per_month=body.hours_per_month,
        reason=body.reason,
    )
    return out(pairing)


@router.get("", response_model=PairingsPublic, dependencies=[Allow(*Role)])
def list_pairings(
    state: StateDep,
    principal: PrincipalDep,
    mentor_id: str | None = None,
    mentee_id: str | None = None,
    program: str | None = None,
    status_: Annotated[list[PairingStatus] | None, Query(alias="status")] = None,
) -> PairingsPublic:
    """Pairings, filtered. Mentors and mentees see only pairings they are part of."""
    flt = PairingFilter(
        mentor_id=mentor_id, mentee_id=mentee_id, program=program, statuses=status_ or None
    )
    rows = state.store.list_pairings(flt)
    if not principal.org_wide:
        me = principal.person_id
        rows = [p for p in rows if me is not None and (p.mentor_id == me or me in p.mentee_ids)]
    return PairingsPublic(data=[out(p) for p in rows], count=len(rows))


@router.get("/{pairing_id}", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG])
def read_pairing(pairing_id: str, state: StateDep) -> PairingPublic:
    return out(get_pairing(state, pairing_id))


@router.post(
    "/{pairing_id}/accept", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG]
)
def accept(
    pairing_id: str, body: Accept, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    return out(
        cases.accept(state, principal, pairing_id, reason=body.reason, activate=body.activate)
    )


@router.post(
    "/{pairing_id}/activate", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG]
)
def activate(
    pairing_id: str, body: Transition, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Mentoring has started (first session held)."""
    return out(cases.activate(state, principal, pairing_id, reason=body.reason))


@router.post(
    "/{pairing_id}/withdraw", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG]
)
def withdraw(
    pairing_id: str, body: Transition, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Take back a proposal: only its proposer (or a coordinator) may; the other side declines."""
    return out(cases.withdraw(state, principal, pairing_id, reason=body.reason))


@router.post(
    "/{pairing_id}/decline", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG]
)
def decline(
    pairing_id: str, body: Decline, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Decline; `do_not_pair_again` keeps the recommender from suggesting this pair again."""
    return out(
        cases.decline(
            state,
            principal,
            pairing_id,
            reason=body.reason,
            do_not_pair_again=body.do_not_pair_again,
        )
    )


@router.post("/{pairing_id}/close", response_model=PairingPublic, dependencies=[PARTICIPANT_OR_ORG])
def close(
    pairing_id: str, body: Decline, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    return out(
        cases.close(
            state,
            principal,
            pairing_id,
            reason=body.reason,
            do_not_pair_again=body.do_not_pair_again,
        )
    )


@router.post(
    "/{pairing_id}/check-ins",
    response_model=CheckInPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[PARTICIPANT_OR_ORG],
)
def check_in(
    pairing_id: str, body: CheckInCreate, state: StateDep, principal: PrincipalDep
) -> CheckInPublic:
    """Record a session: date, rating 1-5, note. Reactivates a stalled pairing."""
    checkin = cases.check_in(
        state, principal, pairing_id, on=body.on, rating=body.rating, note=body.note
    )
    return CheckInPublic.model_validate(checkin.model_dump())


@router.get(
    "/{pairing_id}/check-ins", response_model=CheckInsPublic, dependencies=[PARTICIPANT_OR_ORG]
)
def list_check_ins(pairing_id: str, state: StateDep) -> CheckInsPublic:
    get_pairing(state, pairing_id)
    rows = [CheckInPublic.model_validate(c.model_dump()) for c in state.store.checkins(pairing_id)]
    return CheckInsPublic(data=rows, count=len(rows))


@router.get(
    "/{pairing_id}/alternates",
    response_model=AlternatesPublic,
    dependencies=[Allow(*ORG, own=(Role.mentee,), owners=participants)],
)
def list_alternates(
    pairing_id: str, state: StateDep, k: Annotated[int, Query(ge=1, le=100)] = 5
) -> AlternatesPublic:
    """Other mentors for each mentee of a (stalled) pairing, current mentor excluded."""
    get_pairing(state, pairing_id)
    alts = alternates(state.current_snapshot(), pairing_id, k=k, now=utcnow())
    return AlternatesPublic(pairing_id=pairing_id, alternates=alts)
