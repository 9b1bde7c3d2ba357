"""Concurrency: 50 clients against a real uvicorn server on loopback, mixing reads and writes.

The app runs over the embedded store with the small seeded org of tests/api/conftest.py and the
fake embedder. Every client makes a fixed, bounded list of requests in its own shuffled order;
the whole run is bounded by timeouts. Afterwards: no 5xx, every client finished (no deadlock),
and no write was lost (each client's distinct alias, goal and check-in is there).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from graph.lifecycle import pairings
from graph.model import Goal, GoalTarget
from graph.store import GraphStore, SetGoalTargets, UpsertGoals
from tests.api.conftest import Keys, build_app, make_keys, seed
from tests.reliability.helpers import live_server

CLIENTS = 50
RENAMERS = 10  # every fifth client also renames one skill
REQUEST_TIMEOUT_S = 30.0
RUN_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    role: str
    json: Any = None
    ok: tuple[int, ...] = (200,)


@dataclass(frozen=True)
class Result:
    call: Call
    status: int
    seconds: float
    body: str


def has_route(app: FastAPI, method: str, path: str) -> bool:
    """Whether the app serves `method path` (routes that are still landing are optional)."""
    return method.lower() in app.openapi()["paths"].get(path, {})


def calls_for(i: int, app: FastAPI) -> list[Call]:
    day = (date(2024, 1, 1) + timedelta(days=i)).isoformat()
    calls = [
        Call("GET", "/v1/people/p1", "admin"),
        Call("GET", "/v1/people/p2/goals", "mentee2"),
        Call("POST", "/v1/goals/map", "mentee", {"text": f"speak to the board {i}", "k": 3}),
        Call("GET", "/v1/taxonomy/search?q=python", "mentee"),
        Call("PATCH", "/v1/goals/g-p2", "mentee2", {"text": f"present to executives v{i}"}),
        Call(
            "POST",
            "/v1/taxonomy/nodes/s-python/aliases",
            "steward",
            {"alias": f"python alias {i}", "reason": "concurrency"},
            (201,),
        ),
        Call(
            "POST",
            "/v1/people/p1/goals",
            "mentee",
            {"id": f"g-c{i}", "text": f"learn python, step {i}"},
            (201,),
        ),
    ]
    if i % (CLIENTS // RENAMERS) == 0:
        calls.append(
            Call(
                "POST",
                "/v1/taxonomy/nodes/s-present/rename",
                "steward",
                {"label": f"public speaking {i}", "keep_old_as_alias": False},
                (201,),
            )
        )
    if has_route(app, "POST", "/v1/pairings/{pairing_id}/check-ins"):
        calls.append(
            Call(
                "POST",
                "/v1/pairings/pr-p2/check-ins",
                "mentor",
                {"on": day, "rating": 1 + i % 5, "note": f"check-in {i}"},
                (201,),
            )
        )
    if has_route(app, "GET", "/v1/people/{person_id}/recommendations"):
        calls.append(Call("GET", "/v1/people/p1/recommendations?k=5", "mentee"))
    random.Random(i).shuffle(calls)
    return calls


def run_client(i: int, base_url: str, keys: Keys, app: FastAPI, start: threading.Barrier) -> list:
    results = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as http:
        start.wait(timeout=60)
        for call in calls_for(i, app):
            t = time.perf_counter()
            r = http.request(call.method, call.path, json=call.json, headers=keys.auth(call.role))
            results.append(Result(call, r.status_code, time.perf_counter() - t, r.text[:500]))
    return results


def prepare(store: GraphStore) -> None:
    seed(store)
    pairings.activate(store, "pr-p2", by="test")
    store.apply(
        [
            UpsertGoals([Goal(id="g-p1", person_id="p1", text="present to the board")]),
            SetGoalTargets("g-p1", [GoalTarget(goal_id="g-p1", node_id="s-present", confidence=1)]),
        ]
    )


def test_fifty_clients_mixing_reads_and_writes(tmp_path: Path, embedded_store: GraphStore) -> None:
    prepare(embedded_store)
    keys = make_keys(embedded_store)
    app = build_app(tmp_path, embedded_store)
    version_before = embedded_store.data_version()
    start = threading.Barrier(CLIENTS)

    with live_server(app) as server, ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [
            pool.submit(run_client, i, server.base_url, keys, app, start) for i in range(CLIENTS)
        ]
        done, not_done = wait(futures, timeout=RUN_TIMEOUT_S)
        assert not not_done, f"{len(not_done)} clients still waiting after {RUN_TIMEOUT_S}s"
        results: list[Result] = [r for f in done for r in f.result()]

    expected = sum(len(calls_for(i, app)) for i in range(CLIENTS))
    assert len(results) == expected
    server_errors = [r for r in results if r.status >= 500]
    assert server_errors == [], server_errors[:3]
    wrong = [
        (r.call.method, r.call.path, r.status, r.body) for r in results if r.status not in r.call.ok
    ]
    assert wrong == [], wrong[:5]

    # no lost update: every client's distinct write is there
    python = embedded_store.get_skill("s-python")
    assert python is not None
    assert {f"python alias {i}" for i in range(CLIENTS)} <= set(python.aliases)
    goal_ids = {g.id for g in embedded_store.goals_of("p1")}
    assert {f"g-c{i}" for i in range(CLIENTS)} <= goal_ids
    renames = [c for c in embedded_store.taxonomy_changes(node_id="s-present") if c.op == "rename"]
    assert len(renames) == RENAMERS
    present = embedded_store.get_skill("s-present")
    labels = {c.after["nodes"]["s-present"]["label"] for c in renames}
    assert present is not None and present.label in labels
    g_p2 = embedded_store.get_goal("g-p2")
    assert g_p2 is not None and g_p2.text in {f"present to executives v{i}" for i in range(CLIENTS)}
    if has_route(app, "POST", "/v1/pairings/{pairing_id}/check-ins"):
        notes = {c.note for c in embedded_store.checkins("pr-p2")}
        assert notes == {f"check-in {i}" for i in range(CLIENTS)}
    aliases_added = sum(1 for r in results if r.call.path.endswith("/aliases"))
    assert embedded_store.data_version() >= version_before + aliases_added + CLIENTS
