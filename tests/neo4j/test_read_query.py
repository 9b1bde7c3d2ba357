"""Ad-hoc read-only Cypher on the Bolt server: reads answer, every kind of write is refused
and leaves nothing behind, the row limit and the time limit hold, bad queries are 4xx."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from graph.errors import InvalidInput, QueryTimeout
from graph.model import Person
from graph.store import UpsertPeople
from graph.stores.neo4j_store import Neo4jStore
from tests.conftest import make_neo4j_store

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo(bolt_driver: Any) -> Neo4jStore:
    store = make_neo4j_store(bolt_driver)
    assert isinstance(store, Neo4jStore)
    store.apply([UpsertPeople([Person(id=f"p{i}", name=f"Person {i}") for i in range(5)])])
    return store


def count_people(store: Neo4jStore) -> int:
    rows, _ = store.run_read_query(
        "MATCH (p:Person) RETURN count(p) AS n", {}, row_limit=1, timeout_s=5
    )
    return int(rows[0]["n"])


def test_read_with_params_and_row_limit(neo: Neo4jStore) -> None:
    rows, truncated = neo.run_read_query(
        "MATCH (p:Person) WHERE p.id IN $ids RETURN p.id AS id ORDER BY id",
        {"ids": ["p1", "p3"]},
        row_limit=10,
        timeout_s=5,
    )
    assert rows == [{"id": "p1"}, {"id": "p3"}] and not truncated
    rows, truncated = neo.run_read_query(
        "MATCH (p:Person) RETURN p ORDER BY p.id", {}, row_limit=2, timeout_s=5
    )
    assert len(rows) == 2 and truncated
    assert "Person" in rows[0]["p"]["labels"]


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:Person {id: 'intruder', name: 'x'})",
        "MERGE (n:Person {id: 'intruder'}) RETURN n",
        "MATCH (p:Person {id: 'p1'}) SET p.name = 'changed'",
        "MATCH (p:Person {id: 'p1'}) DETACH DELETE p",
        "MATCH (p:Person {id: 'p1'}) DELETE p",
        "CALL db.create.setNodeVectorProperty(null, 'v', [1.0])",
        "CALL apoc.create.node(['Person'], {id: 'intruder'})",
        "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n:Person {id: \\'i\\'}) RETURN n', {})",
        "RETURN apoc.cypher.doIt('MATCH (p:Person) DETACH DELETE p', {}) AS x",
        "SHOW TRANSACTIONS YIELD currentQuery, parameters",
        "CALL dbms.components()",
    ],
)
def test_writes_are_refused_and_change_nothing(neo: Neo4jStore, query: str) -> None:
    before = count_people(neo)
    with pytest.raises(InvalidInput, match="read-only"):
        neo.run_read_query(query, {}, row_limit=10, timeout_s=5)
    assert count_people(neo) == before
    assert neo.get_person("p1") is not None
    assert neo.get_person("p1").name == "Person 1"  # type: ignore[union-attr]


def test_a_slow_query_times_out_with_a_clear_error(neo: Neo4jStore) -> None:
    slow = (
        "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b "
        "WITH a, b WHERE (a * b) % 7 = 3 RETURN count(*) AS n"
    )
    with pytest.raises(QueryTimeout, match="time limit"):
        neo.run_read_query(slow, {}, row_limit=1, timeout_s=0.2)
    assert neo.ping()  # the store is still usable


def test_malformed_query_and_missing_parameter_are_invalid_input(neo: Neo4jStore) -> None:
    with pytest.raises(InvalidInput, match="query failed"):
        neo.run_read_query("MATCH (n RETURN n", {}, row_limit=1, timeout_s=5)
    with pytest.raises(InvalidInput, match="query failed"):
        neo.run_read_query("MATCH (n) WHERE n.id = $missing RETURN n", {}, row_limit=1, timeout_s=5)


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:Person {id: 'intruder', name: 'x'}) RETURN n.id AS id",
        "MATCH (p:Person {id: 'p1'}) SET p.name = 'changed' RETURN p.id AS id",
        "MATCH (p:Person {id: 'p1'}) DETACH DELETE p RETURN 1 AS one",
    ],
)
def test_the_adhoc_transaction_is_rolled_back_even_past_the_guard(
    neo: Neo4jStore, query: str
) -> None:
    # Past the guard (as if it had a hole): Neo4j refuses the write in a READ transaction;
    # ArcadeDB does not enforce access modes, so there the explicit rollback is the wall.
    before = count_people(neo)
    with contextlib.suppress(InvalidInput):  # Neo4j: "the server refused a write"
        neo._run_adhoc(query, {}, row_limit=10, timeout_s=5)
    assert count_people(neo) == before
    assert neo.get_person("intruder") is None
    assert neo.get_person("p1") is not None and neo.get_person("p1").name == "Person 1"  # type: ignore[union-attr]
