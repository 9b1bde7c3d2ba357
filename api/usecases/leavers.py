"""Leavers, one's own data, retention: off-board, erase, export, maintenance.

- `remove_person`: off-board (graph.lifecycle.leavers.plan_offboard) and revoke the person's
  API keys, one apply with its audit entry; their mentees get alternates (ranking, not
  written); with `erase_now` the erasure follows at once (a second apply).
- `erase_person`: pseudonymise (graph.lifecycle.leavers.plan_erase), one apply with its entry.
- `export_person_data`: everything stored about a person, as JSON-ready data (a read).
- `run_maintenance`: erase leavers past the grace period (`Settings.erase_after_days`), then
  apply the retention settings a batch at a time (one apply per batch, each with its entry).

Pseudonyms are `erased-<16 hex>` = HMAC-SHA256(key, person id): stable, so erasing again by
the old id finds the erased record (idempotent); the key lives outside the store
(`Settings.pseudonym_key`, else the file `<data_dir>/pseudonym.key`), so the store alone
cannot tell who a pseudonym was.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from api.audit import actor_of
from api.state import AppState
from api.usecases.base import Who, audited
from graph.errors import InvalidInput, NotFound
from graph.lifecycle.leavers import (
    PSEUDONYM_PREFIX,
    Erased,
    Offboarded,
    iter_audit,
    plan_erase,
    plan_offboard,
)
from graph.lifecycle.retention import RetentionPolicy, plan_retention_batch
from graph.model import Pairing, utcnow
from graph.recommend.stalls import alternates
from graph.settings import Settings
from graph.store import GraphStore, PairingFilter, Planned, PutApiKeys

KEY_FILE = "pseudonym.key"
ALTERNATES_K = 3


def pseudonym_key(settings: Settings) -> bytes:
    """The key of erased people's pseudonyms: the setting, else `<data_dir>/pseudonym.key`
    (created on first use, 64 hex characters, readable by the owner only)."""
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode("utf-8")
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def pseudonym_for(settings: Settings, person_id: str) -> str:
    """`erased-<16 hex>`: the person's stable pseudonym."""
    digest = hmac.new(pseudonym_key(settings), person_id.encode("utf-8"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:16]


@dataclass(frozen=True)
class Removal:
    """What off-boarding did: the pairings ended, the keys revoked, alternates for the
    mentees of the pairings the leaver mentored (mentee id -> mentor ids, best first),
    whether they had already left, the erasure (None: after the grace period), and the
    groups/circles they left that carry on without them."""

    person_id: str
    left_on: date
    ended: list[Pairing]
    keys_revoked: list[str]
    alternates: dict[str, list[str]]
    already: bool
    erase_after: date | None
    erased: Erased | None = None
    left: list[Pairing] = field(default_factory=list)


def _already_erased(state: AppState, person_id: str) -> Erased | None:
    """The erasure done before, asked for by the old id or by the pseudonym; else None."""
    current = state.store.get_person(person_id)
    if current is not None:
        return Erased(person_id, already=True) if current.erased_at is not None else None
    pseudonym = pseudonym_for(state.settings, person_id)
    done = state.store.get_person(pseudonym)
    if done is not None and done.erased_at is not None:
        return Erased(pseudonym, already=True)
    return None


def remove_person(state: AppState, who: Who, person_id: str, *, erase_now: bool = False) -> Removal:
    """Off-board `person_id` (see the module doc). NotFound for an unknown person; a person
    already off-boarded (or erased) is answered as they are, nothing written again."""
    erased = _already_erased(state, person_id)
    if erased is not None:
        left = state.store.get_person(erased.pseudonym)
        on = left.left_on if left and left.left_on else utcnow().date()
        return Removal(person_id, on, [], [], {}, True, None, erased)
    now = utcnow()

    def plan(store: GraphStore) -> Planned[tuple[Offboarded, list[str]]]:
        off = plan_offboard(store, person_id, on=now.date(), by=actor_of(who), now=now)
        keys = [
            k.model_copy(update={"revoked_at": now})
            for k in store.list_api_keys()
            if k.person_id == person_id and k.revoked_at is None
        ]
        ops = [*off.ops, PutApiKeys(keys)] if keys else list(off.ops)
        result = (off.result, [k.id for k in keys])
        if not ops:
            return Planned([], result)
        detail = {
            "pairings_ended": len(off.result.ended),
            "pairings_left": len(off.result.left),
            "goals_dropped": len(off.result.goals_dropped),
            "keys_revoked": len(keys),
        }
        return audited(Planned(ops, result), who, "person.remove", person_id, detail)

    off, revoked = state.write_plan(plan)
    mentored = [p for p in off.ended if p.mentor_id == person_id]
    found = _alternates(state, mentored, now)
    erase_after = off.left_on + timedelta(days=state.settings.erase_after_days)
    done = erase_person(state, who, person_id) if erase_now else None
    return Removal(
        person_id,
        off.left_on,
        off.ended,
        revoked,
        found,
        off.already,
        None if done else erase_after,
        done,
        off.left,
    )


def _alternates(state: AppState, pairings: list[Pairing], now: datetime) -> dict[str, list[str]]:
    """Other mentors for the mentees of `pairings` (mentee id -> mentor ids); a mentee the
    ranking cannot serve (no open goal, none mapped) gets an empty list."""
    if not pairings:
        return {}
    snapshot = state.current_snapshot()
    out: dict[str, list[str]] = {}
    for p in pairings:
        try:
            found = alternates(snapshot, p.id, k=ALTERNATES_K, now=now)
        except (InvalidInput, NotFound):
            found = {}
        for mentee in p.mentee_ids:
            out[mentee] = [r.mentor_id for r in found.get(mentee, [])]
    return out


def erase_person(state: AppState, who: Who, person_id: str) -> Erased:
    """Pseudonymise `person_id` everywhere, off-boarding them first if they have not left.
    Idempotent (by the old id or the pseudonym); NotFound for an unknown person."""
    erased = _already_erased(state, person_id)
    if erased is not None:
        return erased
    current = state.store.get_person(person_id)
    if current is None:
        raise NotFound(f"person {person_id!r} not found")
    if not current.departed:
        remove_person(state, who, person_id)

    def plan(store: GraphStore) -> Planned[Erased]:
        planned = plan_erase(
            store, person_id, pseudonym_of=lambda i: pseudonym_for(state.settings, i)
        )
        if not planned.ops:
            return planned
        res = planned.result
        return audited(planned, who, "person.erase", res.pseudonym, dict(res.counts))

    return state.write_plan(plan)


# --- one's own data -------------------------------------------------------------------------


def export_person_data(state: AppState, person_id: str) -> dict[str, Any]:
    """Everything stored about `person_id`, JSON-ready: the person, their skills, goals (text
    and targets), pairings they take part in, check-ins they wrote, API keys (no hashes) and
    audit entries by or about them (newest first). NotFound for an unknown or erased person
    (a leaver in the grace period is still exported: this serves the coordinator)."""
    store = state.store
    person = store.get_person(person_id)
    if person is None or person.erased_at is not None:
        raise NotFound(f"person {person_id!r} not found")
    goals = store.goals_of(person_id)
    pairings = store.list_pairings(PairingFilter(person_id=person_id))
    wrote = [
        c
        for p in pairings
        for c in store.checkins(p.id)
        if c.author_id == person_id or (c.author_id is None and person_id in p.mentee_ids)
    ]
    actor = f"person:{person_id}"
    about = [
        e
        for e in iter_audit(store)
        if e.actor == actor or person_id in e.target.split(",") or e.target == person_id
    ]
    about.sort(key=lambda e: (e.at, e.id), reverse=True)
    keys = [k for k in store.list_api_keys() if k.person_id == person_id]
    return {
        "exported_at": utcnow().isoformat(),
        "person": person.model_dump(mode="json"),
        "skills": [s.model_dump(mode="json") for s in store.person_skills(person_id)],
        "goals": [
            {
                **g.model_dump(mode="json"),
                "targets": [t.model_dump(mode="json") for t in store.goal_targets(g.id)],
            }
            for g in goals
        ],
        "pairings": [p.model_dump(mode="json") for p in pairings],
        "checkins": [c.model_dump(mode="json") for c in wrote],
        "api_keys": [k.model_dump(mode="json", exclude={"key_hash"}) for k in keys],
        "audit": [e.model_dump(mode="json") for e in about],
    }


# --- maintenance ----------------------------------------------------------------------------


@dataclass
class MaintenanceReport:
    """What a maintenance run removed: people erased (count: their pseudonyms only), texts
    blanked per kind, and how many applies (batches) it took."""

    erased: int = 0
    removed: dict[str, int] = field(
        default_factory=lambda: {"pairing_notes": 0, "checkin_notes": 0, "audit_details": 0}
    )
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"erased": self.erased, "removed": dict(self.removed), "batches": self.batches}


