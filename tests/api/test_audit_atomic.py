"""A change and its audit entry are written in ONE apply: both or neither.

The store's `apply` is watched (each call is passed on to the real store unchanged) while the
audit scenario of test_audit_every_mutation.py calls every mutating route: each successful
call must have made exactly one apply, holding exactly one audit entry. A write that fails
must leave neither the change nor an entry behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graph.errors import StoreUnavailable
from graph.store import AppendAudit, GraphStore, SetGoalTargets, StoreOp, UpsertGoals
from tests.api.conftest import Keys
from tests.api.test_audit_every_mutation import Audited, scenario


@pytest.fixture
def applies(keys: Keys, api_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> list[list]:
    """Every committed apply's ops from now on (the keys of the fixture are made before)."""
    seen: list[list[StoreOp]] = []
    real = api_store.apply

    def watched(ops: Sequence[StoreOp]) -> None:
        real(ops)
        seen.append(list(ops))

    monkeypatch.setattr(api_store, "apply", watched)
    return seen


class OneApply(Audited):
    """Audited, and the call's change went in one apply together with its one entry."""

    def __init__(self, *args: Any, applies: list[list[StoreOp]]) -> None:
        super().__init__(*args)
        self.applies = applies

    def call(self, role: str, method: str, template: str, path: str, **kw: Any) -> Any:
        start = len(self.applies)
        out = super().call(role, method, template, path, **kw)
        new = self.applies[start:]
        names = [[type(op).__name__ for op in ops] for ops in new]
        assert len(new) == 1, f"{method} {template} made {len(new)} applies: {names}"
        entries = [row for op in new[0] if isinstance(op, AppendAudit) for row in op.rows]
        assert len(entries) == 1, f"{method} {template}: {names}"
        assert entries[0] == self.store.list_audit(limit=1)[0]
        return out


def test_every_mutation_is_one_apply_with_its_audit_entry(
    app: FastAPI,
    client: TestClient,
    keys: Keys,
    api_store: GraphStore,
    applies: list[list[StoreOp]],
) -> None:
    scenario(OneApply(app, client, keys, api_store, applies=applies))
    assert len(applies) >= 30


def test_a_new_goal_its_targets_and_its_entry_are_one_apply(
    client: TestClient, keys: Keys, api_store: GraphStore, applies: list[list[StoreOp]]
) -> None:
    body = {"id": "g-new", "text": "public speaking at conferences"}
    r = client.post("/v1/people/p1/goals", json=body, headers=keys.auth("mentee"))
    assert r.status_code == 201, r.text
    (ops,) = applies
    assert [type(op) for op in ops] == [UpsertGoals, SetGoalTargets, AppendAudit]
    assert api_store.goal_targets("g-new"), "mapped in the same apply"
    (entry,) = ops[2].rows  # type: ignore[attr-defined]
    assert (entry.action, entry.target, entry.detail) == (
        "goal.create",
        "g-new",
        {"person_id": "p1"},
    )
    assert "public speaking" not in str(entry.model_dump())  # goal text stays out of the log


def test_a_failed_write_leaves_neither_change_nor_audit_entry(
    client: TestClient, keys: Keys, api_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_before = api_store.list_audit(limit=10_000)
    version = api_store.data_version()
    real = api_store.apply

    def failing(ops: Sequence[StoreOp]) -> None:
        raise StoreUnavailable("the store went away mid-request")

    monkeypatch.setattr(api_store, "apply", failing)
    goal = {"id": "g-new", "text": "public speaking at conferences"}
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("mentee", "POST", "/v1/people/p1/goals", goal),
        ("coordinator", "POST", "/v1/people", {"id": "p9", "name": "Nine"}),
        ("mentee", "POST", "/v1/pairings", {"mentor_id": "m1", "mentee_ids": ["p1"]}),
        ("mentor", "POST", "/v1/pairings/pr-p2/activate", {}),
        ("steward", "POST", "/v1/taxonomy/nodes/s-present/aliases", {"alias": "keynotes"}),
        ("admin", "POST", "/v1/keys", {"roles": ["mentor"]}),
        ("coordinator", "POST", "/v1/people/import", {"format": "csv", "content": "id,name\n"}),
    ]
    for role, method, path, body in calls:
        r = client.request(method, path, json=body, headers=keys.auth(role))
        assert r.status_code == 503, (path, r.status_code, r.text)
    assert api_store.list_audit(limit=10_000) == audit_before
    assert api_store.data_version() == version
    assert api_store.get_goal("g-new") is None and api_store.get_person("p9") is None
    assert len(api_store.list_pairings()) == 1
    present = api_store.get_skill("s-present")
    assert present is not None and "keynotes" not in present.aliases

    monkeypatch.setattr(api_store, "apply", real)  # the store is back: the same call works
    r = client.post("/v1/people/p1/goals", json=goal, headers=keys.auth("mentee"))
    assert r.status_code == 201, r.text
    after = api_store.list_audit(limit=10_000)
    assert len(after) == len(audit_before) + 1
    assert (after[0].action, after[0].target) == ("goal.create", "g-new")
    assert api_store.goal_targets("g-new")
