"""Programs and their formats: declare a program's formats and intensity; propose groups,
peer circles and micro sessions; find micro-session mentors.

Groups, circles and micro sessions are pairings: accept, decline, withdraw, close and check in
through `/v1/pairings/{pairing_id}/...`, where each member accepts for themselves, the
proposer may only withdraw, and a coordinator may act for the program (recorded as such).
Who may propose: coordinators and admins for anyone; a mentor a group they lead or a micro
session they give; a mentee or mentor a circle they are in, or a micro session for
themselves. Every change is one apply with its audit entry (api.usecases.programs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.auth import Principal
from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.pairings import PairingPublic
from api.schemas.programs import (
    CircleCreate,
    GroupCreate,
    MicroCandidatePublic,
    MicroCandidatesPublic,
    MicroCreate,
    ProgramDeclare,
    ProgramPublic,
    ProgramsPublic,
)
from api.usecases import programs as cases
from graph.errors import Forbidden
from graph.model import Pairing, Program, RecordId, Role

router = APIRouter(prefix="/programs", tags=["programs"])

ORG = (Role.coordinator, Role.admin)
PEOPLE = (*ORG, Role.mentor, Role.mentee)


def _out(p: Pairing) -> PairingPublic:
    return PairingPublic.model_validate(p.model_dump())


def _public(state_program: Program, declared: bool) -> ProgramPublic:
    return ProgramPublic.model_validate({**state_program.model_dump(), "declared": declared})


def _only(principal: Principal, allowed: set[str], what: str) -> None:
    """Forbidden unless the caller acts org-wide or is one of `allowed` people."""
    if principal.org_wide:
        return
    if principal.person_id is None or principal.person_id not in allowed:
        raise Forbidden(f"only coordinators, or {what}, may propose this")


@router.get("", response_model=ProgramsPublic, dependencies=[Allow(*Role)])
def list_programs(state: StateDep) -> ProgramsPublic:
    """Every declared program."""
    rows = [_public(p, True) for p in state.store.list_programs()]
    return ProgramsPublic(data=rows, count=len(rows))


@router.get("/{program}", response_model=ProgramPublic, dependencies=[Allow(*Role)])
def read_program(program: str, state: StateDep) -> ProgramPublic:
    """A program's formats and intensity (an undeclared one: what it allows)."""
    declared = state.store.get_program(program) is not None
    return _public(cases.get_program(state, program), declared)


@router.put("/{program}", response_model=ProgramPublic, dependencies=[Allow(*ORG)])
def declare(
    program: RecordId, body: ProgramDeclare, state: StateDep, principal: PrincipalDep
) -> ProgramPublic:
    """Declare (or re-declare) the program's formats and intensity."""
    row = Program.model_validate({**body.model_dump(), "id": program})
    return _public(cases.put_program(state, principal, row), True)


@router.post(
    "/{program}/groups",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*ORG, Role.mentor)],
)
def propose_group(
    program: str, body: GroupCreate, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Propose a group: one mentor, 2..N mentees of the program (N its max_group_size)."""
    _only(principal, {body.mentor_id}, "the mentor who leads it")
    return _out(
        cases.propose_group(
            state,
            principal,
            program,
            body.mentor_id,
            body.mentee_ids,
            format=body.format,
            goal_ids=body.goal_ids,
            hours_per_month=body.hours_per_month,
            reason=body.reason,
        )
    )


@router.post(
    "/{program}/circles",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*PEOPLE)],
)
def propose_circle(
    program: str, body: CircleCreate, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Propose a peer circle of 3..6 equals (the first convenes it)."""
    _only(principal, set(body.member_ids), "a member of the circle")
    return _out(
        cases.propose_circle(
            state,
            principal,
            program,
            body.member_ids,
            format=body.format,
            hours_per_month=body.hours_per_month,
            reason=body.reason,
        )
    )


@router.post(
    "/{program}/micro-sessions",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*PEOPLE)],
)
def propose_micro(
    program: str, body: MicroCreate, state: StateDep, principal: PrincipalDep
) -> PairingPublic:
    """Propose one 30-60 minute session on one skill with a mentor who offers micro sessions."""
    _only(principal, {body.mentee_id, body.mentor_id}, "its mentee or mentor")
    return _out(
        cases.propose_micro(
            state,
            principal,
            program,
            body.mentor_id,
            body.mentee_id,
            body.skill_id,
            session_minutes=body.session_minutes,
            format=body.format,
            reason=body.reason,
        )
    )


@router.get(
    "/{program}/micro-mentors",
    response_model=MicroCandidatesPublic,
    dependencies=[Allow(*PEOPLE)],
)
def micro_mentors(
    program: str,
    state: StateDep,
    principal: PrincipalDep,
    person_id: str,
    skill_id: str,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> MicroCandidatesPublic:
    """Mentors who offer micro sessions on the skill and could give this person one now.
    A mentee or mentor asks for themselves; coordinators for anyone."""
    if not principal.org_wide and principal.person_id != person_id:
        raise Forbidden("only coordinators may look for someone else's micro session")
    found = cases.find_micro_mentors(state, program, person_id, skill_id, k=k)
    minutes = cases.get_program(state, program).micro_session_minutes
    data = [MicroCandidatePublic.model_validate(c, from_attributes=True) for c in found]
    return MicroCandidatesPublic(
        program=program,
        mentee_id=person_id,
        skill_id=skill_id,
        session_minutes=minutes,
        data=data,
        count=len(data),
    )
