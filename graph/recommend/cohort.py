"""Cohort matching: every open mentee of a program matched at once under mentor capacities.

Two layers:

- A pure solver over a sparse candidate graph (`CandidateGraph`: edge arrays mentee -> mentor
  with a score, and a slot capacity per mentor). `solve_assignment` runs OR-Tools' min-cost
  flow in "max flow, then min cost" mode, so the matching first matches as many mentees as
  the candidate graph allows and, among those, maximises the total score. `greedy_assignment`
  is the baseline; `exact_assignment_dense` (scipy `linear_sum_assignment` on a dense matrix
  with one column per mentor slot) is the slow reference the tests check the fast one with.
- `match_cohort(snapshot, program, ...)` builds that graph from the ranking (the top
  `candidates_per_mentee` mentors of each open mentee, guardrails already applied there),
  solves it and returns proposals that are not yet stored; `publish` stores them as proposed
  pairings in one `apply`.

Hours: a pairing costs the mentee's `hours_wanted_per_month`. A mentor's slots are the
smaller of their free mentee places and free hours divided by the cohort's median wish; if
the chosen mentees of a mentor then want more hours than that mentor has left, the mentor
loses a slot and the flow is solved again (a few rounds), so hours are never exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

# Scores are quantised to integers for the flow solver: QUANT steps over the score range.
QUANT = 1_000_000


@dataclass(frozen=True)
class CandidateGraph:
    """Sparse bipartite candidate graph: edge e joins mentee[e] to mentor[e] with score[e]."""

    n_mentees: int
    capacity: NDArray[np.int64]  # slots per mentor; len = number of mentors
    mentee: NDArray[np.int64]
    mentor: NDArray[np.int64]
    score: NDArray[np.float64]

    @property
    def n_mentors(self) -> int:
        return len(self.capacity)

    @property
    def n_edges(self) -> int:
        return len(self.score)

    @classmethod
    def build(
        cls,
        n_mentees: int,
        capacity: object,
        edges: list[tuple[int, int, float]] | None = None,
        *,
        mentee: object = None,
        mentor: object = None,
        score: object = None,
    ) -> CandidateGraph:
        """Build from (mentee, mentor, score) triples or from three arrays; checks ranges."""
        if edges is not None:
            arr = np.asarray(edges, dtype=np.float64).reshape(-1, 3)
            mentee, mentor, score = arr[:, 0], arr[:, 1], arr[:, 2]
        cap = np.asarray(capacity, dtype=np.int64).reshape(-1)
        a = np.asarray(mentee, dtype=np.int64).reshape(-1)
        b = np.asarray(mentor, dtype=np.int64).reshape(-1)
        s = np.asarray(score, dtype=np.float64).reshape(-1)
        if not (len(a) == len(b) == len(s)):
            raise ValueError("mentee, mentor and score arrays differ in length")
        if len(a) and (a.min() < 0 or a.max() >= n_mentees):
            raise ValueError("mentee index out of range")
        if len(b) and (b.min() < 0 or b.max() >= len(cap)):
            raise ValueError("mentor index out of range")
        if len(cap) and cap.min() < 0:
            raise ValueError("negative mentor capacity")
        if not np.all(np.isfinite(s)):
            raise ValueError("scores must be finite")
        return cls(n_mentees=n_mentees, capacity=cap, mentee=a, mentor=b, score=s)


def assignment_value(g: CandidateGraph, chosen: NDArray[np.bool_]) -> tuple[int, float]:
    """(number of matched mentees, total score) of a chosen-edge mask."""
    return int(chosen.sum()), float(g.score[chosen].sum())


def check_assignment(g: CandidateGraph, chosen: NDArray[np.bool_]) -> None:
    """Raise AssertionError if a mask matches a mentee twice or overfills a mentor."""
    per_mentee = np.bincount(g.mentee[chosen], minlength=g.n_mentees)
    per_mentor = np.bincount(g.mentor[chosen], minlength=g.n_mentors)
    assert per_mentee.max(initial=0) <= 1, "a mentee is matched twice"
    assert np.all(per_mentor <= g.capacity), "a mentor's capacity is exceeded"


def _quantised_costs(score: NDArray[np.float64]) -> NDArray[np.int64]:
    """Non-negative integer costs: the best score costs 0, the worst QUANT."""
    if len(score) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = float(score.min()), float(score.max())
    span = hi - lo
    if span <= 0:
        return np.zeros(len(score), dtype=np.int64)
    return np.rint((hi - score) / span * QUANT).astype(np.int64)


def solve_assignment(g: CandidateGraph) -> NDArray[np.bool_]:
    """Maximum-cardinality, then maximum-score, capacitated matching (OR-Tools min-cost flow).

    Network: source -> mentee (cap 1) -> mentor (cap 1 per candidate edge) -> sink (cap =
    slots). `solve_max_flow_with_min_cost` finds the largest flow (most mentees matched) and,
    among flows of that size, the cheapest (highest total score, up to 1/QUANT of the score
    range per edge from quantisation). Returns a boolean mask over the edges.
    """
    n, m = g.n_mentees, g.n_mentors
    chosen = np.zeros(g.n_edges, dtype=np.bool_)
    if g.n_edges == 0 or n == 0 or m == 0:
        return chosen
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, dtype=np.int32),
        np.arange(n, dtype=np.int32),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    edge_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        g.mentee.astype(np.int32),
        (n + g.mentor).astype(np.int32),
        np.ones(g.n_edges, dtype=np.int64),
        _quantised_costs(g.score),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        (n + np.arange(m)).astype(np.int32),
        np.full(m, sink, dtype=np.int32),
        g.capacity.astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow solver failed: {status}")
    flows = np.asarray(flow.flows(np.asarray(edge_arcs, dtype=np.int32)))
    chosen[:] = flows > 0
    return chosen


def greedy_assignment(g: CandidateGraph) -> NDArray[np.bool_]:
    """Baseline: take edges best score first while mentee and mentor are both free."""
    chosen = np.zeros(g.n_edges, dtype=np.bool_)
    taken = np.zeros(g.n_mentees, dtype=np.bool_)
    left = g.capacity.copy()
    order = np.argsort(-g.score, kind="stable")
    for e, a, b in zip(
        order.tolist(), g.mentee[order].tolist(), g.mentor[order].tolist(), strict=True
    ):
        if not taken[a] and left[b] > 0:
            taken[a] = True
            left[b] -= 1
            chosen[e] = True
    return chosen


def exact_assignment_dense(g: CandidateGraph) -> NDArray[np.bool_]:
    """Slow reference: scipy `linear_sum_assignment` on a dense mentee x (slots + dummies) matrix.

    Each mentor is expanded into `capacity` identical slot columns; each mentee also gets a
    private "unmatched" column of cost 0. A real edge costs -(BIG + score) with BIG larger than
    any score difference, so the optimum first matches the most mentees, then maximises score.
    Only for small graphs (tests, subsamples in benchmarks).
    """
    n, m = g.n_mentees, g.n_mentors
    chosen = np.zeros(g.n_edges, dtype=np.bool_)
    if n == 0 or g.n_edges == 0:
        return chosen
    slot_owner = np.repeat(np.arange(m), g.capacity)
    n_slots = len(slot_owner)
    span = float(np.abs(g.score).max()) + 1.0
    big = 2.0 * span * (n + 1)
    forbidden = 1e6 * big
    cost = np.full((n, n_slots + n), forbidden)
    cost[np.arange(n), n_slots + np.arange(n)] = 0.0
    # Best edge per (mentee, mentor) if the graph repeats a pair.
    best: dict[tuple[int, int], int] = {}
    for e, (a, b) in enumerate(zip(g.mentee.tolist(), g.mentor.tolist(), strict=True)):
        if (a, b) not in best or g.score[e] > g.score[best[(a, b)]]:
            best[(a, b)] = e
    slot_start = np.concatenate([[0], np.cumsum(g.capacity)])
    for (a, b), e in best.items():
        cost[a, slot_start[b] : slot_start[b + 1]] = -(big + g.score[e])
    rows, cols = linear_sum_assignment(cost)
    for a, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if c < n_slots:
            chosen[best[(a, int(slot_owner[c]))]] = True
    return chosen
