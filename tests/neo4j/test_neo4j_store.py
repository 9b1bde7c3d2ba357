"""Neo4j-store specifics the shared contract suite cannot see: schema objects, sessions
(read routing, database name), whole-batch rollback on server-side failures, retries, driver
ownership, and the graph shape Cypher users query. Pure row-shaping helpers are tested
without a server.

The server is a real Bolt endpoint (ArcadeDB in CI, see .ci/arcadedb.sh; Neo4j 5 works too).
Driver wrappers below only *record* what the store asks of the real driver (and, for two
tests, make one statement fail); the store itself is never mocked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from graph.errors import BatchRejected, Conflict
from graph.model import (
    AuditEntry,
    Broader,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    TargetSource,
    TaxonomyChange,
)
from graph.settings import Settings
from graph.store import (
    AddBroader,
    AppendAudit,
    RepointReferences,
    StoreOp,
    UpsertClusters,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from graph.stores import cypher as q
from graph.stores import open_store
from graph.stores.neo4j_store import (
    Neo4jStore,
    at_key,
    from_props,
    make_driver,
    repointed_broader,
    repointed_skills,
    repointed_targets,
    to_props,
)
from tests.conftest import make_neo4j_store

# --- pure helpers (no server) ---------------------------------------------------------------


def test_person_props_round_trip_with_nested_fields_as_json() -> None:
    p = Person.model_validate(
        {
            "id": "a",
            "name": "A",
            "windows": [{"weekday": 0, "start": "09:00", "end": "00:00"}],
            "exceptions": [{"end": "2025-02-28", "reason": "starts in March"}],
            "preferences": {"formats": ["video"], "function": "cross"},
            "attributes": {"group": "x"},
            "programs": ["spring"],
        }
    )
    props = to_props(p)
    assert isinstance(props["windows"], str)  # nested -> JSON string
    assert props["programs"] == ["spring"]  # list of strings stays a list
    assert "email" not in props and "manager_id" not in props  # None is not stored
    assert all(isinstance(v, str | int | float | bool | list) for v in props.values())
    assert from_props(Person, props) == p


def test_taxonomy_props_carry_casefolded_search_keys_and_drop_them_on_read() -> None:
    s = Skill(id="s", label="Straße", aliases=["STRASSE", "Road"])
    props = to_props(s)
    assert props["label_key"] == "strasse"
    assert props["search_keys"] == ["strasse", "road"]  # deduplicated after casefold
    assert from_props(Skill, props) == s


@given(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7))])),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])),
)
def test_at_key_sorts_like_the_instants(a: datetime, b: datetime) -> None:
    assert (at_key(a) < at_key(b)) == (a < b)
    assert (at_key(a) == at_key(b)) == (a == b)
    assert at_key(a.replace(tzinfo=None)) == at_key(a.replace(tzinfo=UTC))  # naive is UTC


def test_repointed_skills_take_max_level_and_any_willingness() -> None:
    edges = [
        PersonSkill(person_id="p1", skill_id="src", level=2, willing_to_mentor=True),
        PersonSkill(person_id="p1", skill_id="t", level=4),
        PersonSkill(person_id="p2", skill_id="src", level=3),
        PersonSkill(person_id="p3", skill_id="t", level=1),  # untouched: no source edge
    ]
    assert repointed_skills(edges, "src", ["t"]) == [
        PersonSkill(person_id="p1", skill_id="t", level=4, willing_to_mentor=True),
        PersonSkill(person_id="p2", skill_id="t", level=3, willing_to_mentor=False),
    ]


def test_repointed_targets_keep_the_strongest_source() -> None:
    edges = [
        GoalTarget(goal_id="g1", node_id="src", confidence=0.8, source=TargetSource.steward),
        GoalTarget(goal_id="g1", node_id="t", confidence=0.5, source=TargetSource.embedding),
        GoalTarget(goal_id="g2", node_id="src", confidence=0.4, source=TargetSource.manual),
        GoalTarget(goal_id="g2", node_id="t", confidence=0.4, source=TargetSource.embedding),
    ]
    assert repointed_targets(edges, "src", ["t"]) == [
        GoalTarget(goal_id="g1", node_id="t", confidence=0.8, source=TargetSource.steward),
        GoalTarget(goal_id="g2", node_id="t", confidence=0.4, source=TargetSource.embedding),  # tie
    ]


def test_repointed_broader_skips_self_loops() -> None:
    assert repointed_broader(["a", "t2"], ["t1", "t2"]) == [
        Broader(child_id="a", parent_id="t1"),
        Broader(child_id="t2", parent_id="t1"),
        Broader(child_id="a", parent_id="t2"),
    ]


def test_cypher_builders_refuse_unknown_labels() -> None:
    with pytest.raises(ValueError, match="not a mentorgraph label"):
        q.upsert_nodes("Person) DETACH DELETE (n")


# --- against a Bolt server ------------------------------------------------------------------


class RecordingDriver:
    """The real driver, plus a log of the sessions the store opened (and optional faults)."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.sessions: list[dict[str, Any]] = []
        self.fail_on_statement: int | None = None  # fail the n-th statement of write txs
        self.fail_with: type[BaseException] = RuntimeError
        self.fail_times = 1
        self.statements = 0

    @property
    def execute_query_bookmark_manager(self) -> Any:
        return self._driver.execute_query_bookmark_manager

    def close(self) -> None:
        self.sessions.append({"closed": True})

    def session(self, **kwargs: Any) -> Any:
        self.sessions.append(kwargs)
        return _Session(self, self._driver.session(**kwargs))


