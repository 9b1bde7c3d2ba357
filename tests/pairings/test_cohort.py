"""Cohort matching on tiny cohorts whose optimum is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from graph.errors import Conflict
from graph.lifecycle import pairings as lc
from graph.lifecycle.cohorts import publish
from graph.model import PairingStatus
from graph.recommend import RecommendOptions, Snapshot
from graph.recommend.cohort import (
    CandidateGraph,
    assignment_value,
    cohort_mentees,
    exact_assignment_dense,
    greedy_assignment,
    match_cohort,
    solve_assignment,
)
from graph.store import GraphStore, UpsertPeople
from tests.pairings.conftest import NOW, PROGRAM, seed

SOLVERS = [solve_assignment, exact_assignment_dense]


def pairs(g: CandidateGraph, chosen: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in zip(g.mentee[chosen], g.mentor[chosen], strict=True)}


@pytest.mark.parametrize("solve", SOLVERS)
def test_swap_beats_greedy(solve) -> None:  # type: ignore[no-untyped-def]
    # mentors X=0, Y=1 (one place each); a=0: X .9, Y .8;  b=1: X .85, Y .1
    # greedy takes a-X (.9) then b-Y (.1) = 1.0; the optimum is a-Y + b-X = .8 + .85 = 1.65
    g = CandidateGraph.build(2, [1, 1], [(0, 0, 0.9), (0, 1, 0.8), (1, 0, 0.85), (1, 1, 0.1)])
    assert pairs(g, greedy_assignment(g)) == {(0, 0), (1, 1)}
    assert pairs(g, solve(g)) == {(0, 1), (1, 0)}
    assert assignment_value(g, solve(g)) == (2, pytest.approx(1.65))


@pytest.mark.parametrize("solve", SOLVERS)
def test_nobody_left_out_when_supply_allows(solve) -> None:  # type: ignore[no-untyped-def]
    # a=0 only fits X=0 (.9); b=1 prefers X (1.0) but also fits Y=1 (.2).
    # Greedy gives X to b and leaves a out (1 match, 1.0); matching both (a-X, b-Y = 1.1)
    # is preferred even though a score-only optimum could be tempted by b-X.
    g = CandidateGraph.build(2, [1, 1], [(0, 0, 0.9), (1, 0, 1.0), (1, 1, 0.2)])
    assert assignment_value(g, greedy_assignment(g)) == (1, 1.0)
    assert pairs(g, solve(g)) == {(0, 0), (1, 1)}


@pytest.mark.parametrize("solve", SOLVERS)
def test_cardinality_comes_before_score(solve) -> None:  # type: ignore[no-untyped-def]
    # Two matches worth .1 + .1 beat one match worth 1.0.
    g = CandidateGraph.build(2, [1, 1], [(0, 0, 1.0), (0, 1, 0.1), (1, 0, 0.1)])
    assert pairs(g, solve(g)) == {(0, 1), (1, 0)}


@pytest.mark.parametrize("solve", SOLVERS)
def test_capacity_spreads_mentees(solve) -> None:  # type: ignore[no-untyped-def]
    # X=0 has 2 places, Y=1 has 1, Z=2 has none. Everyone prefers X:
    # a: X .9 Y .5 Z .9;  b: X .8 Y .6;  c: X .7 Y .65
    # candidates for who goes to Y: a (loss .4), b (.2), c (.05) -> c goes to Y.
    # total = .9 + .8 + .65 = 2.35
    g = CandidateGraph.build(
        3,
        [2, 1, 0],
        [
            (0, 0, 0.9), (0, 1, 0.5), (0, 2, 0.9),
            (1, 0, 0.8), (1, 1, 0.6),
            (2, 0, 0.7), (2, 1, 0.65),
        ],
    )  # fmt: skip
    chosen = solve(g)
    assert pairs(g, chosen) == {(0, 0), (1, 0), (2, 1)}
    assert assignment_value(g, chosen) == (3, pytest.approx(2.35))


@pytest.mark.parametrize("solve", [*SOLVERS, greedy_assignment])
def test_more_mentees_than_places(solve) -> None:  # type: ignore[no-untyped-def]
    g = CandidateGraph.build(3, [1], [(0, 0, 0.2), (1, 0, 0.7), (2, 0, 0.5)])
    assert pairs(g, solve(g)) == {(1, 0)}


@pytest.mark.parametrize("solve", [*SOLVERS, greedy_assignment])
def test_empty_graphs(solve) -> None:  # type: ignore[no-untyped-def]
    assert solve(CandidateGraph.build(0, [1], [])).sum() == 0
    assert solve(CandidateGraph.build(2, [0, 0], [(0, 0, 1.0)])).sum() == 0


def test_equal_scores_still_match_everyone() -> None:
    g = CandidateGraph.build(2, [1, 1], [(0, 0, 0.5), (1, 0, 0.5), (1, 1, 0.5)])
    assert pairs(g, solve_assignment(g)) == {(0, 0), (1, 1)}


def test_bad_graphs_are_refused() -> None:
    with pytest.raises(ValueError, match="mentee index"):
        CandidateGraph.build(1, [1], [(1, 0, 0.5)])
    with pytest.raises(ValueError, match="mentor index"):
        CandidateGraph.build(1, [1], [(0, 1, 0.5)])
    with pytest.raises(ValueError, match="negative"):
        CandidateGraph.build(1, [-1], [(0, 0, 0.5)])
    with pytest.raises(ValueError, match="finite"):
        CandidateGraph.build(1, [1], [(0, 0, float("nan"))])


# --- over a snapshot ------------------------------------------------------------------------


def _world(store: GraphStore) -> Snapshot:
    """conftest world: boss (3 places, manages a), m1 (2 places, 4 h), m2 (3 places, 10 h);
    a, b, c in "spring" want 2 h each. c is already proposed to m2 in the program, so the
    cohort is a and b."""
    seed(store)
    lc.propose(store, "m2", ["c"], program=PROGRAM, now=NOW)
    return Snapshot.load(store)


ASYNC = RecommendOptions(asynchronous=True)


def test_cohort_members_are_open_mentees_of_the_program(embedded_store: GraphStore) -> None:
    snap = _world(embedded_store)
    assert cohort_mentees(snap.state, PROGRAM) == ["a", "b"]
    assert cohort_mentees(snap.state, "autumn") == []


def test_match_cohort_respects_guardrails_and_capacity(embedded_store: GraphStore) -> None:
    snap = _world(embedded_store)
    res = match_cohort(snap, PROGRAM, now=NOW, options=ASYNC)
    assert res.matched == 2 and res.unmatched == []
    by_mentee = {p.mentee_id: p for p in res.proposals}
    assert by_mentee["a"].mentor_id != "boss"  # a's manager
    assert all(p.reasons and 0 < p.score <= 1 for p in res.proposals)
    assert by_mentee["a"].goal_ids == ["g-a"] and by_mentee["a"].hours_per_month == 2.0
    assert res.total_score == pytest.approx(sum(p.score for p in res.proposals))
    assert (res.matched, res.total_score) >= (res.greedy_matched, res.greedy_total - 1e-9)


def test_capacity_one_mentor_leaves_the_rest_unmatched_with_a_reason(
    embedded_store: GraphStore,
) -> None:
    seed(embedded_store)
    # only m1 may mentor (others opted out), with one place: one of a, b stays unmatched
    people = {p.id: p for p in embedded_store.list_people()}
    changed = [
        people["boss"].model_copy(update={"opt_out_recommend": True}),
        people["m2"].model_copy(update={"opt_out_recommend": True}),
        people["m1"].model_copy(update={"max_mentees": 1}),
    ]
    embedded_store.apply([UpsertPeople(changed)])
    snap = Snapshot.load(embedded_store)
    res = match_cohort(snap, PROGRAM, now=NOW, options=ASYNC)
    assert res.matched == 1 and [p.mentor_id for p in res.proposals] == ["m1"]
    assert len(res.unmatched) == 2
    assert all("full" in u.reason for u in res.unmatched)


def test_hours_are_never_exceeded(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    people = {p.id: p for p in embedded_store.list_people()}
    # m1 alone, 3 places but 5 h; a wants 4 h, b and c 2 h: places allow 3, hours 2 of them
    changed = [
        people["boss"].model_copy(update={"opt_out_recommend": True}),
        people["m2"].model_copy(update={"opt_out_recommend": True}),
        people["m1"].model_copy(update={"max_mentees": 3, "max_hours_per_month": 5}),
        people["a"].model_copy(update={"hours_wanted_per_month": 4}),
    ]
    embedded_store.apply([UpsertPeople(changed)])
    res = match_cohort(Snapshot.load(embedded_store), PROGRAM, now=NOW, options=ASYNC)
    assert sum(p.hours_per_month for p in res.proposals) <= 5
    assert sorted(p.mentee_id for p in res.proposals) == ["b", "c"]


def test_publish_stores_proposals_atomically(store: GraphStore) -> None:
    snap = _world(store)
    res = match_cohort(snap, PROGRAM, now=NOW, options=ASYNC)
    before = store.data_version()
    stored = publish(store, res, by="coordinator", now=NOW, snapshot=snap)
    assert store.data_version() == before + 1
    assert len(stored) == 2
    for p in stored:
        got = store.get_pairing(p.id)
        assert got == p and got.status == PairingStatus.proposed and got.program == PROGRAM
        assert got.history[0].by == "coordinator" and got.score is not None
    assert cohort_mentees(snap.state, PROGRAM) == []  # the snapshot followed
    with pytest.raises(Conflict, match="already in proposed pairing"):
        publish(store, res, by="coordinator")  # published already: nothing written twice
    assert len(store.list_pairings()) == 3


def test_proposals_carry_the_rankings_scores_and_reasons(embedded_store: GraphStore) -> None:
    from graph.recommend import recommend

    snap = _world(embedded_store)
    res = match_cohort(snap, PROGRAM, now=NOW, options=ASYNC)
    for p in res.proposals:
        ranked = {
            r.mentor_id: r for r in recommend(snap, p.mentee_id, k=50, options=ASYNC, now=NOW)
        }
        assert p.score == ranked[p.mentor_id].score  # the batch scorer is exact
        assert p.reasons == ranked[p.mentor_id].reasons


def test_a_goal_without_targets_is_reported_not_raised(embedded_store: GraphStore) -> None:
    from graph.model import Goal
    from graph.store import UpsertGoals

    seed(embedded_store)
    goal = Goal(id="g-d", person_id="d", text="something unmapped", created_at=NOW)
    d = embedded_store.get_person("b").model_copy(update={"id": "d", "name": "D"})  # type: ignore[union-attr]
    embedded_store.apply([UpsertPeople([d]), UpsertGoals([goal])])
    res = match_cohort(Snapshot.load(embedded_store), PROGRAM, now=NOW, options=ASYNC)
    why = {u.mentee_id: u.reason for u in res.unmatched}
    assert "not linked to any skill" in why["d"]
    assert {"a", "b", "c"} <= {p.mentee_id for p in res.proposals} | set(why)


def _one_small_mentor(store: GraphStore) -> Snapshot:
    """conftest world with boss opted out and m1 (the best python mentor) down to one place:
    every mentee's single best candidate is m1, while m2 (3 places, 10 h) has room for all."""
    seed(store)
    people = {p.id: p for p in store.list_people()}
    changed = [
        people["boss"].model_copy(update={"opt_out_recommend": True}),
        people["m1"].model_copy(update={"max_mentees": 1}),
    ]
    store.apply([UpsertPeople(changed)])
    return Snapshot.load(store)


