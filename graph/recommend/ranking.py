"""The fast ranking: one mentee's top-k mentors over a Snapshot, with numpy over candidates.

Steps (the formulas are in scoring.py and skill_fit.py; reference.py does the same with plain
loops and the tests hold the two together):

1. the mentee's open goals and their TARGETS (InvalidInput when there are none);
2. per goal, every willing holder of a skill reachable from a target (sparse gather over
   `State.willing`, one entry table per target node), valued confidence * credit * level
   factor, best entry per person;
3. hard filters on the candidates, as array masks (`filter_steps`): guardrails
   (`excluded_mentors`: self, manager and skip-level both ways, do-not-pair-again, already
   paired, excluded ids), mentor eligibility, capacity (places and hours), model, format (and
   for in_person a shared location), seniority (peer, reverse), common language, then the
   overlap minimum unless the format is async;
4. components and score; top k by (score desc, mentor id); reasons for those k only. When
   only the top k are wanted, step 3's filters, the common hours and step 4 run only for the
   candidates whose score bound can reach the top k (`_top_part`), not for every holder.

When nobody is left, `why_no_mentor` says why: the people holding a skill the goals reach,
each with the first rule that keeps them out (`unsuggested`).

Steps 1-3 and the score are `score_mentee`, shared with the batch scorer
(candidates.top_k_candidates): a `Shared` object carries what many mentees reuse (entry tables
per target node, mentor-only component vectors), so both paths run the same code and give the
same scores.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from graph.errors import InvalidInput, NotFound
from graph.model import (
    Format,
    Goal,
    GoalTarget,
    MentoringModel,
    PairingStatus,
    Person,
    SkillCluster,
)
from graph.recommend import availability as av
from graph.recommend import explain
from graph.recommend.scoring import (
    COMPONENTS,
    DECLINED_FACTOR,
    EXPOSURE_WINDOW,
    HOURS_EPS,
    OPEN_STATUSES,
    Recommendation,
    RecommendOptions,
    SkillPath,
    availability_array,
    capacity_array,
    feedback_array,
    load_array,
    preferences_array,
    skill_fit_array,
    weighted_score_array,
)
from graph.recommend.skill_fit import (
    LEVEL_MODELS,
    Credit,
    TargetCredits,
    level_factor,
)
from graph.recommend.snapshot import (
    FORMAT_BITS,
    MODEL_BITS,
    SkillArrays,
    Snapshot,
    State,
    language_mask,
)

LEVEL_FACTORS = np.array([0.0, *(level_factor(lv) for lv in range(1, 6))], dtype=np.float64)

Rows = NDArray[np.int64]
V = TypeVar("V")
Floats = NDArray[np.float64]


# --- guardrails -------------------------------------------------------------------------------


def excluded_mentors(
    state: State, mentee_id: str, options: RecommendOptions | None = None
) -> dict[str, str]:
    """Everyone the guardrails never pair with `mentee_id`, with the reason (first that applies).

    Needs no goals: graph.lifecycle.pairings checks a hand-made proposal with it. Covers the mentee,
    ids excluded by the request, the management chain both ways (manager, skip-level manager,
    direct reports, their reports), people sharing a do-not-pair-again pairing with the
    mentee, and mentors already in an open pairing with them. Mentor eligibility (is_mentor,
    opt-out, capacity) is a property of the mentor alone: see `mentor_unavailable`.
    Raises NotFound for an unknown mentee.
    """
    mentee = state.person(mentee_id)
    out: dict[str, str] = {mentee_id: "is the mentee"}
    for m in options.exclude_mentor_ids if options is not None else ():
        out.setdefault(m, "was excluded by the request")
    current: Person | None = mentee
    for what in ("the mentee's manager", "the mentee's skip-level manager"):
        if current is None or not current.manager_id:
            break
        out.setdefault(current.manager_id, f"is {what}")
        current = state.people.get(current.manager_id)
    for r in sorted(state.reports.get(mentee_id, frozenset())):
        out.setdefault(r, "reports to the mentee")
    for r in sorted(state.reports.get(mentee_id, frozenset())):
        for rr in sorted(state.reports.get(r, frozenset())):
            out.setdefault(rr, "reports to one of the mentee's reports (skip-level)")
    for p in state.person_pairings(mentee_id):
        if p.do_not_pair_again:
            for other in sorted({p.mentor_id, *p.mentee_ids} - {mentee_id}):
                out.setdefault(other, f"shares pairing {p.id!r} marked do-not-pair-again")
    for p in state.person_pairings(mentee_id):
        if p.mentor_id != mentee_id and p.status in OPEN_STATUSES:
            out.setdefault(p.mentor_id, f"is already in {p.status.value} pairing {p.id!r}")
    return out


def mentor_unavailable(mentor: Person) -> str | None:
    """Why a person is never suggested as a mentor to anyone, or None."""
    if mentor.departed:
        return "has left the organisation"
    if not mentor.is_mentor:
        return "is not a mentor"
    if mentor.opt_out_recommend:
        return "has opted out of recommendations"
    if mentor.max_mentees <= 0:
        return "takes no mentees (max_mentees is 0)"
    return None


def location_key(location: str) -> str:
    """A location as in_person compares it: Unicode NFKC, case-folded, spaces collapsed
    ("  São  Paulo " and "são paulo" are the same place); "" when none is given."""
    return " ".join(unicodedata.normalize("NFKC", location).casefold().split())


@dataclass(frozen=True)
class MenteeContext:
    """What ranking needs to know about the mentee, computed once per request."""

    mentee: Person
    goals: list[Goal]
    targets: dict[str, tuple[GoalTarget, ...]]
    horizon: av.Horizon
    excluded: set[str]  # mentor ids never to suggest to this mentee (guardrails)
    declined: set[str]  # mentors whose proposal with this mentee was declined


def mentee_context(
    state: State, mentee_id: str, options: RecommendOptions, now: datetime
) -> MenteeContext:
    mentee = state.person(mentee_id)
    if mentee.departed:  # a leaver is looked up nowhere
        raise NotFound(f"person {mentee_id!r} not found")
    goals = state.open_goals(mentee_id)
    if not goals:
        raise InvalidInput(
            f"person {mentee_id!r} has no open goals; add a goal to get mentor suggestions"
        )
    targets = {g.id: state.targets.get(g.id, ()) for g in goals}
    if not any(targets.values()):
        raise InvalidInput(
            f"the goals of {mentee_id!r} are not linked to any skill yet; map them to the "
            "taxonomy (goal targets) first"
        )
    if options.format == Format.in_person and not location_key(mentee.location):
        raise InvalidInput(
            f"format=in_person needs the mentee's location, and person {mentee_id!r} has none; "
            "set their location (or ask for another format)",
            details=[{"field": "location", "reason": "empty; format in_person needs one"}],
        )
    horizon = av.horizon_for(now, [g.start_date for g in goals], options.weeks)
    excluded = set(excluded_mentors(state, mentee_id, options))
    declined = {
        p.mentor_id
        for p in state.person_pairings(mentee_id)
        if p.mentor_id != mentee_id and p.status == PairingStatus.declined
    }
    return MenteeContext(mentee, goals, targets, horizon, excluded, declined)


# --- shared work ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TargetTable:
    """Willing holders of every skill reachable from one target node, flattened.

    Element i: person row `rows[i]` holds skill `skill(local[i])` at `levels[i]`, reached
    with `credit[i]`. Local skill j is position `sel[j]` of the target's credit table (skill
    id order); skills nobody is willing to mentor are left out."""

    rows: Rows
    levels: NDArray[np.int8]
    credit: Floats
    local: Rows
    sel: Rows
    credits: TargetCredits

    @cached_property
    def by_row(self) -> tuple[Rows, Rows]:
        """(entry positions sorted by row, those rows): a few rows' entries by bisection."""
        order = np.argsort(self.rows, kind="stable")
        return order, self.rows[order]

    @cached_property
    def row_sorted(self) -> tuple[Rows, NDArray[np.int8], Floats, Rows]:
        """(rows, levels, credit, local) of every entry in row order; within a row in entry
        order (local skill ascending). A goal's tables then merge in linear time."""
        order, rows = self.by_row
        out = (rows, self.levels[order], self.credit[order], self.local[order])
        for arr in out:
            arr.flags.writeable = False
        return out

    def entries_of(self, rows: Rows) -> Rows:
        """Positions of every entry whose row is in `rows` (ascending rows)."""
        order, sorted_rows = self.by_row
        lo = np.searchsorted(sorted_rows, rows, side="left")
        hi = np.searchsorted(sorted_rows, rows, side="right")
        return np.asarray(order[concat_ranges(lo, hi - lo)], dtype=np.int64)

    @property
    def n_skills(self) -> int:
        return len(self.sel)

    def skill(self, j: int) -> tuple[str, Credit]:
        i = int(self.sel[j])
        return self.credits.skill(i), self.credits.route(i)

    def locals_of(self, skill_ids: list[str]) -> tuple[Rows, Rows]:
        """Local skill indices of many skills at once: (positions in `skill_ids` that
        this table reaches, their local skill indices; skills nobody may mentor are not
        local)."""
        index = self.credits.universe_index
        return self.locals_at(
            np.fromiter((index.get(s, -1) for s in skill_ids), np.int64, len(skill_ids))
        )

    def locals_at(self, u: Rows) -> tuple[Rows, Rows]:
        """`locals_of` for skills given as positions in the credits' `universe` (-1: none):
        (positions in `u` this table reaches, their local skill indices)."""
        tc = self.credits
        i = np.searchsorted(tc.skill_index, u)
        hit = (u >= 0) & (i < len(tc.skill_index))
        hit[hit] = tc.skill_index[i[hit]] == u[hit]
        i = i[hit]
        j = np.searchsorted(self.sel, i)
        ok = j < len(self.sel)
        ok[ok] = self.sel[j[ok]] == i[ok]
        where = np.flatnonzero(hit)[ok]
        return where, j[ok].astype(np.int64)


