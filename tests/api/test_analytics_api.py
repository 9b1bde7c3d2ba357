"""Analytics over HTTP: coordinator-only, JSON reports, CSV exports, SVG charts, clear 4xx."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from graph.store import GraphStore
from tests.api.conftest import Keys

JSON_ROUTES = [
    "/v1/analytics/coverage",
    "/v1/analytics/load",
    "/v1/analytics/health",
    "/v1/analytics/stalled",
    "/v1/analytics/fairness?attribute=department",
    "/v1/analytics/queries/neighbourhood?node=s-present",
    "/v1/analytics/queries/unmatched",
]
CSV_ROUTES = ["coverage", "load", "health", "fairness"]
SVG_ROUTES = ["coverage", "load", "health"]


def test_analytics_are_for_coordinators_only(client: TestClient, keys: Keys) -> None:
    for path in JSON_ROUTES:
        assert client.get(path).status_code == 401, path
        for role in ("mentee", "mentor", "steward"):
            assert client.get(path, headers=keys.auth(role)).status_code == 403, (path, role)
        for role in ("coordinator", "admin"):
            assert client.get(path, headers=keys.auth(role)).status_code == 200, (path, role)


def test_load_report_counts_the_seeded_pairing(client: TestClient, keys: Keys) -> None:
    # the seed gives mentor m1 (2 places, 8 h) one accepted 2 h pairing with p2
    body = client.get("/v1/analytics/load", headers=keys.auth("coordinator")).json()
    (m1,) = body["mentors"]
    assert (m1["mentor_id"], m1["mentees"], m1["utilisation"]) == ("m1", 1, 0.5)
    assert m1["state"] == "busy" and body["idle"] == []


def test_csv_exports(client: TestClient, keys: Keys) -> None:
    for name in CSV_ROUTES:
        r = client.get(f"/v1/analytics/{name}.csv", headers=keys.auth("coordinator"))
        assert r.status_code == 200, name
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows and rows[0], name  # a header row at least
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/v1/analytics/load.csv", headers=keys.auth("coordinator")).text)
        )
    )
    assert rows[0]["mentor_id"] == "m1" and rows[0]["state"] == "busy"


def test_svg_charts(client: TestClient, keys: Keys) -> None:
    for name in SVG_ROUTES:
        r = client.get(f"/v1/analytics/charts/{name}.svg", headers=keys.auth("coordinator"))
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.startswith("<svg") and r.text.endswith("</svg>")
    r = client.get(
        "/v1/analytics/charts/network.svg?node=s-present", headers=keys.auth("coordinator")
    )
    assert r.status_code == 200 and r.text.count("<circle") >= 3  # skill, cluster, mentor


def test_bad_input_is_a_clear_4xx(client: TestClient, keys: Keys) -> None:
    auth = keys.auth("coordinator")
    r = client.get("/v1/analytics/fairness?attribute=salary", headers=auth)
    assert r.status_code == 422
    assert "unknown attribute 'salary'" in r.json()["error"]["message"]
    r = client.get("/v1/analytics/fairness?threshold=2", headers=auth)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "query.threshold"
    r = client.get("/v1/analytics/queries/neighbourhood?node=nope", headers=auth)
    assert r.status_code == 404
    r = client.get("/v1/analytics/queries/paths?a=p1&b=p1", headers=auth)
    assert r.status_code == 422


def test_cypher_endpoint_needs_the_neo4j_store(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    r = client.post(
        "/v1/analytics/queries/cypher",
        json={"query": "MATCH (n:Person) RETURN count(n) AS n"},
        headers=keys.auth("coordinator"),
    )
    if api_store.kind == "embedded":
        assert r.status_code == 409
        assert "Neo4j store" in r.json()["error"]["message"]
    else:
        assert r.status_code == 200
        assert r.json()["rows"] == [{"n": 4}]  # the four seeded people


def test_dashboard_shell_has_no_external_assets(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    js = client.get("/dashboard/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_cypher_endpoint_reads_and_refuses_writes(any_client: tuple[TestClient, Keys]) -> None:
    client, keys = any_client
    auth = keys.auth("coordinator")
    read = {"query": "MATCH (p:Person) RETURN p.id AS id ORDER BY id", "limit": 2}
    r = client.post("/v1/analytics/queries/cypher", json=read, headers=auth)
    if r.status_code == 409:  # the embedded store has no Cypher
        assert "Neo4j store" in r.json()["error"]["message"]
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2 and body["truncated"] is True
    assert [row["id"] for row in body["rows"]] == ["m1", "p1"]
    for query in ("CREATE (n:Person {id: 'x'})", "MATCH (p:Person) SET p.name = 'x'"):
        r = client.post("/v1/analytics/queries/cypher", json={"query": query}, headers=auth)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.query"
    assert (
        client.post(
            "/v1/analytics/queries/cypher", json=read, headers=keys.auth("mentee")
        ).status_code
        == 403
    )


def test_sign_in_pages_name_no_fixed_key_path(client: TestClient) -> None:
    """The demo key lives in the data directory (MENTORGRAPH_DATA_DIR), wherever that is: the
    sign-in text names the file and the setting, never a path the server may not use."""
    for page in ("/dashboard", "/taxonomy"):
        text = client.get(page).text
        assert "var/" not in text, page
    assert "MENTORGRAPH_DATA_DIR" in client.get("/dashboard").text
