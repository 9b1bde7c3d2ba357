"""GET /v1/people/{id}/recommendations: an empty answer says why, `format` means what it
says, and `asynchronous=true` stays an alias of `format=async`.

The seeded org (tests/api/conftest.py): p2's goal targets "public speaking", which only m1
holds (level 5), and m1 already mentors p2 (accepted pairing pr-p2).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

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
