"""Two-sided cohort candidates and the exact number of achievable matches."""

from __future__ import annotations

import numpy as np
import pytest

from graph.recommend import Snapshot, recommend
from graph.recommend.cohort import (
    CandidateGraph,
    _lightest_wish,
    achievable_matches,
    assignment_value,
    exact_assignment_dense,
    fill_to_max_flow,
    greedy_assignment,
    hours_budget_mask,
    match_cohort,
    solve_assignment,
    solve_max_flow,
    two_sided_candidates,
)
from graph.store import GraphStore
from tests.pairings.test_cohort import ASYNC, NOW, PROGRAM, _one_small_mentor


def crowded(n: int = 6) -> CandidateGraph:
    """Mentor 0 (one slot) is everybody's best; mentors 1..n-1 (one slot each) would take
    the others: every mentee i > 0 fits mentor i second best."""
    edges = [(i, 0, 0.9) for i in range(n)]
    edges += [(i, i, 0.5) for i in range(1, n)]
    edges += [(0, j, 0.1) for j in range(1, n)]  # mentee 0 could go anywhere, poorly
    return CandidateGraph.build(n, [1] * n, edges)


def test_one_sided_top_k_leaves_supply_idle_two_sided_does_not() -> None:
    g = crowded()
    one_sided = two_sided_candidates(g, per_mentee=1, per_mentor=0)
    assert solve_max_flow(g, one_sided) == 1  # all top-1 lists land on mentor 0
    both = two_sided_candidates(g, per_mentee=1, per_mentor=1)
    assert solve_max_flow(g, both) == 6 == achievable_matches(g)
    # each mentor's best mentee is on the list, mentor 0's being any of the 0.9 ties
    picked = {(int(g.mentee[e]), int(g.mentor[e])) for e in np.flatnonzero(both)}
    assert {(i, i) for i in range(1, 6)} <= picked


def test_per_mentee_and_per_mentor_ranks_are_best_first() -> None:
    g = CandidateGraph.build(
        2, [1, 1, 1], [(0, 0, 0.2), (0, 1, 0.8), (0, 2, 0.5), (1, 0, 0.9), (1, 2, 0.1)]
    )
    mask = two_sided_candidates(g, per_mentee=1, per_mentor=0)
    assert {(int(g.mentee[e]), int(g.mentor[e])) for e in np.flatnonzero(mask)} == {
        (0, 1),
        (1, 0),
    }
    mask = two_sided_candidates(g, per_mentee=0, per_mentor=1)
    assert {(int(g.mentee[e]), int(g.mentor[e])) for e in np.flatnonzero(mask)} == {
        (1, 0),
        (0, 1),
        (0, 2),
    }


def random_graph(rng: np.random.Generator) -> CandidateGraph:
    n, m = int(rng.integers(1, 25)), int(rng.integers(1, 12))
    density = float(rng.uniform(0.05, 0.6))
    pairs = [(i, j) for i in range(n) for j in range(m) if rng.random() < density]
    # popular mentors: a few high scores everywhere, so top lists crowd
    quality = rng.random(m)
    edges = [(i, j, float(0.7 * quality[j] + 0.3 * rng.random())) for i, j in pairs]
    return CandidateGraph.build(n, rng.integers(0, 4, m), edges)


@pytest.mark.parametrize("shuffled", [False, True])
@pytest.mark.parametrize("seed", range(60))
def test_fill_reaches_the_exact_maximum_over_all_edges(seed: int, shuffled: bool) -> None:
    rng = np.random.default_rng(seed)
    g = random_graph(rng)
    if shuffled:  # a mentee's edges scattered: the argsort path, not the contiguous one
        p = rng.permutation(g.n_edges)
        g = CandidateGraph.build(
            g.n_mentees, g.capacity, mentee=g.mentee[p], mentor=g.mentor[p], score=g.score[p]
        )
    exact_count, _ = assignment_value(g, exact_assignment_dense(g))  # slot-expanded Hungarian
    assert achievable_matches(g) == exact_count
    for per_mentee, per_mentor in ((1, 0), (0, 1), (2, 1), (0, 0)):
        start = two_sided_candidates(g, per_mentee, per_mentor)
        mask, achievable = fill_to_max_flow(g, start)
        assert achievable == exact_count
        assert solve_max_flow(g, mask) == exact_count
        assert np.all(mask[start])  # only ever adds edges


