"""Retention (issue 18): ended pairings' notes, check-in notes and audit details are kept only
for the configured days; maintenance blanks them a batch (one apply) at a time, reports what
it removed, and a second run removes nothing. On both stores."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.maintenance import MaintenanceJob
from api.usecases.leavers import run_maintenance
from graph.lifecycle.retention import RetentionPolicy, plan_retention_batch
from graph.model import AuditEntry, CheckIn, Pairing, PairingEvent, PairingStatus, utcnow
from graph.store import AddCheckIns, AppendAudit, GraphStore, UpsertPairings
from tests.api.conftest import Keys

OLD_NOTE = "retention-old-note"
NEW_NOTE = "retention-new-note"


def plant(store: GraphStore) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=800)
    store.apply(
        [
            UpsertPairings(
                [
                    Pairing(
                        id="pr-ended",
                        mentor_id="m1",
                        mentee_ids=["p1"],
                        status=PairingStatus.closed,
                        created_at=long_ago,
                        updated_at=long_ago,
                        close_reason=OLD_NOTE,
                        history=[
                            PairingEvent(status=PairingStatus.closed, at=long_ago, reason=OLD_NOTE)
                        ],
                    ),
                    Pairing(
                        id="pr-open-old",  # open: its reasons stay, however old
                        mentor_id="m1",
                        mentee_ids=["p2"],
                        status=PairingStatus.active,
                        created_at=long_ago,
                        updated_at=long_ago,
                        history=[
                            PairingEvent(status=PairingStatus.active, at=long_ago, reason=NEW_NOTE)
                        ],
                    ),
                ]
            ),
            AddCheckIns(
                [
                    CheckIn(
                        id="ci-old",
                        pairing_id="pr-open-old",
                        on=long_ago.date(),
                        rating=2,
                        note=OLD_NOTE,
                    ),
                    CheckIn(
                        id="ci-new",
                        pairing_id="pr-open-old",
                        on=now.date(),
                        rating=4,
                        note=NEW_NOTE,
                    ),
                ]
            ),
            AppendAudit(
                [
                    AuditEntry(
                        id="audit-old",
                        at=now - timedelta(days=400),
                        actor="cli",
                        action="person.update",
                        target="p1",
                        detail={"fields": ["title"]},
                    ),
                    AuditEntry(
                        id="audit-new",
                        at=now,
                        actor="cli",
                        action="person.update",
                        target="p1",
                        detail={"fields": ["email"]},
                    ),
                ]
            ),
        ]
    )


def test_maintenance_applies_retention_in_batches(
    app: FastAPI, client: TestClient, api_store: GraphStore
) -> None:
    plant(api_store)
    state = app.state.mg
    assert state.settings.retain_audit_details_days == 365  # the defaults this test relies on
    assert state.settings.retain_pairing_notes_days == state.settings.retain_checkin_notes_days
    before = api_store.list_audit(limit=10_000)
    report = run_maintenance(state, "test", batch=1)
    assert report.as_dict() == {
        "erased": 0,
        "removed": {"pairing_notes": 1, "checkin_notes": 1, "audit_details": 1},
        "batches": 3,
    }
    ended = api_store.get_pairing("pr-ended")
    assert ended is not None and ended.close_reason == ""
    assert [e.reason for e in ended.history] == [""] and ended.status == PairingStatus.closed
    still = api_store.get_pairing("pr-open-old")
    assert still is not None and [e.reason for e in still.history] == [NEW_NOTE]
    notes = {c.id: (c.note, c.rating) for c in api_store.checkins("pr-open-old")}
    assert notes == {"ci-old": ("", 2), "ci-new": (NEW_NOTE, 4)}
    audit = {e.id: e for e in api_store.list_audit(limit=10_000)}
    assert audit["audit-old"].detail == {} and audit["audit-old"].action == "person.update"
    assert audit["audit-new"].detail == {"fields": ["email"]}
    runs = [e for e in audit.values() if e.action == "maintenance.retention"]
    assert len(runs) == 3 and len(audit) == len(before) + 3  # one entry per batch (apply)
    assert sorted(sum(r.detail.values()) for r in runs) == [1, 1, 1]
    # idempotent: nothing is due any more, nothing is written
    again = run_maintenance(state, "test")
    assert again.as_dict()["batches"] == 0 and sum(again.removed.values()) == 0
    assert len(api_store.list_audit(limit=10_000)) == len(audit)


def test_keep_forever_and_cutoffs(app: FastAPI, api_store: GraphStore) -> None:
    plant(api_store)
    now = utcnow()
    forever = plan_retention_batch(api_store, RetentionPolicy(), now=now)
    assert forever.ops == [] and forever.result.empty
    # 799 days: the 800-day-old notes are due; 801 days: not yet
    due = plan_retention_batch(
        api_store, RetentionPolicy(pairing_notes_days=799, checkin_notes_days=799), now=now
    )
    assert due.result.pairings == ["pr-ended"] and due.result.checkins == ["ci-old"]
    early = plan_retention_batch(
        api_store, RetentionPolicy(pairing_notes_days=801, checkin_notes_days=801), now=now
    )
    assert early.result.empty
    audit = plan_retention_batch(api_store, RetentionPolicy(audit_details_days=0), now=now)
    assert {"audit-old", "audit-new"} <= set(audit.result.audit_entries)
    year = plan_retention_batch(api_store, RetentionPolicy(audit_details_days=365), now=now)
    assert "audit-old" in year.result.audit_entries
    assert "audit-new" not in year.result.audit_entries


def test_the_service_job_runs_maintenance(
    app: FastAPI, client: TestClient, api_store: GraphStore
) -> None:
    plant(api_store)
    assert MaintenanceJob(app.state.mg, 0).start() is None  # 0: never (no thread)
    job = MaintenanceJob(app.state.mg, 0.5 / 3600)  # every half second
    job.start()
    try:
        deadline = time.monotonic() + 30
        while job.last is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        job.stop()
    assert job.last is not None and sum(job.last.removed.values()) == 3
    note = {c.id: c.note for c in api_store.checkins("pr-open-old")}["ci-old"]
    assert note == ""


def test_a_new_person_cannot_arrive_departed(client: TestClient, keys: Keys) -> None:
    body = {"id": "p9", "name": "Nine", "left_on": "2026-01-01"}
    r = client.post("/v1/people", json=body, headers=keys.auth("coordinator"))
    assert r.status_code == 422 and "left_on" in r.text
    r = client.patch("/v1/people/p1", json={"left_on": "2026-01-01"}, headers=keys.auth("admin"))
    assert r.status_code == 422  # not a field of the update
