"""What a Neo4j cluster asks of the store, tested as far as the CI Bolt server (ArcadeDB, one
server) allows: a `neo4j://` routing URI, causal consistency through the process's bookmark
manager (a write's bookmark reaches a reader on another driver), managed read transactions
rerun on an injected transient error, and a cohort publish raced by separate drivers (as by
separate API workers) that goes through exactly once.

The driver is real; the wrapper below only makes one transaction function fail once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import neo4j
import pytest
from pydantic import SecretStr

from graph.errors import Conflict
from graph.model import CohortRunRecord, Pairing, Person
from graph.settings import Settings
from graph.store import PublishCohortRun, PutCohortRuns, UpsertPairings, UpsertPeople
from graph.stores import open_store
from graph.stores.neo4j_store import Neo4jStore
from tests.conftest import bolt_settings, make_neo4j_store

pytestmark = pytest.mark.neo4j


@pytest.fixture
def cfg(pytestconfig: pytest.Config, bolt_driver: Any) -> dict[str, str]:
    found = bolt_settings(pytestconfig)
    assert found is not None
    make_neo4j_store(bolt_driver)  # schema + an empty database
    return found


def settings_for(cfg: dict[str, str], uri: str, **extra: Any) -> Settings:
    return Settings(
        environment="test",
        store="neo4j",
        neo4j_uri=uri,
        neo4j_user=cfg["user"],
        neo4j_password=SecretStr(cfg["password"]),
        neo4j_database=cfg["database"],
        **extra,
    )


def routing_uri(uri: str) -> str:
    return "neo4j://" + uri.split("://", 1)[1]


@pytest.fixture
def routed(cfg: dict[str, str]) -> Iterator[Neo4jStore]:
    """The store as a cluster deployment opens it: neo4j:// (routing), pool from settings."""
    settings = settings_for(
        cfg, routing_uri(cfg["uri"]), neo4j_max_pool_size=7, neo4j_retry_time_s=5.0
    )
    store = open_store(settings)
    assert isinstance(store, Neo4jStore)
    yield store
    store.close()


def test_a_routing_uri_reads_and_writes(routed: Neo4jStore) -> None:
    v = routed.data_version()
    routed.apply([UpsertPeople([Person(id="r1", name="Routed")])])
    assert routed.data_version() == v + 1
    got = routed.get_person("r1")
    assert got is not None and got.name == "Routed"


def test_a_write_bookmark_lets_another_driver_read_it(
    routed: Neo4jStore, cfg: dict[str, str]
) -> None:
    """The process's bookmark manager holds the bookmark of the last write; a reader on
    another driver (another worker) that is handed it waits for that write (on a cluster: a
    follower that has not applied it yet would hold the read back until it has)."""
    manager = routed._driver.execute_query_bookmark_manager
    before = set(manager.get_bookmarks())
    routed.apply([UpsertPeople([Person(id="b1", name="Bookmarked")])])
    after = set(manager.get_bookmarks())
    assert after and after != before
    other = neo4j.GraphDatabase.driver(routing_uri(cfg["uri"]), auth=(cfg["user"], cfg["password"]))
    try:
        bookmarks = neo4j.Bookmarks.from_raw_values(*after)
        with other.session(
            database=cfg["database"], default_access_mode=neo4j.READ_ACCESS, bookmarks=bookmarks
        ) as session:
            name = session.execute_read(
                lambda tx: tx.run("MATCH (p:Person {id: 'b1'}) RETURN p.name AS n").single()["n"]
            )
            assert name == "Bookmarked"
            # the session moves the bookmark on (what the next session of that worker sends)
            assert session.last_bookmarks() is not None
    finally:
        other.close()


class FailOnceDriver:
    """The real driver whose sessions run each read transaction function through a wrapper
    that raises `fault` the first time (a leader switch or transient failure mid-read)."""

    def __init__(self, driver: Any, fault: BaseException) -> None:
        self._driver = driver
        self.fault: BaseException | None = fault
        self.calls = 0

    @property
    def execute_query_bookmark_manager(self) -> Any:
        return self._driver.execute_query_bookmark_manager

    def close(self) -> None:
        """The real driver belongs to the test session."""

    def session(self, **kwargs: Any) -> Any:
        return _FailOnceSession(self, self._driver.session(**kwargs))


class _FailOnceSession:
    def __init__(self, owner: FailOnceDriver, inner: Any) -> None:
        self._owner, self._inner = owner, inner

    def __enter__(self) -> _FailOnceSession:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        owner = self._owner

        def flaky(tx: Any, *a: Any, **k: Any) -> Any:
            owner.calls += 1
            if owner.fault is not None:
                fault, owner.fault = owner.fault, None
                raise fault
            return work(tx, *a, **k)

        # keep the unit_of_work settings (timeout) of the store's function
        for attr in ("timeout", "metadata"):
            if hasattr(work, attr):
                setattr(flaky, attr, getattr(work, attr))
        return self._inner.execute_read(flaky, *args, **kwargs)


@pytest.mark.parametrize(
    "fault",
    [
        neo4j.exceptions.TransientError("injected transient error"),
        neo4j.exceptions.SessionExpired("injected leader switch"),
    ],
    ids=["transient", "session-expired"],
)
def test_a_read_reruns_after_an_injected_transient_error(
    bolt_driver: Any, cfg: dict[str, str], fault: BaseException
) -> None:
    make_neo4j_store(bolt_driver).apply([UpsertPeople([Person(id="t1", name="Retried")])])
    flaky = FailOnceDriver(bolt_driver, fault)
    store = Neo4jStore(flaky, database=cfg["database"])  # type: ignore[arg-type]
    got = store.get_person("t1")
    assert got is not None and got.name == "Retried"
    assert flaky.calls == 2 and flaky.fault is None  # failed once, ran again


def test_publishes_from_separate_drivers_go_through_once(cfg: dict[str, str]) -> None:
    """Separate drivers share no lock (like separate API workers): the server's own
    serialisation (Meta write lock on Neo4j, conflict + retry on ArcadeDB) and the
    conditional update let exactly one publish through."""
    stores = [open_store(settings_for(cfg, cfg["uri"])) for _ in range(4)]
    try:
        first = stores[0]
        first.apply(
            [
                UpsertPeople(
                    [
                        Person(id="m", name="Mentor", is_mentor=True, max_mentees=9),
                        Person(id="e", name="Mentee"),
                    ]
                )
            ]
        )
        run = CohortRunRecord(
            id="run_x", program="p", data_version=first.data_version(), result="{}"
        )
        first.apply([PutCohortRuns([run])])
        outcomes: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(len(stores))

        def publish(i: int) -> None:
            pairing = Pairing(id=f"pr-{i}", mentor_id="m", mentee_ids=["e"])
            ops = [
                PublishCohortRun("run_x", run.data_version, at=run.created_at, by=f"w{i}"),
                UpsertPairings([pairing]),
            ]
            start.wait()
            try:
                stores[i].apply(ops)
                result = f"ok:{i}"
            except Conflict:
                result = "conflict"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes).count("conflict") == len(stores) - 1, outcomes
        winner = int(next(o for o in outcomes if o.startswith("ok:")).split(":")[1])
        assert [p.id for p in first.list_pairings()] == [f"pr-{winner}"]
        assert first.data_version() == run.data_version + 1
        stored = first.get_cohort_run("run_x")
        assert stored is not None and stored.published_by == f"w{winner}"
    finally:
        for s in stores:
            s.close()