def test_cohort_two_sided_fills_what_top_1_alone_cannot(embedded_store: GraphStore) -> None:
    snap: Snapshot = _one_small_mentor(embedded_store)
    # every mentee's single best mentor is m1 with one place; m2 has room for all
    res = match_cohort(
        snap, PROGRAM, now=NOW, options=ASYNC, mentee_ids=["a", "b", "c"],
        candidates_per_mentee=1, candidates_per_mentor=0,
    )  # fmt: skip
    assert res.achievable == 3 and res.matched == 3 and res.unmatched == []
    assert sorted(p.mentor_id for p in res.proposals) == ["m1", "m2", "m2"]
    for p in res.proposals:  # scores and reasons stay the ranking's
        ranked = {
            r.mentor_id: r for r in recommend(snap, p.mentee_id, k=50, options=ASYNC, now=NOW)
        }
        assert p.score == ranked[p.mentor_id].score
        assert p.reasons == ranked[p.mentor_id].reasons


@pytest.mark.parametrize("seed", range(40))
def test_every_matching_within_the_hours_share_keeps_hours(seed: int) -> None:
    """`hours_budget_mask`: the edges whose wish fits the mentor's even share of free hours
    over its places. Any matching over them within the capacities keeps every mentor's
    hours (checked on the flow's matching and on greedy ones), and a mentor whose places
    all fit the lightest wish keeps its whole capacity."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 40)), int(rng.integers(2, 12))
    wants = rng.choice([1.0, 1.5, 2.0, 3.0, 4.0], n)
    hours_left = rng.choice([0.0, 2.0, 3.0, 4.0, 6.0, 8.0, 9.0, 12.0], m)
    places = rng.integers(0, 4, m)
    e = int(rng.integers(n, n * m + 1))
    mentee, mentor = rng.integers(0, n, e), rng.integers(0, m, e)
    key = np.unique(mentee * m + mentor)
    mentee, mentor = key // m, key % m
    lightest = np.full(m, np.inf)
    np.minimum.at(lightest, mentor, wants[mentee])
    with np.errstate(divide="ignore", invalid="ignore"):
        by_hours = np.where(np.isfinite(lightest), np.floor(hours_left / lightest + 1e-9), 0)
    capacity = np.minimum(places, by_hours).astype(np.int64)
    g = CandidateGraph.build(n, capacity, mentee=mentee, mentor=mentor, score=rng.random(len(key)))
    fits = hours_budget_mask(g, wants, hours_left)
    idx = np.flatnonzero(fits)
    sub = CandidateGraph(n, capacity, g.mentee[idx], g.mentor[idx], g.score[idx])
    for chosen in (solve_assignment(sub), greedy_assignment(sub)):
        used = np.bincount(sub.mentor[chosen], wants[sub.mentee[chosen]], minlength=m)
        assert np.all(used <= hours_left + 1e-9)
        assert np.all(np.bincount(sub.mentor[chosen], minlength=m) <= places)
    # the lightest eligible mentee of every mentor with capacity passes its share
    for j in np.flatnonzero(capacity > 0):
        mine = np.flatnonzero(g.mentor == j)
        assert fits[mine[np.argmin(wants[g.mentee[mine]])]]


def test_cohort_hours_fit_without_repair_where_the_slot_flow_would_overfill() -> None:
    """Mentor big (3 places, 6 hours) is everyone's best; small (1 place, 4 hours) second.
    Counting big's places by the lightest wish (6 / 2 = 3) the slot flow would send the
    4-hour mentee to big and then have to drop someone; with the even share (2 hours a
    place) the 4-hour mentee goes to small and all four are matched."""
    wants = np.array([4.0, 2.0, 2.0, 2.0])
    hours_left = np.array([6.0, 4.0])
    edges = [(i, 0, 0.9) for i in range(4)] + [(0, 1, 0.5)]
    g = CandidateGraph.build(4, [3, 1], edges)
    fits = hours_budget_mask(g, wants, hours_left)
    assert not fits[0] and fits[1:].all()
    idx = np.flatnonzero(fits)
    sub = CandidateGraph(4, g.capacity, g.mentee[idx], g.mentor[idx], g.score[idx])
    chosen = solve_assignment(sub)
    assert {(int(sub.mentee[e]), int(sub.mentor[e])) for e in np.flatnonzero(chosen)} == {
        (0, 1), (1, 0), (2, 0), (3, 0),
    }  # fmt: skip


@pytest.mark.parametrize("distinct", [3, 40])
def test_lightest_wish_per_mentor_equals_a_plain_minimum(distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    n, m, e = 300, 50, 2000
    wants = rng.choice(np.linspace(1.0, 8.0, distinct), n)
    mentee, mentor = rng.integers(0, n, e), rng.integers(0, m - 5, e)  # 5 mentors edgeless
    expected = np.full(m, np.inf)
    for a, j in zip(mentee.tolist(), mentor.tolist(), strict=True):
        expected[j] = min(expected[j], wants[a])
    got = _lightest_wish(m, mentor, mentee, wants)
    assert np.allclose(got[:-5], expected[:-5], rtol=1e-6) and np.isinf(got[-5:]).all()