def test_top_k_among_free_mentors(embedded_store: GraphStore) -> None:
    from graph.recommend import recommend, top_k_candidates

    snap = _one_small_mentor(embedded_store)
    top1 = top_k_candidates(snap, ["a", "b", "c"], k=1, options=ASYNC, now=NOW)
    assert top1.mentor_ids(snap.state) == ["m1", "m1", "m1"]
    among = top_k_candidates(snap, ["a", "b", "c"], k=1, among=["m2"], options=ASYNC, now=NOW)
    assert among.mentor_ids(snap.state) == ["m2", "m2", "m2"]
    want = recommend(snap, "b", k=1, options=ASYNC, now=NOW, among=["m2"])[0].score
    assert among.score[1] == want


def test_augmentation_matches_who_a_single_round_leaves_out(embedded_store: GraphStore) -> None:
    """The one-sided baseline (two_sided=False): top k per mentee, then augmentation."""
    snap = _one_small_mentor(embedded_store)
    mentees = ["a", "b", "c"]
    once = match_cohort(
        snap, PROGRAM, now=NOW, options=ASYNC, mentee_ids=mentees,
        candidates_per_mentee=1, augment_rounds=0, two_sided=False,
    )  # fmt: skip
    # K=1: everybody's only candidate is m1 (one place), so two stay out though m2 has room
    assert once.matched == 1 and once.candidate_edges == 3
    res = match_cohort(
        snap, PROGRAM, now=NOW, options=ASYNC, mentee_ids=mentees, candidates_per_mentee=1,
        two_sided=False,
    )  # fmt: skip
    assert res.matched == 3 and res.unmatched == []
    assert once.matched_by_round == (1,) and res.matched_by_round == (1, 3)
    by_mentor = sorted(p.mentor_id for p in res.proposals)
    assert by_mentor == ["m1", "m2", "m2"]
    assert res.candidate_edges == 5  # 3 first-round edges + m2 for the two left out
    assert (res.matched, res.total_score) >= (res.greedy_matched, res.greedy_total - 1e-9)
    assert all(p.reasons for p in res.proposals)


def test_augmented_edges_pass_keep_too(embedded_store: GraphStore) -> None:
    snap = _one_small_mentor(embedded_store)
    res = match_cohort(
        snap, PROGRAM, now=NOW, options=ASYNC, mentee_ids=["a", "b", "c"],
        candidates_per_mentee=1, keep=lambda mentee, mentor: (mentee.id, mentor.id) != ("b", "m2"),
    )  # fmt: skip
    # b may only have m1, so the union's optimum gives m1 to b and m2 to a and c
    assert {(p.mentee_id, p.mentor_id) for p in res.proposals} == {
        ("a", "m2"),
        ("b", "m1"),
        ("c", "m2"),
    }
