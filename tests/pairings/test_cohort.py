"""Cohort matching on tiny cohorts whose optimum is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from graph.recommend.cohort import (
    CandidateGraph,
    assignment_value,
    exact_assignment_dense,
    greedy_assignment,
    solve_assignment,
)

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
