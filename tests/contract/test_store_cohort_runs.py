"""Cohort runs in the store: PutCohortRuns keeps a run (never rewritten), PublishCohortRun is
a conditional update that lets exactly one of concurrent publishes through, on every store.

A run kept for review is an operational record (the data version stays); a publish moves the
version with the pairings it goes with, and refuses (Conflict, nothing written) once the run
is published or the graph moved on since the run's data version.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from graph.errors import BatchRejected, Conflict, NotFound
from graph.model import CohortRunRecord, Pairing, Person
from graph.store import GraphStore, PublishCohortRun, PutCohortRuns, UpsertPairings, UpsertPeople
from tests.contract.conftest import T0


def seed_people(store: GraphStore) -> None:
    store.apply(
        [
            UpsertPeople(
                [
                    Person(id="mentor", name="Mentor", is_mentor=True, max_mentees=5),
                    *(Person(id=f"mentee{i}", name=f"Mentee {i}") for i in range(4)),
                ]
            )
        ]
    )


def run(store: GraphStore, run_id: str = "run_1") -> CohortRunRecord:
    rec = CohortRunRecord(
        id=run_id,
        program="spring",
        data_version=store.data_version(),
        created_at=T0,
        created_by="person:coord",
        result='{"proposals": [], "n": 1}',
    )
    store.apply([PutCohortRuns([rec])])
    return rec


def publish_ops(rec: CohortRunRecord, tag: str) -> list:
    pairing = Pairing(id=f"pr-{tag}", mentor_id="mentor", mentee_ids=["mentee0"])
    return [
        PublishCohortRun(rec.id, rec.data_version, at=T0 + timedelta(hours=1), by=tag),
        UpsertPairings([pairing]),
    ]


def test_a_kept_run_reads_back_whole_and_keeps_the_version(store: GraphStore) -> None:
    seed_people(store)
    v = store.data_version()
    rec = run(store)
    assert store.data_version() == v
    assert store.get_cohort_run("run_1") == rec
    assert store.get_cohort_run("nope") is None


def test_a_run_id_is_never_rewritten(store: GraphStore) -> None:
    seed_people(store)
    rec = run(store)
    with pytest.raises(BatchRejected) as info:
        store.apply([PutCohortRuns([rec.model_copy(update={"result": "{}"})])])
    assert "already exists" in str(info.value)
    assert store.get_cohort_run("run_1") == rec


def test_publish_marks_the_run_and_moves_the_version_once(store: GraphStore) -> None:
    seed_people(store)
    rec = run(store)
    store.apply(publish_ops(rec, "a"))
    assert store.data_version() == rec.data_version + 1
    got = store.get_cohort_run("run_1")
    assert got is not None
    assert got.published_at == T0 + timedelta(hours=1)
    assert got.published_by == "a"
    assert store.get_pairing("pr-a") is not None


def test_a_second_publish_is_a_conflict_and_writes_nothing(store: GraphStore) -> None:
    seed_people(store)
    rec = run(store)
    store.apply(publish_ops(rec, "a"))
    v = store.data_version()
    # Even with the run's version brought up to date, a published run stays published.
    again = rec.model_copy(update={"data_version": v})
    with pytest.raises(Conflict, match="already published"):
        store.apply(publish_ops(again, "b"))
    assert store.data_version() == v
    assert store.get_pairing("pr-b") is None
    got = store.get_cohort_run("run_1")
    assert got is not None and got.published_by == "a"


def test_publish_after_a_graph_change_is_a_conflict(store: GraphStore) -> None:
    seed_people(store)
    rec = run(store)
    store.apply([UpsertPeople([Person(id="late", name="Late Comer")])])
    v = store.data_version()
    with pytest.raises(Conflict, match="graph changed"):
        store.apply(publish_ops(rec, "a"))
    assert store.data_version() == v
    assert store.get_pairing("pr-a") is None
    got = store.get_cohort_run("run_1")
    assert got is not None and got.published_at is None


def test_publish_of_an_unknown_run_is_not_found(store: GraphStore) -> None:
    seed_people(store)
    v = store.data_version()
    ghost = CohortRunRecord(id="ghost", program="p", data_version=v, result="{}")
    with pytest.raises(NotFound):
        store.apply(publish_ops(ghost, "a"))
    assert store.data_version() == v
    assert store.get_pairing("pr-a") is None


def test_concurrent_publishes_let_exactly_one_through(store: GraphStore) -> None:
    seed_people(store)
    rec = run(store)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def attempt(i: int) -> None:
        start.wait()
        try:
            store.apply(publish_ops(rec, f"t{i}"))
            result = f"ok:t{i}"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(winners) == 1, outcomes
    assert outcomes.count("conflict") == 5
    assert store.data_version() == rec.data_version + 1
    published = [i for i in range(6) if store.get_pairing(f"pr-t{i}") is not None]
    assert [f"ok:t{i}" for i in published] == winners
