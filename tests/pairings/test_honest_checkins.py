"""Honest check-ins (issue 13): only the mentee's rating is feedback on the mentor, and a
check-in cannot be dated in the future (it would hide a stall)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph.errors import InvalidInput
from graph.lifecycle import pairings as lc
from graph.model import CheckIn, CheckInAuthor, PairingStatus
from graph.recommend.snapshot import Snapshot
from graph.recommend.stalls import find_stalled
from graph.store import AddCheckIns, GraphStore
from tests.pairings.conftest import NOW, PROGRAM, seed


def active_pairing(store: GraphStore) -> str:
    seed(store)
    pid = lc.propose(store, "m1", ["b"], program=PROGRAM, goal_ids=["g-b"], by="coord", now=NOW)
    lc.accept(store, pid.id, by="b", activate=True, now=NOW)
    return pid.id


def feedback(store: GraphStore, mentor_id: str) -> tuple[float, int]:
    st = Snapshot.load(store).state
    row = st.rows[mentor_id]
    return float(st.arrays["fb_sum"][row]), int(st.arrays["fb_n"][row])


def test_the_mentors_own_rating_is_kept_but_not_feedback(embedded_store: GraphStore) -> None:
    pid = active_pairing(embedded_store)
    before = feedback(embedded_store, "m1")
    mine = lc.check_in(
        embedded_store,
        pid,
        on=NOW.date(),
        rating=5,
        author_id="m1",
        author_role=lc.check_in_author(embedded_store.get_pairing(pid), "m1"),
        now=NOW,
    )
    assert mine.author_role == CheckInAuthor.mentor and not mine.rates_mentor
    assert embedded_store.checkins(pid)[0].rating == 5  # kept: the mentor's view
    assert feedback(embedded_store, "m1") == before  # but not their standing
    lc.check_in(
        embedded_store,
        pid,
        on=NOW.date(),
        rating=2,
        author_id="b",
        author_role=lc.check_in_author(embedded_store.get_pairing(pid), "b"),
        now=NOW,
    )
    assert feedback(embedded_store, "m1") == (before[0] + 2, before[1] + 1)


def test_a_coordinators_rating_is_not_feedback_either(embedded_store: GraphStore) -> None:
    pid = active_pairing(embedded_store)
    pairing = embedded_store.get_pairing(pid)
    assert pairing is not None
    assert lc.check_in_author(pairing, None) == CheckInAuthor.coordinator
    assert lc.check_in_author(pairing, "someone-else") == CheckInAuthor.coordinator
    before = feedback(embedded_store, "m1")
    lc.check_in(
        embedded_store,
        pid,
        on=NOW.date(),
        rating=5,
        author_role=CheckInAuthor.coordinator,
        now=NOW,
    )
    assert feedback(embedded_store, "m1") == before


@pytest.mark.parametrize("days", [2, 30, 365 * 6])
def test_a_future_dated_check_in_is_refused_naming_the_field(
    embedded_store: GraphStore, days: int
) -> None:
    pid = active_pairing(embedded_store)
    before = embedded_store.data_version()
    with pytest.raises(InvalidInput, match="future") as err:
        lc.check_in(embedded_store, pid, on=NOW.date() + timedelta(days=days), rating=4, now=NOW)
    assert err.value.details[0]["field"] == "on"
    assert embedded_store.data_version() == before and embedded_store.checkins(pid) == []


def test_one_day_of_skew_is_allowed(embedded_store: GraphStore) -> None:
    pid = active_pairing(embedded_store)
    ci = lc.check_in(embedded_store, pid, on=NOW.date() + timedelta(days=1), rating=4, now=NOW)
    assert embedded_store.checkins(pid) == [ci]


def test_a_future_date_cannot_hide_a_stall(embedded_store: GraphStore) -> None:
    pid = active_pairing(embedded_store)
    with pytest.raises(InvalidInput):
        lc.check_in(embedded_store, pid, on=date(2031, 1, 1), rating=5, now=NOW)
    later = NOW + timedelta(days=60)
    stalled = {r.pairing_id for r in find_stalled(Snapshot.load(embedded_store), now=later)}
    assert pid in stalled
    assert embedded_store.get_pairing(pid).status == PairingStatus.active


def test_a_stored_future_check_in_does_not_hide_a_stall(embedded_store: GraphStore) -> None:
    """One written before the date rule (or imported) is ignored by the stall detector."""
    pid = active_pairing(embedded_store)
    future = CheckIn(id="ci-2031", pairing_id=pid, on=date(2031, 1, 1), rating=5)
    embedded_store.apply([AddCheckIns([future])])
    later = NOW + timedelta(days=60)
    stalled = {r.pairing_id: r for r in find_stalled(Snapshot.load(embedded_store), now=later)}
    assert pid in stalled and stalled[pid].days_silent >= 59
    assert pid in {r.pairing_id for r in find_stalled(embedded_store, now=later)}
