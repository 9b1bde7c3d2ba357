"""Every mutating route x every role: 401 without a key, 403 with a role it does not allow.

Routes are enumerated from `app.routes`, so a new route cannot slip through: a mutating route
without an `Allow(...)` declaration fails `test_every_route_declares_its_roles`.
Path parameters are filled with real ids owned by someone else than the caller (p2's goal,
m1's pairing...), so roles allowed "on their own resource only" must also get 403.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.deps import RoleCheck
from api.main import create_app
from graph.model import Role
from graph.store import GraphStore
from tests.api.conftest import Keys, seed_other_pairing

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Probes and the static dashboard shell (its script asks for a key before calling the API).
OPEN_ROUTES = {"/healthz", "/readyz", "/dashboard", "/dashboard/app.js"}

# Ids that exist in the seeded graph and belong to someone other than the caller.
PATH_VALUES = {
    "person_id": "p2",
    "goal_id": "g-p2",
    "pairing_id": "pr-other",
    "node_id": "s-present",
    "skill_id": "s-present",
    "cluster_id": "c-comm",
    "change_id": "chg-1",
    "key_id": "key_missing",
    "program": "spring",
    "run_id": "run_missing",
    "proposal_id": "wfit_missing",
}


@pytest.fixture(autouse=True)
def other_pairing(app: FastAPI, api_store: GraphStore) -> None:
    seed_other_pairing(api_store)


def role_check(route: Any) -> RoleCheck | None:
    for dep in route.dependant.dependencies:
        if isinstance(dep.call, RoleCheck):
            return dep.call
    return None


def api_routes(app: FastAPI) -> list[Any]:
    """Every API route with its effective path and dependencies (included routers expanded)."""
    contexts = routing.iter_route_contexts(app.routes)
    return [c for c in contexts if isinstance(c.original_route, APIRoute)]


def mutating_routes() -> list[tuple[str, str]]:
    app = create_app()  # building the app opens nothing: routes only
    out = []
    for r in api_routes(app):
        for m in sorted(r.methods & MUTATING):
            out.append((m, r.path))
    return out


def fill(path: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1).split(":")[0]
        if name not in PATH_VALUES:
            raise AssertionError(f"add a value for path parameter {name!r} to PATH_VALUES")
        return PATH_VALUES[name]

    return re.sub(r"\{([^}]+)\}", sub, path)


def test_every_route_declares_its_roles(app: FastAPI) -> None:
    missing = [
        r.path for r in api_routes(app) if r.path not in OPEN_ROUTES and role_check(r) is None
    ]
    assert missing == []
    assert mutating_routes(), "no mutating routes found: enumeration is broken"


@pytest.mark.parametrize(("method", "path"), mutating_routes())
def test_mutation_without_key_is_401(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, fill(path), json={})
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), mutating_routes())
def test_mutation_with_wrong_role_is_403(
    app: FastAPI, client: TestClient, keys: Keys, method: str, path: str
) -> None:
    route = next(r for r in api_routes(app) if r.path == path and method in r.methods)
    check = role_check(route)
    assert check is not None
    tried = 0
    for role in Role:
        if role in check.roles:
            continue  # allowed on anyone's resource
        r = client.request(method, fill(path), json={}, headers=keys.auth(role))
        assert r.status_code == 403, f"{role} {method} {path}: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] == "forbidden"
        tried += 1
    assert tried or check.roles == frozenset(Role)


def test_read_routes_without_key_are_401(app: FastAPI, client: TestClient) -> None:
    for r in api_routes(app):
        if "GET" in r.methods and r.path not in OPEN_ROUTES:
            assert client.get(fill(r.path)).status_code == 401, r.path
