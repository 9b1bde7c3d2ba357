"""Ranking weights taught by outcomes (coordinators and admins).

- `GET /ranking/weights`: the weights in effect, where they come from, the decisions so far;
- `POST /ranking/weights/fit`: fit weights on closed pairings -> a proposal with held-out AUCs
  of the current and proposed weights (422 naming `outcomes` when there are too few);
- `POST /ranking/weights/{proposal_id}/accept`: apply a proposal;
- `PUT /ranking/weights`: set weights by hand (every component, 0-1, summing to 1);
- `POST /ranking/weights/revert`: back to the weights before the last change.
Each change is one audit entry (api.usecases.ranking).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.guides import WeightsIn, WeightsOut
from api.usecases import ranking
from api.usecases.ranking import WeightProposal, WeightsInEffect
from graph.analytics.ranking_fit import MIN_OUTCOMES
from graph.model import Role

router = APIRouter(prefix="/ranking", tags=["ranking"])
ORG = Allow(Role.coordinator, Role.admin)


@router.get("/weights", response_model=WeightsInEffect, dependencies=[ORG])
def get_weights(state: StateDep) -> WeightsInEffect:
    return ranking.weights_in_effect(state)


@router.post("/weights/fit", response_model=WeightProposal, dependencies=[ORG])
def fit(
    state: StateDep,
    principal: PrincipalDep,
    min_outcomes: Annotated[int, Query(ge=10, le=100_000)] = MIN_OUTCOMES,
) -> WeightProposal:
    """Fit the five weights on closed pairings' outcomes; nothing changes until accepted."""
    return ranking.fit(state, principal, min_outcomes=min_outcomes)


@router.post("/weights/revert", response_model=WeightsOut, dependencies=[ORG])
def revert(state: StateDep, principal: PrincipalDep) -> WeightsOut:
    """Undo the last accept/set/revert."""
    return WeightsOut(weights=ranking.revert(state, principal).as_dict())


@router.post("/weights/{proposal_id}/accept", response_model=WeightsOut, dependencies=[ORG])
def accept(proposal_id: str, state: StateDep, principal: PrincipalDep) -> WeightsOut:
    return WeightsOut(weights=ranking.accept(state, principal, proposal_id).as_dict())


@router.put("/weights", response_model=WeightsOut, dependencies=[ORG])
def set_weights(body: WeightsIn, state: StateDep, principal: PrincipalDep) -> WeightsOut:
    return WeightsOut(weights=ranking.set_weights(state, principal, body.weights).as_dict())
