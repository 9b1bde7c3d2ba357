"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run is kept in memory (the last few per process) until published; publishing refuses if
the graph changed since the run, so capacities and guardrails are never stale.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, status

from api import audit
from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.pairings import (
    CohortMatch,
    CohortRunPublic,
    PairingPublic,
    PairingsPublic,
    ProposedPublic,
    UnmatchedPublic,
)
from api.state import AppState
from graph.errors import Conflict, NotFound
from graph.lifecycle.cohorts import publish
from graph.model import Role, utcnow
from graph.recommend import RecommendOptions, Weights
from graph.recommend.cohort import CohortResult, match_cohort

router = APIRouter(prefix="/cohorts", tags=["cohorts"])

ORG = Allow(Role.coordinator, Role.admin)
KEEP_RUNS = 20


def runs(state: AppState) -> OrderedDict[str, tuple[CohortResult, bool]]:
    store: Any = state.__dict__.setdefault("cohort_runs", OrderedDict())
    return store


def run_public(run_id: str, result: CohortResult, published: bool) -> CohortRunPublic:
    return CohortRunPublic(
        run_id=run_id,
        program=result.program,
        model=result.model,
        proposals=[
            ProposedPublic.model_validate(p, from_attributes=True) for p in result.proposals
        ],
        unmatched=[
            UnmatchedPublic.model_validate(u, from_attributes=True) for u in result.unmatched
        ],
        matched=result.matched,
        total_score=result.total_score,
        greedy_matched=result.greedy_matched,
        greedy_total=result.greedy_total,
        candidate_edges=result.candidate_edges,
        data_version=result.data_version,
        published=published,
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
    """Match every open mentee of the program at once (nothing is stored until publish)."""
    options = RecommendOptions(
        model=body.model,
        format=body.format,
        asynchronous=body.asynchronous,
        weights=Weights.with_overrides(state.settings.ranking_weights),
    )
    result = match_cohort(
        state.current_snapshot(),
        program,
        now=utcnow(),
        options=options,
        candidates_per_mentee=body.candidates_per_mentee,
    )
    run_id = "run_" + secrets.token_hex(6)
    kept = runs(state)
    kept[run_id] = (result, False)
    while len(kept) > KEEP_RUNS:
        kept.popitem(last=False)
    audit.record(
        state.store,
        principal,
        "cohort.match",
        program,
        {"run_id": run_id, "matched": result.matched},
    )
    return run_public(run_id, result, False)


def get_run(state: AppState, run_id: str) -> tuple[CohortResult, bool]:
    found = runs(state).get(run_id)
    if found is None:
        raise NotFound(
            f"cohort run {run_id!r} not found (runs are kept in memory, last {KEEP_RUNS})"
        )
    return found


@router.get("/runs/{run_id}", response_model=CohortRunPublic, dependencies=[ORG])
def read_run(run_id: str, state: StateDep) -> CohortRunPublic:
    result, published = get_run(state, run_id)
    return run_public(run_id, result, published)


@router.post("/runs/{run_id}/publish", response_model=PairingsPublic, dependencies=[ORG])
def publish_run(run_id: str, state: StateDep, principal: PrincipalDep) -> PairingsPublic:
    """Store the run's proposals as proposed pairings (one write); 409 if the graph moved on."""
    result, published = get_run(state, run_id)
    if published:
        raise Conflict(f"cohort run {run_id!r} is already published")
    pairings = state.after_domain_write(lambda s: publish(s, result, by=principal.actor))
    runs(state)[run_id] = (result, True)
    audit.record(
        state.store,
        principal,
        "cohort.publish",
        result.program,
        {"run_id": run_id, "pairings": len(pairings)},
    )
    data = [PairingPublic.model_validate(p.model_dump()) for p in pairings]
    return PairingsPublic(data=data, count=len(data))
