"""GET /v1/people/{id}/recommendations: an empty answer says why, `format` means what it
says, and `asynchronous=true` stays an alias of `format=async`.

The seeded org (tests/api/conftest.py): p2's goal targets "public speaking", which only m1
holds (level 5), and m1 already mentors p2 (accepted pairing pr-p2).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from fastapi.testclient import TestClient

from graph.model import Person, PersonSkill, WeeklyWindow
from graph.store import GraphStore, UpsertPeople, UpsertPersonSkills
from tests.api.conftest import Keys


def test_an_empty_answer_says_why(client: TestClient, keys: Keys) -> None:
    r = client.get("/v1/people/p2/recommendations?format=async", headers=keys.auth("coordinator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["data"], body["count"]) == ([], 0)
    assert body["why_none"] == [
        'The only person holding a skill these goals reach ("public speaking", level 5) is '
        "already in accepted pairing 'pr-p2'"
    ]


def test_the_old_asynchronous_flag_is_format_async(client: TestClient, keys: Keys) -> None:
    auth = keys.auth("coordinator")
    old = client.get("/v1/people/p2/recommendations?asynchronous=true", headers=auth)
    new = client.get("/v1/people/p2/recommendations?format=async", headers=auth)
    assert old.status_code == new.status_code == 200
    assert old.json() == new.json()
    both = client.get("/v1/people/p2/recommendations?asynchronous=true&format=video", headers=auth)
    assert both.status_code == 422
    assert both.json()["error"]["details"][0]["field"] == "query.asynchronous"


def test_in_person_without_a_location_names_the_field(client: TestClient, keys: Keys) -> None:
    r = client.get(
        "/v1/people/p2/recommendations?format=in_person", headers=keys.auth("coordinator")
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert "format=in_person needs the mentee's location" in error["message"]
    assert error["details"][0]["field"] == "location"


def test_a_short_answer_says_what_removed_the_others(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    """p1 (Berlin, free Tuesdays 10-13) wants public speaking. far3 (Berlin, the same
    window) is suggested; far1 and far2 (Auckland, Tuesdays 10-13 there) and m1 (no windows)
    share no hours with p1, and the boss is p1's manager: asking for 10 gives 1 and `why_few`
    counts the others by the rule that removed them; async lifts the hours rule."""
    tue = [WeeklyWindow(weekday=1, start=time(10), end=time(13))]  # local time
    cap: dict[str, Any] = {"max_mentees": 2, "max_hours_per_month": 8, "windows": tue}
    far = [
        Person(id=f"far{i}", name=f"Far {i}", timezone=tz, is_mentor=True, **cap)
        for i, tz in (("1", "Pacific/Auckland"), ("2", "Pacific/Auckland"), ("3", "Europe/Berlin"))
    ]
    boss = Person(id="boss", name="Boss", timezone="Europe/Berlin", is_mentor=True, **cap)
    p1 = api_store.get_person("p1")
    assert p1 is not None
    api_store.apply(
        [
            UpsertPeople(
                [*far, boss, p1.model_copy(update={"manager_id": "boss", "windows": tue})]
            ),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id=p, skill_id="s-present", level=5, willing_to_mentor=True)
                    for p in ("far1", "far2", "far3", "boss")
                ]
            ),
        ]
    )
    me = keys.auth("mentee")
    r = client.post("/v1/people/p1/goals", json={"text": "public speaking"}, headers=me)
    assert r.status_code == 201, r.text
    body = client.get("/v1/people/p1/recommendations?k=10", headers=me).json()
    assert [m["mentor_id"] for m in body["data"]] == ["far3"] and body["why_none"] == []
    assert body["why_few"] == [
        "3 more mentors hold related skills but share under 1 h a week with you; try "
        "format=async or min_overlap_hours=0",
        "1 more mentor holds related skills but is ruled out by a guardrail (management "
        "chain, do-not-pair-again, an open pairing with you)",
    ]
    body = client.get("/v1/people/p1/recommendations?k=10&format=async", headers=me).json()
    assert sorted(m["mentor_id"] for m in body["data"]) == ["far1", "far2", "far3", "m1"]
    assert body["why_few"] == [
        "1 more mentor holds related skills but is ruled out by a guardrail (management "
        "chain, do-not-pair-again, an open pairing with you)"
    ]
    # asking for no more than come back: nothing to explain
    body = client.get("/v1/people/p1/recommendations?k=1", headers=me).json()
    assert body["count"] == 1 and body["why_few"] == []
