"""The recommendations read path: what it skips must not change what it answers.

It reads the mentee from the in-memory snapshot (not the store), checks freshness without a
lock, shares target tables between requests on one snapshot State, and serialises the body
itself. Each test here would fail if one of those shortcuts served stale or different data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.schemas.pairings import RecommendationsPublic
from graph.model import Goal, GoalTarget, Person, PersonSkill
from graph.recommend import RecommendOptions, recommend
from graph.store import GraphStore, SetGoalTargets, UpsertGoals, UpsertPeople, UpsertPersonSkills
from tests.api.conftest import Keys, build_app, make_keys, seed

URL = "/v1/people/p1/recommendations?k=10&asynchronous=true"


@pytest.fixture
def api(tmp_path, embedded_store: GraphStore) -> Iterator[tuple[FastAPI, TestClient, Keys]]:
    seed(embedded_store)
    # p1 wants what m1 offers, so the answer is not empty
    embedded_store.apply(
        [
            UpsertGoals([Goal(id="g-p1", person_id="p1", text="speak at the all-hands")]),
            SetGoalTargets(
                "g-p1", [GoalTarget(goal_id="g-p1", node_id="s-present", confidence=0.9)]
            ),
        ]
    )
    app = build_app(tmp_path, embedded_store)
    keys = make_keys(embedded_store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client, keys


def mentors(client: TestClient, keys: Keys) -> list[str]:
    r = client.get(URL, headers=keys.auth("coordinator"))
    assert r.status_code == 200, r.text
    return [rec["mentor_id"] for rec in r.json()["data"]]


def test_body_is_the_ranking_serialised(api: tuple[FastAPI, TestClient, Keys]) -> None:
    app, client, keys = api
    r = client.get(URL, headers=keys.auth("mentee"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert [rec["mentor_id"] for rec in body["data"]] == ["m1"]
    snap = app.state.mg.current_snapshot()
    expected = recommend(snap, "p1", k=10, options=RecommendOptions(asynchronous=True))
    want = RecommendationsPublic(mentee_id="p1", data=expected, count=len(expected))
    assert body == want.model_dump(mode="json")
    assert RecommendationsPublic.model_validate(body).count == 1


def test_unknown_and_opted_out_mentee(
    api: tuple[FastAPI, TestClient, Keys], embedded_store: GraphStore
) -> None:
    _, client, keys = api
    r = client.get("/v1/people/nobody/recommendations", headers=keys.auth("coordinator"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # written behind the service's back: the freshness check must notice
    p1 = embedded_store.get_person("p1")
    assert p1 is not None
    embedded_store.apply([UpsertPeople([p1.model_copy(update={"opt_out_recommend": True})])])
    assert client.get(URL, headers=keys.auth("coordinator")).status_code == 409
    assert client.get(URL, headers=keys.auth("mentee")).status_code == 200  # their own


def test_new_willing_mentor_is_seen_after_a_write(api: tuple[FastAPI, TestClient, Keys]) -> None:
    app, client, keys = api
    assert mentors(client, keys) == ["m1"]  # target tables of this State are now cached
    m1 = app.state.mg.store.get_person("m1")
    assert m1 is not None
    app.state.mg.write(
        [
            UpsertPeople([m1.model_copy(update={"id": "m3", "name": "Mia Three"})]),
            UpsertPersonSkills(
                [PersonSkill(person_id="m3", skill_id="s-present", level=5, willing_to_mentor=True)]
            ),
        ]
    )
    assert sorted(mentors(client, keys)) == ["m1", "m3"]


def test_write_by_another_process_is_not_lost_when_replaying_ours(
    api: tuple[FastAPI, TestClient, Keys], embedded_store: GraphStore
) -> None:
    app, client, keys = api
    state = app.state.mg
    assert mentors(client, keys) == ["m1"]
    assert state.fresh_snapshot() is state.snapshot
    # another process (a CLI import, another worker) writes to the same store...
    embedded_store.apply([UpsertPeople([Person(id="ext", name="Ex Ternal")])])
    assert state.fresh_snapshot() is None  # stale: a reader would reload
    # ...and before anyone reads, this process writes too
    r = client.post("/v1/people", json={"id": "p9", "name": "Pip Nine"}, headers=keys.auth("admin"))
    assert r.status_code in (200, 201), r.text
    people = state.snapshot.state.people
    assert "p9" in people and "ext" in people
    assert state.snapshot.data_version == embedded_store.data_version()
    assert state.fresh_snapshot() is state.snapshot


def test_cached_target_tables_are_read_only(api: tuple[FastAPI, TestClient, Keys]) -> None:
    app, client, keys = api
    mentors(client, keys)
    from graph.recommend.ranking import _TABLES

    tables = _TABLES.of(app.state.mg.snapshot.state)
    assert tables, "the request should have cached its target tables"
    for table in tables.values():
        with pytest.raises(ValueError):
            table.rows[:1] = 0
