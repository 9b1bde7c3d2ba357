"""Shared fixtures: `store` runs a test against every store (embedded always, Neo4j over Bolt).

Neo4j-store tests need a Bolt server. `.ci/run` starts ArcadeDB and sets
MENTORGRAPH_TEST_BOLT_URI; under CI=true they fail (never skip) when it is unreachable.
Outside CI they are opt-in: set MENTORGRAPH_TEST_BOLT_URI (and optionally _USER, _PASSWORD,
_DATABASE) or pass --neo4j to use bolt://127.0.0.1:7687.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--neo4j", action="store_true", help="run Neo4j-store tests against a Bolt server"
    )


def bolt_settings(config: pytest.Config) -> dict[str, str] | None:
    uri = os.environ.get("MENTORGRAPH_TEST_BOLT_URI")
    if not uri and (IN_CI or config.getoption("--neo4j")):
        uri = "bolt://127.0.0.1:7687"
    if not uri:
        return None
    return {
        "uri": uri,
        "user": os.environ.get("MENTORGRAPH_TEST_BOLT_USER", "root"),
        "password": os.environ.get("MENTORGRAPH_TEST_BOLT_PASSWORD", "mentorgraph-ci"),
        "database": os.environ.get("MENTORGRAPH_TEST_BOLT_DATABASE", "competency"),
    }


@pytest.fixture(scope="session")
def bolt_driver(pytestconfig: pytest.Config) -> Iterator[Any]:
    cfg = bolt_settings(pytestconfig)
    if cfg is None:
        pytest.skip("Neo4j-store tests are opt-in here: set MENTORGRAPH_TEST_BOLT_URI or --neo4j")
    import neo4j

    driver = neo4j.GraphDatabase.driver(cfg["uri"], auth=(cfg["user"], cfg["password"]))
    try:
        driver.verify_connectivity()
    except Exception as exc:  # a missing server must fail loudly in CI, never skip
        driver.close()
        pytest.fail(f"Bolt server at {cfg['uri']} unreachable: {exc}")
    driver.mentorgraph_database = cfg["database"]  # type: ignore[attr-defined]
    yield driver
    driver.close()


def make_embedded_store(tmp_path: Path) -> GraphStore:
    from graph.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph.sqlite3")
    store.init_schema()
    return store


def make_neo4j_store(driver: Any) -> GraphStore:
    from graph.stores.neo4j_store import Neo4jStore

    store = Neo4jStore(driver, database=driver.mentorgraph_database)
    store.init_schema()
    store.wipe_for_tests()
    return store


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh, empty store of each kind."""
    if request.param == "embedded":
        s = make_embedded_store(tmp_path)
    else:
        s = make_neo4j_store(request.getfixturevalue("bolt_driver"))
    yield s
    s.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[GraphStore]:
    # its own folder: a test may ask for both `store` and `embedded_store`
    s = make_embedded_store(tmp_path / "embedded")
    yield s
    s.close()
