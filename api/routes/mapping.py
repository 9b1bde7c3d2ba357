"""Free text -> ranked taxonomy nodes (nothing is stored)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Allow, StateDep
from api.schemas.goals import MappedNodePublic, MapRequest, MapResult
from graph.model import Role

router = APIRouter(tags=["mapping"])


@router.post("/goals/map", response_model=MapResult, dependencies=[Allow(*Role)])
def map_text(body: MapRequest, state: StateDep) -> MapResult:
    """Rank skills (or, when none fits, broader clusters: `fell_back`) for a goal text."""
    k = min(body.k, state.settings.max_k)
    result = state.goal_mapper().map(body.text, k)
    return MapResult(
        candidates=[MappedNodePublic.model_validate(c.model_dump()) for c in result.candidates],
        fell_back=result.fell_back,
        reason=result.reason,
    )
