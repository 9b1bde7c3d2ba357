"""Stateless replicas (issue 16): `mentorgraph serve --workers 3` on the embedded store and on
the CI Bolt server answers like one worker.

Writes go through requests that land on different workers (a fresh connection each; the
`X-Worker-Pid` header names the worker) and every worker must then answer the same: the
taxonomy (an alias added through one worker), goal mapping (the alias, a steward correction),
recommendations (a goal added through one worker), a cohort run matched on one worker and
read from each, and a publish raced by concurrent calls that goes through exactly once; a
publish after a graph change is refused. A write must reach every worker within 1 s on the
embedded store (2 s on the CI Bolt server, see WITHIN_S).

Runs the real CLI in a child process, with the tests' tiny seeded org and the fake embedder
(MENTORGRAPH_EMBEDDING_MODEL=fake), never the real model.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.store import GraphStore
from tests.api.conftest import Keys, make_keys, seed
from tests.conftest import bolt_settings, make_embedded_store, make_neo4j_store
from tests.reliability.workers import ServedWorkers, TcpProxy

pytestmark = pytest.mark.slow

N = 3
# A write made through one worker is used by every worker this soon (the 1 s). On the
# Bolt server each worker's reload is dozens of round trips to a JVM sharing the CI box's
# cores with three workers and this client: measured 0.7-1.7 s on 2 cores, so 2 s there.
WITHIN_S = {"embedded": 1.0, "neo4j": 2.0}
ASYNC = "asynchronous=true"  # the seeded people have no weekly windows


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "MENTORGRAPH_ENVIRONMENT": "test",
        "MENTORGRAPH_DATA_DIR": str(tmp_path),
        "MENTORGRAPH_EMBEDDING_MODEL": "fake",
        "MENTORGRAPH_FOLLOW_STORE_INTERVAL_S": "0.1",
    }


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ServedWorkers, Keys, GraphStore]]:
    """The seeded tiny org in a store of each kind, served by N workers."""
    env = base_env(tmp_path)
    if request.param == "embedded":
        store = make_embedded_store(tmp_path)
        env["MENTORGRAPH_STORE"] = "embedded"
        env["MENTORGRAPH_EMBEDDED_PATH"] = str(tmp_path / "graph.sqlite3")
    else:
        driver = request.getfixturevalue("bolt_driver")
        cfg = bolt_settings(request.config)
        assert cfg is not None
        store = make_neo4j_store(driver)
        env |= {
            "MENTORGRAPH_STORE": "neo4j",
            # a routing URI, as a cluster deployment uses (ArcadeDB answers ROUTE itself)
            "MENTORGRAPH_NEO4J_URI": "neo4j://" + cfg["uri"].split("://", 1)[1],
            "MENTORGRAPH_NEO4J_USER": cfg["user"],
            "MENTORGRAPH_NEO4J_PASSWORD": cfg["password"],
            "MENTORGRAPH_NEO4J_DATABASE": cfg["database"],
        }
    seed(store)
    keys = make_keys(store)
    workers = ServedWorkers(env, n=N, log=tmp_path / "serve.log")
    try:
        workers.wait_ready()
        yield workers, keys, store
    finally:
        workers.stop()
        if request.param == "embedded":
            store.close()


def mapped_to(node_id: str, text: str) -> Any:
    def ok(r: httpx.Response) -> bool:
        return r.status_code == 200 and r.json()["candidates"][0]["id"] == node_id

    return ok


def test_every_worker_answers_alike(served: tuple[ServedWorkers, Keys, GraphStore]) -> None:
    w, keys, store = served
    within = WITHIN_S[store.kind]
    steward, coord, mentee = keys.auth("steward"), keys.auth("coordinator"), keys.auth("mentee")

    # -- taxonomy: an alias added through one worker is read and mapped by every worker ----
    assert (
        len(
            {
                r.json()["label"]
                for r in w.each("GET", "/v1/taxonomy/nodes/s-python", headers=mentee).values()
            }
        )
        == 1
    )
    r = w.request(
        "POST",
        "/v1/taxonomy/nodes/s-python/aliases",
        json={"alias": "snake wrangling", "reason": "what the teams call it"},
        headers=steward,
    )
    assert r.status_code == 201, r.text
    w.until_all(
        "GET",
        "/v1/taxonomy/nodes/s-python",
        lambda r: "snake wrangling" in r.json().get("aliases", []),
        within=within,
        headers=mentee,
    )
    w.until_all(
        "POST",
        "/v1/goals/map",
        mapped_to("s-python", "snake wrangling"),
        within=within,
        json={"text": "snake wrangling", "k": 3},
        headers=mentee,
    )

    # -- a goal added through one worker: every worker recommends the same mentors ----------
    r = w.request("POST", "/v1/people/p1/goals", json={"text": "public speaking"}, headers=mentee)
    assert r.status_code == 201, r.text
    goal_id = r.json()["id"]
    url = f"/v1/people/p1/recommendations?k=5&{ASYNC}"
    w.until_all(
        "GET",
        url,
        lambda r: r.status_code == 200 and r.json()["data"] != [],
        within=within,
        headers=mentee,
    )
    bodies = {pid: r.json()["data"] for pid, r in w.each("GET", url, headers=mentee).items()}
    assert len({repr(b) for b in bodies.values()}) == 1, bodies
    assert [d["mentor_id"] for d in next(iter(bodies.values()))] == ["m1"]

    # -- ranking weights set through one worker: every worker ranks with them -------------
    # (a weight change is an audit entry and moves no data_version: followed apart, within
    # api.usecases.ranking.FOLLOW_S of 1 s)
    only_skill = {"skill_fit": 1.0, "availability": 0.0, "capacity": 0.0,
                  "preferences": 0.0, "feedback": 0.0}  # fmt: skip
    for pid, r in w.each("GET", url, headers=mentee).items():  # every worker caches the old
        assert r.status_code == 200 and r.json()["data"], (pid, r.text)
    r = w.request("PUT", "/v1/ranking/weights", json={"weights": only_skill}, headers=coord)
    assert r.status_code == 200, r.text

    def ranks_by_skill_only(r: httpx.Response) -> bool:
        data = r.json()["data"]
        return bool(data) and all(
            abs(d["score"] - d["components"]["skill_fit"]) < 1e-9 for d in data
        )

    w.until_all("GET", url, ranks_by_skill_only, within=within + 1.0, headers=mentee)

    # -- a cohort run matched on one worker is read alike from every worker ----------------
    r = w.request("PATCH", "/v1/people/p1", json={"programs": ["spring"]}, headers=coord)
    assert r.status_code == 200, r.text
    # the match must see the enrolment: wait until every worker has it
    w.until_all(
        "GET",
        "/v1/people/p1",
        lambda r: r.json().get("programs") == ["spring"],
        within=within,
        headers=coord,
    )
    run = w.request("POST", "/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
    assert run.status_code == 201, run.text
    run_id = run.json()["run_id"]
    runs = w.each("GET", f"/v1/cohorts/runs/{run_id}", headers=coord)
    assert all(r.status_code == 200 for r in runs.values()), {p: r.text for p, r in runs.items()}
    assert len({r.text for r in runs.values()}) == 1
    assert [(p["mentee_id"], p["mentor_id"]) for p in run.json()["proposals"]] == [("p1", "m1")]

    # -- concurrent publishes through different workers: exactly one goes through ---------
    def publish(_: int) -> httpx.Response:
        return w.request("POST", f"/v1/cohorts/runs/{run_id}/publish", headers=coord)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(publish, range(8)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 7, [(r.status_code, r.text[:200]) for r in answers]
    loser = next(r for r in answers if r.status_code == 409).json()
    assert set(loser) == {"error"} and loser["error"]["code"] == "conflict"
    published = [p for p in store.list_pairings() if p.mentee_ids == ["p1"]]
    assert len(published) == 1 and published[0].status.value == "proposed"
    assert sum(1 for e in store.list_audit(limit=1000) if e.action == "cohort.publish") == 1
    w.until_all(
        "GET",
        f"/v1/cohorts/runs/{run_id}",
        lambda r: r.json()["published"] is True,
        within=within,
        headers=coord,
    )

    # -- a publish after a graph change made through another worker is refused ------------
    run = w.request("POST", "/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
    assert run.status_code == 201, run.text
    r = w.request("PATCH", "/v1/people/m1", json={"max_mentees": 1}, headers=coord)
    assert r.status_code == 200, r.text
    answers = w.each("POST", f"/v1/cohorts/runs/{run.json()['run_id']}/publish", headers=coord)
    assert {r.status_code for r in answers.values()} == {409}
    assert all("graph changed" in r.json()["error"]["message"] for r in answers.values())

    # -- a steward correction through one worker: every worker maps the wording so ---------
    # (taught wording is used for coordinators only: for others it would be an oracle of
    # someone's goal text)
    r = w.request(
        "PUT",
        f"/v1/goals/{goal_id}/targets",
        json={"node_ids": ["s-python"], "reason": "they meant the language"},
        headers=steward,
    )
    assert r.status_code == 200, r.text
    w.until_all(
        "POST",
        "/v1/goals/map",
        mapped_to("s-python", "public speaking"),
        within=within,
        json={"text": "public speaking", "k": 3},
        headers=coord,
    )


@pytest.mark.neo4j
def test_a_worker_without_its_store_answers_503_and_recovers(
    tmp_path: Path, pytestconfig: pytest.Config, bolt_driver: Any
) -> None:
    """The Bolt server goes away under a running service (a proxy in front of it is closed,
    every connection cut): requests answer 503 in the one error shape, /readyz says not
    ready; when it comes back, the same workers answer again without a restart."""
    cfg = bolt_settings(pytestconfig)
    assert cfg is not None
    store = make_neo4j_store(bolt_driver)
    seed(store)
    keys = make_keys(store)
    target = int(cfg["uri"].rsplit(":", 1)[1])
    proxy = TcpProxy(target)
    proxy.start()
    env = base_env(tmp_path) | {
        "MENTORGRAPH_STORE": "neo4j",
        # bolt://: a routing URI would get the server's own address back and bypass the proxy
        "MENTORGRAPH_NEO4J_URI": f"bolt://127.0.0.1:{proxy.port}",
        "MENTORGRAPH_NEO4J_USER": cfg["user"],
        "MENTORGRAPH_NEO4J_PASSWORD": cfg["password"],
        "MENTORGRAPH_NEO4J_DATABASE": cfg["database"],
        "MENTORGRAPH_NEO4J_RETRY_TIME_S": "1",
        "MENTORGRAPH_NEO4J_CONNECT_TIMEOUT_S": "2",
    }
    w = ServedWorkers(env, n=2, log=tmp_path / "serve.log")
    coord = keys.auth("coordinator")
    try:
        w.wait_ready()
        assert all(
            r.status_code == 200 for r in w.each("GET", "/v1/people/p1", headers=coord).values()
        )
        proxy.stop()
        assert {r.status_code for r in w.each("GET", "/readyz").values()} == {503}
        # a write must reach the store (reads may still be served from the snapshot)
        patch = {"json": {"programs": ["spring"]}, "headers": coord}
        down = w.each("PATCH", "/v1/people/p1", **patch)
        for r in down.values():
            assert r.status_code == 503, r.text
            body = r.json()
            assert set(body) == {"error"} and body["error"]["code"] == "store_unavailable"
            assert body["error"]["message"]
        assert {r.status_code for r in w.each("GET", "/readyz").values()} == {503}
        proxy.start()
        took = w.until_all(
            "GET",
            "/v1/people/p1",
            lambda r: r.status_code == 200 and r.json()["id"] == "p1",
            within=30.0,
            headers=coord,
        )
        assert took < 30.0
        assert {r.status_code for r in w.each("GET", "/readyz").values()} == {200}
        # and the recovered workers write again
        r = w.request("PATCH", "/v1/people/p1", json={"programs": ["autumn"]}, headers=coord)
        assert r.status_code == 200, r.text
    finally:
        w.stop()
        proxy.stop()
