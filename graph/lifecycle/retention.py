"""Retention: free text is kept only as long as the settings say (storage limitation).

Three clocks (days; None keeps forever), from `graph.settings.Settings`:
- closed pairings' notes (`retain_pairing_notes_days`): an ended pairing (closed, declined,
  withdrawn) last changed longer ago loses its close reason and its history reasons;
- check-in notes (`retain_checkin_notes_days`): a check-in whose session date is older loses
  its note (the date and rating stay: they are the analytics);
- audit details (`retain_audit_details_days`): an older audit entry loses its `detail` (who,
  what, when and the target stay).

`plan_retention_batch` finds at most `limit` records due and plans blanking them as ONE apply;
the caller repeats until a batch comes back empty. Blanked records are not due again, so a
second run removes nothing (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from graph.lifecycle.leavers import iter_audit
from graph.model import AuditEntry, CheckIn, Pairing, PairingStatus
from graph.store import (
    AddCheckIns,
    GraphStore,
    Planned,
    ReplaceAudit,
    StoreOp,
    UpsertPairings,
)

ENDED = frozenset({PairingStatus.closed, PairingStatus.declined, PairingStatus.withdrawn})
BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of text is kept (None: forever)."""

    pairing_notes_days: int | None = None
    checkin_notes_days: int | None = None
    audit_details_days: int | None = None


@dataclass(frozen=True)
class RetentionBatch:
    """What one batch blanked: ids per kind (empty lists: nothing was due)."""

    pairings: list[str]
    checkins: list[str]
    audit_entries: list[str]

    @property
    def empty(self) -> bool:
        return not (self.pairings or self.checkins or self.audit_entries)

    def counts(self) -> dict[str, int]:
        return {
            "pairing_notes": len(self.pairings),
            "checkin_notes": len(self.checkins),
            "audit_details": len(self.audit_entries),
        }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _pairing_due(p: Pairing, cutoff: datetime) -> bool:
    has_text = bool(p.close_reason) or any(e.reason for e in p.history)
    return p.status in ENDED and has_text and _aware(p.updated_at) < cutoff


def _checkin_due(c: CheckIn, cutoff: date) -> bool:
    return bool(c.note) and c.on < cutoff


def _audit_due(e: AuditEntry, cutoff: datetime) -> bool:
    return bool(e.detail) and _aware(e.at) < cutoff


def plan_retention_batch(
    store: GraphStore, policy: RetentionPolicy, *, now: datetime, limit: int = BATCH
) -> Planned[RetentionBatch]:
    """At most `limit` records past their retention, blanked, as one apply (no ops when
    nothing is due). Pairings first, then check-ins, then audit entries."""
    left = max(limit, 1)
    ops: list[StoreOp] = []
    pairings: list[Pairing] = []
    if policy.pairing_notes_days is not None:
        cutoff = now - timedelta(days=policy.pairing_notes_days)
        for p in store.list_pairings():
            if len(pairings) >= left:
                break
            if _pairing_due(p, cutoff):
                history = [e.model_copy(update={"reason": ""}) for e in p.history]
                pairings.append(p.model_copy(update={"close_reason": "", "history": history}))
    left -= len(pairings)
    checkins: list[CheckIn] = []
    if policy.checkin_notes_days is not None and left > 0:
        day = (now - timedelta(days=policy.checkin_notes_days)).date()
        for c in store.all_checkins():
            if len(checkins) >= left:
                break
            if _checkin_due(c, day):
                checkins.append(c.model_copy(update={"note": ""}))
    left -= len(checkins)
    entries: list[AuditEntry] = []
    if policy.audit_details_days is not None and left > 0:
        cutoff = now - timedelta(days=policy.audit_details_days)
        for e in iter_audit(store):
            if len(entries) >= left:
                break
            if _audit_due(e, cutoff):
                entries.append(e.model_copy(update={"detail": {}}))
    if pairings:
        ops.append(UpsertPairings(pairings))
    if checkins:
        ops.append(AddCheckIns(checkins))
    if entries:
        ops.append(ReplaceAudit(entries))
    batch = RetentionBatch(
        pairings=[p.id for p in pairings],
        checkins=[c.id for c in checkins],
        audit_entries=[e.id for e in entries],
    )
    return Planned(ops, batch)
