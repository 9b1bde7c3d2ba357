"""API keys (admins), and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.keys import KeyCreate, KeyCreated, KeyPublic, KeysPublic, WhoAmI
from api.usecases import keys
from graph.errors import InvalidInput
from graph.model import ApiKey, Role, utcnow

router = APIRouter(tags=["keys"])


def key_public(key: ApiKey) -> KeyPublic:
    return KeyPublic.model_validate(key.model_dump(exclude={"key_hash"}))


@router.get("/me", response_model=WhoAmI, dependencies=[Allow(*Role)])
def whoami(principal: PrincipalDep) -> WhoAmI:
    """The person and roles the presented key stands for."""
    return WhoAmI(
        key_id=principal.key_id, person_id=principal.person_id, roles=sorted(principal.roles)
    )


@router.post(
    "/keys",
    response_model=KeyCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(Role.admin)],
)
def create(body: KeyCreate, state: StateDep, principal: PrincipalDep) -> KeyCreated:
    """Mint a key; the token is in this response only."""
    if body.expires_at is not None and body.expires_at.tzinfo is None:
        raise InvalidInput(
            "expires_at needs a time zone",
            details=[{"field": "body.expires_at", "reason": "give an offset, e.g. Z"}],
        )
    if body.expires_at is not None and body.expires_at <= utcnow():
        raise InvalidInput(
            "expires_at is in the past",
            details=[{"field": "body.expires_at", "reason": "must be in the future"}],
        )
    key, token = keys.create_key(
        state,
        principal,
        body.roles,
        person_id=body.person_id,
        label=body.label,
        expires_at=body.expires_at,
    )
    return KeyCreated(**key_public(key).model_dump(), token=token)


@router.get("/keys", response_model=KeysPublic, dependencies=[Allow(Role.admin)])
def list_keys(state: StateDep) -> KeysPublic:
    rows = [key_public(k) for k in state.store.list_api_keys()]
    return KeysPublic(data=rows, count=len(rows))


@router.delete("/keys/{key_id}", response_model=KeyPublic, dependencies=[Allow(Role.admin)])
def revoke(key_id: str, state: StateDep, principal: PrincipalDep) -> KeyPublic:
    """Revoke a key (idempotent); it stops working at once."""
    return key_public(keys.revoke_key(state, principal, key_id))
