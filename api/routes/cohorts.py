"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run is kept in the store (`AppState.cohort_runs`), so any API worker shows or publishes it;
publishing is a conditional update there: exactly one of concurrent publishes goes through,
and it refuses (409) if the graph changed since the run, so capacities and guardrails are
never stale (api.usecases.cohorts).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.pairings import (
    CircleMemberPublic,
    CohortMatch,
    CohortRunPublic,
    FormedCirclePublic,
    FormedGroupPublic,
    GroupMemberPublic,
    PairingPublic,
    PairingsPublic,
    ProposedPublic,
    UnmatchedPublic,
)
from api.state import CohortRun
from api.usecases import cohorts
from graph.model import Role

router = APIRouter(prefix="/cohorts", tags=["cohorts"])

ORG = Allow(Role.coordinator, Role.admin)


def run_public(run: CohortRun) -> CohortRunPublic:
    result = run.result
    return CohortRunPublic(
        run_id=run.run_id,
        program=result.program,
        model=result.model,
        proposals=[
            ProposedPublic.model_validate(p, from_attributes=True) for p in result.proposals
        ],
        groups=[
            FormedGroupPublic(
                mentor_id=g.mentor_id,
                members=[
                    GroupMemberPublic(mentee_id=m, reasons=g.reasons.get(m, []))
                    for m in g.mentee_ids
                ],
                cluster_id=g.cluster_id,
                score=g.score,
                hours_per_month=g.hours_per_month,
                skills=g.skills,
                goal_ids=g.goal_ids,
            )
            for g in run.formed.groups
            if g.mentor_id is not None
        ],
        circles=[
            FormedCirclePublic(
                members=[
                    CircleMemberPublic(person_id=m, reasons=c.reasons.get(m, []))
                    for m in c.member_ids
                ],
                cluster_id=c.cluster_id,
                hours_per_month=c.hours_per_month,
                goal_ids=c.goal_ids,
                skills=c.skills,
            )
            for c in run.formed.circles
        ],
        notes=run.formed.notes,
        unmatched=[
            UnmatchedPublic.model_validate(u, from_attributes=True) for u in result.unmatched
        ],
        matched=result.matched,
        total_score=result.total_score,
        greedy_matched=result.greedy_matched,
        greedy_total=result.greedy_total,
        candidate_edges=result.candidate_edges,
        data_version=result.data_version,
        published=run.published,
    )


@router.post(
    "/{program}/match",
    response_model=CohortRunPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ORG],
)
def match(
    program: str, body: CohortMatch, state: StateDep, principal: PrincipalDep
) -> CohortRunPublic:
    """Match every open mentee of the program at once (nothing is stored until publish);
    with `formats`, form peer circles and/or groups first, then pairs for the rest."""
    run = cohorts.match(
        state,
        principal,
        program,
        model=body.model,
        format=body.format,
        asynchronous=body.asynchronous,
        candidates_per_mentee=body.candidates_per_mentee,
        mentees_may_mentor=body.mentees_may_mentor,
        formats=body.formats,
    )
    return run_public(run)


@router.get("/runs/{run_id}", response_model=CohortRunPublic, dependencies=[ORG])
def read_run(run_id: str, state: StateDep) -> CohortRunPublic:
    return run_public(state.cohort_runs.get(run_id))


@router.post("/runs/{run_id}/publish", response_model=PairingsPublic, dependencies=[ORG])
def publish_run(run_id: str, state: StateDep, principal: PrincipalDep) -> PairingsPublic:
    """Store the run's proposals as proposed pairings (one write); 409 if the graph moved on."""
    pairings = cohorts.publish(state, principal, run_id)
    data = [PairingPublic.model_validate(p.model_dump()) for p in pairings]
    return PairingsPublic(data=data, count=len(data))
