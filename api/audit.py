"""Every mutation leaves an audit entry: who (the principal's actor), what, on which target, when.

Details hold ids and field names, never confidential text (goal text stays out of the log).
"""

from __future__ import annotations

import secrets
from typing import Any

from api.auth import Principal
from graph.model import AuditEntry, utcnow
from graph.store import GraphStore


def record(
    store: GraphStore,
    who: Principal | str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    actor = who.actor if isinstance(who, Principal) else who
    at = utcnow()
    entry = AuditEntry(
        id=f"audit_{at:%Y%m%dT%H%M%S}_{secrets.token_hex(4)}",
        at=at,
        actor=actor,
        action=action,
        target=target[:1000],
        detail=detail or {},
    )
    store.append_audit(entry)
    return entry
