"""Limits are the same in the OpenAPI document, docs/limits.md and the code (issue 18): every
bounded query parameter of the OpenAPI document (default settings) is in the docs' "Query
parameter bounds" table with the same minimum and maximum, and nothing else is; the bounds a
setting decides are what the code enforces (the maximum answers 200, one more 422)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api import limits
from api.main import create_app
from graph.settings import Settings
from graph.store import GraphStore
from tests.api.conftest import fake_embedder, make_keys, seed

DOC = Path(__file__).parents[2] / "docs" / "limits.md"
ROW = re.compile(
    r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$"
)

Bounds = dict[tuple[str, str], tuple[str, str]]


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def openapi_bounds(spec: dict[str, Any]) -> Bounds:
    """(`METHOD path`, parameter) -> (minimum, maximum) as the docs write them."""
    out: Bounds = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                for option in schema.get("anyOf", []):
                    if option.get("type") != "null":
                        schema = option
                if "maximum" not in schema:
                    continue
                low = (
                    _number(schema["minimum"])
                    if "minimum" in schema
                    else f"> {_number(schema['exclusiveMinimum'])}"
                )
                out[(f"{method.upper()} {path}", param["name"])] = (low, _number(schema["maximum"]))
    return out


def documented_bounds() -> Bounds:
    out: Bounds = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line.strip())
        if m:
            out[(f"{m[1]} {m[2]}", m[3])] = (m[4].strip(), m[5].strip())
    return out


def _app(tmp_path: Path, store: GraphStore, **overrides: Any) -> TestClient:
    settings = Settings(environment="test", data_dir=tmp_path, **overrides)
    return TestClient(create_app(settings, store=store, embedder=fake_embedder()))


def test_openapi_and_docs_list_the_same_bounds(tmp_path: Path, embedded_store: GraphStore) -> None:
    with _app(tmp_path, embedded_store) as client:
        spec = client.get("/openapi.json").json()
    in_api, in_docs = openapi_bounds(spec), documented_bounds()
    assert len(in_api) > 30
    missing = {k: v for k, v in in_api.items() if in_docs.get(k) != v}
    extra = {k: v for k, v in in_docs.items() if k not in in_api}
    assert missing == {} and extra == {}


def test_setting_bounds_are_what_openapi_shows_and_the_code_enforces(
    tmp_path: Path, embedded_store: GraphStore
) -> None:
    seed(embedded_store)
    keys = make_keys(embedded_store)
    auth = keys.auth("coordinator")
    with _app(tmp_path, embedded_store, max_k=7, max_page_size=3) as client:
        bounds = openapi_bounds(client.get("/openapi.json").json())
        assert bounds[("GET /v1/people/{person_id}/recommendations", "k")][1] == "7"
        assert bounds[("GET /v1/people", "limit")][1] == "3"
        for (path, name), field in limits.SETTING_BOUNDS.items():
            url = path.replace("{person_id}", "p2")  # p2 has an open goal
            top = {"max_k": 7, "max_page_size": 3}[field]
            ok = client.get(url, params={name: top}, headers=auth)
            assert ok.status_code == 200, (path, ok.text)
            over = client.get(url, params={name: top + 1}, headers=auth)
            assert over.status_code == 422, (path, over.text)
            assert over.json()["error"]["details"][0]["field"] == f"query.{name}"
