"""Stall detection: silence and falling ratings, worked out by hand; marking on the store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph.errors import Conflict
from graph.lifecycle import pairings as lc
from graph.lifecycle.pairings import mark_stalled
from graph.model import CheckIn, Pairing, PairingEvent, PairingStatus
from graph.recommend.stalls import find_stalled, stall_reasons, stalled_among
from graph.store import GraphStore
from tests.pairings.conftest import NOW, PROGRAM, seed

S = PairingStatus


def active_pairing(pid: str = "p1", activated_days_ago: int = 40) -> Pairing:
    t0 = NOW - timedelta(days=activated_days_ago + 2)
    return Pairing(
        id=pid,
        mentor_id="m1",
        mentee_ids=["b"],
        status=S.active,
        created_at=t0,
        history=[
            PairingEvent(status=S.proposed, at=t0),
            PairingEvent(status=S.accepted, at=t0),
            PairingEvent(status=S.active, at=NOW - timedelta(days=activated_days_ago)),
        ],
    )


def checkins(pid: str, *pairs: tuple[int, int]) -> list[CheckIn]:
    """(days before NOW, rating) -> check-ins, oldest first."""
    return [
        CheckIn(id=f"{pid}-c{i}", pairing_id=pid, on=(NOW - timedelta(days=d)).date(), rating=r)
        for i, (d, r) in enumerate(pairs)
    ]


def reasons(p: Pairing, cis: list[CheckIn], **kw: int) -> list[str]:
    return stall_reasons(p, cis, now=NOW, **kw)[0]


def test_silence_counts_from_activation_without_check_ins() -> None:
    assert reasons(active_pairing(activated_days_ago=20), []) == []
    r = reasons(active_pairing(activated_days_ago=21), [])
    assert r == ["no check-in for 21 days (no check-in since activation; limit 21 days)"]


def test_silence_counts_from_the_last_check_in() -> None:
    p = active_pairing(activated_days_ago=60)
    assert reasons(p, checkins("p1", (50, 4), (20, 4))) == []
    r, days = stall_reasons(p, checkins("p1", (50, 4), (25, 4)), now=NOW)
    assert days == 25
    assert r == ["no check-in for 25 days (last check-in 2025-02-06; limit 21 days)"]


def test_stall_after_days_is_configurable() -> None:
    p = active_pairing(activated_days_ago=10)
    assert reasons(p, []) == []
    assert reasons(p, [], stall_after_days=7) != []


def test_reactivation_restarts_the_clock() -> None:
    p = active_pairing(activated_days_ago=60)
    p.history.append(PairingEvent(status=S.stalled, at=NOW - timedelta(days=30)))
    p.history.append(PairingEvent(status=S.active, at=NOW - timedelta(days=3)))
    assert reasons(p, checkins("p1", (45, 4))) == []


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((5, 4, 3), ["ratings falling: 5 > 4 > 3"]),
        ((4, 5, 4, 3), ["ratings falling: 5 > 4 > 3"]),  # only the last three count
        ((3, 3, 2), []),  # not strictly falling; average 2.67 is fine
        ((2, 3, 2), ["average of the last 3 ratings is 2.33 (below 2.5)"]),
        ((1, 2), ["average of the last 2 ratings is 1.50 (below 2.5)"]),
        ((2,), []),  # one low rating is not yet a trend
        ((5, 1, 2, 3), ["average of the last 3 ratings is 2.00 (below 2.5)"]),  # rising, low
        ((1, 4, 5), []),  # average 3.33
    ],
)
def test_falling_ratings(ratings: tuple[int, ...], expected: list[str]) -> None:
    p = active_pairing()
    cis = checkins("p1", *[(10 - i, r) for i, r in enumerate(ratings)])
    assert reasons(p, cis) == expected


def test_window_is_configurable() -> None:
    p = active_pairing()
    cis = checkins("p1", (9, 4), (8, 5), (7, 4), (6, 3))
    assert reasons(p, cis) == ["ratings falling: 5 > 4 > 3"]
    assert reasons(p, cis, falling_ratings_window=4) == []  # 4, 5, 4, 3 is not falling


def test_silence_and_falling_together() -> None:
    cis = checkins("p1", (40, 5), (35, 4), (30, 3))
    r = reasons(active_pairing(activated_days_ago=50), cis)
    assert len(r) == 2 and r[0].startswith("no check-in for 30 days")


def test_only_active_pairings_are_reported() -> None:
    quiet = [active_pairing(pid) for pid in ("p1", "p2", "p3")]
    quiet[1] = quiet[1].model_copy(update={"status": S.stalled})
    quiet[2] = quiet[2].model_copy(update={"status": S.closed})
    fresh = active_pairing("p4", activated_days_ago=2)
    reports = stalled_among([*quiet, fresh], [], now=NOW)
    assert [r.pairing_id for r in reports] == ["p1"]
    assert reports[0].days_silent == 40 and reports[0].last_check_in is None


def _active_on_store(store: GraphStore, mentee: str, days_ago: int) -> str:
    t = NOW - timedelta(days=days_ago)
    p = lc.propose(store, "m2", [mentee], program=PROGRAM, now=t)
    lc.accept(store, p.id, activate=True, now=t)
    return p.id


def test_find_and_mark_stalled_on_the_store(store: GraphStore) -> None:
    seed(store)
    silent = _active_on_store(store, "b", 30)
    falling = _active_on_store(store, "c", 30)
    for d, r in ((6, 4), (4, 3), (2, 2)):
        lc.check_in(store, falling, on=(NOW - timedelta(days=d)).date(), rating=r)
    fine = _active_on_store(store, "a", 5)

    reports = find_stalled(store, now=NOW)
    assert sorted(r.pairing_id for r in reports) == sorted([silent, falling])
    assert fine not in {r.pairing_id for r in reports}
    by_id = {r.pairing_id: r for r in reports}
    assert by_id[falling].recent_ratings == [4, 3, 2]
    assert by_id[falling].last_check_in == date(2025, 3, 1)

    before = store.data_version()
    marked = mark_stalled(store, reports, now=NOW, by="detector")
    assert store.data_version() == before + 1
    assert {p.id for p in marked} == {silent, falling}
    stored = store.get_pairing(falling)
    assert stored.status == S.stalled and stored.history[-1].by == "detector"
    assert "ratings falling: 4 > 3 > 2" in stored.history[-1].reason
    assert find_stalled(store, now=NOW) == []  # stalled ones are not re-reported

    # a check-in brings one back; marking a stale report again is a conflict, nothing written
    lc.check_in(store, silent, on=date(2025, 3, 3), rating=4)
    assert store.get_pairing(silent).status == S.active
    with pytest.raises(Conflict):
        mark_stalled(store, [*reports], now=NOW)
    assert store.get_pairing(silent).status == S.active


def test_mark_stalled_without_reports_finds_them(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    pid = _active_on_store(embedded_store, "b", 10)
    assert mark_stalled(embedded_store, now=NOW) == []
    marked = mark_stalled(embedded_store, now=NOW, stall_after_days=7)
    assert [p.id for p in marked] == [pid]


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="stall_after_days"):
        stall_reasons(active_pairing(), [], now=NOW, stall_after_days=0)
    with pytest.raises(ValueError, match="window"):
        stall_reasons(active_pairing(), [], now=NOW, falling_ratings_window=1)


def test_alternates_leave_out_the_current_mentor(embedded_store: GraphStore) -> None:
    from graph.errors import NotFound
    from graph.recommend import RecommendOptions, Snapshot
    from graph.recommend.stalls import alternates

    seed(embedded_store)
    pid = _active_on_store(embedded_store, "b", 30)
    mark_stalled(embedded_store, now=NOW)
    snap = Snapshot.load(embedded_store)
    alt = alternates(snap, pid, k=5, now=NOW, options=RecommendOptions(asynchronous=True))
    assert list(alt) == ["b"]
    ids = [r.mentor_id for r in alt["b"]]
    assert "m2" not in ids and {"m1", "boss"} <= set(ids)
    assert all(r.reasons for r in alt["b"])  # each says why it fits
    with pytest.raises(NotFound):
        alternates(snap, "nope", now=NOW)
