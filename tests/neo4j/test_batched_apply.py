"""Large applies on the Neo4j store: written in bounded transactions (validated whole first,
so a bad row still writes nothing), the data version moved once at the end, an interrupted
one left marked and finished by re-running it; the result equals the embedded store's one
transaction. Timeouts and memory limits become StoreTimeout (504) / StoreOverloaded (503).

Batches are made small here (`batch_rows` of a few rows) so every op type is split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.errors import BatchRejected, StoreOverloaded, StoreTimeout, StoreUnavailable
from graph.model import ApiKey, AuditEntry, Broader, Goal, Person, PersonSkill, Role, SkillCluster
from graph.store import (
    AddBroader,
    AppendAudit,
    DeleteGoals,
    GraphStore,
    PutApiKeys,
    RemovePersonSkills,
    RepointReferences,
    StoreOp,
    UpsertClusters,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
)
from graph.stores.neo4j_store import Neo4jStore, store_error
from loaders.demo_org import load_demo
from tests.conftest import make_embedded_store, make_neo4j_store
from tests.contract.conftest import seed_ops
from tests.neo4j.test_neo4j_store import RecordingDriver

# --- error mapping (no server) --------------------------------------------------------------


def server_error(code: str) -> neo4j.exceptions.Neo4jError:
    return neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message="from the server")


@pytest.mark.parametrize(
    ("code", "kind", "status"),
    [
        ("Neo.ClientError.Transaction.TransactionTimedOut", StoreTimeout, 504),
        ("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", StoreTimeout, 504),
        ("Neo.TransientError.General.MemoryPoolOutOfMemoryError", StoreOverloaded, 503),
        ("Neo.ClientError.General.TransactionOutOfMemoryError", StoreOverloaded, 503),
        ("Neo.TransientError.General.TransactionMemoryLimit", StoreOverloaded, 503),
    ],
)
def test_timeouts_and_memory_limits_are_clear_errors_not_500(
    code: str, kind: type[Exception], status: int
) -> None:
    mapped = store_error(server_error(code))
    assert isinstance(mapped, kind)
    assert mapped.status_code == status and code in mapped.message


def test_cluster_failover_errors_are_unavailable() -> None:
    assert isinstance(store_error(neo4j.exceptions.SessionExpired("gone")), StoreUnavailable)
    assert isinstance(store_error(neo4j.exceptions.ServiceUnavailable("down")), StoreUnavailable)
    assert store_error(server_error("Neo.ClientError.Statement.SyntaxError")) is None


# --- against a Bolt server ------------------------------------------------------------------


@pytest.fixture
def small_batches(bolt_driver: Any) -> Iterator[Neo4jStore]:
    make_neo4j_store(bolt_driver)  # schema + empty database
    store = Neo4jStore(bolt_driver, database=bolt_driver.mentorgraph_database, batch_rows=40)
    yield store
    store.close()


def org(n: int) -> list[StoreOp]:
    """A cluster, 3 skills and `n` people whose managers come AFTER them in the rows (so a
    manager is often in a later batch), 2 skills each, a goal each."""
    people = [
        Person(id=f"p{i:04d}", name=f"P{i}", manager_id=f"p{i + 1:04d}" if i < n - 1 else None)
        for i in range(n)
    ]
    return [
        *seed_ops()[:3],  # taxonomy of the contract seed (clusters, skills, broader)
        UpsertPeople(people),
        UpsertPersonSkills(
            [
                PersonSkill(person_id=p.id, skill_id=s, level=1 + i % 5)
                for i, p in enumerate(people)
                for s in ("s-py", "s-sql")
            ]
        ),
        UpsertGoals([Goal(id=f"g{p.id}", person_id=p.id, text="grow") for p in people]),
    ]


@pytest.mark.neo4j
def test_a_large_apply_goes_in_bounded_transactions_and_bumps_the_version_once(
    small_batches: Neo4jStore,
) -> None:
    store = small_batches
    v0 = store.data_version()
    before = store.write_transactions
    store.apply(org(150))  # 150 people + 300 HAS_SKILL + 150 goals + taxonomy > 40 rows
    txs = store.write_transactions - before
    # at least one transaction per 40 rows, plus the marker and the final bump
    assert txs >= (150 + 150 + 300 + 150) // 40 + 2
    assert store.data_version() == v0 + 1
    assert store.pending_applies() == []
    assert store.count_people() == 150
    # managers from later batches are linked all the same
    assert store.reports_of("p0149") == ["p0148"]
    assert all(store.reports_of(f"p{i + 1:04d}") == [f"p{i:04d}"] for i in range(0, 149, 37))
    assert len([r for b in store.iter_person_skills(batch_size=7) for r in b]) == 300


@pytest.mark.neo4j
def test_a_bad_row_at_the_end_of_a_large_apply_writes_nothing(small_batches: Neo4jStore) -> None:
    store = small_batches
    v0 = store.data_version()
    ops = org(120)
    ops.append(UpsertPersonSkills([PersonSkill(person_id="p0007", skill_id="nope", level=2)]))
    with pytest.raises(BatchRejected) as info:
        store.apply(ops)
    [problem] = info.value.problems
    assert (problem.row, problem.field) == (0, "ops[6].UpsertPersonSkills.skill_id")
    assert store.count_people() == 0 and store.data_version() == v0
    assert store.pending_applies() == []


@pytest.mark.neo4j
def test_a_cycle_in_a_large_apply_is_refused_before_anything_is_written(
    small_batches: Neo4jStore,
) -> None:
    store = small_batches
    clusters = [SkillCluster(id=f"c{i:03d}", label=f"C{i}", tier=1) for i in range(60)]
    chain = [Broader(child_id=f"c{i + 1:03d}", parent_id=f"c{i:03d}") for i in range(59)]
    with pytest.raises(BatchRejected, match="BROADER cycle") as info:
        store.apply(
            [
                UpsertClusters(clusters),
                AddBroader([*chain, Broader(child_id="c000", parent_id="c059")]),
            ]
        )
    assert info.value.problems[0].field == "ops[1].AddBroader.parent_id"
    assert store.get_cluster("c000") is None


@pytest.mark.neo4j
def test_an_interrupted_large_apply_is_marked_and_rerunning_it_finishes(
    bolt_driver: Any,
) -> None:
    make_neo4j_store(bolt_driver)
    rec = RecordingDriver(bolt_driver)
    db = bolt_driver.mentorgraph_database
    crashing = Neo4jStore(rec, database=db, batch_rows=40)  # type: ignore[arg-type]
    v0 = crashing.data_version()
    rec.statements = 0
    rec.fail_on_statement = 12  # a crash some batches in
    ops = org(150)
    with pytest.raises(RuntimeError, match="injected"):
        crashing.apply(ops)
    [pending] = crashing.pending_applies()
    assert "UpsertPeople" in pending["what"]
    assert crashing.data_version() == v0  # caches keyed on the version saw nothing
    assert 0 < crashing.count_people() < 150  # partly written: readers could see it

    again = Neo4jStore(bolt_driver, database=db, batch_rows=40)
    again.apply(ops)  # the same command, run again: every batch is an idempotent upsert
    assert again.pending_applies() == []
    assert again.data_version() == v0 + 1
    assert again.count_people() == 150 and again.reports_of("p0100") == ["p0099"]


def _state(s: GraphStore) -> tuple[Any, ...]:
    return (
        s.taxonomy(),
        s.list_people(),
        [b for batch in s.iter_person_skills(batch_size=3) for b in batch],
        s.list_goals(),
        s.all_goal_targets(),
        s.list_pairings(),
        s.all_checkins(),
        [s.reports_of(p.id) for p in s.list_people()],
    )


@pytest.mark.neo4j
def test_batched_writes_leave_what_the_embedded_store_leaves(
    bolt_driver: Any, tmp_path: Path
) -> None:
    make_neo4j_store(bolt_driver)
    batched = Neo4jStore(bolt_driver, database=bolt_driver.mentorgraph_database, batch_rows=3)
    embedded = make_embedded_store(tmp_path)
    later: list[StoreOp] = [
        RemovePersonSkills([("alice", "s-sql"), ("zed", "x")]),
        DeleteGoals(["g2"]),
        RepointReferences(source_id="s-sql", target_ids=["s-py"]),
    ]
    for s in (batched, embedded):
        s.apply(seed_ops())
        s.apply(later)
    assert _state(batched) == _state(embedded)
    assert batched.pending_applies() == []


@pytest.mark.neo4j
def test_an_interrupted_demo_load_is_finished_by_loading_again(bolt_driver: Any) -> None:
    make_neo4j_store(bolt_driver)
    db = bolt_driver.mentorgraph_database
    rec = RecordingDriver(bolt_driver)
    crashing = Neo4jStore(rec, database=db, batch_rows=40)  # type: ignore[arg-type]
    crashing.apply(seed_ops()[:3])  # a taxonomy, so no ESCO import
    rec.statements = 0
    rec.fail_on_statement = 10
    with pytest.raises(RuntimeError, match="injected"):
        load_demo(crashing, size=120, seed=3)
    assert crashing.pending_applies()

    store = Neo4jStore(bolt_driver, database=db, batch_rows=40)
    report = load_demo(store, size=120, seed=3)
    assert report.loaded and store.pending_applies() == []
    assert store.count_people() == 120
    assert not load_demo(store, size=120, seed=3).loaded  # now it is complete


@pytest.mark.neo4j
def test_a_large_apply_of_audit_entries_and_keys_keeps_the_version(
    small_batches: Neo4jStore,
) -> None:
    store = small_batches
    store.apply([PutApiKeys([ApiKey(id="k0", key_hash="h" * 32, roles=[Role.admin])])])
    v0 = store.data_version()
    entries = [AuditEntry(id=f"a{i:03d}", actor="cli", action="x") for i in range(60)]
    keys = [ApiKey(id=f"k{i}", key_hash=f"{i:032d}", roles=[Role.admin]) for i in range(1, 30)]
    store.apply([AppendAudit(entries), PutApiKeys(keys)])  # 89 rows > 40: batched
    assert store.data_version() == v0 and store.pending_applies() == []
    assert len(store.list_audit(limit=1000)) == 60 and len(store.list_api_keys()) == 30
    # validated whole before writing, like any batched apply: stored and earlier-op ids count
    more = [AuditEntry(id=f"b{i:03d}", actor="cli", action="x") for i in range(50)]
    with pytest.raises(BatchRejected) as info:
        store.apply([AppendAudit([*more, entries[0]])])
    assert [(p.row, p.field) for p in info.value.problems] == [(50, "ops[0].AppendAudit.id")]
    clash = ApiKey(id="k99", key_hash="h" * 32, roles=[Role.admin])
    twice = ApiKey(id="k98", key_hash="7" * 32, roles=[Role.admin])
    with pytest.raises(BatchRejected) as info:
        store.apply([AppendAudit(more), PutApiKeys([twice]), PutApiKeys([clash, twice])])
    assert [(p.field, p.reason) for p in info.value.problems] == [
        ("ops[2].PutApiKeys.key_hash", "already used by API key 'k0'")
    ]
    assert len(store.list_audit(limit=1000)) == 60 and len(store.list_api_keys()) == 30
