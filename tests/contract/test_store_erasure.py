"""The ops erasure and retention need, on every store: DeletePeople, ReplaceAudit, the
listing of people who have not left, and the audit log walked in id order.

Seeded graph (conftest): bob manages alice; carol; dan; alice py/sql, bob java, carol py/stats.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph.errors import BatchRejected
from graph.model import AuditEntry, CohortRunRecord, Person
from graph.store import (
    AppendAudit,
    DeletePeople,
    GraphStore,
    PutCohortRuns,
    ReplaceAudit,
    UpsertPeople,
    changes_graph,
    touched_by,
)
from tests.contract.conftest import T0


def entry(i: str, minutes: int = 0, **detail: object) -> AuditEntry:
    return AuditEntry(
        id=i,
        at=T0 + timedelta(minutes=minutes),
        actor="person:carol",
        action="goal.create",
        target="carol",
        detail=dict(detail),
    )


def test_delete_people_removes_the_record_and_its_skills(seeded: GraphStore) -> None:
    v = seeded.data_version()
    assert seeded.person_skills("carol")
    seeded.apply([DeletePeople(["carol", "nobody"])])  # an unknown id is ignored
    assert seeded.get_person("carol") is None
    assert seeded.person_skills("carol") == []
    assert all(h.person_id != "carol" for h in seeded.holders_of("s-py"))
    assert "carol" not in {p.id for p in seeded.list_people()}
    assert seeded.data_version() == v + 1
    assert touched_by([DeletePeople(["carol"])]).people == {"carol"}


def test_an_erasure_drops_the_stored_cohort_runs(seeded: GraphStore) -> None:
    """Runs name the people they propose and can no longer be published once the graph
    changed: none outlives an erasure."""
    run = CohortRunRecord(
        id="run-x",
        program="spring",
        data_version=seeded.data_version(),
        result='{"proposals": [{"mentee_id": "carol"}]}',
    )
    seeded.apply([PutCohortRuns([run])])
    assert seeded.get_cohort_run("run-x") is not None
    seeded.apply([DeletePeople(["carol"])])
    assert seeded.get_cohort_run("run-x") is None


def test_a_person_deleted_earlier_in_the_batch_is_not_referenced(seeded: GraphStore) -> None:
    """Validation sees the delete: a later op pointing at the deleted person is refused."""
    with pytest.raises(BatchRejected) as info:
        seeded.apply(
            [
                DeletePeople(["carol"]),
                UpsertPeople([Person(id="eve", name="E", manager_id="carol")]),
            ]
        )
    assert [p.field for p in info.value.problems] == ["ops[1].UpsertPeople.manager_id"]
    assert seeded.get_person("carol") is not None  # nothing written


def test_re_keying_a_manager_in_one_apply(seeded: GraphStore) -> None:
    """Erasure's shape: the pseudonymous record, the reports re-pointed, the old one deleted."""
    reports = [seeded.get_person(i) for i in seeded.reports_of("bob")]
    assert "alice" in {r.id for r in reports if r}
    pseudo = Person(id="erased-1", name="erased-1", left_on=date(2025, 1, 1))
    moved = [r.model_copy(update={"manager_id": "erased-1"}) for r in reports if r]
    seeded.apply([UpsertPeople([pseudo, *moved]), DeletePeople(["bob"])])
    assert seeded.get_person("bob") is None
    assert seeded.reports_of("erased-1") == [r.id for r in moved]
    assert seeded.reports_of("bob") == []


def test_listing_without_leavers(seeded: GraphStore) -> None:
    everyone = [p.id for p in seeded.list_people()]
    carol = seeded.get_person("carol")
    assert carol is not None
    seeded.apply([UpsertPeople([carol.model_copy(update={"left_on": date(2025, 6, 30)})])])
    present = [p.id for p in seeded.list_people(include_departed=False)]
    assert present == [i for i in everyone if i != "carol"]
    assert [p.id for p in seeded.list_people()] == everyone
    assert seeded.count_people() == len(everyone)
    assert seeded.count_people(include_departed=False) == len(everyone) - 1
    page = seeded.list_people(offset=1, limit=1, include_departed=False)
    assert [p.id for p in page] == present[1:2]
    stored = seeded.get_person("carol")
    assert stored is not None and stored.left_on == date(2025, 6, 30) and stored.departed


def test_replace_audit_rewrites_entries_by_id(store: GraphStore) -> None:
    store.apply([AppendAudit([entry("a1", fields=["text"]), entry("a2", 1, n=2)])])
    v = store.data_version()
    scrubbed = entry("a1").model_copy(update={"actor": "person:erased-1", "target": "erased-1"})
    store.apply([ReplaceAudit([scrubbed])])
    assert store.data_version() == v  # operational: caches stay valid
    assert not changes_graph([ReplaceAudit([scrubbed])])
    by_id = {e.id: e for e in store.list_audit()}
    assert by_id["a1"] == scrubbed and by_id["a1"].detail == {}
    assert by_id["a2"].detail == {"n": 2}
    assert store.list_audit(actor="person:erased-1") == [scrubbed]
    assert store.list_audit(actor="person:carol") == [by_id["a2"]]
    # the same replacement again is a no-op
    store.apply([ReplaceAudit([scrubbed])])
    assert {e.id: e for e in store.list_audit()} == by_id


def test_replace_audit_refuses_an_unknown_entry(store: GraphStore) -> None:
    store.apply([AppendAudit([entry("a1")])])
    with pytest.raises(BatchRejected) as info:
        store.apply([ReplaceAudit([entry("a1", n=1), entry("zz")])])
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "ops[0].ReplaceAudit.id")]
    assert "no audit entry 'zz'" in str(info.value)
    assert store.list_audit()[0].detail == {}  # nothing written


def test_audit_page_walks_the_log_in_id_order(store: GraphStore) -> None:
    rows = [entry(f"a{i:02d}", -i) for i in range(7)]
    store.apply([AppendAudit(rows)])
    seen: list[str] = []
    after = ""
    while page := store.audit_page(after=after, limit=3):
        assert len(page) <= 3
        seen += [e.id for e in page]
        after = page[-1].id
    assert seen == sorted(r.id for r in rows)
    assert store.audit_page(limit=0) == []
