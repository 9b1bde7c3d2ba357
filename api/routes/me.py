"""The caller's own data: `GET /v1/me/export` (GDPR Art. 15, access)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.leavers import PersonDataExport
from api.usecases import leavers
from graph.errors import InvalidInput
from graph.model import Role

router = APIRouter(prefix="/me", tags=["people"])


@router.get("/export", response_model=PersonDataExport, dependencies=[Allow(*tuple(Role))])
def export_my_data(state: StateDep, principal: PrincipalDep) -> PersonDataExport:
    """Everything stored about the caller: profile, skills, goals with text, pairings,
    check-ins they wrote, their API keys (no secrets) and audit entries by or about them.
    422 for a key that acts for no person."""
    if principal.person_id is None:
        raise InvalidInput(
            "this API key acts for no person: there is no personal data to export",
            details=[{"field": "Authorization", "reason": "key without a person"}],
        )
    return PersonDataExport.model_validate(leavers.export_person_data(state, principal.person_id))
