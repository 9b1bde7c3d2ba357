"""What only the embedded store promises: one WAL file, readers that never wait on the writer,
reopen durability, and refusal of BROADER cycles (not yet part of the shared contract)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from graph.errors import BatchRejected, StoreUnavailable
from graph.model import Broader, Person, Skill, SkillCluster
from graph.store import AddBroader, RepointReferences, UpsertClusters, UpsertPeople, UpsertSkills
from graph.stores.embedded import EmbeddedStore
from tests.contract.conftest import seed_ops


def test_creates_parent_dirs_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "graph.sqlite3"
    store = EmbeddedStore(path)
    try:
        assert path.exists()
        mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        store.close()


def test_committed_data_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite3"
    store = EmbeddedStore(path)
    store.apply(seed_ops())
    version = store.data_version()
    store.close()
    with pytest.raises(StoreUnavailable):
        store.count_people()
    again = EmbeddedStore(path)
    try:
        assert again.count_people() == 4
        assert again.data_version() == version
        assert [s.id for s in again.find_by_label("py")] == ["s-py"]
    finally:
        again.close()


def test_reader_does_not_wait_for_an_open_write(embedded_store: EmbeddedStore) -> None:
    embedded_store.apply([UpsertPeople([Person(id="p0", name="Zero")])])
    got: list[int] = []
    with embedded_store._write() as conn:  # a write transaction held open
        conn.execute(
            "INSERT INTO people(id, manager_id, data) VALUES ('p1', NULL, ?)",
            (Person(id="p1", name="One").model_dump_json(),),
        )
        reader = threading.Thread(target=lambda: got.append(embedded_store.count_people()))
        reader.start()
        reader.join(timeout=5)
        assert not reader.is_alive(), "reader blocked on the writer"
        assert got == [1]  # the uncommitted row is invisible
    assert embedded_store.count_people() == 2


def test_broader_cycle_is_refused(embedded_store: EmbeddedStore) -> None:
    embedded_store.apply(seed_ops())
    with pytest.raises(BatchRejected) as info:
        embedded_store.apply([AddBroader([Broader(child_id="c-root", parent_id="c-prog")])])
    assert [(p.row, p.field) for p in info.value.problems] == [(0, "ops[0].AddBroader.parent_id")]
    assert [c.id for c in embedded_store.parents("c-root")] == []


def test_repoint_that_would_make_a_cycle_is_refused(embedded_store: EmbeddedStore) -> None:
    embedded_store.apply(seed_ops())
    embedded_store.apply(
        [
            UpsertClusters([SkillCluster(id="c-x", label="X", tier=2)]),
            AddBroader([Broader(child_id="c-x", parent_id="c-prog")]),
        ]
    )
    # c-root's children (c-prog, c-data) move onto c-x, which sits below c-prog: a cycle.
    with pytest.raises(BatchRejected) as info:
        embedded_store.apply([RepointReferences("c-root", ["c-x"])])
    assert "cycle" in str(info.value)
    assert [c.id for c in embedded_store.parents("c-prog")] == ["c-root"]


def test_rows_given_as_dicts_are_validated(embedded_store: EmbeddedStore) -> None:
    with pytest.raises(BatchRejected) as info:
        embedded_store.apply(
            [UpsertSkills([{"id": "s1", "label": "A"}, {"id": "s2", "label": ""}])]  # type: ignore[list-item]
        )
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "ops[0].UpsertSkills.label")]
    embedded_store.apply([UpsertSkills([{"id": "s1", "label": "A"}])])  # type: ignore[list-item]
    assert embedded_store.get_skill("s1") == Skill(id="s1", label="A")
