"""API keys: Bearer tokens bound to a principal (an optional person id plus roles).

A key is 32 random bytes shown once as `mg_<urlsafe base64>`; the store keeps only its
sha256 hex digest, so a leaked database does not leak usable keys. Secrets never appear in
logs, error messages or listings (listings show the key id and a label).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from graph.errors import Forbidden, NotFound, Unauthorized
from graph.model import ApiKey, Role, utcnow
from graph.store import GraphStore, Planned, PutApiKeys, applying

TOKEN_PREFIX = "mg_"
ORG_WIDE = frozenset({Role.coordinator, Role.admin})


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, the person it acts for (if any) and its roles."""

    key_id: str
    roles: frozenset[Role]
    person_id: str | None = None

    @property
    def actor(self) -> str:
        """How audit entries and history name this caller (never the secret)."""
        return f"person:{self.person_id}" if self.person_id else f"key:{self.key_id}"

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def org_wide(self) -> bool:
        """Coordinators and admins see and manage org-wide data."""
        return self.has(*ORG_WIDE)

    def is_person(self, person_id: str) -> bool:
        return self.person_id is not None and self.person_id == person_id


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def plan_create_key(
    store: GraphStore,
    roles: Iterable[Role | str],
    *,
    person_id: str | None = None,
    label: str = "",
    expires_at: datetime | None = None,
) -> Planned[tuple[ApiKey, str]]:
    """A new key (its `PutApiKeys` op) and the plain token (the only time the token exists).
    NotFound for an unknown person."""
    role_list = sorted({Role(r) for r in roles})
    if person_id is not None and store.get_person(person_id) is None:
        raise NotFound(f"person {person_id!r} not found")
    token = new_token()
    key = ApiKey(
        id="key_" + secrets.token_hex(6),
        key_hash=hash_token(token),
        person_id=person_id,
        roles=role_list,
        label=label,
        expires_at=expires_at,
    )
    return Planned([PutApiKeys([key])], (key, token))


create_key = applying(plan_create_key)


def find_key(store: GraphStore, key_id: str) -> ApiKey:
    for key in store.list_api_keys():
        if key.id == key_id:
            return key
    raise NotFound(f"API key {key_id!r} not found")


def plan_revoke_key(
    store: GraphStore, key_id: str, *, now: datetime | None = None
) -> Planned[ApiKey]:
    """The key with `revoked_at` set (no ops if it already was: idempotent). NotFound."""
    key = find_key(store, key_id)
    if key.revoked_at is not None:
        return Planned([], key)
    key = key.model_copy(update={"revoked_at": now or utcnow()})
    return Planned([PutApiKeys([key])], key)


revoke_key = applying(plan_revoke_key)


def authenticate(store: GraphStore, token: str | None, *, now: datetime | None = None) -> Principal:
    """The principal a Bearer token stands for; Unauthorized for missing/unknown/expired/revoked."""
    if not token:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    key = store.get_api_key_by_hash(hash_token(token))
    if key is None:
        raise Unauthorized("unknown API key")
    now = now or utcnow()
    if key.revoked_at is not None:
        raise Unauthorized("API key revoked")
    expires = key.expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires is not None and expires <= now:
        raise Unauthorized("API key expired")
    return Principal(key_id=key.id, roles=frozenset(key.roles), person_id=key.person_id)


def require_self_or_org(principal: Principal, person_id: str, what: str = "this person") -> None:
    """Own data, or a coordinator/admin; otherwise Forbidden."""
    if not (principal.org_wide or principal.is_person(person_id)):
        raise Forbidden(f"not allowed to access {what}")
