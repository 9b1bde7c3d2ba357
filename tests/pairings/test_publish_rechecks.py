"""Publishing a cohort run checks every pairing rule again against the graph as it is at
publish time (issue 13): a run made before an edit that now breaks a rule is refused with a
409 naming the rule and the mentor -> mentee pair, and nothing is stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.errors import Conflict
from graph.lifecycle.cohorts import publish
from graph.model import Pairing, PairingStatus, Person
from graph.recommend import RecommendOptions, Snapshot
from graph.recommend.cohort import CohortResult, ProposedPairing, match_cohort
from graph.store import GraphStore, UpsertPairings, UpsertPeople
from tests.api.conftest import build_app, make_keys
from tests.api.conftest import seed as api_seed
from tests.pairings.conftest import NOW, PROGRAM, seed

ASYNC = RecommendOptions(asynchronous=True)
Edit = Callable[[GraphStore, ProposedPairing, CohortResult], None]


def person(store: GraphStore, pid: str) -> Person:
    p = store.get_person(pid)
    assert p is not None
    return p


def update(store: GraphStore, pid: str, **changes: object) -> None:
    store.apply([UpsertPeople([person(store, pid).model_copy(update=changes)])])


def run(store: GraphStore) -> CohortResult:
    seed(store)
    res = match_cohort(Snapshot.load(store), PROGRAM, now=NOW, options=ASYNC)
    assert res.matched == 3, res
    return res


def to_mentor(res: CohortResult, mentor_id: str) -> list[ProposedPairing]:
    return [p for p in res.proposals if p.mentor_id == mentor_id]


def becomes_manager(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    update(store, p.mentee_id, manager_id=p.mentor_id)


def becomes_skip_level(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    store.apply([UpsertPeople([Person(id="mid", name="Mid", manager_id=p.mentor_id)])])
    update(store, p.mentee_id, manager_id="mid")


def becomes_report(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    update(store, p.mentor_id, manager_id=p.mentee_id)


def do_not_pair_again(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    old = Pairing(
        id="pr-old",
        mentor_id=p.mentor_id,
        mentee_ids=[p.mentee_id],
        status=PairingStatus.closed,
        do_not_pair_again=True,
    )
    store.apply([UpsertPairings([old])])


def wants_none(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    update(store, p.mentee_id, hours_wanted_per_month=0.0)


def places_cut(store: GraphStore, p: ProposedPairing, res: CohortResult) -> None:
    update(store, p.mentor_id, max_mentees=len(to_mentor(res, p.mentor_id)) - 1)


def hours_cut(store: GraphStore, p: ProposedPairing, res: CohortResult) -> None:
    hours = sum(x.hours_per_month for x in to_mentor(res, p.mentor_id))
    update(store, p.mentor_id, max_hours_per_month=hours - 0.5)


def no_longer_mentor(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    update(store, p.mentor_id, is_mentor=False)


def open_pairing_meanwhile(store: GraphStore, p: ProposedPairing, _: CohortResult) -> None:
    other = Pairing(id="pr-hand", mentor_id=p.mentor_id, mentee_ids=[p.mentee_id])
    store.apply([UpsertPairings([other])])


EDITS: dict[str, tuple[Edit, str, str]] = {
    # edit -> (rule named, words of the reason)
    "manager": (becomes_manager, "guardrail", "is the mentee's manager"),
    "skip_level": (becomes_skip_level, "guardrail", "skip-level manager"),
    "reports": (becomes_report, "guardrail", "reports to the mentee"),
    "do_not_pair_again": (do_not_pair_again, "guardrail", "do-not-pair-again"),
    "wants_mentoring": (wants_none, "wants_mentoring", "wants 0 hours"),
    "places": (places_cut, "capacity", "free place"),
    "hours": (hours_cut, "capacity", "free hour"),
    "mentor": (no_longer_mentor, "mentor", "is not a mentor"),
    "already_paired": (open_pairing_meanwhile, "guardrail", "already in proposed pairing"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_after_the_run_that_breaks_a_rule_is_named(
    embedded_store: GraphStore, edit: str
) -> None:
    res = run(embedded_store)
    change, rule, words = EDITS[edit]
    target = res.proposals[0]
    change(embedded_store, target, res)
    before = {p.id: p for p in embedded_store.list_pairings()}
    with pytest.raises(Conflict) as info:
        publish(embedded_store, res, by="coordinator", now=NOW)
    message = str(info.value)
    assert f"{rule}:" in message and words in message, message
    assert repr(target.mentor_id) in message
    named = {(d["rule"], d["mentor_id"], d["mentee_id"]) for d in info.value.details}
    if rule == "capacity":  # the proposal that overflows may be another one to that mentor
        mentees = {x.mentee_id for x in to_mentor(res, target.mentor_id)}
        assert any((rule, target.mentor_id, m) in named for m in mentees), named
    else:
        assert (rule, target.mentor_id, target.mentee_id) in named, named
    assert {p.id: p for p in embedded_store.list_pairings()} == before  # nothing stored


def test_never_self_and_one_role_per_run(embedded_store: GraphStore) -> None:
    """A run (e.g. kept across an edit or built by hand) that pairs someone with themselves,
    or makes a mentee of the run a mentor in it, is refused with both rules named."""
    res = run(embedded_store)
    first = res.proposals[0]
    hand = dataclasses.replace(
        res,
        proposals=[
            dataclasses.replace(first, mentor_id="m2", mentee_id="m2"),
            first,
            dataclasses.replace(first, mentor_id=first.mentee_id, mentee_id="m1"),
        ],
    )
    with pytest.raises(Conflict) as info:
        publish(embedded_store, hand, by="coordinator", now=NOW)
    rules = {(d["rule"], d["mentor_id"], d["mentee_id"]) for d in info.value.details}
    assert ("guardrail", "m2", "m2") in rules
    assert ("one_role_per_run", first.mentee_id, "m1") in rules
    assert "is the mentee" in str(info.value)
    assert embedded_store.list_pairings() == []
    # the program may allow a mentee to mentor in the same run
    allowed = dataclasses.replace(hand, proposals=hand.proposals[1:], mentees_may_mentor=True)
    with pytest.raises(Conflict) as info:
        publish(embedded_store, allowed, by="coordinator", now=NOW)
    assert "one_role_per_run" not in {d["rule"] for d in info.value.details}


def test_an_unchanged_run_still_publishes(embedded_store: GraphStore) -> None:
    res = run(embedded_store)
    stored = publish(embedded_store, res, by="coordinator", now=NOW)
    assert len(stored) == 3


def test_publish_over_the_api_names_the_rule_and_stores_nothing(
    tmp_path: Path, embedded_store: GraphStore
) -> None:
    api_seed(embedded_store)
    keys = make_keys(embedded_store)
    coord = keys.auth("coordinator")
    with TestClient(build_app(tmp_path, embedded_store), raise_server_exceptions=False) as c:
        r = c.post("/v1/people/p1/goals", json={"text": "public speaking"}, headers=coord)
        assert r.status_code == 201, r.text
        c.patch("/v1/people/p1", json={"programs": ["spring"]}, headers=coord)
        r = c.post("/v1/cohorts/spring/match", json={"asynchronous": True}, headers=coord)
        assert r.status_code == 201, r.text
        run_id = r.json()["run_id"]
        assert [(p["mentee_id"], p["mentor_id"]) for p in r.json()["proposals"]] == [("p1", "m1")]
        r = c.patch("/v1/people/p1", json={"manager_id": "m1"}, headers=coord)
        assert r.status_code == 200, r.text
        before = c.get("/v1/pairings", headers=coord).json()["count"]
        r = c.post(f"/v1/cohorts/runs/{run_id}/publish", headers=coord)
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert "guardrail" in error["message"] and "'m1' -> 'p1'" in error["message"]
        assert "is the mentee's manager" in error["message"]
        assert c.get("/v1/pairings", headers=coord).json()["count"] == before
