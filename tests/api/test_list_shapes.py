"""Every list endpoint answers `{data, count}`, `count` being the total, not the page size
(issue 18): checked on the OpenAPI document for every JSON GET route, and by paging routes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Keys


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_no_json_route_answers_a_bare_list_and_every_data_list_has_a_count(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    bare, uncounted, checked = [], [], 0
    for path, methods in spec["paths"].items():
        get = methods.get("get")
        if get is None:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = _resolve(spec, content["application/json"].get("schema", {}))
        checked += 1
        if schema.get("type") == "array":
            bare.append(path)
        props = schema.get("properties", {})
        if props.get("data", {}).get("type") == "array" and "count" not in props:
            uncounted.append(path)
    assert checked > 20
    assert bare == [] and uncounted == []


def test_count_is_the_total_beside_a_page(client: TestClient, keys: Keys) -> None:
    steward = keys.auth("steward")
    for label in ("alpha skill", "beta skill", "gamma skill"):
        body = {"id": "s-" + label.split()[0], "label": label}
        r = client.post("/v1/taxonomy/skills", json=body, headers=steward)
        assert r.status_code == 201, r.text
    for path in ("/v1/taxonomy/changes?limit=1", "/v1/taxonomy/history?limit=1"):
        body = client.get(path, headers=steward).json()
        assert len(body["data"]) == 1 and body["count"] >= 3, (path, body)
    body = client.get("/v1/taxonomy/search?q=skill&limit=1", headers=steward).json()
    assert len(body["data"]) == 1 and body["count"] == 3
    body = client.get("/v1/people?limit=1", headers=keys.auth("coordinator")).json()
    assert len(body["data"]) == 1 and body["count"] == 4
    coordinator = keys.auth("coordinator")
    stalled = client.get("/v1/analytics/stalled", headers=coordinator).json()
    assert stalled == {"data": [], "count": 0}
