"""Audit entries: who (the principal's actor), what, on which target, when.

Every mutation records one, as one more op (`AppendAudit`) in the same apply as the change
itself, so the change and its entry are both written or neither is (api.usecases does this).
Details hold ids, counts and field names, never confidential text (goal text stays out of the
log).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from api.auth import Principal
from graph.model import AuditEntry, utcnow

MAX_TARGET_CHARS = 1000


def actor_of(who: Principal | str) -> str:
    """How the log names the caller: `person:<id>`, `key:<id>`, or a name such as "cli"."""
    return who.actor if isinstance(who, Principal) else who


def entry(
    who: Principal | str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """A new audit entry (not written): id `audit_<UTC time>_<8 hex>`, now, the caller's
    actor, the action (e.g. "goal.create"), its target id(s) (cut to 1000 characters) and
    detail (ids, counts, field names)."""
    at = utcnow()
    return AuditEntry(
        id=f"audit_{at:%Y%m%dT%H%M%S}_{secrets.token_hex(4)}",
        at=at,
        actor=actor_of(who),
        action=action,
        target=target[:MAX_TARGET_CHARS],
        detail=dict(detail or {}),
    )