@dataclass
class Shared:
    """Work reused across the mentees of one batch (or within one `recommend` call).

    `mentor_vectors` holds the mentor-only components (capacity, feedback) for every row,
    filled by the batch path; None means "compute them for the candidates at hand"."""

    snapshot: Snapshot
    state: State
    now: datetime
    tables: dict[str, TargetTable] = field(default_factory=dict)
    mentor_vectors: dict[str, Floats] | None = None

    def __post_init__(self) -> None:
        if not self.tables:  # share the read-only tables of this State with other calls
            self.tables = _TABLES.of(self.state)

    def table(self, node_id: str) -> TargetTable:
        hit = self.tables.get(node_id)
        if hit is None:
            if len(self.tables) >= _TABLES_MAX:
                self.tables.clear()
            hit = self.tables[node_id] = _target_table(self.snapshot, self.state, node_id)
        return hit

    def mentor_components(self, rows: Rows) -> dict[str, Floats]:
        if self.mentor_vectors is not None:
            return {c: v[rows] for c, v in self.mentor_vectors.items()}
        return mentor_components(self.state, rows, self.now)

    def id_rank(self) -> NDArray[np.int64]:
        """Row -> rank of the person id in sorted order (for `top_k` over many mentees)."""
        order = sorted(range(len(self.state.ids)), key=self.state.ids.__getitem__)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def fill_mentor_vectors(self) -> None:
        """Mentor-only components of every eligible row, once (elementwise: same values)."""
        a = self.state.arrays
        rows = np.flatnonzero(a["mentor_ok"]).astype(np.int64)
        n = len(self.state.ids)
        comps = mentor_components(self.state, rows, self.now)
        out = {c: np.zeros(n) for c in comps}
        for c, v in comps.items():
            out[c][rows] = v
        self.mentor_vectors = out


_TABLES_MAX = 20_000  # target tables kept for one State (a few KB each)


class _TableCache(Generic[V]):
    """Target tables shared by every `recommend` while the people x skills arrays and the
    taxonomy stay the same (a service answers many requests between two writes, and most
    writes touch neither: a person's title, a goal, a pairing). Keyed by those two objects
    themselves (`State.skills`, `State.hierarchy`: a refresh that leaves them alone keeps
    them, any change makes new ones), so the tables of older ones are dropped. The tables
    are never written to (their arrays are made read-only). Thread-safe by replacing one
    tuple: a race costs a recomputation, never a wrong table."""

    def __init__(self, make: Callable[[], V]) -> None:
        self._make = make
        self._current: tuple[object, object, V | None] = (None, None, None)

    def of(self, st: State) -> V:
        skills, hierarchy, tables = self._current
        if skills is st.skills and hierarchy is st.hierarchy and tables is not None:
            return tables
        fresh = self._make()
        self._current = (st.skills, st.hierarchy, fresh)
        return fresh


_TABLES: _TableCache[dict[str, TargetTable]] = _TableCache(dict)


def _target_table(snap: Snapshot, st: State, node_id: str) -> TargetTable:
    table = _build_target_table(snap, st, node_id)
    for arr in (table.rows, table.levels, table.credit, table.local, table.sel):
        arr.flags.writeable = False
    return table


