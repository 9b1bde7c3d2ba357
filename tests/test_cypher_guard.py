"""The read-only guard for ad-hoc Cypher: writes refused, reads (incl. tricky strings) pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.stores.cypher_guard import WRITE_CLAUSES, check_read_only

READS = [
    "MATCH (n:Person) RETURN n.name LIMIT 5",
    "MATCH (p:Person {name: 'CREATE me'}) RETURN p",  # keyword inside a string
    'MATCH (s:Skill) WHERE s.label CONTAINS "merge" RETURN s',
    "MATCH (n) WHERE n.`set` = 1 RETURN n",  # keyword as a quoted property name
    "MATCH (n) WHERE n.set = 1 AND n.create > $delete RETURN n",  # property names, a param
    "MATCH (a)-[:HAS_SKILL]->(s) RETURN s.label, count(*) AS holders ORDER BY holders DESC",
    "CALL db.labels() YIELD label RETURN label",
    "MATCH (n) RETURN n.offset, n.settings",  # words that merely contain SET
    "// a comment saying DELETE\nMATCH (n) RETURN n",
]
WRITES = [
    ("CREATE (n:Person {id: 'x'})", "CREATE"),
    ("MERGE (n:Skill {id: $id}) RETURN n", "MERGE"),
    ("MATCH (n) SET n.name = 'x'", "SET"),
    ("MATCH (n) DELETE n", "DELETE"),
    ("MATCH (n) DETACH DELETE n", "DETACH"),
    ("MATCH (n) REMOVE n.name", "REMOVE"),
    ("match (n) set n.x = 1", "SET"),
    ("MATCH (n) WITH n CALL { WITH n DELETE n } IN TRANSACTIONS", "DELETE"),
    ("CALL apoc.create.node(['X'], {})", "CALL apoc.create.node"),
    ("CALL db.create.setNodeVectorProperty(n, 'v', [1])", "CALL db.create"),
    ("MATCH (n) CALL { WITH n RETURN n AS m } RETURN m", "CALL { ... }"),
    ("LOAD CSV FROM 'file:///x' AS row RETURN row", "LOAD"),
    ("USE system SHOW USERS", "USE"),
    ("DROP CONSTRAINT person_id", "DROP"),
    ("MATCH (n) RETURN n /* unterminated", "unterminated"),
    ("MATCH (n {name: 'x}) SET n.a = 1", "unterminated"),
]


@pytest.mark.parametrize("query", READS)
def test_reads_pass(query: str) -> None:
    check_read_only(query)


@pytest.mark.parametrize(("query", "clause"), WRITES)
def test_writes_are_refused_naming_the_clause(query: str, clause: str) -> None:
    with pytest.raises(InvalidInput, match="read-only queries only") as exc:
        check_read_only(query)
    assert clause in exc.value.message
    assert exc.value.details[0]["field"] == "body.query"


@given(
    prefix=st.text(max_size=30),
    clause=st.sampled_from(WRITE_CLAUSES),
    suffix=st.text(max_size=30),
)
def test_a_bare_write_clause_anywhere_is_refused(prefix: str, clause: str, suffix: str) -> None:
    query = f"MATCH (n) RETURN n\n{clause} {suffix}"
    # whatever precedes it, a write keyword on a line of its own is either caught as a clause
    # or the query is refused as malformed; it never passes
    with pytest.raises(InvalidInput):
        check_read_only(
            prefix.replace("'", "").replace('"', "").replace("`", "").replace("/", "")
            + "\n"
            + query
        )
