"""The store's Cypher is written so the planner can use its indexes (issue 19).

Two kinds of proof. On every statement the store can send (tests/cypher_statements.py), the
text: no `$x IS NULL OR ...` filter, no `a > $x OR (a = $x AND ...)` paging, SKIP only after
an index-ordered `IS NOT NULL` scan, an `IS NOT NULL` wherever an index must supply the
order. On the server, EXPLAIN: anchored reads seek or range-scan an index and never scan a
whole label; writes have no Eager. Neo4j returns an operator tree; ArcadeDB returns its own
plan as text, and for statements its optimizer does not plan ("Traditional Execution", e.g.
UNWIND) nothing, so those are covered by the text checks only (docs/neo4j.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from graph.stores import cypher as q
from graph.stores.neo4j_store import Neo4jStore
from tests.conftest import make_neo4j_store
from tests.cypher_statements import store_statements

STATEMENTS = store_statements()


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_text_leaves_the_indexes_usable(name: str) -> None:
    s = STATEMENTS[name]
    assert not re.search(r"\$\w+ IS NULL OR", s), "optional filter: one variant per filter"
    assert not re.search(r"\$\w+ OR \(", s), "keyset paging: one range predicate, no OR"
    if "SKIP" in s:
        # the offset-jump variants: the id index supplies the order, SKIP passes over entries
        jumps = ("offset_page", "offset_skills", "PRESENT_PEOPLE_OFFSET")
        assert name.startswith(jumps), "no SKIP scans"
        assert re.search(r"WHERE n\.id IS NOT NULL.* ORDER BY n\.id SKIP", s)
    if re.search(r"ORDER BY \w+\.at_key", s):
        assert "at_key IS NOT NULL" in s or "{actor: $actor}" in s
    if re.search(r"WHERE \w+\.id > \$after\b", s):
        assert re.search(r"ORDER BY \w+\.id", s) and "LIMIT $limit" in s


def test_every_pairing_filter_set_has_its_own_anchor() -> None:
    assert q.list_pairings(frozenset({"mentor_id", "program"})).startswith(
        "MATCH (p:Pairing {mentor_id: $mentor_id}) WHERE p.program = $program"
    )
    assert q.list_pairings(frozenset({"mentee_id"})).startswith(
        "MATCH (:Person {id: $mentee_id})-[:MENTEE]->(p:Pairing)"
    )
    assert q.list_pairings(frozenset({"statuses", "program"})).startswith(
        "MATCH (p:Pairing {program: $program}) WHERE p.status IN $statuses"
    )
    with pytest.raises(ValueError, match="not a pairing filter"):
        q.list_pairings(frozenset({"mentor_id) DETACH DELETE (p"}))


# --- EXPLAIN on the server ------------------------------------------------------------------


def operators(plan: dict[str, Any] | None) -> list[str] | None:
    """Operator names of an EXPLAIN plan, or None when the server gave no plan for it."""
    if not plan:
        return None
    text = (plan.get("args") or {}).get("string-representation")
    if str(plan.get("operatorType", "")).startswith("ArcadeDB"):
        if not text or "Cost-Based" not in text:
            return None  # ArcadeDB's traditional (unplanned) execution
        return re.findall(r"^\s*\+ (\w+)\(", text, re.MULTILINE)
    out = [str(plan["operatorType"]).split("@")[0]]
    for child in plan.get("children") or ():
        out += operators(child) or []
    return out


@pytest.fixture(scope="module")
def explain(bolt_driver: Any) -> Iterator[Any]:
    store = make_neo4j_store(bolt_driver)
    assert isinstance(store, Neo4jStore)

    def run(statement: str, **params: Any) -> list[str] | None:
        with bolt_driver.session(database=bolt_driver.mentorgraph_database) as session:
            result = session.run("EXPLAIN " + statement, params)
            result.consume()
            return operators(result.consume().plan)

    yield run
    store.close()


ANCHORED: list[tuple[str, str, dict[str, Any]]] = [
    ("get_node(Person)", q.get_node(q.PERSON), {"id": "x"}),
    ("get_node(Goal)", q.get_node(q.GOAL), {"id": "x"}),
    ("page_nodes(Person)", q.page_nodes(q.PERSON), {"after": "a", "limit": 10}),
    ("page_skills", q.page_skills(active_only=False), {"after": "a", "limit": 10}),
    ("pairings by mentor", q.list_pairings(frozenset({"mentor_id"})), {"mentor_id": "m"}),
    ("pairings by program", q.list_pairings(frozenset({"program"})), {"program": "x"}),
    ("pairings by mentee", q.list_pairings(frozenset({"mentee_id"})), {"mentee_id": "m"}),
    ("REPORTS_OF", q.REPORTS_OF, {"id": "x"}),
    ("PERSON_SKILLS", q.PERSON_SKILLS, {"id": "x"}),
    ("GOALS_OF", q.GOALS_OF, {"id": "x"}),
    ("CHECKINS", q.CHECKINS, {"id": "x"}),
    ("HOLDERS_OF", q.HOLDERS_OF, {"id": "x"}),
    ("audit by actor", q.LIST_AUDIT_BY_ACTOR, {"actor": "u", "limit": 5}),
    ("API_KEY_BY_HASH", q.API_KEY_BY_HASH, {"key_hash": "h"}),
    ("DATA_VERSION", q.DATA_VERSION, {}),
]


@pytest.mark.neo4j
def test_anchored_reads_use_an_index(explain: Any) -> None:
    planned = 0
    for name, statement, params in ANCHORED:
        ops = explain(statement, **params)
        if ops is None:
            continue
        planned += 1
        assert any("Index" in op for op in ops), (name, ops)
        assert not {"AllNodesScan", "NodeByLabelScan"} & set(ops), (name, ops)
    assert planned >= len(ANCHORED) // 2  # the server did plan most of them


@pytest.mark.neo4j
def test_writes_plan_without_eager(explain: Any) -> None:
    writes = {n: s for n, s in STATEMENTS.items() if re.search(r"\b(MERGE|SET|DELETE)\b", s)}
    params = {"rows": [], "ids": [], "id": "x", "goal_id": "g", "what": "w", "started": "s"}
    params |= {"ops": 1, "row": {}}
    for name, statement in writes.items():
        if statement.startswith(("CREATE CONSTRAINT", "CREATE INDEX")) or name == "WIPE":
            continue
        ops = explain(statement, **params)
        assert ops is None or "Eager" not in ops, (name, ops)


@pytest.mark.neo4j
def test_the_plan_check_sees_the_old_shapes_scan(explain: Any) -> None:
    # what the store used to send: the same check would have failed on it
    for statement in (
        "MATCH (p:Person)-[r:HAS_SKILL]->(s:Skill) "
        "WHERE p.id > $a OR (p.id = $a AND s.id > $b) RETURN p.id AS id",
        "MATCH (a:AuditEntry) WHERE $actor IS NULL OR a.actor = $actor RETURN a.id AS id",
    ):
        ops = explain(statement, a="x", b="y", actor="u")
        if ops is not None:
            assert {"AllNodesScan", "NodeByLabelScan"} & set(ops), ops