class _Session:
    def __init__(self, owner: RecordingDriver, inner: Any) -> None:
        self._owner, self._inner = owner, inner

    def __enter__(self) -> _Session:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def begin_transaction(self, **kwargs: Any) -> Any:
        return _Tx(self._owner, self._inner.begin_transaction(**kwargs))


class _Tx:
    def __init__(self, owner: RecordingDriver, inner: Any) -> None:
        self._owner, self._inner = owner, inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        o = self._owner
        o.statements += 1
        if o.statements == o.fail_on_statement and o.fail_times > 0:
            o.fail_times -= 1
            o.statements = 0
            raise o.fail_with("injected failure")
        return self._inner.run(*args, **kwargs)


@pytest.fixture
def nstore(bolt_driver: Any) -> Iterator[Neo4jStore]:
    s = make_neo4j_store(bolt_driver)
    assert isinstance(s, Neo4jStore)
    yield s
    s.close()


@pytest.fixture
def recorded(bolt_driver: Any) -> Iterator[tuple[Neo4jStore, RecordingDriver]]:
    make_neo4j_store(bolt_driver)  # schema + empty database
    rec = RecordingDriver(bolt_driver)
    yield Neo4jStore(rec, database=bolt_driver.mentorgraph_database), rec  # type: ignore[arg-type]


TAXONOMY: list[StoreOp] = [
    UpsertClusters([SkillCluster(id="c1", label="Top", tier=0)]),
    UpsertSkills([Skill(id="s1", label="One"), Skill(id="s2", label="Two")]),
    AddBroader([Broader(child_id="s1", parent_id="c1"), Broader(child_id="s2", parent_id="c1")]),
]


@pytest.mark.neo4j
def test_schema_is_idempotent_and_visible_to_show_commands(nstore: Neo4jStore) -> None:
    nstore.init_schema()
    nstore.init_schema()
    constraints, indexes = nstore.schema()
    assert {(label, "id") for label in q.ID_LABELS} | {("ApiKey", "key_hash")} <= constraints
    assert {("Goal", "person_id"), ("Pairing", "mentor_id"), ("AuditEntry", "at_key")} <= indexes
    assert ("Skill", "id") in indexes  # a uniqueness constraint is backed by an index
    nstore.init_schema()  # running again creates nothing new
    assert nstore.schema() == (constraints, indexes)


@pytest.mark.neo4j
def test_uniqueness_constraint_is_enforced_by_the_server(nstore: Neo4jStore) -> None:
    nstore.apply([UpsertSkills([Skill(id="s1", label="One")])])

    def sneak_in_a_duplicate(tx: Any) -> None:
        tx.run("CREATE (:Skill:TaxonomyNode {id: 's1', label: 'dup'})").consume()

    with pytest.raises(Conflict):
        nstore._write_tx(sneak_in_a_duplicate)
    assert nstore.count_skills() == 1


@pytest.mark.neo4j
def test_reads_use_read_routing_and_writes_write_mode(
    recorded: tuple[Neo4jStore, RecordingDriver],
) -> None:
    import neo4j

    store, rec = recorded
    store.apply(TAXONOMY)
    assert [s["default_access_mode"] for s in rec.sessions] == [neo4j.WRITE_ACCESS]
    rec.sessions.clear()
    assert store.get_skill("s1") is not None
    assert [c.id for c in store.children("c1")] == ["s1", "s2"]
    store.taxonomy()
    assert rec.sessions and all(s["default_access_mode"] == neo4j.READ_ACCESS for s in rec.sessions)
    # the data version (what other workers decide staleness by) is read from the leader
    rec.sessions.clear()
    store.data_version()
    assert [s["default_access_mode"] for s in rec.sessions] == [neo4j.WRITE_ACCESS]


