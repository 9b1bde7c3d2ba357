"""Invariants of the cohort solver on random sparse candidate graphs (hypothesis).

The flow solver is checked against the dense exact reference (scipy linear_sum_assignment)
and against the greedy baseline.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.recommend.cohort import (
    QUANT,
    CandidateGraph,
    assignment_value,
    check_assignment,
    exact_assignment_dense,
    greedy_assignment,
    solve_assignment,
)


@st.composite
def graphs(draw: st.DrawFn) -> CandidateGraph:
    n = draw(st.integers(0, 9))
    m = draw(st.integers(1, 5))
    capacity = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    pairs = (
        draw(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)),
                unique=True,
                max_size=n * m,
            )
        )
        if n
        else []
    )
    scores = draw(
        st.lists(
            st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
            min_size=len(pairs),
            max_size=len(pairs),
        )
    )
    return CandidateGraph.build(
        n,
        capacity,
        mentee=[a for a, _ in pairs],
        mentor=[b for _, b in pairs],
        score=scores,
    )


def tolerance(g: CandidateGraph) -> float:
    """Quantisation can lose at most half a step per matched edge."""
    span = float(g.score.max() - g.score.min()) if g.n_edges else 0.0
    return g.n_mentees * span / QUANT + 1e-9


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_solver_is_feasible_and_optimal(g: CandidateGraph) -> None:
    flow, exact, greedy = solve_assignment(g), exact_assignment_dense(g), greedy_assignment(g)
    for chosen in (flow, exact, greedy):
        check_assignment(g, chosen)  # no mentee twice, no capacity exceeded
    (nf, sf), (ne, se), (ng, sg) = (assignment_value(g, c) for c in (flow, exact, greedy))
    # as many mentees as the graph allows (exact is maximum-cardinality by construction) ...
    assert nf == ne
    # ... and, among those, the best total score
    assert abs(sf - se) <= tolerance(g)
    # never worse than greedy: more matches, or as many with at least its score
    assert nf >= ng
    if nf == ng:
        assert sf >= sg - tolerance(g)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_matched_count_is_the_maximum_when_supply_allows(g: CandidateGraph) -> None:
    """If every mentee has an edge to a mentor with a free slot of its own, all match."""
    per_mentor = np.bincount(g.mentor, minlength=g.n_mentors)
    has_edge = np.bincount(g.mentee, minlength=g.n_mentees) > 0
    if np.all(has_edge) and np.all(g.capacity >= per_mentor):
        assert assignment_value(g, solve_assignment(g))[0] == g.n_mentees
