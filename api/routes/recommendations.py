"""Mentor recommendations for a mentee (the mentee themself, or coordinators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import services
from api.deps import Allow, PrincipalDep, StateDep, person_in_path
from api.schemas.pairings import RecommendationsPublic
from graph.errors import Conflict, InvalidInput
from graph.model import Format, MentoringModel, Role, utcnow
from graph.recommend import RecommendOptions, recommend

router = APIRouter(tags=["recommendations"])

OWN = (Role.mentee, Role.mentor, Role.steward)


@router.get(
    "/people/{person_id}/recommendations",
    response_model=RecommendationsPublic,
    dependencies=[Allow(Role.coordinator, Role.admin, own=OWN, owners=person_in_path)],
)
def recommendations(
    person_id: str,
    state: StateDep,
    principal: PrincipalDep,
    k: Annotated[int, Query(ge=1, le=1000)] = 10,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format | None = None,
    asynchronous: bool = False,
    min_overlap_hours: Annotated[float, Query(ge=0.0, le=168.0)] = 1.0,
) -> RecommendationsPublic:
    """Best mentors, each with a score in [0, 1], its components and plain-language reasons."""
    if k > state.settings.max_k:
        raise InvalidInput(
            f"k is at most {state.settings.max_k}",
            details=[{"field": "query.k", "reason": f"at most {state.settings.max_k}"}],
        )
    person = services.get_person(state, person_id)
    if person.opt_out_recommend and not principal.is_person(person_id):
        raise Conflict(f"{person_id!r} has opted out of recommendations")
    options = RecommendOptions(
        model=model, format=format, asynchronous=asynchronous, min_overlap_hours=min_overlap_hours
    )
    recs = recommend(state.current_snapshot(), person_id, k=k, options=options, now=utcnow())
    return RecommendationsPublic(mentee_id=person_id, data=recs, count=len(recs))
