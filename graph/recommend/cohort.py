"""Cohort matching: every open mentee of a program matched at once under mentor capacities.

Two layers:

- A pure solver over a sparse candidate graph (`CandidateGraph`: edge arrays mentee -> mentor
  with a score, and a slot capacity per mentor). `solve_assignment` runs OR-Tools' min-cost
  flow in "max flow, then min cost" mode, so the matching first matches as many mentees as
  the candidate graph allows and, among those, maximises the total score. `greedy_assignment`
  is the baseline; `exact_assignment_dense` (scipy `linear_sum_assignment` on a dense matrix
  with one column per mentor slot) is the slow reference the tests check the fast one with.
- `match_cohort(snapshot, program, ...)` (two-sided, the default) scores EVERY eligible
  (mentee, mentor) edge with the vectorised `CandidateScorer.eligible` (exactly the mentors
  and scores `recommend` gives: guardrails, filters, overlap minimum; grouped by shared goal
  targets, numpy/scipy.sparse, no per-pair Python), keeps them as one compact graph
  (`eligible_graph`: int32 indices, 16 bytes an edge). Hours are kept by construction:
  only the edges whose mentee's wish fits the mentor's even share of free hours over its
  places (`hours_budget_mask`) are candidates, so no matching within the places can exceed
  a mentor's hours. Over those: each mentee's best `candidates_per_mentee` mentors AND each
  mentor's best `candidates_per_mentor` mentees (`two_sided_candidates`, so a mentor nobody
  ranks first still gets candidates), then `fill_to_max_flow` adds the edges the candidate
  graph lacks until its max flow equals theirs. One min-cost flow then matches the most
  mentees, best total score among those; the mentees still unmatched are matched again over
  the room left on all eligible edges (`_solve_then_fit_hours`). `achievable` is the max
  flow over ALL eligible edges with the capacity below (a sound upper bound, proved exact for
  that capacity by a minimum cut); the benchmark prints filled / achievable. Reasons are
  built for the chosen pairs only; `publish` stores them as proposed pairings in one `apply`.
  Memory: the eligible pass's caches (people x slots matrices, goal target tables) are
  dropped and the freed heap returned to the OS before the solver's big arrays.
- `match_cohort(..., two_sided=False)` is the older one-sided matcher, kept as the baseline:
  the top `candidates_per_mentee` mentors of each mentee (`top_k_candidates`), then
  augmentation rounds (the unmatched scored again among mentors with room, `top_k(...,
  among=...)`, the union solved again), with the ban-and-resolve hours repair below.

Capacity. Two-sided: a mentor's capacity is the most mentees they could take at all (free
places, and free hours over the smallest wish among their eligible mentees), so `achievable`
bounds every matching that keeps places and hours; the even hours share is free hours over
that capacity. One-sided: the smaller of free places and
free hours divided by the cohort's median wish; if the chosen mentees of a mentor then want
more hours than that mentor has left, that mentor's edge to its hungriest chosen mentee is
banned and the flow is solved again (a few rounds), then the weakest pairings of a mentor
still over are dropped. Either way hours are never exceeded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow
from scipy.optimize import linear_sum_assignment

from graph.model import MentoringModel, Person
from graph.recommend.candidates import CandidateScorer
from graph.recommend.ranking import concat_ranges
from graph.recommend.scoring import OPEN_STATUSES, RecommendOptions
from graph.recommend.snapshot import Snapshot, State

# glibc keeps freed heap memory (the many mid-sized arrays of a cohort's scoring) resident;
# malloc_trim hands it back so the solver's big arrays do not stack on top of it. Elsewhere
# (no glibc) there is nothing to call and nothing is done.
try:
    _MALLOC_TRIM: Callable[[int], int] | None = ctypes.CDLL(
        ctypes.util.find_library("c") or "libc.so.6"
    ).malloc_trim
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _MALLOC_TRIM = None


def release_free_memory() -> None:
    """Return the process's freed heap memory to the operating system (glibc only)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


# Scores are quantised to integers for the flow solver: QUANT steps over the score range.
QUANT = 1_000_000
MENTOR_SIDE = 10  # two-sided candidates: each mentor's best mentees kept
FILL_ROUNDS = 64  # fill_to_max_flow: rounds of new edges before giving up (never reached)


@dataclass(frozen=True)
class CandidateGraph:
    """Sparse bipartite candidate graph: edge e joins mentee[e] to mentor[e] with score[e]."""

    n_mentees: int
    capacity: NDArray[np.int64]  # slots per mentor; len = number of mentors
    mentee: NDArray[np.integer[Any]]  # int64, or int32 for big eligible-edge graphs
    mentor: NDArray[np.integer[Any]]
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


def _max_flow_chosen(
    n: int,
    capacity: NDArray[np.integer[Any]],
    mentee: NDArray[np.integer[Any]],
    mentor: NDArray[np.integer[Any]],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Maximum-cardinality capacitated matching (OR-Tools max flow, no costs) over the edges
    (mentee[e], mentor[e]): (edge mask of one maximum matching, mentees on the source side
    of a minimum cut, mentors on the source side), i.e. the residual graph's reach."""
    m = len(capacity)
    chosen = np.zeros(len(mentee), dtype=np.bool_)
    src_m = np.ones(n, dtype=np.bool_)
    src_j = np.zeros(m, dtype=np.bool_)
    if len(mentee) == 0 or n == 0 or m == 0:
        return chosen, src_m, src_j
    source, sink = n + m, n + m + 1
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.full(n, source, dtype=np.int32), np.arange(n, dtype=np.int32), np.ones(n, np.int64)
    )
    arcs = flow.add_arcs_with_capacity(
        np.asarray(mentee, dtype=np.int32),
        (n + np.asarray(mentor, dtype=np.int64)).astype(np.int32),
        np.ones(len(mentee), np.int64),
    )
    flow.add_arcs_with_capacity(
        (n + np.arange(m)).astype(np.int32),
        np.full(m, sink, dtype=np.int32),
        np.asarray(capacity, dtype=np.int64),
    )
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow solver failed: {status}")
    chosen[:] = np.asarray(flow.flows(np.asarray(arcs, dtype=np.int32))) > 0
    side = np.asarray(flow.get_source_side_min_cut(), dtype=np.int64)
    reach = np.zeros(n + m + 2, dtype=np.bool_)
    reach[side] = True
    return chosen, reach[:n], reach[n : n + m]