@pytest.mark.neo4j
def test_every_session_names_the_configured_database(
    recorded: tuple[Neo4jStore, RecordingDriver], bolt_driver: Any
) -> None:
    store, rec = recorded
    store.apply(TAXONOMY)
    store.list_skills()
    assert {s["database"] for s in rec.sessions} == {bolt_driver.mentorgraph_database}


@pytest.mark.neo4j
def test_open_store_takes_the_database_from_settings(bolt_driver: Any) -> None:
    db = bolt_driver.mentorgraph_database
    store = open_store(Settings(store="neo4j", neo4j_database=db), driver=bolt_driver)
    assert isinstance(store, Neo4jStore) and store.database == db and store.ping()
    wrong = open_store(Settings(store="neo4j", neo4j_database="no_such_db"), driver=bolt_driver)
    assert wrong.ping() is False  # never falls back to a default database


@pytest.mark.neo4j
def test_failure_mid_batch_on_the_server_side_rolls_back_everything(
    recorded: tuple[Neo4jStore, RecordingDriver],
) -> None:
    store, rec = recorded
    store.apply(TAXONOMY)
    v = store.data_version()
    rec.statements = 0
    rec.fail_on_statement = 6  # after the first ops' writes have run in the transaction
    with pytest.raises(RuntimeError, match="injected"):
        store.apply(
            [
                UpsertSkills([Skill(id="s3", label="Three")]),
                UpsertPeople([Person(id="p1", name="P")]),
                UpsertPersonSkills([PersonSkill(person_id="p1", skill_id="s3", level=3)]),
            ]
        )
    assert store.get_skill("s3") is None and store.get_person("p1") is None
    assert store.count_skills() == 2 and store.data_version() == v


@pytest.mark.neo4j
def test_transient_failure_reruns_the_whole_apply_once(
    recorded: tuple[Neo4jStore, RecordingDriver],
) -> None:
    import neo4j

    store, rec = recorded
    v = store.data_version()
    rec.statements = 0
    rec.fail_on_statement = 4
    rec.fail_with = neo4j.exceptions.TransientError
    store.apply(TAXONOMY)
    assert rec.fail_times == 0  # the fault fired
    assert store.count_skills() == 2 and [c.id for c in store.children("c1")] == ["s1", "s2"]
    assert store.data_version() == v + 1  # one committed apply


