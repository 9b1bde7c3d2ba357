"""Operational records as ops: AppendAudit and PutApiKeys, on every store.

The audit entry of a change is one more op in the change's `apply`, so both land or neither
does. An apply of nothing but audit entries and API keys leaves `data_version` as it is (no
cache reads them); any other op in the same apply moves it once, as always.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph.errors import BatchRejected
from graph.model import ApiKey, AuditEntry, Person, Role
from graph.store import AppendAudit, GraphStore, PutApiKeys, UpsertPeople, changes_graph
from tests.contract.conftest import T0


def entry(i: str, *, actor: str = "person:ann", action: str = "person.create") -> AuditEntry:
    return AuditEntry(id=i, at=T0, actor=actor, action=action, target="p", detail={"n": 1})


def key(i: str, key_hash: str) -> ApiKey:
    return ApiKey(id=i, key_hash=key_hash, roles=[Role.admin], created_at=T0)


def rejected(store: GraphStore, ops: list) -> BatchRejected:
    before = store.data_version()
    with pytest.raises(BatchRejected) as info:
        store.apply(ops)
    assert store.data_version() == before
    return info.value


def test_records_alone_keep_the_data_version(store: GraphStore) -> None:
    v = store.data_version()
    store.apply([AppendAudit([entry("a1")])])
    store.apply([PutApiKeys([key("k1", "h" * 32)])])
    store.apply([AppendAudit([entry("a2")]), PutApiKeys([key("k2", "g" * 32)])])
    assert store.data_version() == v
    assert [e.id for e in store.list_audit()] == ["a2", "a1"]  # same time: by id, newest first
    assert [k.id for k in store.list_api_keys()] == ["k1", "k2"]
    store.apply([UpsertPeople([Person(id="p", name="P")]), AppendAudit([entry("a3")])])
    assert store.data_version() == v + 1
    assert not changes_graph([AppendAudit([]), PutApiKeys([])])
    assert changes_graph([AppendAudit([]), UpsertPeople([])])


def test_audit_entry_and_change_are_both_or_neither(store: GraphStore) -> None:
    bad_person = Person(id="p", name="P", manager_id="nobody")
    err = rejected(store, [UpsertPeople([bad_person]), AppendAudit([entry("a1")])])
    assert [p.field for p in err.problems] == ["ops[0].UpsertPeople.manager_id"]
    assert store.list_audit() == [] and store.get_person("p") is None
    # a bad audit entry takes the change down with it
    store.apply([AppendAudit([entry("a1")])])
    err = rejected(
        store, [UpsertPeople([Person(id="p", name="P")]), AppendAudit([entry("a1", actor="x")])]
    )
    assert [(p.row, p.field) for p in err.problems] == [(0, "ops[1].AppendAudit.id")]
    assert "already exists" in str(err)
    assert store.get_person("p") is None
    assert [(e.id, e.actor) for e in store.list_audit()] == [("a1", "person:ann")]
    store.apply([UpsertPeople([Person(id="p", name="P")]), AppendAudit([entry("a2")])])
    assert store.get_person("p") is not None
    assert {e.id for e in store.list_audit()} == {"a1", "a2"}


def test_audit_log_is_append_only(store: GraphStore) -> None:
    err = rejected(store, [AppendAudit([entry("a1"), entry("a1", action="again")])])
    assert [(p.row, p.field) for p in err.problems] == [(1, "ops[0].AppendAudit.id")]
    assert store.list_audit() == []
    late = entry("a2").model_copy(update={"at": T0 + timedelta(minutes=1)})
    store.apply([AppendAudit([entry("a1"), late])])
    err = rejected(store, [AppendAudit([entry("a3"), entry("a2")])])
    assert [(p.row, p.field) for p in err.problems] == [(1, "ops[0].AppendAudit.id")]
    assert [e.id for e in store.list_audit()] == ["a2", "a1"]
    assert store.list_audit()[0] == late


def test_audit_rows_as_dicts_are_validated(store: GraphStore) -> None:
    err = rejected(store, [AppendAudit([{"id": "a1", "action": "x"}])])  # type: ignore[list-item]
    assert [(p.row, p.field) for p in err.problems] == [(0, "ops[0].AppendAudit.actor")]
    store.apply([AppendAudit([{"id": "a1", "actor": "cli", "action": "x"}])])  # type: ignore[list-item]
    (got,) = store.list_audit()
    assert (got.id, got.actor, got.action, got.target, got.detail) == ("a1", "cli", "x", "", {})


def test_api_keys_put_and_revoke(store: GraphStore) -> None:
    k1 = key("k1", "h" * 32)
    store.apply([PutApiKeys([k1])])
    revoked = k1.model_copy(update={"revoked_at": T0 + timedelta(hours=1)})
    store.apply([PutApiKeys([revoked])])  # same id, same hash: a replacement
    assert store.get_api_key_by_hash("h" * 32) == revoked
    assert store.list_api_keys() == [revoked]


def test_a_key_hash_belongs_to_one_key(store: GraphStore) -> None:
    store.apply([PutApiKeys([key("k1", "h" * 32)])])
    err = rejected(store, [PutApiKeys([key("k2", "g" * 32), key("k3", "h" * 32)])])
    assert [(p.row, p.field) for p in err.problems] == [(1, "ops[0].PutApiKeys.key_hash")]
    assert "'k1'" in str(err) and "h" * 32 not in str(err)  # the hash is never echoed
    err = rejected(store, [PutApiKeys([key("k2", "g" * 32), key("k3", "g" * 32)])])
    assert [(p.row, p.field) for p in err.problems] == [(1, "ops[0].PutApiKeys.key_hash")]
    assert "g" * 32 not in str(err)
    err = rejected(store, [PutApiKeys([key("k2", "g" * 32), key("k2", "f" * 32)])])
    assert [(p.row, p.field) for p in err.problems] == [(1, "ops[0].PutApiKeys.id")]
    assert [k.id for k in store.list_api_keys()] == ["k1"]
    assert store.get_api_key_by_hash("g" * 32) is None


def test_a_bad_key_row_is_named(store: GraphStore) -> None:
    bad = {"id": "k1", "key_hash": "short", "roles": ["admin"]}
    err = rejected(store, [PutApiKeys([bad])])  # type: ignore[list-item]
    assert [(p.row, p.field) for p in err.problems] == [(0, "ops[0].PutApiKeys.key_hash")]
    assert store.list_api_keys() == []
