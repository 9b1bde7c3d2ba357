"""The read-only guard for ad-hoc Cypher: writes, SHOW commands, procedures outside the
allowlist and plugin functions (apoc.*) refused wherever they hide; reads (incl. tricky
strings, built-in namespaced functions) pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.stores.cypher_guard import WRITE_CLAUSES, check_read_only, jsonable

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
    "RETURN date.truncate('day', date()) AS d, duration.between(date(), date()) AS x",
    "RETURN point.distance(point({x: 0, y: 0}), point({x: 1, y: 1})) AS d",
    "RETURN vector.similarity.cosine([1.0, 0.0], [0.0, 1.0]) AS s",
    "MATCH (n) WHERE n.name = 'a\\' CREATE (x) //' RETURN n",  # all one string
    "MATCH (n) WHERE n.note = 'apoc.cypher.doIt(1)' RETURN n",  # a call inside a string
    "MATCH (n) RETURN n.`show`, n.`apoc.x` AS shown",  # keywords as quoted property names
    "MATCH (n:Person) WHERE EXISTS { MATCH (n)-[:HAS_SKILL]->() } RETURN n.id",
    "MATCH (n) RETURN [x IN range(1, 3) | x * 2] AS xs, COUNT { (n)--() } AS degree",
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
    # issue 19: what leaked before
    ("RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {})", "apoc.cypher"),
    ("RETURN apoc.cypher.doIt($q, {})", "apoc.cypher.doIt"),
    ("SHOW SETTINGS", "SHOW"),
    ("SHOW TRANSACTIONS YIELD currentQuery, parameters", "SHOW"),
    ("show users", "SHOW"),
    ("SHOW PROCEDURES", "SHOW"),
    # functions outside Neo4j's own namespaces, however written
    ("RETURN `apoc`.`cypher`.doIt('x', {})", "apoc.cypher.doIt"),
    ("RETURN `apoc.cypher.doIt`('x', {})", "apoc.cypher.doIt"),
    ("RETURN apoc /* hidden */ . cypher . doIt('x', {})", "apoc.cypher.doIt"),
    ("RETURN APOC.Cypher.DoIt('x', {})", "APOC.Cypher.DoIt"),
    ("RETURN apoc.text.join(['a'], ',') AS x", "apoc.text.join"),
    ("RETURN db.nameFromElementId('x')", "db.nameFromElementId"),
    ("RETURN gds.similarity.cosine([1], [1])", "gds.similarity.cosine"),
    ("MATCH (n) WHERE custom.sideEffect(n) RETURN n", "custom.sideEffect"),
    # procedures outside the allowlist
    ("CALL dbms.listConfig()", "CALL dbms.listConfig"),
    ("CALL dbms.killQuery('q-1')", "CALL dbms.killQuery"),
    ("CALL db.awaitIndexes()", "CALL db.awaitIndexes"),
    ("CALL `db`.`index`.fulltext.queryNodes('x', 'y')", "CALL db.index.fulltext.queryNodes"),
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})", "CALL apoc"),
    ("INSERT (n:Person {id: 'x'})", "INSERT"),
    # a quote inside a quoted name does not open a string that hides what follows
    ("MATCH (n) RETURN n.`it's` CREATE (m) RETURN n.`x'`", "CREATE"),
    ("MATCH (n) RETURN n.`a``b` SET n.x = 1", "SET"),
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


def test_values_from_the_driver_become_json() -> None:
    assert jsonable({"a": [1, "x", None, (2.5, True)]}) == {"a": [1, "x", None, [2.5, True]]}


# --- fuzz: write clauses hidden in every Cypher context -------------------------------------

# What could write or reach past the data, as a statement fragment.
WRITE_SNIPPETS = [
    "CREATE (x:Person {id: 'intruder'})",
    "MERGE (x:Person {id: 'intruder'})",
    "SET n.name = 'changed'",
    "DETACH DELETE n",
    "DELETE n",
    "REMOVE n.name",
    "FOREACH (i IN [1] | CREATE (:X))",
    "LOAD CSV FROM 'file:///etc/passwd' AS row",
    "CALL apoc.create.node(['X'], {})",
    "CALL { CREATE (:X) }",
    "USE system",
    "SHOW TRANSACTIONS",
    "INSERT (:X)",
    "RETURN apoc.cypher.runFirstColumnSingle('CREATE (x) RETURN x', {})",
    "RETURN apoc.cypher.doIt('CREATE (x)', {})",
    "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')",
]
# Places a fragment can stand in a query; {w} is the fragment.
CONTEXTS = [
    "MATCH (n) {w} RETURN n",
    "MATCH (n) CALL {{ WITH n {w} }} RETURN n",
    "MATCH (n) CALL (n) {{ {w} }} RETURN n",
    "MATCH (n) WHERE EXISTS {{ MATCH (n)--(m) {w} }} RETURN n",
    "MATCH (n) RETURN COUNT {{ MATCH (n)--(m) {w} }} AS c",
    "MATCH (n) RETURN COLLECT {{ MATCH (n)--(m) {w} RETURN m }} AS c",
    "MATCH (n) FOREACH (x IN [1] | {w}) RETURN n",
    "MATCH (n) RETURN [x IN [1] | {w}] AS xs",
    "MATCH (n) RETURN [(n)--(m) WHERE {w} | m] AS ms",
    "MATCH (n) RETURN CASE WHEN n.x THEN {w} END AS c",
    "MATCH (n) WITH n ORDER BY n.id {w} RETURN n",
    "MATCH (n) RETURN n UNION {w}",
    "MATCH (n) RETURN n.`x` {w}",  # after a quoted name
    "MATCH (n) WHERE n.s = 'it\\'s' {w} RETURN n",  # after an escaped quote
    'MATCH (n) WHERE n.s = "a\\\\" {w} RETURN n',  # after an escaped backslash
    "MATCH (n) /* a comment */ {w} RETURN n",
    "MATCH (n) // a comment\n{w} RETURN n",
    "MATCH (n) /* // */ {w} RETURN n",
    "MATCH (n) RETURN n; {w}",
    "EXPLAIN MATCH (n) {w} RETURN n",
    "PROFILE {w}",
    "CYPHER 5 MATCH (n) {w}",
]


def _recase(text: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flips[i % len(flips)] else c for i, c in enumerate(text))


@given(
    context=st.sampled_from(CONTEXTS),
    snippet=st.sampled_from(WRITE_SNIPPETS),
    flips=st.lists(st.booleans(), min_size=1, max_size=8),
    space=st.sampled_from([" ", "\n", "\t", "  ", " /* c */ ", "\r\n"]),
)
def test_a_write_hidden_in_any_context_is_refused(
    context: str, snippet: str, flips: list[bool], space: str
) -> None:
    # keywords in any letter case, any whitespace or comment between the tokens
    query = context.format(w=_recase(snippet, flips).replace(" ", space))
    with pytest.raises(InvalidInput, match="read-only queries only"):
        check_read_only(query)


@given(
    text=st.text(alphabet=st.characters(blacklist_characters="'\\"), max_size=40),
    snippet=st.sampled_from(WRITE_SNIPPETS),
)
def test_a_write_inside_a_string_or_comment_is_only_text(text: str, snippet: str) -> None:
    # the same fragments as data: inside a string literal they are harmless and pass
    check_read_only(f"MATCH (n) WHERE n.note = '{text} {snippet.replace(chr(39), '')}' RETURN n")
    check_read_only(f"MATCH (n) /* {snippet.replace('*/', '')} */ RETURN n")
