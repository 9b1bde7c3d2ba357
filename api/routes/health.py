"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StateDep
from api.schemas.common import ApiModel

router = APIRouter(tags=["health"])


class Health(ApiModel):
    status: str


class Ready(ApiModel):
    status: str
    store: bool
    mapping_index: bool
    snapshot: bool


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready}})
def readyz(state: StateDep) -> JSONResponse:
    """The store answers and the goal-mapping index is loaded."""
    try:
        store_ok = bool(state.store.ping())
    except Exception:  # any driver/database failure means "not ready", never a 500
        store_ok = False
    body = Ready(
        status="ready",
        store=store_ok,
        mapping_index=state.mapper is not None,
        snapshot=state.snapshot is not None,
    )
    ok = body.store and body.mapping_index
    body.status = "ready" if ok else "not_ready"
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
