"""Pairing lifecycle on both stores: legal and illegal moves, history, capacity, guardrails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from graph.errors import Conflict, InvalidInput, NotFound
from graph.lifecycle import pairings as lc
from graph.model import MentoringModel, PairingStatus
from graph.store import GraphStore, PairingFilter
from tests.pairings.conftest import NOW, PROGRAM, seed

S = PairingStatus


@pytest.fixture
def world(store: GraphStore) -> GraphStore:
    return seed(store)


def at(days: int) -> Any:
    return NOW + timedelta(days=days)


def propose_b(store: GraphStore, mentor: str = "m1", **kw: Any) -> str:
    return lc.propose(
        store, mentor, ["b"], program=PROGRAM, goal_ids=["g-b"], by="coord", now=NOW, **kw
    ).id


def test_happy_path_records_every_step(world: GraphStore) -> None:
    pid = propose_b(world, score=0.8)
    lc.accept(world, pid, by="b", now=at(1))
    lc.activate(world, pid, by="m1", now=at(2))
    ci = lc.check_in(world, pid, on=date(2025, 3, 10), rating=4, note="good", by="b", now=at(7))
    closed = lc.close(world, pid, by="m1", reason="goal reached", now=at(30))

    stored = world.get_pairing(pid)
    assert stored == closed
    assert [e.status for e in stored.history] == [S.proposed, S.accepted, S.active, S.closed]
    assert [e.by for e in stored.history] == ["coord", "b", "m1", "m1"]
    assert stored.history[-1].reason == "goal reached" and stored.close_reason == "goal reached"
    assert stored.created_at == NOW and stored.updated_at == at(30)
    assert stored.score == 0.8 and stored.goal_ids == ["g-b"] and stored.program == PROGRAM
    assert [c.id for c in world.checkins(pid)] == [ci.id]
    assert world.checkins(pid)[0].rating == 4


def test_accept_can_activate_in_one_apply(world: GraphStore) -> None:
    pid = propose_b(world)
    before = world.data_version()
    p = lc.accept(world, pid, by="b", activate=True, now=at(1))
    assert world.data_version() == before + 1
    assert p.status == S.active and world.get_pairing(pid).status == S.active
    assert [e.status for e in p.history] == [S.proposed, S.accepted, S.active]


def _stalled(world: GraphStore) -> str:
    pid = propose_b(world)
    lc.accept(world, pid, by="b", activate=True, now=at(1))
    lc.stall(world, pid, by="detector", reason="silent", now=at(40))
    return pid


def test_check_in_on_stalled_reactivates_atomically(world: GraphStore) -> None:
    pid = _stalled(world)
    before = world.data_version()
    lc.check_in(world, pid, on=date(2025, 4, 15), rating=3, by="b", now=at(43))
    assert world.data_version() == before + 1  # check-in and reactivation: one apply
    p = world.get_pairing(pid)
    assert p.status == S.active and p.updated_at == at(43)
    assert [e.status for e in p.history][-2:] == [S.stalled, S.active]
    assert len(world.checkins(pid)) == 1


def test_check_in_on_active_moves_updated_at_only(world: GraphStore) -> None:
    pid = propose_b(world)
    lc.accept(world, pid, by="b", activate=True, now=at(1))
    lc.check_in(world, pid, on=date(2025, 3, 5), rating=5, by="b", now=at(2))
    p = world.get_pairing(pid)
    assert p.status == S.active and p.updated_at == at(2) and len(p.history) == 3


Move = Callable[[GraphStore, str], Any]
MOVES: dict[str, Move] = {
    "accepted": lambda s, p: lc.accept(s, p, by="x"),
    "active": lambda s, p: lc.activate(s, p, by="x"),
    "declined": lambda s, p: lc.decline(s, p, by="x", reason="no"),
    "stalled": lambda s, p: lc.stall(s, p, by="x"),
    "closed": lambda s, p: lc.close(s, p, by="x", reason="done"),
}
# status the pairing is brought to -> the steps that get it there from proposed
PATHS: dict[str, list[str]] = {
    "proposed": [],
    "accepted": ["accepted"],
    "declined": ["declined"],
    "active": ["accepted", "active"],
    "stalled": ["accepted", "active", "stalled"],
    "closed": ["accepted", "active", "closed"],
}
ILLEGAL = [(src, to) for src in PATHS for to in MOVES if S(src) not in lc.ALLOWED_FROM[S(to)]]


def test_the_transition_table_is_the_documented_one() -> None:
    assert len(ILLEGAL) == 6 * 5 - 9
    assert ("proposed", "active") in ILLEGAL and ("closed", "active") in ILLEGAL
    assert ("declined", "accepted") in ILLEGAL and ("proposed", "closed") in ILLEGAL


@pytest.mark.parametrize(("src", "to"), ILLEGAL)
def test_illegal_transition_is_a_conflict_naming_both(
    embedded_store: GraphStore, src: str, to: str
) -> None:
    world = seed(embedded_store)
    pid = propose_b(world)
    for step in PATHS[src]:
        MOVES[step](world, pid)
    before = world.get_pairing(pid)
    with pytest.raises(Conflict) as info:
        MOVES[to](world, pid)
    assert src in str(info.value) and to in str(info.value)
    assert info.value.details == [{"current": src, "requested": to}]
    assert world.get_pairing(pid) == before  # nothing written


@pytest.mark.parametrize("src", ["proposed", "accepted", "declined", "closed"])
def test_check_in_needs_active_or_stalled(embedded_store: GraphStore, src: str) -> None:
    world = seed(embedded_store)
    pid = propose_b(world)
    for step in PATHS[src]:
        MOVES[step](world, pid)
    with pytest.raises(Conflict, match=src):
        lc.check_in(world, pid, on=date(2025, 3, 5), rating=3)
    assert world.checkins(pid) == []


def test_check_in_rating_out_of_range_is_invalid(world: GraphStore) -> None:
    pid = propose_b(world)
    lc.accept(world, pid, activate=True)
    with pytest.raises(InvalidInput, match="rating"):
        lc.check_in(world, pid, on=date(2025, 3, 5), rating=6)
    assert world.checkins(pid) == []


@pytest.mark.parametrize("move", [*MOVES, "check_in"])
def test_unknown_pairing_is_not_found(embedded_store: GraphStore, move: str) -> None:
    world = seed(embedded_store)
    with pytest.raises(NotFound, match="nope"):
        if move == "check_in":
            lc.check_in(world, "nope", on=date(2025, 3, 5), rating=3)
        else:
            MOVES[move](world, "nope")


def test_propose_unknown_people_and_goals(world: GraphStore) -> None:
    with pytest.raises(NotFound, match="ghost"):
        lc.propose(world, "ghost", ["b"])
    with pytest.raises(NotFound, match="ghost"):
        lc.propose(world, "m1", ["ghost"])
    with pytest.raises(NotFound, match="g-zz"):
        lc.propose(world, "m1", ["b"], goal_ids=["g-zz"])
    with pytest.raises(NotFound, match="g-c") as info:  # c's goal, not b's: as unknown
        lc.propose(world, "m1", ["b"], goal_ids=["g-c"])
    assert "'c'" not in info.value.message  # whose goal it is stays unsaid
    with pytest.raises(InvalidInput, match="one mentee"):
        lc.propose(world, "m1", ["b", "c"])
    with pytest.raises(InvalidInput):
        lc.propose(world, "b", ["b"])  # self
    assert world.list_pairings() == []


def test_propose_refuses_place_overflow(world: GraphStore) -> None:
    propose_b(world, hours_per_month=1)
    lc.propose(world, "m1", ["c"], hours_per_month=1)
    # m1 has 2 places, both taken by open proposals: a third is refused, nothing written
    with pytest.raises(Conflict, match="0 free place"):
        lc.propose(world, "m1", ["a"], hours_per_month=1)
    assert len(world.list_pairings(PairingFilter(mentor_id="m1"))) == 2


def test_propose_refuses_hours_overflow_and_closed_pairings_free_capacity(
    world: GraphStore,
) -> None:
    pid = propose_b(world, hours_per_month=3)
    with pytest.raises(Conflict, match="1 free hour"):
        lc.propose(world, "m1", ["c"], hours_per_month=2)
    lc.decline(world, pid, by="b", reason="timing")
    lc.propose(world, "m1", ["c"], hours_per_month=2)  # declined frees the hours


def test_propose_refuses_a_second_open_pairing_of_the_same_people(world: GraphStore) -> None:
    propose_b(world)
    with pytest.raises(Conflict, match="already joins"):
        propose_b(world)


def test_group_pairing_takes_one_place_per_member(world: GraphStore) -> None:
    p = lc.propose(world, "m2", ["b", "c"], model=MentoringModel.group, hours_per_month=2)
    assert p.mentee_ids == ["b", "c"]
    lc.propose(world, "m2", ["a"], hours_per_month=2)  # third place
    with pytest.raises(Conflict, match="place"):
        lc.propose(world, "m2", ["m1"], hours_per_month=1)  # m2 is full


def test_propose_refuses_the_manager(world: GraphStore) -> None:
    with pytest.raises(Conflict, match="boss"):
        lc.propose(world, "boss", ["a"])
    assert world.list_pairings(PairingFilter(mentor_id="boss")) == []


def test_do_not_pair_again_blocks_a_new_proposal(world: GraphStore) -> None:
    pid = propose_b(world, mentor="m2")
    lc.decline(world, pid, by="b", reason="clash", do_not_pair_again=True)
    stored = world.get_pairing(pid)
    assert stored.status == S.declined and stored.do_not_pair_again
    assert stored.close_reason == "clash"
    with pytest.raises(Conflict, match="m2"):
        propose_b(world, mentor="m2")
    propose_b(world, mentor="m1")  # another mentor is fine


def _ranked(store: GraphStore, mentee: str) -> dict[str, float]:
    from graph.recommend import RecommendOptions, Snapshot, recommend

    snap = Snapshot.load(store)
    recs = recommend(snap, mentee, k=10, options=RecommendOptions(asynchronous=True), now=NOW)
    return {r.mentor_id: r.score for r in recs}


def test_declines_feed_later_suggestions(world: GraphStore) -> None:
    before = _ranked(world, "b")
    assert {"m1", "m2", "boss"} <= set(before)
    plain = propose_b(world, mentor="m1")
    lc.decline(world, plain, by="b", reason="not now")
    banned = propose_b(world, mentor="m2")
    lc.decline(world, banned, by="b", reason="clash", do_not_pair_again=True)
    after = _ranked(world, "b")
    assert "m2" not in after  # do-not-pair-again: never suggested again
    assert after["m1"] < before["m1"]  # a plain decline ranks the mentor lower
    assert "m2" in _ranked(world, "c")  # only for that mentee
