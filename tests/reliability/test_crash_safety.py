"""Crash safety of the embedded store: SIGKILL a writer mid-work, reopen, find only whole
transactions and an intact file.

The child is a separate Python process (tests/reliability/helpers.py) that prints a line after
each commit; the parent kills it with SIGKILL (no cleanup, no rollback, no atexit) after a
known number of commits, or after a delay inside one big transaction.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from graph.model import NodeStatus, Person, PersonSkill, Skill
from graph.store import UpsertPeople, UpsertPersonSkills, UpsertSkills
from graph.stores.embedded import EmbeddedStore
from tests.reliability.helpers import CRASH_SKILL, Child, batch_person_id

BATCH = 250


def integrity(path: Path) -> str:
    """PRAGMA integrity_check on a plain connection (no repair, no store code involved)."""
    conn = sqlite3.connect(path)
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def new_db(tmp_path: Path, name: str = "graph.sqlite3") -> Path:
    path = tmp_path / name
    store = EmbeddedStore(path)
    store.apply([UpsertSkills([Skill(id=CRASH_SKILL, label="surviving crashes")])])
    store.close()
    return path


def test_killed_batch_import_keeps_every_committed_batch_whole(tmp_path: Path) -> None:
    path = new_db(tmp_path)
    child = Child(["people", str(path), "10000", str(BATCH)])
    child.wait_for("ready")
    committed = child.wait_for("committed", count=4)
    child.kill()

    assert integrity(path) == "ok"
    store = EmbeddedStore(path)  # opens as is: WAL recovery only, no repair step
    try:
        people = store.list_people()
        per_batch = Counter(p.id[:6] for p in people)  # "p-0003"
        # Every batch the child reported is there; the one it was writing is all or nothing.
        assert len(people) >= len(committed) * BATCH
        assert all(n == BATCH for n in per_batch.values()), per_batch
        assert sorted(per_batch) == [f"p-{b:04d}" for b in range(len(per_batch))]
        for b in range(len(committed)):
            assert store.get_person(batch_person_id(b, BATCH - 1)) is not None
        # The two tables of one apply agree: no person without their skill row or vice versa.
        holders = store.holders_of(CRASH_SKILL)
        assert sorted(h.person_id for h in holders) == sorted(p.id for p in people)
        # The store still takes writes after the crash.
        store.apply([UpsertPeople([Person(id="after-crash", name="Still Here")])])
        assert store.count_people() == len(people) + 1
    finally:
        store.close()
    assert integrity(path) == "ok"


@pytest.mark.parametrize("delay_s", [0.05, 0.4, 1.0])
def test_killed_esco_import_is_all_or_nothing(tmp_path: Path, delay_s: float) -> None:
    path = new_db(tmp_path)
    child = Child(["esco", str(path)])
    read = child.wait_for("read", timeout=120)[0]
    skills, clusters, _ = (int(x) for x in read.split()[1:])
    time.sleep(delay_s)  # somewhere in planning or inside the one big write transaction
    child.kill()

    assert integrity(path) == "ok"
    store = EmbeddedStore(path)
    try:
        imported = store.count_skills() - 1  # minus CRASH_SKILL
        changes = store.taxonomy_changes(limit=10)
        if imported == 0:
            assert changes == [] and store.list_clusters() == []
        else:
            assert imported == skills
            assert len(store.list_clusters()) == clusters
            assert [c.op for c in changes] == ["import"]
    finally:
        store.close()


def _merge_fixture(tmp_path: Path, holders: int) -> Path:
    """Two skills; `holders` people hold the source, every third one holds the survivor too."""
    path = tmp_path / "template.sqlite3"
    store = EmbeddedStore(path)
    people = [Person(id=f"h{i:05d}", name=f"Holder {i}") for i in range(holders)]
    store.apply(
        [
            UpsertSkills(
                [
                    Skill(id="s-old", label="old wording", aliases=["legacy"]),
                    Skill(id="s-new", label="new wording"),
                ]
            ),
            UpsertPeople(people),
            UpsertPersonSkills(
                [PersonSkill(person_id=p.id, skill_id="s-old", level=2) for p in people]
                + [PersonSkill(person_id=p.id, skill_id="s-new", level=4) for p in people[::3]]
            ),
        ]
    )
    store.close()
    return path


@pytest.mark.parametrize("delay_s", [0.0, 0.02, 0.1, 0.3, 0.6])
def test_killed_merge_is_all_or_nothing(tmp_path: Path, delay_s: float) -> None:
    holders = 6000
    template = _merge_fixture(tmp_path, holders)
    path = tmp_path / "graph.sqlite3"
    shutil.copyfile(template, path)

    child = Child(["merge", str(path), "s-old", "s-new"])
    child.wait_for("merging")
    time.sleep(delay_s)
    child.kill()

    assert integrity(path) == "ok"
    store = EmbeddedStore(path)
    try:
        old, new = store.get_skill("s-old"), store.get_skill("s-new")
        assert old is not None and new is not None
        old_holders, new_holders = store.holders_of("s-old"), store.holders_of("s-new")
        changes = store.taxonomy_changes(node_id="s-old")
        if old.status == NodeStatus.active:  # not applied: exactly the template
            assert len(old_holders) == holders
            assert len(new_holders) == len(range(0, holders, 3))
            assert new.aliases == [] and changes == []
        else:  # applied: every part of it
            assert old.replaced_by == ["s-new"]
            assert old_holders == []
            assert len(new_holders) == holders
            assert {h.level for h in new_holders if int(h.person_id[1:]) % 3 == 0} == {4}
            assert "old wording" in new.aliases and "legacy" in new.aliases
            assert [c.op for c in changes] == ["merge"]
    finally:
        store.close()
