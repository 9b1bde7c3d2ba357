"""Free text -> ranked taxonomy nodes (nothing is stored; see `map_text` on taught phrases)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.goals import MappedNodePublic, MappedTargetPublic, MapRequest, MapResult
from graph.model import Role

router = APIRouter(tags=["mapping"])


@router.post("/goals/map", response_model=MapResult, dependencies=[Allow(*Role)])
def map_text(body: MapRequest, state: StateDep, principal: PrincipalDep) -> MapResult:
    """Rank skills (or, when none fits, broader clusters: `fell_back`) for a goal text; one
    target per skill the goal names; `vague` when it names none.

    The phrases stewards taught the mapper from goal corrections are goal wording, readable
    only by those who may read every goal (coordinators, admins): for anyone else the text
    is mapped on the taxonomy alone, so the answer never tells whether someone's goal was
    worded like the probe."""
    k = min(body.k, state.settings.max_k)
    result = state.goal_mapper().map(body.text, k, taught=principal.org_wide)
    return MapResult(
        candidates=[MappedNodePublic.model_validate(c.model_dump()) for c in result.candidates],
        targets=[MappedTargetPublic.model_validate(t.model_dump()) for t in result.targets],
        fell_back=result.fell_back,
        vague=result.vague,
        reason=result.reason,
        language=result.language,
    )