def policy_of(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        pairing_notes_days=settings.retain_pairing_notes_days,
        checkin_notes_days=settings.retain_checkin_notes_days,
        audit_details_days=settings.retain_audit_details_days,
    )


def due_for_erasure(store: GraphStore, today: date, grace_days: int) -> list[str]:
    """Ids of leavers whose grace period has run out and who are not erased yet."""
    last = today - timedelta(days=grace_days)
    return [
        p.id
        for p in store.list_people()
        if p.left_on is not None and p.erased_at is None and p.left_on <= last
    ]


def run_maintenance(
    state: AppState, who: Who, *, now: datetime | None = None, batch: int = 500
) -> MaintenanceReport:
    """Erase leavers past the grace period, then blank texts past retention, one apply per
    batch (each with a `maintenance.retention` entry). Idempotent: a second run finds
    nothing due and writes nothing."""
    at = now or utcnow()
    report = MaintenanceReport()
    for pid in due_for_erasure(state.store, at.date(), state.settings.erase_after_days):
        erase_person(state, who, pid)
        report.erased += 1
        report.batches += 1
    policy = policy_of(state.settings)
    while True:

        def plan(store: GraphStore) -> Planned[Any]:
            planned = plan_retention_batch(store, policy, now=at, limit=batch)
            if not planned.ops:
                return planned
            return audited(planned, who, "maintenance.retention", "", planned.result.counts())

        done = state.write_plan(plan)
        if done.empty:
            return report
        report.batches += 1
        for kind, n in done.counts().items():
            report.removed[kind] += n
