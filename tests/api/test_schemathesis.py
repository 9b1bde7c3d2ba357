"""Property-based API tests from the OpenAPI schema (schemathesis), in-process over ASGI.

Fails on any 5xx, or on a response that breaks its documented status code, content type or
schema: without credentials, as an admin, and (taxonomy routes) as a steward. Examples per
operation default to 20; set MENTORGRAPH_SCHEMATHESIS_EXAMPLES for a longer run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.main import create_app
from graph.settings import Settings
from graph.store import GraphStore
from tests.api.conftest import Keys, build_app, make_keys, seed

EXAMPLES = int(os.environ.get("MENTORGRAPH_SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


# The schema comes from an app that is built but never started (nothing is opened at build
# time); each test sends its cases to a started app over a fresh, seeded embedded store.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(environment="test")))


@dataclass
class Target:
    app: FastAPI
    keys: Keys


@pytest.fixture
def target(tmp_path: Path, embedded_store: GraphStore) -> Target:
    seed(embedded_store)
    return Target(build_app(tmp_path, embedded_store), make_keys(embedded_store))


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@SETTINGS
def test_anonymous(case: schemathesis.Case, target: Target) -> None:
    case.call_and_validate(app=target.app, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_as_admin(case: schemathesis.Case, target: Target) -> None:
    auth = {"Authorization": f"Bearer {target.keys.admin}"}
    case.call_and_validate(app=target.app, checks=CHECKS, headers=auth)


# Steward-only routes answer 403 to the admin key above: fuzz them as a steward too.
@schema.include(tag="taxonomy").parametrize()
@SETTINGS
def test_taxonomy_as_steward(case: schemathesis.Case, target: Target) -> None:
    auth = {"Authorization": f"Bearer {target.keys.steward}"}
    case.call_and_validate(app=target.app, checks=CHECKS, headers=auth)
