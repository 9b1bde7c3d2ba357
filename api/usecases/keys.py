"""API keys: create (the token is shown once) and revoke."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from api.auth import plan_create_key, plan_revoke_key
from api.state import AppState
from api.usecases.base import Who, audited
from graph.model import ApiKey, Role
from graph.store import GraphStore, Planned


def create_key(
    state: AppState,
    who: Who,
    roles: Iterable[Role | str],
    *,
    person_id: str | None = None,
    label: str = "",
    expires_at: datetime | None = None,
    note: Mapping[str, Any] | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its token (the only time the token exists). NotFound: unknown person.
    `note` adds to the audit detail (e.g. {"demo": True})."""
    wanted = list(roles)

    def plan(store: GraphStore) -> Planned[tuple[ApiKey, str]]:
        planned = plan_create_key(
            store, wanted, person_id=person_id, label=label, expires_at=expires_at
        )
        key = planned.result[0]
        detail = {"roles": list(key.roles), **(note or {})}
        return audited(planned, who, "key.create", key.id, detail)

    return state.write_plan(plan)


def revoke_key(state: AppState, who: Who, key_id: str) -> ApiKey:
    """Revoke a key (idempotent); it stops working at once. NotFound."""

    def plan(store: GraphStore) -> Planned[ApiKey]:
        return audited(plan_revoke_key(store, key_id), who, "key.revoke", key_id)

    return state.write_plan(plan)