def achievable_matches(g: CandidateGraph) -> int:
    """The most mentees any matching over all of `g`'s edges can match (max flow, exact)."""
    chosen, _, _ = _max_flow_chosen(g.n_mentees, g.capacity, g.mentee, g.mentor)
    return int(chosen.sum())


def solve_max_flow(g: CandidateGraph, among: NDArray[np.bool_]) -> int:
    """The most mentees a matching over the edges in mask `among` can match."""
    idx = np.flatnonzero(among)
    chosen, _, _ = _max_flow_chosen(g.n_mentees, g.capacity, g.mentee[idx], g.mentor[idx])
    return int(chosen.sum())


def _segments(keys: NDArray[np.integer[Any]], n: int) -> NDArray[np.int64]:
    """Boundaries (n + 1) of the runs of each key 0..n-1 in sorted `keys`."""
    return np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n))]).astype(np.int64)


def _gather(
    starts: NDArray[np.int64],
    lens: NDArray[np.int64],
    items: NDArray[Any] | None,
    nodes: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Positions starts[v] .. starts[v] + lens[v] for every v in `nodes`, concatenated, read
    through `items` when given (a permutation), else the positions themselves. Two arrays
    of the output's length at the peak (int32 while positions fit)."""
    if len(nodes) == 0:
        return np.zeros(0, np.int64)
    st, ln = starts[nodes], lens[nodes]
    total = int(ln.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    small = int(starts.max(initial=0) + lens.max(initial=0)) < 2**31 - 1 and total < 2**31 - 1
    pos = concat_ranges(st, ln, np.int32 if small else np.int64)
    return pos if items is None else np.asarray(items[pos], dtype=np.int64)


def _mentee_segments(
    g: CandidateGraph,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64] | None]:
    """(start, count) of each mentee's edges, and the order they are read in: None when
    each mentee's edges already sit together (as `eligible_graph` builds them: no sort, no
    8-byte index per edge), else a stable argsort by mentee."""
    n = g.n_mentees
    lens = np.bincount(g.mentee, minlength=n).astype(np.int64)
    if g.n_edges:
        cut = np.flatnonzero(g.mentee[1:] != g.mentee[:-1]) + 1
        seg_start = np.concatenate([[0], cut]).astype(np.int64)
        if len(seg_start) == int(np.count_nonzero(lens)):  # one run per mentee
            starts = np.zeros(n, dtype=np.int64)
            starts[g.mentee[seg_start]] = seg_start
            return starts, lens, None
    order = np.argsort(g.mentee, kind="stable")
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    return starts, lens, order


def _best_first_rank(
    group: NDArray[np.integer[Any]], score: NDArray[np.floating[Any]], n_groups: int
) -> NDArray[np.int32]:
    """Per edge: its rank (0 = best) by score within its group (ties: lower edge index).
    One stable sort of an int64 key (group in the high 32 bits, the score, best first,
    quantised to 2**31 steps of its range in the low bits): half the time of a two-key
    lexsort. Memory: about three 8-byte arrays per edge at the peak (in-place steps)."""
    n = len(score)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    lo, hi = float(score.min()), float(score.max())
    span = hi - lo if hi > lo else 1.0
    q = np.subtract(hi, score, dtype=np.float64)
    q *= 2**31 / span
    np.rint(q, out=q)
    key = q.astype(np.int64)
    del q
    high = group.astype(np.int64)
    high <<= 32
    key |= high
    del high
    order = np.argsort(key, kind="stable")
    del key
    rank = np.empty(n, dtype=np.int32)
    rank[order] = np.arange(n, dtype=np.int32)
    del order
    rank -= _segments(group, n_groups).astype(np.int32)[group]
    return rank


def two_sided_candidates(g: CandidateGraph, per_mentee: int, per_mentor: int) -> NDArray[np.bool_]:
    """Edge mask: each mentee's best `per_mentee` edges and each mentor's best `per_mentor`
    edges (scores in 0..1; equal scores by edge order). The mentor side keeps a mentor's
    supply in play when every mentee's own top list crowds onto the same few mentors."""
    mask = np.zeros(g.n_edges, dtype=np.bool_)
    if g.n_edges == 0:
        return mask
    if per_mentee > 0:
        mask |= _best_first_rank(g.mentee, g.score, g.n_mentees) < per_mentee
    if per_mentor > 0:
        mask |= _best_first_rank(g.mentor, g.score, g.n_mentors) < per_mentor
    return mask


def fill_to_max_flow(
    g: CandidateGraph, among: NDArray[np.bool_], *, rounds: int = FILL_ROUNDS
) -> tuple[NDArray[np.bool_], int]:
    """Grow the edge mask `among` until it allows as many matches as all of `g` does.

    Each round solves max flow over `among` and takes the source side of the minimum cut
    in its residual graph: mentees A (the unmatched and those reachable from them by
    alternating paths) and the mentors they reach, all full. The cut over all edges,
    |mentees outside A| + slots of every mentor adjacent to A in `g`, bounds any matching
    from above; when A's neighbours in `g` are all reached mentors (or have no slot) the bound
    equals the flow, which is therefore the maximum over all of `g` (exact). Otherwise A's
    edges to the other mentors are added and the round repeats (each round adds edges, so it
    ends). Returns (the grown mask, the maximum); the mask's max flow equals it. If `rounds`
    runs out, the returned number is the last upper bound instead (never seen in practice)."""
    n, m = g.n_mentees, g.n_mentors
    cand = among.copy()
    if g.n_edges == 0:
        return cand, 0
    starts, lens, by_mentee = _mentee_segments(g)
    ub = n
    for _ in range(rounds):
        idx = np.flatnonzero(cand)
        chosen, side_m, side_j = _max_flow_chosen(n, g.capacity, g.mentee[idx], g.mentor[idx])
        flow = int(chosen.sum())
        edges_a = _gather(starts, lens, by_mentee, np.flatnonzero(side_m))
        near = np.zeros(m, dtype=np.bool_)
        near[g.mentor[edges_a]] = True
        near &= g.capacity > 0
        ub = int(n - side_m.sum() + g.capacity[near].sum())
        leak = near & ~side_j
        if not leak.any():
            if ub != flow:  # pragma: no cover - König: the cut equals the flow
                raise RuntimeError(f"max-flow certificate failed: cut {ub} != flow {flow}")
            return cand, flow
        cand[edges_a[leak[g.mentor[edges_a]]]] = True
    return cand, ub


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


# --- cohorts over a snapshot ------------------------------------------------------------------

ROUNDS = 8  # hours repair rounds before dropping the weakest pairing of an overfull mentor
AUGMENT_ROUNDS = 3  # rounds of new candidates for the unmatched among mentors with room


@dataclass(frozen=True)
class ProposedPairing:
    """One pairing the matcher suggests; not stored until `publish`. `reasons` are the
    mentee's explanation and may quote their (confidential) goal text; `skills` are the
    mentor's skill labels the match rests on, safe to show the proposed mentor."""

    mentor_id: str
    mentee_id: str
    score: float
    reasons: list[str]
    goal_ids: list[str]
    hours_per_month: float
    skills: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unmatched:
    mentee_id: str
    reason: str


@dataclass(frozen=True)
class CohortResult:
    program: str
    model: MentoringModel
    proposals: list[ProposedPairing]
    unmatched: list[Unmatched]
    total_score: float
    greedy_matched: int  # the baseline on the same candidate graph, for comparison
    greedy_total: float
    candidate_edges: int
    data_version: int  # the snapshot's; `publish` refuses if the store moved on
    matched_by_round: tuple[int, ...] = ()  # after the first solve and each augmentation
    mentees_may_mentor: bool = False  # the program lets a run's mentee mentor in it too
    # two-sided: the most mentees any matching over all eligible edges could match, with
    # each mentor's capacity = free places and free hours / the smallest eligible wish (max
    # flow, exact for that capacity: a sound upper bound for every matching within places
    # and hours), and how many eligible edges there were
    achievable: int | None = None
    eligible_edges: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per stage
    cpu_timings: dict[str, float] = field(default_factory=dict)  # process CPU seconds per stage

    @property
    def matched(self) -> int:
        return len(self.proposals)


def cohort_mentees(state: State, program: str) -> list[str]:
    """Open mentees of a program: enrolled, with open goals, no open pairing in the program
    as a mentee, or as a member of a peer circle (its convener, stored as the circle's
    mentor, is a member like the rest)."""
    out: list[str] = []
    for pid in sorted(state.people):
        person = state.people[pid]
        if program not in person.programs or not state.open_goals(pid):
            continue
        if any(
            p.program == program
            and p.status in OPEN_STATUSES
            and (pid in p.mentee_ids or (p.model == MentoringModel.circle and pid == p.mentor_id))
            for p in state.person_pairings(pid)
        ):
            continue
        out.append(pid)
    return out


def mentor_slots(state: State, mentor_ids: list[str], hours_each: float) -> NDArray[np.int64]:
    """Free places per mentor, also bounded by free hours / `hours_each`."""
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    arr = state.arrays
    places: NDArray[np.int64] = np.maximum(
        arr["max_mentees"][rows] - arr["places"][rows], 0
    ).astype(np.int64)
    hours_left = np.maximum(arr["max_hours"][rows] - arr["hours"][rows], 0.0)
    if hours_each > 0:
        by_hours = np.floor(hours_left / hours_each + 1e-9).astype(np.int64)
        places = np.minimum(places, by_hours)
    return places


def match_cohort(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    candidates_per_mentee: int = 10,
    candidates_per_mentor: int = MENTOR_SIDE,
    two_sided: bool = True,
    augment_rounds: int = AUGMENT_ROUNDS,
    mentee_ids: Sequence[str] | None = None,
    keep: Callable[[Person, Person], bool] | None = None,
    progress: bool = False,
    mentees_may_mentor: bool = False,
) -> CohortResult:
    """Match every open mentee of `program` at once (see module doc).

    One role per person per run: nobody matched here as a mentee (every mentee of the run)
    is a mentor in the same run, unless the program allows it (`mentees_may_mentor`).
    Mentees who want no mentoring (hours_wanted_per_month == 0) are not matched; they are
    listed as unmatched with that reason. `mentee_ids` overrides who is matched;
    `keep(mentee, mentor)` can drop candidate edges (a Python call per eligible edge: meant
    for small runs such as reverse mentoring).

    Two-sided (the default): every eligible edge is scored (`CandidateScorer.eligible`:
    exactly the mentors and scores `recommend` would give, guardrails and filters included,
    without a top-k cut); the candidate graph is each mentee's best `candidates_per_mentee`
    mentors plus each mentor's best `candidates_per_mentor` mentees, completed by
    `fill_to_max_flow` with the eligible edges that let more mentees be matched, until the
    graph allows as many matches as all eligible edges do (`achievable`, exact). The flow
    then matches that many (most matched first, then best total score over the candidate
    graph); the hours repair below may drop a few. `two_sided=False`: the older one-sided
    top-k with augmentation rounds (`augment_rounds`), kept as the baseline.
    """
    if not two_sided:
        return _match_one_sided(
            snapshot,
            program,
            now=now,
            options=options,
            candidates_per_mentee=candidates_per_mentee,
            augment_rounds=augment_rounds,
            mentee_ids=mentee_ids,
            keep=keep,
            progress=progress,
            mentees_may_mentor=mentees_may_mentor,
        )
    opts = options or RecommendOptions()
    scorer = CandidateScorer(snapshot, options=opts, now=now)
    state = scorer.state
    asked = list(mentee_ids) if mentee_ids is not None else cohort_mentees(state, program)
    mentees = [m for m in asked if state.people[m].hours_wanted_per_month > 0]
    not_wanting = [m for m in asked if state.people[m].hours_wanted_per_month <= 0]
    exclude = np.zeros(len(state.ids), dtype=np.bool_)
    if not mentees_may_mentor:
        exclude[[state.rows[m] for m in asked]] = True
    wants = np.array([state.people[m].hours_wanted_per_month for m in mentees] or [0.0])

    problems: dict[str, str] = {}
    clock = _Clock()
    eligible, mentor_ids = eligible_graph(
        scorer, mentees, exclude=exclude, keep=keep, problems=problems, progress=progress
    )
    # the target tables of every goal (about 1 GB at 100k people) are not needed until the
    # explanations, which rebuild the few they use after the big arrays are gone
    scorer.shared.tables.clear()
    release_free_memory()
    clock.lap("eligible")
    n_eligible = np.bincount(eligible.mentee, minlength=len(mentees))
    # the edges within each mentor's hours budget: any matching over them keeps hours
    fits = hours_budget_mask(eligible, wants, _hours_left(state, mentor_ids))
    fit_idx = np.flatnonzero(fits)
    del fits
    inner = CandidateGraph(
        len(mentees), eligible.capacity, eligible.mentee[fit_idx], eligible.mentor[fit_idx],
        eligible.score[fit_idx],
    )  # fmt: skip
    cand = two_sided_candidates(inner, candidates_per_mentee, candidates_per_mentor)
    first = solve_max_flow(inner, cand)
    clock.lap("two_sided")
    cand, _ = fill_to_max_flow(inner, cand)
    idx = np.flatnonzero(cand)
    g = CandidateGraph(
        len(mentees), inner.capacity, inner.mentee[idx].astype(np.int64),
        inner.mentor[idx].astype(np.int64), inner.score[idx],
    )  # fmt: skip
    in_eligible = fit_idx[idx]
    del inner, fit_idx, cand, idx
    # the sound upper bound, over ALL eligible edges (places and hours / lightest wish),
    # grown from the candidate graph (few rounds: it already matches nearly as many)
    start = np.zeros(eligible.n_edges, dtype=np.bool_)
    start[in_eligible] = True
    del in_eligible
    _, achievable = fill_to_max_flow(eligible, start)
    del start
    clock.lap("fill")
    n_eligible_edges = eligible.n_edges
    chosen, dropped_rows, g = _solve_then_fit_hours(g, eligible, state, mentor_ids, wants)
    del eligible
    dropped = {mentees[i] for i in dropped_rows}
    greedy = greedy_assignment(g)
    clock.lap("solve")
    result = _finish(
        scorer,
        program,
        opts,
        mentees,
        not_wanting,
        problems,
        g,
        mentor_ids,
        chosen,
        dropped,
        greedy,
        n_eligible,
        by_round=(first, int(chosen.sum())),
        mentees_may_mentor=mentees_may_mentor,
        achievable=achievable,
        eligible_edges=n_eligible_edges,
    )
    clock.lap("explain")
    return replace(result, timings=clock.laps, cpu_timings=clock.cpu)


class _Clock:
    """Wall and process CPU seconds per stage (CPU is the fair figure on a shared machine)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._t = time.perf_counter()
        self._c = time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = now - self._t
        self.cpu[name] = cpu - self._c
        self._t, self._c = now, cpu


def eligible_graph(
    scorer: CandidateScorer,
    mentees: Sequence[str],
    *,
    exclude: NDArray[np.bool_] | None = None,
    keep: Callable[[Person, Person], bool] | None = None,
    problems: dict[str, str] | None = None,
    progress: bool = False,
) -> tuple[CandidateGraph, list[str]]:
    """Every eligible edge of a cohort as one graph (`CandidateScorer.eligible`, then `keep`):
    mentee index = position in `mentees`, mentor index = position in the returned mentor ids
    (sorted). Capacity = the most mentees a mentor could take at all: free places, and free
    hours over the smallest wish among the mentees eligible for that mentor; so the max flow
    over this graph bounds every matching that keeps places and hours from above. Compact:
    int32 indices, float64 scores, 16 bytes an edge."""
    state = scorer.state
    a_l: list[NDArray[np.int32]] = []
    r_l: list[NDArray[np.int32]] = []
    s_l: list[NDArray[np.float64]] = []
    for b in scorer.eligible(mentees, exclude_rows=exclude, problems=problems, progress=progress):
        a_l.append(b.mentee_index)
        r_l.append(b.mentor_row)
        s_l.append(b.score)
    # one array at a time, freeing its blocks: peak ~24 bytes an edge, not twice the edges
    a = _concat(a_l, np.int32)
    r = _concat(r_l, np.int32)
    s = _concat(s_l, np.float64)
    if keep is not None:
        a, r, s = _kept(state, list(mentees), keep, a, r, s)
    mentor_ids = sorted(state.ids[int(x)] for x in np.unique(r))
    local = np.full(len(state.ids), -1, dtype=np.int32)
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    local[rows] = np.arange(len(mentor_ids), dtype=np.int32)
    j = local[r]
    del r
    wants = np.array([state.people[m].hours_wanted_per_month for m in mentees], dtype=np.float64)
    lightest = _lightest_wish(len(mentor_ids), j, a, wants)
    arr = state.arrays
    places = np.maximum(arr["max_mentees"][rows] - arr["places"][rows], 0).astype(np.int64)
    hours_left = np.maximum(arr["max_hours"][rows] - arr["hours"][rows], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_hours = np.where(
            lightest > 0,
            np.floor(hours_left / np.where(lightest > 0, lightest, 1.0) + 1e-9),
            places,
        )
    capacity = np.minimum(places, by_hours).astype(np.int64)
    graph = CandidateGraph(len(mentees), capacity, a, j, s)
    return graph, mentor_ids


def _lightest_wish(
    n_mentors: int,
    mentor: NDArray[np.integer[Any]],
    mentee: NDArray[np.integer[Any]],
    wants: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per mentor: the smallest wish (hours a month) among its edges' mentees (inf: none).
    Wishes take a few values (2, 3, 4 hours...): one pass per value, lightest first, over
    the edges (np.minimum.at on 28M edges takes seconds); many distinct values fall back to
    np.minimum.at."""
    out = np.full(n_mentors, np.inf)
    values = np.unique(wants)
    if len(values) > 16:
        np.minimum.at(out, mentor, wants.astype(np.float32)[mentee])
        return out
    code = np.searchsorted(values, wants).astype(np.int8)[mentee]
    for c, v in enumerate(values.tolist()):
        seen = np.zeros(n_mentors, dtype=np.bool_)
        seen[mentor[code == c]] = True
        out[seen & np.isinf(out)] = v
    return out


def _hours_left(state: State, mentor_ids: list[str]) -> NDArray[np.float64]:
    """Free hours per month of each mentor (in `mentor_ids` order)."""
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    left: NDArray[np.float64] = state.arrays["max_hours"][rows] - state.arrays["hours"][rows]
    return np.maximum(left, 0.0)


def hours_budget_mask(
    g: CandidateGraph, wants: NDArray[np.float64], hours_left: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Edges whose mentee's wish fits the mentor's hours budget: mentor j's free hours
    split evenly over its `capacity[j]` places (hours_left[j] / capacity[j] each). Any
    matching over these edges within the capacities keeps every mentor's hours (at most
    capacity[j] mentees, each wanting at most the share), so the slot flow solves the
    hours-constrained problem without a repair. With `capacity` from `eligible_graph` (the
    lightest eligible wish fits every place) a mentor's capacity is never cut; only the
    mentees too hungry for an even share are left to the later rounds over the room left."""
    cap = np.maximum(g.capacity, 1).astype(np.float64)
    share = (hours_left / cap).astype(np.float32)
    out: NDArray[np.bool_] = wants.astype(np.float32)[g.mentee] <= share[g.mentor] + 1e-6
    return out


def _concat(parts: list[NDArray[Any]], dtype: type[np.generic]) -> NDArray[Any]:
    """Concatenate and empty `parts` (the caller's list), so the pieces can be freed."""
    out = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
    parts.clear()
    return out


def _match_one_sided(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    candidates_per_mentee: int = 50,
    augment_rounds: int = AUGMENT_ROUNDS,
    mentee_ids: Sequence[str] | None = None,
    keep: Callable[[Person, Person], bool] | None = None,
    progress: bool = False,
    mentees_may_mentor: bool = False,
) -> CohortResult:
    """The one-sided baseline: each mentee's top k, then augmentation rounds.

    One role per person per run: nobody matched here as a mentee (every mentee of the run)
    is a mentor in the same run, unless the program allows it (`mentees_may_mentor`).
    Mentees who want no mentoring (hours_wanted_per_month == 0) are not matched; they are
    listed as unmatched with that reason.

    Candidates are each mentee's top `candidates_per_mentee` mentors from the batch scorer
    (`candidates.top_k_candidates`: exactly what `recommend` ranks), so the ranking's
    guardrails (self, manager chain, reports, do-not-pair-again, capacity, opt-out) and
    filters hold for every proposal. Reasons are built for the chosen pairs only.
    `mentee_ids` overrides who is matched; `keep(mentee, mentor)` can drop candidate edges.

    Augmentation: when everybody's top K lands on the same few mentors, the candidate graph
    covers few mentors and many mentees stay unmatched although others have room. So after
    each solve, the unmatched mentees that may have more candidates are scored again among
    the mentors with free slots left in that solution (their top K there), those edges join
    the graph and the union is solved again, at most `augment_rounds` times or until a round
    brings no usable new edge or no extra match. Each solve is over all edges seen so far, so
    the slot matching is still the optimum (most matched, then best total score) of the final
    candidate graph; hours are then repaired as before (a heuristic: a round whose repaired
    answer is worse than the previous one keeps the previous one).
    """

    opts = options or RecommendOptions()
    scorer = CandidateScorer(snapshot, options=opts, now=now)
    state = scorer.state  # one consistent State for the whole run
    asked = list(mentee_ids) if mentee_ids is not None else cohort_mentees(state, program)
    mentees = [m for m in asked if state.people[m].hours_wanted_per_month > 0]
    not_wanting = [m for m in asked if state.people[m].hours_wanted_per_month <= 0]
    if not mentees_may_mentor:
        as_mentee = frozenset(asked)
        user_keep = keep

        def keep(mentee: Person, mentor: Person) -> bool:
            if mentor.id in as_mentee:
                return False
            return user_keep is None or user_keep(mentee, mentor)

    k = candidates_per_mentee
    wants = np.array([state.people[m].hours_wanted_per_month for m in mentees] or [0.0])
    hours_each = float(np.median(wants))

    edges = scorer.top_k(mentees, k=k, progress=progress)
    problems = edges.problems
    a, rows, s = _kept(state, mentees, keep, edges.mentee_index, edges.mentor_row, edges.score)
    # mentees whose last scoring gave k edges may have more mentors beyond them (also one
    # matched now: a later solve may give its mentor to someone else)
    more = np.bincount(edges.mentee_index, minlength=len(mentees)) >= k
    g, mentor_ids, chosen, dropped_rows = _solve(state, mentees, wants, hours_each, a, rows, s)
    by_round = [int(chosen.sum())]
    for _ in range(augment_rounds):
        matched_now = np.zeros(len(mentees), dtype=np.bool_)
        matched_now[g.mentee[chosen]] = True
        again = np.flatnonzero(~matched_now & more)
        if len(again) == 0:
            break
        hours_free = _hours_free(state, hours_each, mentor_ids, g, chosen, wants)
        free = np.flatnonzero(hours_free >= wants[again].min() - 1e-9)
        if len(free) == 0:
            break
        extra = scorer.top_k(
            [mentees[i] for i in again.tolist()], k=k, among=[state.ids[r] for r in free.tolist()]
        )
        more[again] = np.bincount(extra.mentee_index, minlength=len(again)) >= k
        ea, er, es = _kept(
            state, mentees, keep, again[extra.mentee_index], extra.mentor_row, extra.score
        )
        new = ~np.isin(ea * len(state.ids) + er, a * len(state.ids) + rows)
        # only a new edge to a mentor with a slot and the mentee's hours still free can add
        # a match; without one, solving again would not match anybody more: stop
        if not (new & (hours_free[er] >= wants[ea] - 1e-9)).any():
            break
        a = np.concatenate([a, ea[new]])
        rows = np.concatenate([rows, er[new]])
        s = np.concatenate([s, es[new]])
        kept = np.concatenate([chosen, np.zeros(int(new.sum()), dtype=np.bool_)])
        g, mentor_ids, chosen, dropped_new = _solve(state, mentees, wants, hours_each, a, rows, s)
        # the hours repair is a heuristic: the earlier answer (still feasible: the old edges
        # come first in the same order) extended greedily with the new edges may be better
        kept = _extend_greedily(g, kept, state, mentor_ids, wants, first=len(kept) - int(new.sum()))
        if (int(chosen.sum()), float(g.score[chosen].sum())) < (
            int(kept.sum()),
            float(g.score[kept].sum()),
        ):
            chosen = kept
        else:
            dropped_rows = dropped_new
        by_round.append(int(chosen.sum()))
        if by_round[-1] <= by_round[-2]:
            break

    dropped = {mentees[i] for i in dropped_rows}
    greedy = greedy_assignment(g)
    return _finish(
        scorer,
        program,
        opts,
        mentees,
        not_wanting,
        problems,
        g,
        mentor_ids,
        chosen,
        dropped,
        greedy,
        np.bincount(a, minlength=len(mentees)),
        by_round=tuple(by_round),
        achievable=None,
        eligible_edges=None,
        mentees_may_mentor=mentees_may_mentor,
    )


def _finish(
    scorer: CandidateScorer,
    program: str,
    opts: RecommendOptions,
    mentees: list[str],
    not_wanting: list[str],
    problems: dict[str, str],
    g: CandidateGraph,
    mentor_ids: list[str],
    chosen: NDArray[np.bool_],
    dropped: set[str],
    greedy: NDArray[np.bool_],
    n_cand: NDArray[np.int64],
    *,
    by_round: tuple[int, ...],
    achievable: int | None,
    eligible_edges: int | None,
    mentees_may_mentor: bool,
) -> CohortResult:
    """Explain the chosen pairs (reasons built for those only) and assemble the result."""
    state = scorer.state
    picked = np.flatnonzero(chosen).tolist()
    pairs = [(mentees[int(g.mentee[e])], mentor_ids[int(g.mentor[e])]) for e in picked]
    recs = scorer.explain(pairs)
    proposals: list[ProposedPairing] = []
    for (mentee_id, mentor_id), rec in zip(pairs, recs, strict=True):
        if rec is None:  # pragma: no cover - the batch scorer and the ranking agree
            raise RuntimeError(f"no explanation for the chosen pair {mentee_id}/{mentor_id}")
        proposals.append(
            ProposedPairing(
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                score=float(rec.score),
                reasons=list(rec.reasons),
                goal_ids=sorted({p.goal_id for p in rec.skill_paths})
                or [goal.id for goal in state.open_goals(mentee_id)],
                hours_per_month=state.people[mentee_id].hours_wanted_per_month,
                skills=list(dict.fromkeys(p.skill_label for p in rec.skill_paths)),
            )
        )
    matched = {p.mentee_id for p in proposals}
    unmatched = [
        Unmatched(m, problems.get(m) or _why_unmatched(int(n_cand[i]), m in dropped))
        for i, m in enumerate(mentees)
        if m not in matched
    ] + [Unmatched(m, "wants no mentoring (hours_wanted_per_month is 0)") for m in not_wanting]
    unmatched.sort(key=lambda u: u.mentee_id)
    proposals.sort(key=lambda p: (p.mentee_id, p.mentor_id))
    return CohortResult(
        program=program,
        model=opts.model,
        proposals=proposals,
        unmatched=unmatched,
        total_score=float(sum(p.score for p in proposals)),
        greedy_matched=int(greedy.sum()),
        greedy_total=float(g.score[greedy].sum()),
        candidate_edges=g.n_edges,
        data_version=state.data_version,
        matched_by_round=tuple(by_round),
        mentees_may_mentor=mentees_may_mentor,
        achievable=achievable,
        eligible_edges=eligible_edges,
    )


Edges3 = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def _kept(
    state: State,
    mentees: list[str],
    keep: Callable[[Person, Person], bool] | None,
    a: NDArray[Any],
    rows: NDArray[Any],
    s: NDArray[np.float64],
) -> Edges3:
    """The edges (mentee index, mentor row, score) that `keep` accepts."""
    if keep is None:
        return a, rows, s
    ok = np.array(
        [
            keep(state.people[mentees[i]], state.people[state.ids[r]])
            for i, r in zip(a.tolist(), rows.tolist(), strict=True)
        ],
        dtype=np.bool_,
    ).reshape(-1)
    return a[ok], rows[ok], s[ok]


def _solve(
    state: State,
    mentees: list[str],
    wants: NDArray[np.float64],
    hours_each: float,
    a: NDArray[np.int64],
    rows: NDArray[np.int64],
    s: NDArray[np.float64],
) -> tuple[CandidateGraph, list[str], NDArray[np.bool_], set[int]]:
    """Candidate graph over the mentors the edges reach, solved within hours."""
    mentor_ids = sorted(state.ids[int(r)] for r in np.unique(rows))
    local = np.full(len(state.ids), -1, dtype=np.int64)
    local[[state.rows[m] for m in mentor_ids]] = np.arange(len(mentor_ids))
    capacity = mentor_slots(state, mentor_ids, hours_each) if mentor_ids else np.zeros(0, np.int64)
    g = CandidateGraph.build(len(mentees), capacity, mentee=a, mentor=local[rows], score=s)
    chosen, dropped_rows = _solve_within_hours(g, state, mentor_ids, wants)
    return g, mentor_ids, chosen, dropped_rows


def _extend_greedily(
    g: CandidateGraph,
    chosen: NDArray[np.bool_],
    state: State,
    mentor_ids: list[str],
    wants: NDArray[np.float64],
    *,
    first: int,
) -> NDArray[np.bool_]:
    """`chosen` plus edges `first`.. taken best score first while the mentee is unmatched and
    the mentor has a slot and the mentee's hours left."""
    out = chosen.copy()
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    hours = state.arrays["max_hours"][rows] - state.arrays["hours"][rows]
    hours = hours - np.bincount(g.mentor[out], wants[g.mentee[out]], minlength=len(rows))
    slots = g.capacity - np.bincount(g.mentor[out], minlength=len(rows))
    taken = np.zeros(g.n_mentees, dtype=np.bool_)
    taken[g.mentee[out]] = True
    order = first + np.argsort(-g.score[first:], kind="stable")
    for e in order.tolist():
        i, j = int(g.mentee[e]), int(g.mentor[e])
        if not taken[i] and slots[j] > 0 and hours[j] >= wants[i] - 1e-9:
            out[e] = taken[i] = True
            slots[j] -= 1
            hours[j] -= wants[i]
    return out


def _hours_free(
    state: State,
    hours_each: float,
    mentor_ids: list[str],
    g: CandidateGraph,
    chosen: NDArray[np.bool_],
    wants: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per State row: the hours a person could still give after `chosen`, 0 where no slot is
    left (slots as `mentor_slots` counts them; the ranking filters out non-mentors)."""
    every = np.arange(len(state.ids))
    arr = state.arrays
    slots = mentor_slots(state, list(state.ids), hours_each)
    hours = np.maximum(arr["max_hours"][every] - arr["hours"][every], 0.0)
    if mentor_ids:
        rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
        slots[rows] -= np.bincount(g.mentor[chosen], minlength=len(mentor_ids))
        used = np.bincount(g.mentor[chosen], wants[g.mentee[chosen]], minlength=len(mentor_ids))
        hours[rows] -= used
    return np.where(slots > 0, hours, 0.0)


def _why_unmatched(n_candidates: int, dropped_for_hours: bool) -> str:
    if n_candidates == 0:
        return "no mentor passes the guardrails and filters (skills, availability, capacity)"
    if dropped_for_hours:
        return "the chosen mentor had no hours left for this mentee's wish"
    return (
        f"all {n_candidates} candidate mentor(s) are full with mentees who have fewer or no "
        "other options"
    )


def _solve_within_hours(
    g: CandidateGraph, state: State, mentor_ids: list[str], wants: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], set[int]]:
    """Solve; while some mentor's chosen mentees want more hours than the mentor has left,
    ban that mentor's edge to its hungriest chosen mentee and solve again (at most ROUNDS
    times); then drop the weakest pairings of any mentor still over. Hours are a knapsack
    constraint, so this is a heuristic on top of the exact slot-capacity optimum."""
    if not mentor_ids:
        return np.zeros(g.n_edges, dtype=np.bool_), set()
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    hours_left = state.arrays["max_hours"][rows] - state.arrays["hours"][rows]
    allowed = np.ones(g.n_edges, dtype=np.bool_)
    chosen = np.zeros(g.n_edges, dtype=np.bool_)
    for _ in range(ROUNDS):
        idx = np.flatnonzero(allowed)
        sub = CandidateGraph(g.n_mentees, g.capacity, g.mentee[idx], g.mentor[idx], g.score[idx])
        chosen = np.zeros(g.n_edges, dtype=np.bool_)
        chosen[idx[solve_assignment(sub)]] = True
        used = np.bincount(g.mentor[chosen], weights=wants[g.mentee[chosen]], minlength=len(rows))
        over = np.flatnonzero(used > hours_left + 1e-9)
        if len(over) == 0:
            return chosen, set()
        for j in over.tolist():
            edges = np.flatnonzero(chosen & (g.mentor == j))
            allowed[edges[np.argmax(wants[g.mentee[edges]])]] = False
    dropped: set[int] = set()
    used = np.bincount(g.mentor[chosen], weights=wants[g.mentee[chosen]], minlength=len(rows))
    for j in np.flatnonzero(used > hours_left + 1e-9).tolist():
        weakest_first = sorted(
            np.flatnonzero(chosen & (g.mentor == j)).tolist(), key=lambda e: g.score[e]
        )
        total = float(used[j])
        for e in weakest_first:
            if total <= hours_left[j] + 1e-9:
                break
            chosen[e] = False
            total -= float(wants[g.mentee[e]])
            dropped.add(int(g.mentee[e]))
    return chosen, dropped


def _solve_then_fit_hours(
    g: CandidateGraph,
    eligible: CandidateGraph,
    state: State,
    mentor_ids: list[str],
    wants: NDArray[np.float64],
    *,
    rounds: int = 6,
) -> tuple[NDArray[np.bool_], set[int], CandidateGraph]:
    """One flow solve over slots on the candidate graph `g`, then hours made to fit without
    solving it again: a mentor whose chosen mentees want more hours than they have left keeps
    the most of them that fit (the hungriest go first). Then the mentees still unmatched are
    matched over the room left (free places and hours), on ALL eligible edges (`eligible`,
    same mentee and mentor indices): small flows with each mentor's slots counted for the
    least hungry mentee that fits, after which the newly chosen of an overfull mentor are cut
    back the same way; matches from earlier rounds stay, so each round only adds. Returns
    (chosen mask over the returned graph = `g` plus the eligible edges the rounds used,
    mentees dropped for hours and not matched again, that graph)."""
    chosen = solve_assignment(g)
    if not mentor_ids or g.n_edges == 0:
        return chosen, set(), g
    rows = np.array([state.rows[m] for m in mentor_ids], dtype=np.int64)
    hours_left = state.arrays["max_hours"][rows] - state.arrays["hours"][rows]
    places = np.maximum(state.arrays["max_mentees"][rows] - state.arrays["places"][rows], 0).astype(
        np.int64
    )
    mentee = g.mentee.astype(np.int64)
    mentor = g.mentor.astype(np.int64)
    dropped = _fit_hours(chosen, mentee, mentor, g.score, wants, hours_left)
    pm, pj = mentee[chosen], mentor[chosen]  # matched so far
    extra_m: list[NDArray[Any]] = []
    extra_j: list[NDArray[Any]] = []
    extra_s: list[NDArray[np.float64]] = []
    e_mentee, e_mentor = eligible.mentee, eligible.mentor  # int32: index, never copy whole
    for _ in range(rounds):
        matched = np.zeros(g.n_mentees, dtype=np.bool_)
        matched[pm] = True
        taken = np.bincount(pj, minlength=len(rows))
        h_left = hours_left - np.bincount(pj, weights=wants[pm], minlength=len(rows))
        slots_left = places - taken
        # narrow step by step (cheap masks first), so temporaries stay small
        idx = np.flatnonzero(~matched[e_mentee])
        idx = idx[slots_left[e_mentor[idx]] > 0]
        idx = idx[wants[e_mentee[idx]] <= h_left[e_mentor[idx]] + 1e-9]
        if len(idx) == 0:
            break
        lightest = np.full(len(rows), np.inf)
        sm = e_mentee[idx].astype(np.int64)
        sj = e_mentor[idx].astype(np.int64)
        np.minimum.at(lightest, sj, wants[sm])
        with np.errstate(divide="ignore", invalid="ignore"):
            by_hours = np.where(np.isfinite(lightest), np.floor(h_left / lightest + 1e-9), 0)
        cap = np.minimum(slots_left, np.maximum(by_hours, 0)).astype(np.int64)
        sub = CandidateGraph(g.n_mentees, cap, sm, sj, eligible.score[idx])
        new = solve_assignment(sub)
        if not new.any():
            break
        # cut back the new mentees of a mentor the round overfilled (old ones stay)
        _fit_hours(new, sub.mentee, sub.mentor, sub.score, wants, h_left)
        if not new.any():
            break
        pm = np.concatenate([pm, sub.mentee[new]])
        pj = np.concatenate([pj, sub.mentor[new]])
        extra_m.append(sub.mentee[new])
        extra_j.append(sub.mentor[new])
        extra_s.append(sub.score[new])
    if not extra_m:
        return chosen, dropped - set(pm.tolist()), g
    # the graph reported: the candidate graph plus the eligible edges the rounds matched on
    em, ej, es = np.concatenate(extra_m), np.concatenate(extra_j), np.concatenate(extra_s)
    merged = CandidateGraph(
        g.n_mentees, g.capacity, np.concatenate([mentee, em]), np.concatenate([mentor, ej]),
        np.concatenate([g.score, es]),
    )  # fmt: skip
    chosen_all = np.concatenate([chosen, np.ones(len(em), dtype=np.bool_)])
    return chosen_all, dropped - set(pm.tolist()), merged


def _fit_hours(
    chosen: NDArray[np.bool_],
    mentee: NDArray[np.integer[Any]],
    mentor: NDArray[np.integer[Any]],
    score: NDArray[np.float64],
    wants: NDArray[np.float64],
    hours_left: NDArray[np.float64],
) -> set[int]:
    """In place: unchoose, per mentor over `hours_left`, its hungriest chosen mentees (then
    the weakest) until the rest fit. Returns the mentees unchosen."""
    used = np.bincount(mentor[chosen], weights=wants[mentee[chosen]], minlength=len(hours_left))
    dropped: set[int] = set()
    over = np.flatnonzero(used > hours_left + 1e-9)
    if len(over) == 0:
        return dropped
    mine_all = np.flatnonzero(chosen & np.isin(mentor, over))
    for j in over.tolist():
        mine = mine_all[mentor[mine_all] == j]
        hungriest_first = mine[np.lexsort((score[mine], -wants[mentee[mine]]))]
        total = float(used[j])
        for e in hungriest_first.tolist():
            if total <= hours_left[j] + 1e-9:
                break
            chosen[e] = False
            total -= float(wants[mentee[e]])
            dropped.add(int(mentee[e]))
    return dropped
