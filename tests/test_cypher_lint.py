"""Every Cypher statement the store can send, and every Cypher block in README.md and
docs/, through Neo4j's own Cypher 5 parser and semantic checker (npm
@neo4j-cypher/language-support, pinned in .ci/cypher-lint/package.json and installed there by
.ci/run): no error and no warning (deprecations are warnings).

Needs node and `npm ci --prefix .ci/cypher-lint`; under CI=true a missing install fails the
test, elsewhere it is skipped with that command."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import IN_CI
from tests.cypher_statements import ROOT, doc_statements, store_statements

LINT_DIR = ROOT / ".ci" / "cypher-lint"
PACKAGE = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"


def lint(statements: dict[str, str]) -> dict[str, list[dict[str, object]]]:
    """{name: diagnostics} from Neo4j's linter, one node process for all statements."""
    node = shutil.which("node")
    if node is None or not PACKAGE.is_file():
        missing = "node" if node is None else f"{PACKAGE.relative_to(ROOT)}"
        message = f"Neo4j's Cypher linter is not installed ({missing}): npm ci --prefix {LINT_DIR}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    pinned = json.loads((LINT_DIR / "package.json").read_text())["dependencies"]
    installed = json.loads(PACKAGE.read_text())["version"]
    assert installed == pinned["@neo4j-cypher/language-support"], "stale install: npm ci"
    payload = json.dumps([{"name": k, "query": v} for k, v in statements.items()])
    done = subprocess.run(
        [node, str(LINT_DIR / "lint.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return {r["name"]: r["diagnostics"] for r in json.loads(done.stdout)}


PROBES = {
    "probe:syntax": "MATCH (n RETURN n",
    "probe:deprecated": "MATCH (n) RETURN id(n) AS i",
    "probe:unknown": "CALL db.noSuchProcedure()",
    "probe:fine": "MATCH (n:Person {id: $id}) RETURN n",
}


@pytest.fixture(scope="module")
def linted() -> dict[str, list[dict[str, object]]]:
    """Diagnostics for the probes, the store's statements and the docs' blocks (one run)."""
    return lint({**PROBES, **store_statements(), **doc_statements()})


def _bad(found: dict[str, list[dict[str, object]]], statements: dict[str, str]) -> str:
    bad = {n: [statements[n], *(str(d["message"]) for d in found[n])] for n in statements}
    return json.dumps({n: v for n, v in bad.items() if len(v) > 1}, indent=1)


def test_the_linter_reports_what_it_must(linted: dict[str, list[dict[str, object]]]) -> None:
    # the check itself can fail: a syntax error, a deprecated function, an unknown procedure
    assert linted["probe:fine"] == []
    assert any(d["severity"] == 1 for d in linted["probe:syntax"])
    assert any("deprecated" in str(d["message"]) for d in linted["probe:deprecated"])
    assert linted["probe:unknown"]


def test_every_store_statement_is_clean_cypher_5(
    linted: dict[str, list[dict[str, object]]],
) -> None:
    statements = store_statements()
    assert len(statements) > 100  # constants and every builder output
    assert not any(linted[n] for n in statements), _bad(linted, statements)


def test_every_cypher_block_in_the_docs_is_clean_cypher_5(
    linted: dict[str, list[dict[str, object]]],
) -> None:
    statements = doc_statements()
    assert statements, "docs/neo4j.md has Cypher blocks"
    assert not any(linted[n] for n in statements), _bad(linted, statements)