@pytest.mark.neo4j
def test_writers_with_separate_stores_retry_conflicts_and_all_commit(
    nstore: Neo4jStore, bolt_driver: Any
) -> None:
    # Separate stores share no lock (like separate processes): the server must serialise
    # them (Neo4j: lock on the Meta node) or report a transient conflict that is retried
    # (ArcadeDB: optimistic concurrency).
    v0 = nstore.data_version()
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        store = Neo4jStore(bolt_driver, database=bolt_driver.mentorgraph_database)
        skills = [Skill(id=f"{tag}{i}", label=f"{tag} {i}") for i in range(200)]
        people = [Person(id=f"{tag}p{i}", name="P") for i in range(50)]
        try:
            store.apply([UpsertSkills(skills), UpsertPeople(people)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert (nstore.count_skills(), nstore.count_people()) == (600, 150)
    assert nstore.data_version() == v0 + 3


@pytest.mark.neo4j
def test_validation_failure_names_op_row_and_field_and_writes_nothing(
    nstore: Neo4jStore,
) -> None:
    nstore.apply(TAXONOMY)
    with pytest.raises(BatchRejected) as info:
        nstore.apply(
            [
                UpsertPeople([Person(id="p1", name="P")]),
                UpsertPersonSkills(
                    [
                        PersonSkill(person_id="p1", skill_id="s1", level=2),
                        PersonSkill(person_id="p1", skill_id="c1", level=2),
                    ]
                ),
            ]
        )
    [problem] = info.value.problems
    assert (problem.row, problem.field) == (1, "ops[1].UpsertPersonSkills.skill_id")
    assert nstore.count_people() == 0 and nstore.person_skills("p1") == []


@pytest.mark.neo4j
def test_broader_cycles_are_refused(nstore: Neo4jStore) -> None:
    nstore.apply(
        [
            UpsertClusters(
                [SkillCluster(id=c, label=c.upper(), tier=i) for i, c in enumerate("abc")]
            ),
            AddBroader(
                [Broader(child_id="b", parent_id="a"), Broader(child_id="c", parent_id="b")]
            ),
        ]
    )
    with pytest.raises(BatchRejected, match="BROADER cycle") as info:
        nstore.apply([AddBroader([Broader(child_id="a", parent_id="c")])])
    assert info.value.problems[0].field == "ops[0].AddBroader.parent_id"
    assert [p.id for p in nstore.parents("a")] == []
    # Merging "a" into its grandchild "c" would hang b under c while c sits under b.
    with pytest.raises(BatchRejected, match="BROADER cycle"):
        nstore.apply([RepointReferences(source_id="a", target_ids=["c"])])
    assert [p.id for p in nstore.parents("b")] == ["a"]


@pytest.mark.neo4j
def test_injected_driver_is_not_closed_but_an_owned_one_is(bolt_driver: Any) -> None:
    rec = RecordingDriver(bolt_driver)
    Neo4jStore(rec, database="x").close()  # type: ignore[arg-type]
    assert {"closed": True} not in rec.sessions
    Neo4jStore(rec, database="x", owns_driver=True).close()  # type: ignore[arg-type]
    assert rec.sessions == [{"closed": True}]
    bolt_driver.verify_connectivity()  # the shared driver still works


@pytest.mark.neo4j
def test_make_driver_uses_the_settings(bolt_driver: Any, pytestconfig: pytest.Config) -> None:
    from tests.conftest import bolt_settings

    cfg = bolt_settings(pytestconfig)
    assert cfg is not None
    settings = Settings(
        store="neo4j",
        neo4j_uri=cfg["uri"],
        neo4j_user=cfg["user"],
        neo4j_password=SecretStr(cfg["password"]),
        neo4j_database=cfg["database"],
    )
    store = Neo4jStore(make_driver(settings), database=settings.neo4j_database, owns_driver=True)
    try:
        assert store.ping()
    finally:
        store.close()


@pytest.mark.neo4j
def test_graph_shape_follows_the_records(nstore: Neo4jStore) -> None:
    people = [Person(id=i, name=i.upper()) for i in ("boss", "newboss", "m", "e1", "e2")]
    nstore.apply(
        [
            UpsertPeople([*people, Person(id="x", name="X", manager_id="boss")]),
            UpsertPairings([Pairing(id="pr", mentor_id="m", mentee_ids=["e1", "e2"])]),
        ]
    )
    nstore.apply(
        [
            UpsertPeople([Person(id="x", name="X", manager_id="newboss")]),
            UpsertPairings([Pairing(id="pr", mentor_id="m", mentee_ids=["e2"])]),
        ]
    )

    def rows(query: str) -> list[dict[str, Any]]:
        return nstore._read_tx(lambda tx: tx.run(query).data())  # type: ignore[no-any-return]

    assert rows("MATCH (:Person {id: 'x'})-[:REPORTS_TO]->(m) RETURN m.id AS id") == [
        {"id": "newboss"}
    ]
    assert rows(
        "MATCH (p:Person)-[r:MENTOR|MENTEE]->(:Pairing {id: 'pr'}) "
        "RETURN p.id AS id, type(r) AS role ORDER BY id"
    ) == [{"id": "e2", "role": "MENTEE"}, {"id": "m", "role": "MENTOR"}]
    assert nstore.reports_of("boss") == [] and nstore.reports_of("newboss") == ["x"]


@pytest.mark.neo4j
def test_history_and_audit_order_by_instant_across_offsets(nstore: Neo4jStore) -> None:
    plus2 = timezone(timedelta(hours=2))
    t = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    nstore.apply([UpsertSkills([Skill(id="s1", label="One")])])
    from graph.store import UpsertTaxonomyChanges

    nstore.apply(
        [
            UpsertTaxonomyChanges(
                [
                    # 13:30+02:00 is 11:30 UTC: older than 12:00 UTC despite the bigger clock.
                    TaxonomyChange(
                        id="a",
                        at=t.astimezone(plus2) - timedelta(minutes=30),
                        actor="s",
                        op="rename",
                        node_ids=["s1"],
                    ),
                    TaxonomyChange(id="b", at=t, actor="s", op="rename", node_ids=["s1"]),
                ]
            )
        ]
    )
    assert [c.id for c in nstore.taxonomy_changes(node_id="s1")] == ["b", "a"]
    nstore.apply([AppendAudit([AuditEntry(id="x", at=t.astimezone(plus2), actor="u", action="a")])])
    nstore.apply(
        [AppendAudit([AuditEntry(id="y", at=t + timedelta(seconds=1), actor="u", action="a")])]
    )
    assert [e.id for e in nstore.list_audit(actor="u")] == ["y", "x"]
    with pytest.raises(BatchRejected, match="already exists"):  # the log is append-only
        nstore.apply([AppendAudit([AuditEntry(id="y", actor="u", action="again")])])
