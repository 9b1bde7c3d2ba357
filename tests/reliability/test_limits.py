"""Limits: everything a client can make big is bounded, and going over is a clear 4xx.

Each bound here is listed in docs/limits.md (name, default, setting, what happens); a test at
the end checks that the settings named there exist and that every Settings limit is documented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from graph.errors import QueryTimeout
from graph.settings import Settings
from graph.store import GraphStore
from tests.api.conftest import Keys, fake_embedder, make_keys, seed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "limits.md"
BODY_LIMIT = 4096
MAX_K = 7
PAGE = 50


@pytest.fixture
def api(tmp_path: Path, embedded_store: GraphStore) -> Iterator[tuple[TestClient, Keys]]:
    from api.main import create_app

    seed(embedded_store)
    keys = make_keys(embedded_store)
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        max_body_bytes=BODY_LIMIT,
        max_page_size=PAGE,
        max_k=MAX_K,
    )
    app = create_app(settings, store=embedded_store, embedder=fake_embedder())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, keys


def error_of(r: object, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["message"]
    return body["error"]


# --- request body ---------------------------------------------------------------------------


def test_body_over_the_limit_is_413(api: tuple[TestClient, Keys], embedded_store) -> None:
    client, keys = api
    admin = {**keys.auth("admin"), "Content-Type": "application/json"}
    big = json.dumps({"id": "big", "name": "n", "title": "t" * BODY_LIMIT})
    err = error_of(client.post("/v1/people", content=big, headers=admin), 413)
    assert err["code"] == "payload_too_large" and str(BODY_LIMIT) in err["message"]
    assert embedded_store.get_person("big") is None
    # just under the limit is read (and judged on its content: a title over 200 chars -> 422)
    ok = json.dumps({"id": "ok", "name": "n", "title": "t" * 100})
    assert client.post("/v1/people", content=ok, headers=admin).status_code == 201


def test_people_import_over_the_body_limit_is_413(
    api: tuple[TestClient, Keys], embedded_store: GraphStore
) -> None:
    """HTTP imports have no own size bound: the body limit is what stops a huge file."""
    client, keys = api
    if "/v1/people/import" not in client.app.openapi()["paths"]:
        return
    rows = "".join(f"imp{i:05d},Person {i}\n" for i in range(BODY_LIMIT // 10))
    body = {"format": "csv", "content": "id,name\n" + rows}
    r = client.post("/v1/people/import", json=body, headers=keys.auth("admin"))
    assert error_of(r, 413)["code"] == "payload_too_large"
    assert embedded_store.get_person("imp00000") is None


def test_streamed_body_over_the_limit_is_413(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    headers = {**keys.auth("admin"), "Content-Type": "application/json"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield b'{"id": "big", "name": "n", "title": "'
        for _ in range(BODY_LIMIT // 512 + 2):
            yield b"t" * 512
        yield b'"}'

    r = client.post("/v1/people", content=chunks(), headers=headers)
    assert error_of(r, 413)["code"] == "payload_too_large"


def test_lying_content_length_does_not_bypass_the_limit(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    headers = {**keys.auth("admin"), "Content-Type": "application/json", "Content-Length": "10"}
    body = json.dumps({"id": "x", "name": "n", "title": "t" * (2 * BODY_LIMIT)})
    r = client.post("/v1/people", content=body, headers=headers)
    assert r.status_code in {400, 413, 422}  # never a 2xx, never a 5xx


# --- pages, k, list sizes -------------------------------------------------------------------


def test_page_size_is_bounded(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    admin = keys.auth("admin")
    assert client.get("/v1/people", params={"limit": PAGE}, headers=admin).status_code == 200
    err = error_of(client.get("/v1/people", params={"limit": PAGE + 1}, headers=admin), 422)
    assert err["details"][0]["field"] == "query.limit"
    for bad in (0, -1, 10_001, "many"):
        error_of(client.get("/v1/people", params={"limit": bad}, headers=admin), 422)
    error_of(client.get("/v1/people", params={"offset": -1}, headers=admin), 422)
    error_of(client.get("/v1/people", params={"offset": 10**12}, headers=admin), 422)


def test_k_is_bounded(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    mentee = keys.auth("mentee")
    # the mapper clamps k to max_k ...
    r = client.post("/v1/goals/map", json={"text": "speaking", "k": 100}, headers=mentee)
    assert r.status_code == 200 and len(r.json()["candidates"]) <= MAX_K
    # ... and refuses what is over its schema bound
    for bad in (0, 101, 10**9):
        r = client.post("/v1/goals/map", json={"text": "speaking", "k": bad}, headers=mentee)
        error_of(r, 422)
    if "/v1/people/{person_id}/recommendations" in client.app.openapi()["paths"]:
        recs, mentee = "/v1/people/p2/recommendations", keys.auth("mentee2")  # p2 has a goal
        assert client.get(recs, params={"k": MAX_K}, headers=mentee).status_code == 200
        err = error_of(client.get(recs, params={"k": MAX_K + 1}, headers=mentee), 422)
        assert err["details"][0]["field"] == "query.k"
        error_of(client.get(recs, params={"k": 1001}, headers=mentee), 422)


def test_search_and_history_bounds(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    h = keys.auth("mentee")
    error_of(client.get("/v1/taxonomy/search", params={"q": "x" * 201}, headers=h), 422)
    error_of(client.get("/v1/taxonomy/search", params={"q": ""}, headers=h), 422)
    error_of(client.get("/v1/taxonomy/search", params={"q": "x", "limit": 101}, headers=h), 422)
    error_of(client.get("/v1/taxonomy/changes", params={"limit": 1001}, headers=h), 422)


def test_list_and_text_sizes_are_bounded(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    admin, mentee, steward = keys.auth("admin"), keys.auth("mentee"), keys.auth("steward")
    skills = [{"skill_id": f"s{i}", "level": 1} for i in range(2001)]
    # 2001 rows are about 60 kB, under the default body limit but over the list bound; the
    # fixture's small body limit answers first, which is also a clear 4xx
    r = client.put("/v1/people/p1/skills", json={"skills": skills}, headers=admin)
    assert r.status_code in {413, 422}
    r = client.post(
        "/v1/people/p1/goals",
        json={"text": "t", "milestones": [{"title": "m"}] * 51},
        headers=mentee,
    )
    error_of(r, 422)
    r = client.post(
        "/v1/taxonomy/nodes/s-python/describe", json={"description": "d" * 10_001}, headers=steward
    )
    assert r.status_code in {413, 422}
    alias = {"alias": "a" * 501}
    r = client.post("/v1/taxonomy/nodes/s-python/aliases", json=alias, headers=steward)
    error_of(r, 422)
    r = client.post("/v1/keys", json={"roles": ["mentee"] * 6}, headers=admin)
    error_of(r, 422)


def test_adhoc_query_bounds(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    coord = keys.auth("coordinator")
    for body in (
        {"query": "RETURN 1", "timeout_s": 31},
        {"query": "RETURN 1", "timeout_s": 0},
        {"query": "RETURN 1", "limit": 1001},
        {"query": "x" * 10_001},
        {"query": ""},
    ):
        r = client.post("/v1/analytics/queries/cypher", json=body, headers=coord)
        assert r.status_code in {413, 422}, (body, r.status_code)
    # within bounds, the embedded store says plainly that it has no Cypher
    r = client.post("/v1/analytics/queries/cypher", json={"query": "RETURN 1"}, headers=coord)
    assert r.status_code == 409


@pytest.mark.neo4j
def test_adhoc_query_stops_at_its_time_limit(bolt_driver: object) -> None:
    from tests.conftest import make_neo4j_store

    store = make_neo4j_store(bolt_driver)
    try:
        rows, truncated = store.run_read_query(  # type: ignore[attr-defined]
            "RETURN 1 AS one", {}, row_limit=10, timeout_s=5
        )
        assert rows == [{"one": 1}] and not truncated
        # ~4 s on ArcadeDB (which ignores transaction timeouts, so the server finishes it on
        # its own: keep it bounded); within ArcadeDB's 6.7M range cap
        slow = "UNWIND range(1, 6000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS c"
        with pytest.raises(QueryTimeout) as err:
            store.run_read_query(slow, {}, row_limit=10, timeout_s=0.2)  # type: ignore[attr-defined]
        assert err.value.status_code == 408
    finally:
        store.close()


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,bad",
    [
        ("max_body_bytes", 0),
        ("max_page_size", 0),
        ("max_page_size", 10_001),
        ("max_k", 0),
        ("max_k", 1001),
        ("neo4j_query_timeout_s", 0),
        ("neo4j_query_timeout_s", 301),
    ],
)
def test_limit_settings_refuse_nonsense(field: str, bad: float) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: bad})


def test_every_limit_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith("max_") or name.endswith("_timeout_s"):
            assert f"MENTORGRAPH_{name.upper()}" in text, f"{name} missing from docs/limits.md"
    for env in re.findall(r"MENTORGRAPH_[A-Z0-9_]+", text):
        assert env.removeprefix("MENTORGRAPH_").lower() in Settings.model_fields, env


def test_import_files_are_bounded_before_reading(tmp_path: Path) -> None:
    import gzip

    from graph.errors import BatchRejected
    from loaders.csvutil import read_text

    small = tmp_path / "ok.csv"
    small.write_text("id,name\n1,x\n")
    assert read_text(small, max_bytes=1000).startswith("id,name")
    big = tmp_path / "big.csv"
    big.write_text("x" * 1001)
    with pytest.raises(BatchRejected, match="import limit of 1000 bytes"):
        read_text(big, max_bytes=1000)
    bomb = tmp_path / "bomb.csv.gz"  # 200 bytes on disk, 100 kB once decompressed
    bomb.write_bytes(gzip.compress(b"a" * 100_000))
    assert bomb.stat().st_size < 1000
    with pytest.raises(BatchRejected, match="import limit"):
        read_text(bomb, max_bytes=1000)