def concat_ranges(
    starts: NDArray[np.integer[Any]],
    lens: NDArray[np.integer[Any]],
    dtype: type[np.signedinteger[Any]] = np.int64,
) -> NDArray[Any]:
    """starts[i], starts[i] + 1, ..., starts[i] + lens[i] - 1 for every i, concatenated:
    the positions of many slices of a compressed index at once. Two arrays of the output's
    length at the peak; `dtype` int32 halves them when positions fit."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype)
    out = np.repeat((np.asarray(starts) - (np.cumsum(lens) - lens)).astype(dtype), lens)
    out += np.arange(total, dtype=dtype)
    return out


_CODES: list[tuple[tuple[str, ...], SkillArrays, NDArray[np.int64]]] = []


def _codes_of(universe: tuple[str, ...], sk: SkillArrays) -> NDArray[np.int64]:
    """SkillArrays code of each skill id in `universe` (-1: nobody holds it); the latest
    (universe, arrays) pair is kept, as every table of a State shares it."""
    for u, arrays, codes in _CODES:
        if u is universe and arrays is sk:
            return codes
    codes = np.fromiter((sk.codes.get(s, -1) for s in universe), np.int64, len(universe))
    _CODES[:] = [(universe, sk, codes)]
    return codes


def universe_of_codes(universe: tuple[str, ...], sk: SkillArrays) -> NDArray[np.int64]:
    """Per SkillArrays code: its position in `universe` (-1 where the skill is not in it);
    the inverse of `_codes_of`, kept with it."""
    codes = _codes_of(universe, sk)
    inv = np.full(len(sk.skill_ids), -1, dtype=np.int64)
    known = np.flatnonzero(codes >= 0)
    inv[codes[known]] = known
    return inv


def _build_target_table(snap: Snapshot, st: State, node_id: str) -> TargetTable:
    tc = snap.credits(st, node_id)
    sk = st.skills
    # each reachable skill's willing holders: one slice of the willing-holders index
    codes = _codes_of(tc.universe, sk)[tc.skill_index]
    known = codes >= 0
    lo = np.zeros(len(codes), dtype=np.int64)
    lens = np.zeros(len(codes), dtype=np.int64)
    lo[known] = sk.w_ptr[codes[known]]
    lens[known] = sk.w_ptr[codes[known] + 1] - lo[known]
    sel_arr = np.flatnonzero(lens > 0).astype(np.int64)
    if len(sel_arr) == 0:
        z = np.zeros(0, np.int64)
        return TargetTable(z, np.zeros(0, np.int8), np.zeros(0), z, z, tc)
    n_l = lens[sel_arr]
    local = np.repeat(np.arange(len(sel_arr), dtype=np.int64), n_l)
    pos = concat_ranges(lo[sel_arr], n_l)
    return TargetTable(
        rows=sk.w_row[pos].astype(np.int64),
        levels=sk.w_level[pos],
        credit=tc.credit[sel_arr][local],
        local=local,
        sel=sel_arr,
        credits=tc,
    )


def mentor_components(st: State, rows: Rows, now: datetime) -> dict[str, Floats]:
    """The components that depend on the mentor alone: capacity and feedback (gathered from
    the State's `MentorBounds`; capacity divided by recent exposure where there is some)."""
    a = st.arrays
    bounds = _BOUNDS.of(st)
    capacity = bounds.capacity0[rows]
    feedback = bounds.feedback[rows]
    since = now - EXPOSURE_WINDOW
    some = np.flatnonzero(a["has_pairings"][rows])
    recent = np.zeros(len(some))
    for i, j in enumerate(some.tolist()):
        mid = st.ids[int(rows[j])]
        recent[i] = sum(
            1 for p in st.person_pairings(mid) if p.mentor_id == mid and p.created_at >= since
        )
    exposed = some[recent > 0]
    if len(exposed):
        r = rows[exposed]
        load = load_array(a["places"][r], a["hours"][r], a["max_mentees"][r], a["max_hours"][r])
        capacity[exposed] = capacity_array(load, recent[recent > 0])
    return {"capacity": capacity, "feedback": feedback}


# --- one goal ---------------------------------------------------------------------------------


@dataclass
class GoalBest:
    """Best entry per candidate row for one goal."""

    rows: Rows  # ascending
    fit: Floats
    entry: Rows  # global entry index: `parts` offsets + the table's local skill index
    levels: NDArray[np.int8]
    parts: list[tuple[GoalTarget, TargetTable, int]]  # (target, its table, entry offset)

    def entry_of(self, j: int) -> tuple[GoalTarget, str, Credit]:
        e = int(self.entry[j])
        for target, table, offset in reversed(self.parts):
            if e >= offset:
                return (target, *table.skill(e - offset))
        raise IndexError(e)  # pragma: no cover - entries always fall in a part


_EMPTY_ROWS = np.zeros(0, np.int64)


def goal_best(
    shared: Shared,
    targets: tuple[GoalTarget, ...],
    mentee_levels: dict[str, int],
    model: MentoringModel,
    among: Rows | None = None,
) -> GoalBest:
    """Best entry per candidate row for one goal (module doc, step 2). `among` (ascending
    rows): only those rows are kept (a row's best depends on its own entries only, so the
    values are the same; explaining a few chosen pairs then skips the other holders)."""
    parts: list[tuple[GoalTarget, TargetTable, int]] = []
    offset = 0
    for t in targets:
        table = shared.table(t.node_id)
        if len(table.rows):
            parts.append((t, table, offset))
            offset += table.n_skills
    empty = GoalBest(_EMPTY_ROWS, np.zeros(0), _EMPTY_ROWS, np.zeros(0, np.int8), [])
    if not parts:
        return empty
    # each part's entries in row order (within a row: local skill ascending); with `among`
    # only the entries of those rows, found by bisection per table (also in row order)
    picks = [tb.entries_of(among) for _, tb, _ in parts] if among is not None else None
    if picks is not None and not any(len(p) for p in picks):
        return empty
    if picks is None:
        cols = [tb.row_sorted for _, tb, _ in parts]
    else:
        cols = [
            (tb.rows[p], tb.levels[p], tb.credit[p], tb.local[p])
            for (_, tb, _), p in zip(parts, picks, strict=True)
        ]
    rows = np.concatenate([c[0] for c in cols])
    levels = np.concatenate([c[1] for c in cols])
    local = [c[3] for c in cols]
    group = np.concatenate([lc + off for lc, (_, _, off) in zip(local, parts, strict=True)])
    # (confidence * credit) * level factor, in that order: the same floats as the reference
    weight = np.concatenate([t.confidence * c[2] for c, (t, _, _) in zip(cols, parts, strict=True)])
    vals = weight * LEVEL_FACTORS[levels]
    if model in LEVEL_MODELS and mentee_levels:
        floors: list[NDArray[np.int8]] = []
        skill_ids = list(mentee_levels)
        mine = np.fromiter(mentee_levels.values(), np.int8, len(skill_ids))
        for (_, tb, _), lc in zip(parts, local, strict=True):
            if picks is not None:  # few entries: the mentee's level of each entry's skill
                tc = tb.credits
                floors.append(
                    np.array(
                        [mentee_levels.get(tc.skill(i), 0) for i in tb.sel[lc].tolist()],
                        dtype=np.int8,
                    ).reshape(-1)
                )
                continue
            floor = np.zeros(tb.n_skills, dtype=np.int8)
            where, j = tb.locals_of(skill_ids)
            floor[j] = mine[where]
            floors.append(floor[lc])
        ok = levels > np.concatenate(floors)
        rows, levels, group, vals = rows[ok], levels[ok], group[ok], vals[ok]
        if len(rows) == 0:
            return empty
    if len(parts) > 1:  # merge the parts' row-sorted runs (a stable sort: linear on runs)
        order = np.argsort(rows, kind="stable")
        rows, levels, group, vals = rows[order], levels[order], group[order], vals[order]
    # best value per row; among equal values the earliest entry (target order, skill id),
    # which is the first in its row segment: group ascends within a row
    pick = _first_max_per_run(rows, vals)
    return GoalBest(rows[pick], vals[pick], group[pick], levels[pick], parts)


def _first_max_per_run(rows: Rows, vals: Floats) -> Rows:
    """Position of the first largest value in each run of equal `rows` (rows sorted)."""
    n = len(rows)
    if n == 0:
        return np.zeros(0, np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(rows[1:], rows[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    lens = np.diff(np.append(starts, n))
    seg = np.repeat(np.arange(len(starts)), lens)
    at_max = np.flatnonzero(vals == np.maximum.reduceat(vals, starts)[seg])
    s = seg[at_max]
    first = np.empty(len(at_max), dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return at_max[first]


# --- one mentee -------------------------------------------------------------------------------


def _positions_in(cand: Rows, rows: Collection[int] | Rows) -> Rows:
    """Positions in ascending `cand` of those `rows` that occur in it (np.isin for few rows)."""
    r = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.int64)
    pos = np.searchsorted(cand, r)
    hit = pos < len(cand)
    hit[hit] = cand[pos[hit]] == r[hit]
    return pos[hit]


@dataclass
class Scored:
    """Every candidate that passed the filters for one mentee, with components and score."""

    ctx: MenteeContext
    cand: Rows  # person rows, ascending
    score: Floats
    comps: dict[str, Floats]
    overlap: Floats
    bests: list[GoalBest]


def score_mentee(
    shared: Shared,
    ctx: MenteeContext,
    options: RecommendOptions,
    among: Rows | None = None,
    k: int | None = None,
) -> Scored | None:
    """Steps 2-4 of the module doc for one mentee (None when no mentor is left).

    `among`: only these rows are considered (the others are left out as if filtered); a
    mentor's score does not depend on the other candidates, so it is the same either way.
    `k`: only the top k by (score, mentor id) are wanted: candidates that cannot reach them
    may be left out of the result (filters, common hours and components are then worked out
    only for those that can: see `_top_part`); the top k and their scores are the same."""
    st = shared.state
    mentee = ctx.mentee
    mentee_levels = st.skill_levels(mentee.id)
    bests = [
        goal_best(shared, ctx.targets[g.id], mentee_levels, options.model, among) for g in ctx.goals
    ]
    nonempty = [b.rows for b in bests if len(b.rows)]
    if not nonempty:
        return None
    cand = np.unique(np.concatenate(nonempty)) if len(nonempty) > 1 else nonempty[0]
    if among is not None:
        cand = cand[np.sort(_positions_in(cand, among))]
    fits = np.zeros((len(bests), len(cand)))
    for i, b in enumerate(bests):
        if not len(b.rows):
            continue
        pos = np.searchsorted(cand, b.rows)
        if among is None:  # cand is the union of the goals' rows
            fits[i, pos] = b.fit
        else:
            hit = pos < len(cand)
            hit[hit] = cand[pos[hit]] == b.rows[hit]
            fits[i, pos[hit]] = b.fit[hit]
    has_fit = np.flatnonzero(fits.max(axis=0, initial=0.0) > 0)
    if k is None or len(has_fit) <= max(FIRST_LOOK, k):
        part = _score_rows(shared, ctx, options, cand[has_fit], fits[:, has_fit])
    else:
        part = _top_part(shared, ctx, options, cand[has_fit], fits[:, has_fit], k)
    if part is None:
        return None
    cand, fits, comps, overlap, score = part
    return Scored(ctx, cand, score, comps, overlap, bests)


_Part = tuple[Rows, Floats, dict[str, Floats], Floats, Floats]  # cand, fits, comps, hours, score


def _score_rows(
    shared: Shared, ctx: MenteeContext, options: RecommendOptions, cand: Rows, fits: Floats
) -> _Part | None:
    """Hard filters, components, common hours and score of these candidates (ascending rows,
    with their fits per goal): those that pass, or None when none does."""
    st = shared.state
    keep = hard_filters(st, ctx, cand, options)
    cand, fits = cand[keep], fits[:, keep]
    if len(cand) == 0:
        return None
    overlap = overlap_hours(shared, ctx, cand)
    if not options.asynchronous:
        ok = overlap >= options.min_overlap_hours - HOURS_EPS
        cand, fits, overlap = cand[ok], fits[:, ok], overlap[ok]
        if len(cand) == 0:
            return None
    comps = {
        "skill_fit": skill_fit_array(fits),
        "availability": availability_array(overlap, options.asynchronous),
        "preferences": preferences_component(st, ctx, cand),
        **shared.mentor_components(cand),
    }
    score = weighted_score_array(comps, options.weights, pair_factor(st, ctx, cand))
    return cand, fits, comps, overlap, score


def pair_factor(st: State, ctx: MenteeContext, cand: Rows) -> Floats:
    """Per candidate: DECLINED_FACTOR where a proposal with the mentee was declined, else 1."""
    factor = np.ones(len(cand))
    if ctx.declined:
        declined_rows = [st.rows[m] for m in ctx.declined if m in st.rows]
        factor[_positions_in(cand, declined_rows)] = DECLINED_FACTOR
    return factor


FIRST_LOOK = 512  # candidates scored first when only the top k are wanted


def _top_part(
    shared: Shared,
    ctx: MenteeContext,
    options: RecommendOptions,
    cand: Rows,
    fits: Floats,
    k: int,
) -> _Part | None:
    """`_score_rows` for only those candidates that can be among the top k.

    Each candidate's score has an upper bound from its skill fit and pair factor (exact),
    capacity without recent exposure and feedback (`MentorBounds`), availability at its most
    (the mentee's own free hours in common with someone free all the time) and preferences at
    1: the weights are >= 0 and the bound is summed the same way as the score, so rounding
    keeps the order. The FIRST_LOOK best bounds are scored first (more while fewer than k
    pass); then every candidate whose bound is at least the k-th best score so far. Whoever
    is left out scores below k others: not in the top k."""
    st = shared.state
    bounds = _BOUNDS.of(st)
    ones = np.ones(len(cand))
    upper = weighted_score_array(
        {
            "skill_fit": skill_fit_array(fits),
            "availability": np.full(len(cand), _most_availability(shared, ctx, options)),
            "preferences": ones,
            "capacity": bounds.capacity0[cand],
            "feedback": bounds.feedback[cand],
        },
        options.weights,
        pair_factor(st, ctx, cand),
    )
    left = np.ones(len(cand), dtype=bool)  # not scored yet
    parts: list[_Part] = []
    look = max(FIRST_LOOK, 2 * k)
    while True:
        todo = np.flatnonzero(left)
        if len(todo) > look:
            todo = np.sort(todo[np.argpartition(-upper[todo], look - 1)[:look]])
        left[todo] = False
        part = _score_rows(shared, ctx, options, cand[todo], fits[:, todo])
        if part is not None:
            parts.append(part)
        if not left.any():
            break
        scores = np.concatenate([p[4] for p in parts]) if parts else np.zeros(0)
        if len(scores) >= k:
            kth = -np.partition(-scores, k - 1)[k - 1]
            left &= upper >= kth
            look = int(left.sum())
            if look == 0:
                break
        else:
            look *= 4
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    rows = np.concatenate([p[0] for p in parts])
    order = np.argsort(rows)
    return (
        rows[order],
        np.concatenate([p[1] for p in parts], axis=1)[:, order],
        {c: np.concatenate([p[2][c] for p in parts])[order] for c in parts[0][2]},
        np.concatenate([p[3] for p in parts])[order],
        np.concatenate([p[4] for p in parts])[order],
    )


def _most_availability(shared: Shared, ctx: MenteeContext, options: RecommendOptions) -> float:
    """The availability component of a mentor free whenever the mentee is (an upper bound:
    common slots are never more than the mentee's own), as `overlap_hours` counts it."""
    if options.asynchronous:
        return 1.0
    st = shared.state
    own = shared.snapshot.packed_grids(
        st, ctx.horizon, np.array([st.rows[ctx.mentee.id]], dtype=np.int64)
    )
    slots = av.packed_overlap_slots(own, own[0])
    hours = (slots * (av.SLOT_MINUTES / 60 / ctx.horizon.weeks)).astype(np.float64)
    return float(availability_array(hours, False)[0])


@dataclass(frozen=True)
class MentorBounds:
    """Per State row: capacity with no recent exposure (at least the capacity at any time:
    exposure only divides it) and feedback, as `mentor_components` computes them."""

    capacity0: Floats
    feedback: Floats

    @classmethod
    def build(cls, st: State) -> MentorBounds:
        a = st.arrays
        load = load_array(a["places"], a["hours"], a["max_mentees"], a["max_hours"])
        out = cls(capacity_array(load, np.zeros(len(load))), feedback_array(a["fb_sum"], a["fb_n"]))
        out.capacity0.flags.writeable = False
        out.feedback.flags.writeable = False
        return out


class _BoundsCache:
    """`MentorBounds` of the latest State (as `_TableCache`: keyed by the State object)."""

    def __init__(self) -> None:
        self._current: tuple[State | None, MentorBounds | None] = (None, None)

    def of(self, st: State) -> MentorBounds:
        current = self._current
        if current[0] is st and current[1] is not None:
            return current[1]
        bounds = MentorBounds.build(st)
        self._current = (st, bounds)
        return bounds


_BOUNDS = _BoundsCache()


def overlap_hours(shared: Shared, ctx: MenteeContext, cand: Rows) -> Floats:
    """Hours a week in common between the mentee and each candidate, over the horizon."""
    st = shared.state
    packed = shared.snapshot.packed_grids(
        st, ctx.horizon, np.append(cand, np.int64(st.rows[ctx.mentee.id]))
    )
    slots = av.packed_overlap_slots(packed[:-1], packed[-1])
    return (slots * (av.SLOT_MINUTES / 60 / ctx.horizon.weeks)).astype(np.float64)


def recommend(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    k: int = 10,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
    among: Collection[str] | None = None,
) -> list[Recommendation]:
    """The top `k` mentors for `mentee_id`, best first, each with components and reasons.

    `among` limits the mentors considered to these ids (e.g. to explain chosen pairs); their
    scores are the same as in an unlimited call."""
    options = options or RecommendOptions()
    now = now or datetime.now(UTC)
    st = snapshot.state
    ctx = mentee_context(st, mentee_id, options, now)
    shared = Shared(snapshot, st, now)
    among_rows = None
    if among is not None:
        among_rows = np.array(sorted(st.rows[m] for m in among if m in st.rows), dtype=np.int64)
    scored = score_mentee(shared, ctx, options, among_rows, k=k) if k > 0 else None
    if scored is None:
        return []
    top = top_k(st, scored.cand, scored.score, k)
    return build_recommendations(shared, options, scored, top)


# --- when nobody is suggested -----------------------------------------------------------------


@dataclass(frozen=True)
class Unsuggested:
    """Someone who holds a skill the mentee's goals reach but is not suggested, and why."""

    mentor_id: str
    skill_id: str  # their skill the reason is about (the closest one to the goals)
    level: int
    reason: str  # third person, as `excluded_mentors` words it: "is the mentee's manager"


@dataclass(frozen=True, eq=False)
class _HolderTable:
    """Everyone holding a skill reachable from one target node (willing or not), flattened:
    entry i is person row `rows[i]` holding skill code `code[i]` at `levels[i]`, reached with
    `credit[i]`. Built once per State and target, like TargetTable."""

    code: Rows
    rows: Rows
    levels: NDArray[np.int8]
    willing: NDArray[np.bool_]
    credit: Floats


@dataclass(eq=False)
class _HolderTables:
    """Holder tables of one State, and each skill code's position in skill id order."""

    tables: dict[str, _HolderTable] = field(default_factory=dict)
    id_rank: Rows | None = None


_HOLDERS: _TableCache[_HolderTables] = _TableCache(_HolderTables)


_ID_RANK: list[tuple[tuple[str, ...], Rows]] = []  # the latest skill id tuple and its ranks


def _id_rank(skill_ids: Sequence[str]) -> Rows:
    """Each skill code's position in skill id order (kept while the codes stay the same:
    most writes add no skill code)."""
    hit = _ID_RANK[0] if _ID_RANK else None
    if hit is not None and len(hit[0]) == len(skill_ids) and tuple(skill_ids) == hit[0]:
        return hit[1]
    rank = np.empty(len(skill_ids), np.int64)
    rank[np.argsort(np.array(skill_ids, dtype=object), kind="stable")] = np.arange(len(rank))
    rank.flags.writeable = False
    _ID_RANK[:] = [(tuple(skill_ids), rank)]
    return rank


def _holder_table(snapshot: Snapshot, st: State, node_id: str) -> _HolderTable:
    a = st.skills
    tc = snapshot.credits(st, node_id)
    codes = _codes_of(tc.universe, a)[tc.skill_index]
    keep = np.flatnonzero(codes >= 0)
    codes = codes[keep]
    lo = a.h_ptr[codes]
    lens = a.h_ptr[codes + 1] - lo
    pos = concat_ranges(lo, lens)
    return _HolderTable(
        code=np.repeat(codes, lens),
        rows=a.h_row[pos].astype(np.int64),
        levels=a.h_level[pos],
        willing=a.h_willing[pos],
        credit=np.repeat(tc.credit[keep], lens),
    )


@dataclass(frozen=True)
class _Held:
    """Every (person, reachable skill) entry of one mentee's goal targets, as parallel arrays:
    entry i is person row `rows[i]` holding skill code `code[i]` at `levels[i]` (`willing[i]`
    to mentor it), reached with `credit[i]`, valued confidence * credit * level factor
    (`value[i]`); `rank[i]` orders the skills by id, `floor[i]` is the mentee's own level of
    that skill (0: none). The mentee's own entries are left out."""

    rows: Rows
    code: Rows
    levels: NDArray[np.int8]
    willing: NDArray[np.bool_]
    credit: Floats
    value: Floats
    rank: Rows
    floor: NDArray[np.int64]


def _held(snapshot: Snapshot, st: State, ctx: MenteeContext) -> _Held:
    """The entries `unsuggested` weighs, from the people x skills arrays (CSC by skill)
    without a PersonSkill per entry; per-target tables cached for the State."""
    a = st.skills
    cache = _HOLDERS.of(st)
    if cache.id_rank is None:
        cache.id_rank = _id_rank(a.skill_ids)
    parts: list[tuple[float, _HolderTable]] = []
    for goal in ctx.goals:
        for t in ctx.targets[goal.id]:
            table = cache.tables.get(t.node_id)
            if table is None:
                if len(cache.tables) >= _TABLES_MAX:
                    cache.tables.clear()
                table = cache.tables[t.node_id] = _holder_table(snapshot, st, t.node_id)
            parts.append((t.confidence, table))

    def cat(get: Callable[[float, _HolderTable], NDArray[Any]], dtype: Any) -> NDArray[Any]:
        return np.concatenate([get(c, tb) for c, tb in parts]) if parts else np.zeros(0, dtype)

    rows = cat(lambda c, tb: tb.rows, np.int64)
    code = cat(lambda c, tb: tb.code, np.int64)
    levels = cat(lambda c, tb: tb.levels, np.int8)
    credit = cat(lambda c, tb: tb.credit, np.float64)
    # (confidence * credit) * level factor, in that order: the same floats as goal_best
    weight = cat(lambda c, tb: c * tb.credit, np.float64)
    value = weight * LEVEL_FACTORS[levels]
    floor_of = np.zeros(len(a.skill_ids), np.int64)
    for skill_id, level in st.skill_levels(ctx.mentee.id).items():
        skill_code = a.codes.get(skill_id)
        if skill_code is not None:
            floor_of[skill_code] = level
    own = st.rows.get(ctx.mentee.id)
    mine = rows != own if own is not None else np.ones(len(rows), dtype=bool)
    return _Held(
        rows=rows[mine],
        code=code[mine],
        levels=levels[mine],
        willing=cat(lambda c, tb: tb.willing, np.bool_)[mine],
        credit=credit[mine],
        value=value[mine],
        rank=cache.id_rank[code[mine]],
        floor=floor_of[code[mine]],
    )


def _best_per_row(held: _Held, mask: NDArray[np.bool_], first: Floats) -> tuple[Rows, Rows]:
    """(rows, entries): per row with an entry in `mask` (ascending), the entry that is
    greatest by (`first`, level, skill id)."""
    idx = np.flatnonzero(mask)
    order = idx[np.lexsort((held.rank[idx], held.levels[idx], first[idx], held.rows[idx]))]
    rows = held.rows[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = rows[1:] != rows[:-1]
    return rows[last], order[last]


# What `_sift` found keeps a holder out (`_Sifted.kind`); hard filter j is FILTERED + j.
RANKED, GUARDED, UNAVAILABLE, UNWILLING, NOT_ABOVE, CONFIDENCE_0, FEW_HOURS, FILTERED = range(8)


@dataclass(frozen=True)
class _Sifted:
    """Per holder of a reachable skill (`rows`, ascending): the entry its reason names (for
    one that is ranked, the entry that counts) and the first rule that keeps them out, as a
    kind (`RANKED`: none); `reason(i)` words it."""

    st: State
    held: _Held
    rows: Rows
    entry: Rows
    kind: Rows
    guard: dict[int, str]  # row -> why a guardrail keeps them out
    steps: list[str]  # the hard filters' reasons, in order (kind FILTERED + j)
    hours: Floats  # per holder: common hours a week (kind FEW_HOURS)
    min_overlap_hours: float

    def reason(self, i: int) -> str | None:
        kind = int(self.kind[i])
        if kind == RANKED:
            return None
        if kind == GUARDED:
            return self.guard[int(self.rows[i])]
        if kind == UNAVAILABLE:
            return mentor_unavailable(self.st.people[self.st.ids[int(self.rows[i])]])
        if kind == UNWILLING:
            return "does not offer to mentor it"
        if kind == NOT_ABOVE:
            mine = int(self.held.floor[self.entry[i]])
            return f"holds it at a level no higher than the mentee's (level {mine})"
        if kind == CONFIDENCE_0:
            return "reaches the goals only through targets of confidence 0"
        if kind == FEW_HOURS:
            return (
                f"has {self.hours[i]:.1f} h/week in common with the mentee, fewer than the "
                f"{self.min_overlap_hours:g} asked for"
            )
        return self.steps[kind - FILTERED]


def _sift(snapshot: Snapshot, mentee_id: str, options: RecommendOptions, now: datetime) -> _Sifted:
    """The rules of `unsuggested`, applied to every holder at once as array masks (Python
    only per guardrail and per hard filter, not per holder)."""
    st = snapshot.state
    ctx = mentee_context(st, mentee_id, options, now)
    held = _held(snapshot, st, ctx)
    usable = held.willing.copy()
    if options.model in LEVEL_MODELS:
        usable &= held.levels > held.floor
    rows, entry = _best_per_row(held, np.ones(len(held.rows), dtype=bool), held.credit)
    n = len(rows)

    def per_holder(mask: NDArray[np.bool_], first: Floats) -> Rows:
        got_rows, got = _best_per_row(held, mask, first)
        out = np.full(n, -1, dtype=np.int64)
        out[np.searchsorted(rows, got_rows)] = got
        return out

    willing = per_holder(held.willing, held.credit)
    best = per_holder(usable, held.value)
    kind = np.full(n, RANKED, dtype=np.int64)
    guard = excluded_mentors(st, mentee_id, options)
    guarded = {st.rows[m]: why for m, why in guard.items() if m in st.rows}
    if guarded:
        kind[_positions_in(rows, np.sort(np.fromiter(guarded, np.int64, len(guarded))))] = GUARDED
    undecided = kind == RANKED
    kind[undecided & ~st.arrays["mentor_ok"][rows]] = UNAVAILABLE
    undecided = kind == RANKED
    kind[undecided & (willing < 0)] = UNWILLING
    not_above = undecided & (willing >= 0) & (best < 0)
    kind[not_above] = NOT_ABOVE
    entry[not_above] = willing[not_above]  # the closest skill they are willing to mentor
    undecided = kind == RANKED
    kind[undecided & (held.value[np.maximum(best, 0)] <= 0)] = CONFIDENCE_0
    pending = np.flatnonzero(kind == RANKED)  # positions in `rows`, ascending rows
    entry[pending] = best[pending]
    cand = rows[pending]
    steps: list[str] = []
    passing = np.ones(len(cand), dtype=bool)
    for why, ok in filter_steps(st, ctx, cand, options):
        kind[pending[passing & ~ok]] = FILTERED + len(steps)
        steps.append(why)
        passing &= ok
    pending, cand = pending[passing], cand[passing]
    hours = np.zeros(n)
    if len(cand) and not options.asynchronous:
        hours[pending] = overlap_hours(Shared(snapshot, st, now), ctx, cand)
        few = pending[hours[pending] < options.min_overlap_hours - HOURS_EPS]
        kind[few] = FEW_HOURS
    return _Sifted(st, held, rows, entry, kind, guarded, steps, hours, options.min_overlap_hours)


def unsuggested(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[Unsuggested]:
    """Everyone holding a skill reachable from the mentee's goal targets (skill_fit, at any
    level, willing or not) whom `recommend` with these options leaves out, with the first rule
    that keeps them out: a guardrail (`excluded_mentors`), mentor eligibility
    (`mentor_unavailable`), not willing to mentor it, not above the mentee's level (one-to-one
    and group), a target of confidence 0, a hard filter (`filter_steps`: capacity, model,
    format, location, seniority, language), too few common hours. The holders missing from
    the list are exactly the mentors `recommend` ranks. Ordered by credit of the skill, then
    level (both descending), then mentor id. Raises NotFound and InvalidInput as `recommend`
    does (unknown mentee, no open goals, goals without targets, in_person without location).

    Array work over the people x skills arrays, no model object per entry (a few
    milliseconds for a thousand holders)."""
    options = options or RecommendOptions()
    sifted = _sift(snapshot, mentee_id, options, now or datetime.now(UTC))
    held, st = sifted.held, snapshot.state
    # the credit of the skill each reason names: its best over that person's entries
    keys = held.rows * max(len(st.skills.skill_ids), 1) + held.code
    uniq, inverse = np.unique(keys, return_inverse=True)
    best = np.full(len(uniq), -np.inf)
    np.maximum.at(best, inverse, held.credit)
    items: list[tuple[float, Unsuggested]] = []
    for i in np.flatnonzero(sifted.kind != RANKED).tolist():
        e = int(sifted.entry[i])
        why = sifted.reason(i)
        assert why is not None
        u = Unsuggested(
            st.ids[int(sifted.rows[i])],
            st.skills.skill_ids[int(held.code[e])],
            int(held.levels[e]),
            why,
        )
        items.append((float(best[inverse[e]]), u))
    items.sort(key=lambda cu: (-cu[0], -cu[1].level, cu[1].mentor_id))
    return [u for _, u in items]


def why_no_mentor(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Why `recommend` suggests nobody, in words without names (explain.no_mentor_lines over
    `unsuggested`): e.g. ['The only person holding a skill these goals reach ("negotiate
    supplier arrangements", level 4) is the mentee's manager']. Meant for an empty result;
    raises like `unsuggested`."""
    items = unsuggested(snapshot, mentee_id, options=options, now=now)
    h = snapshot.state.hierarchy
    return explain.no_mentor_lines([(h.label(u.skill_id), u.level, u.reason) for u in items])


CAPACITY_REASONS = ("has no free mentee place", "has fewer than the ")
GUARDRAIL_REASON = "is ruled out by a guardrail"


def why_few(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[str]:
    """What kept more mentors out when `recommend` returns fewer than asked for, counted over
    `unsuggested` (people who hold a skill the goals reach and offer to mentor it above the
    mentee's level) by the rule that removed them: too few common hours, capacity,
    guardrails, then each other hard filter (format, model, location, seniority, language).
    E.g. ['74 more mentors hold related skills but share under 1 h a week with you; try
    format=async or min_overlap_hours=0']. Without names. [] when nobody was removed so.
    Raises like `unsuggested`."""
    options = options or RecommendOptions()
    sifted = _sift(snapshot, mentee_id, options, now or datetime.now(UTC))
    # Every holder a guardrail keeps out is GUARDED (guardrails are looked at first); the
    # rest are counted by the hard filter or the overlap minimum that removed them.
    guarded = int(np.count_nonzero(sifted.kind == GUARDED))
    overlap = int(np.count_nonzero(sifted.kind == FEW_HOURS))
    capacity = 0
    other: dict[str, int] = {}
    for j, reason in enumerate(sifted.steps):
        count = int(np.count_nonzero(sifted.kind == FILTERED + j))
        if not count:
            continue
        if reason == GUARDRAIL_REASON:
            guarded += count
        elif reason.startswith(CAPACITY_REASONS):
            capacity += count
        elif reason in _FILTER_REASONS or reason.startswith(_FILTER_PREFIXES):
            other[reason] = other.get(reason, 0) + count
    return explain.few_mentor_lines(
        overlap, capacity, guarded, other, min_overlap_hours=options.min_overlap_hours
    )


# `filter_steps` reasons other than capacity and guardrails (those are counted apart)
_FILTER_REASONS = frozenset(
    {
        "is not in the mentee's location (in person)",
        "is not within one seniority step (peer mentoring)",
        "is not junior to the mentee (reverse mentoring)",
        "speaks none of the mentee's languages",
    }
)
_FILTER_PREFIXES = ("does not take ", "is not open to the ")


def build_recommendations(
    shared: Shared, options: RecommendOptions, scored: Scored, positions: list[int]
) -> list[Recommendation]:
    """Reasons and paths for the candidates at `positions` (the expensive part: only top k)."""
    if not positions:
        return []
    st, ctx = shared.state, scored.ctx
    n_slots = ctx.horizon.n_slots
    rows = np.array([st.rows[ctx.mentee.id], *(int(scored.cand[i]) for i in positions)], np.int64)
    grids = np.unpackbits(shared.snapshot.packed_grids(st, ctx.horizon, rows), axis=1)
    grids = grids[:, :n_slots].astype(bool)
    return [
        _build(st, ctx, options, i, scored, grids[0], grids[n + 1]) for n, i in enumerate(positions)
    ]


def filter_steps(
    st: State, ctx: MenteeContext, cand: Rows, options: RecommendOptions
) -> Iterator[tuple[str, NDArray[np.bool_]]]:
    """The hard filters one at a time, in order: (why a candidate fails it, in the words of
    `excluded_mentors`; mask of the candidates in `cand` that pass). `cand` ascending."""
    a = st.arrays
    mentee = ctx.mentee
    yield "is not available as a mentor", a["mentor_ok"][cand]
    yield "has no free mentee place", a["places"][cand] + 1 <= a["max_mentees"][cand]
    yield (
        f"has fewer than the {mentee.hours_wanted_per_month:g} hours a month the mentee wants free",
        a["hours"][cand] + mentee.hours_wanted_per_month <= a["max_hours"][cand] + HOURS_EPS,
    )
    excluded_rows = [st.rows[m] for m in ctx.excluded if m in st.rows]
    guard = np.ones(len(cand), dtype=bool)
    if excluded_rows:
        guard[_positions_in(cand, excluded_rows)] = False
    yield "is ruled out by a guardrail", guard
    mm = a["model_mask"][cand]
    yield (
        f"does not take {options.model.value} mentoring",
        (mm == 0) | ((mm & MODEL_BITS[options.model.value]) != 0),
    )
    if options.format is not None:
        fm = a["fmt_mask"][cand]
        yield (
            f"is not open to the {options.format.value} format",
            (fm == 0) | ((fm & FORMAT_BITS[options.format.value]) != 0),
        )
    if options.format == Format.in_person:
        here = location_key(mentee.location)
        yield (
            "is not in the mentee's location (in person)",
            np.fromiter(
                (location_key(st.people[st.ids[int(r)]].location) == here for r in cand),
                dtype=bool,
                count=len(cand),
            ),
        )
    sen = a["seniority"][cand].astype(np.int64)
    if options.model == MentoringModel.peer:
        peer_ok = np.abs(sen - mentee.seniority) <= 1
        yield "is not within one seniority step (peer mentoring)", peer_ok
    elif options.model == MentoringModel.reverse:
        yield "is not junior to the mentee (reverse mentoring)", sen < mentee.seniority
    if options.require_common_language and mentee.languages:
        mask, exact = language_mask(mentee.languages, st.lang_bits)
        lm = a["lang_mask"][cand]
        lang_ok = ((lm & np.uint64(mask)) != 0) | (lm == 0)
        fuzzy = a["lang_exact"][cand] | exact
        if fuzzy.any():  # beyond the bitmask: compare the lists themselves
            mine = {x.casefold() for x in mentee.languages}
            for j in np.flatnonzero(fuzzy & ~lang_ok):
                theirs = st.people[st.ids[int(cand[j])]].languages
                lang_ok[j] = not theirs or bool(mine & {x.casefold() for x in theirs})
        yield "speaks none of the mentee's languages", lang_ok


def hard_filters(
    st: State, ctx: MenteeContext, cand: Rows, options: RecommendOptions
) -> NDArray[np.bool_]:
    """Candidates in `cand` that pass every step of `filter_steps`."""
    keep = np.ones(len(cand), dtype=bool)
    for _, ok in filter_steps(st, ctx, cand, options):
        keep &= ok
    return keep


def preferences_component(st: State, ctx: MenteeContext, cand: Rows) -> Floats:
    """The mentee's format, language and function wishes against each candidate."""
    a = st.arrays
    prefs = ctx.mentee.preferences
    fmt_ok = np.ones(len(cand))
    if prefs.formats:
        want = 0
        for f in prefs.formats:
            want |= FORMAT_BITS[f.value]
        fm = a["fmt_mask"][cand]
        fmt_ok = ((fm == 0) | ((fm & want) != 0)).astype(np.float64)
    lang_ok = np.ones(len(cand))
    if prefs.languages:
        mask, exact = language_mask(prefs.languages, st.lang_bits)
        lm = a["lang_mask"][cand]
        lang_ok = ((lm & np.uint64(mask)) != 0).astype(np.float64)
        fuzzy = a["lang_exact"][cand] | exact
        if fuzzy.any():
            mine = {x.casefold() for x in prefs.languages}
            for j in np.flatnonzero(fuzzy):
                theirs = {x.casefold() for x in st.people[st.ids[int(cand[j])]].languages}
                lang_ok[j] = float(bool(mine & theirs))
    func_ok = np.ones(len(cand))
    if prefs.function != "any":
        dept = a["dept"][cand]
        mine_dept = a["dept"][st.rows[ctx.mentee.id]]
        same = (dept == mine_dept) & (mine_dept >= 0)
        func_ok = (same if prefs.function == "same" else ~same).astype(np.float64)
    return preferences_array(fmt_ok, lang_ok, func_ok)


def top_k(
    st: State, cand: Rows, score: Floats, k: int, id_rank: NDArray[np.int64] | None = None
) -> list[int]:
    """Positions of the best k by (score desc, mentor id asc); ties at the cut are kept fair.

    `id_rank` (row -> rank of its id in sorted order, `Shared.id_rank`) gives the same order
    with one lexsort instead of comparing id strings."""
    if len(score) > k:
        cut = np.partition(-score, k - 1)[k - 1]
        pos = np.flatnonzero(-score <= cut)
    else:
        pos = np.arange(len(score))
    if id_rank is not None:
        return pos[np.lexsort((id_rank[cand[pos]], -score[pos]))][:k].tolist()  # type: ignore[no-any-return]
    ranked = sorted(pos.tolist(), key=lambda i: (-score[i], st.ids[int(cand[i])]))
    return ranked[:k]


def _build(
    st: State,
    ctx: MenteeContext,
    options: RecommendOptions,
    i: int,
    scored: Scored,
    mentee_grid: av.BoolGrid,
    mentor_grid: av.BoolGrid,
) -> Recommendation:
    row = int(scored.cand[i])
    mentor = st.people[st.ids[row]]
    paths: list[SkillPath] = []
    for goal, b in zip(ctx.goals, scored.bests, strict=True):
        j = int(np.searchsorted(b.rows, row))
        if j < len(b.rows) and b.rows[j] == row:
            target, skill, route = b.entry_of(j)
            paths.append(skill_path(st, goal, target, skill, route, int(b.levels[j]), b.fit[j]))
    paths.sort(key=lambda p: (-p.fit, p.goal_id))
    a = st.arrays
    return finish_recommendation(
        st,
        ctx,
        options,
        mentor,
        score=float(scored.score[i]),
        components={c: float(scored.comps[c][i]) for c in COMPONENTS},
        paths=paths,
        overlap=float(scored.overlap[i]),
        mentee_grid=mentee_grid,
        mentor_grid=mentor_grid,
        capacity_left=int(a["max_mentees"][row] - a["places"][row]),
        ratings=(float(a["fb_sum"][row]), int(a["fb_n"][row])),
    )


def skill_path(
    st: State,
    goal: Goal,
    target: GoalTarget,
    skill_id: str,
    route: Any,
    level: int,
    fit: float,
) -> SkillPath:
    h = st.hierarchy
    via = route.via if route.via != skill_id else None
    via_node = h.node(via) if via is not None else None
    return SkillPath(
        goal_id=goal.id,
        goal_text=goal.text,
        target_id=target.node_id,
        target_label=h.label(target.node_id),
        target_confidence=target.confidence,
        via_id=via,
        via_label=via_node.label if via_node is not None else None,
        via_code=(via_node.code or None) if isinstance(via_node, SkillCluster) else None,
        via_kind=via_node.kind if via_node is not None else None,
        skill_id=skill_id,
        skill_label=h.label(skill_id),
        mentor_level=level,
        hops=route.hops,
        fit=float(fit),
        relation=str(route.relation),
        credit=float(route.credit),
    )


def finish_recommendation(
    st: State,
    ctx: MenteeContext,
    options: RecommendOptions,
    mentor: Person,
    *,
    score: float,
    components: dict[str, float],
    paths: list[SkillPath],
    overlap: float,
    mentee_grid: av.BoolGrid,
    capacity_left: int,
    ratings: tuple[float, int],
    mentor_grid: av.BoolGrid | None = None,
) -> Recommendation:
    """Shared by the fast path and the reference: the example slot and the words."""
    if mentor_grid is None:
        mentor_grid = av.person_grid(
            mentor.timezone, mentor.windows, mentor.exceptions, ctx.horizon
        )
    example = av.common_example(ctx.horizon, mentee_grid, mentor_grid, ctx.mentee.timezone)
    free_from = av.available_from(mentor.exceptions, ctx.horizon.start)
    facts = explain.Facts(
        mentor=mentor,
        paths=paths,
        overlap_hours=overlap,
        overlap_example=example,
        asynchronous=options.asynchronous,
        capacity_left=capacity_left,
        ratings_sum=ratings[0],
        ratings_n=ratings[1],
        declined_before=mentor.id in ctx.declined,
        available_from=free_from,
        overlap_week_hours=tuple(av.weekly_hours(mentee_grid, mentor_grid, ctx.horizon)),
    )
    return Recommendation(
        mentor_id=mentor.id,
        mentor_name=mentor.name,
        score=score,
        components=components,
        reasons=explain.reasons(facts),
        skill_paths=paths,
        overlap_hours_per_week=overlap,
        overlap_example=example,
        capacity_left=capacity_left,
        available_from=free_from,
    )
