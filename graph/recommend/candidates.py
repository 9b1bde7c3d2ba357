"""Top-k mentor candidates for many mentees at once: the cohort matcher's input.

`top_k_candidates(snapshot, mentee_ids, k=..., options=..., now=...)` gives, for every mentee,
exactly the mentors and scores `recommend(snapshot, mentee, k=k, ...)` would give (same order,
ties by mentor id), as flat edge arrays, without building reasons. It runs the ranking's own
per-mentee core (`ranking.score_mentee`) with one `ranking.Shared` for the whole batch, so the
work many mentees have in common is done once:

- each target node's entry table (reachable skills x willing holders, with credits) is built
  once, however many mentees target that skill or cluster;
- the mentor-only components (capacity with its exposure count, feedback) are computed once
  for every eligible mentor as vectors and gathered per mentee;
- availability grids are packed once per person and horizon (the Snapshot's cache) and
  compared with a vectorised popcount over all of a mentee's candidates at once.

The formulas are the ranking's (scoring.py), applied elementwise, so a mentor's score does not
depend on which other mentors are scored with it: the batch and `recommend` agree exactly.

`CandidateScorer.eligible(mentee_ids)` gives instead every edge the ranking allows (all of
each mentee's mentors, not only the top k), vectorised over groups of mentees: mentees whose
open goals have the same targets (and the same calendar horizon) share one entry table per
goal and one candidate column set; the per-mentee parts (the level floor on skills the mentee
holds, guardrails, hours, language, preferences, declined pairs) are applied as gathers over
the (mentee, mentor) cells, and common hours come from one sparse people x slots product per
group (scipy.sparse), so only pairs with common hours are looked at further. Scores are the
same floats `score_mentee` gives (the same elementwise formulas on the same inputs); the
cohort matcher selects from these edges from both sides (cohort.py).

Reasons are the expensive part of a recommendation; `explain_edges` builds them only for the
pairs finally chosen (through `ranking.build_recommendations`, as `recommend` does). A
`CandidateScorer` does both over one State and keeps the shared work between them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from rich.progress import track

from graph.errors import InvalidInput
from graph.model import Format, MentoringModel, Person
from graph.recommend import availability as av
from graph.recommend.ranking import (
    LEVEL_FACTORS,
    MenteeContext,
    Shared,
    TargetTable,
    build_recommendations,
    concat_ranges,
    location_key,
    mentee_context,
    score_mentee,
    top_k,
    universe_of_codes,
)
from graph.recommend.scoring import (
    COMPONENTS,
    DECLINED_FACTOR,
    HOURS_EPS,
    Recommendation,
    RecommendOptions,
    availability_array,
    preferences_array,
    skill_fit_array,
    weighted_score_array,
)
from graph.recommend.skill_fit import LEVEL_MODELS
from graph.recommend.snapshot import (
    FORMAT_BITS,
    MODEL_BITS,
    SkillArrays,
    Snapshot,
    State,
    language_mask,
)

Rows = NDArray[np.int64]
Floats = NDArray[np.float64]
V = TypeVar("V")


@dataclass(frozen=True)
class CandidateEdges:
    """Edges mentee -> mentor, grouped by mentee in input order, each mentee's best first."""

    mentee_ids: tuple[str, ...]
    mentee_index: Rows  # position in mentee_ids
    mentee_row: Rows  # State row of the mentee
    mentor_row: Rows  # State row of the mentor
    score: Floats
    problems: dict[str, str]  # mentee id -> why it has no candidates at all (no usable goals)
    components: dict[str, Floats] | None = None  # per edge, when asked for

    @property
    def n_edges(self) -> int:
        return len(self.score)

    def mentor_ids(self, state: State) -> list[str]:
        """Mentor id per edge."""
        return [state.ids[int(r)] for r in self.mentor_row]

    def count_per_mentee(self) -> NDArray[np.int64]:
        return np.bincount(self.mentee_index, minlength=len(self.mentee_ids))


@dataclass(frozen=True)
class EdgeBlock:
    """Eligible edges of one group of mentees: `mentee_index` (position in the mentee list
    given to `eligible`), `mentor_row` (State row), both int32, and `score` (the ranking's,
    float64). Each mentee's edges come in one block, one after another (mentor rows
    ascending)."""

    mentee_index: NDArray[np.int32]
    mentor_row: NDArray[np.int32]
    score: Floats


GoalKey = tuple[tuple[str, float], ...]
CELLS_PER_STEP = 1 << 21  # (mentee, mentor) cells handled at once inside one group
ENTRIES_KEPT = 256  # goal entry tables kept while scoring groups (~40 bytes per entry each)


@dataclass(frozen=True)
class _GoalEntries:
    """Every entry of one goal's targets before the mentee's level floor (as `goal_best`
    builds them), sorted once by (row, value desc, entry group): the first entry of each row
    segment is that row's best when the mentee holds none of the skills."""

    rows: Rows  # unique rows that some entry reaches, ascending
    best: Floats  # best value per row (no floor)
    parts: tuple[tuple[TargetTable, int], ...]  # (table, group offset)
    group: Rows  # per entry, non-decreasing
    levels: NDArray[np.int8]
    vals: Floats
    order: Rows  # entries sorted by (row, -value, group)
    seg: Rows  # per entry: index of its row in `rows`
    seg_start: Rows  # len(rows) + 1 boundaries into `order`


def _goal_entries(shared: Shared, targets: GoalKey) -> _GoalEntries | None:
    parts: list[tuple[float, TargetTable, int]] = []
    offset = 0
    for node_id, confidence in targets:
        table = shared.table(node_id)
        if len(table.rows):
            parts.append((confidence, table, offset))
            offset += table.n_skills
    if not parts:
        return None
    rows = np.concatenate([tb.rows for _, tb, _ in parts])
    levels = np.concatenate([tb.levels for _, tb, _ in parts])
    group = np.concatenate([tb.local + off for _, tb, off in parts])
    weight = np.concatenate([c * tb.credit for c, tb, _ in parts])  # as goal_best
    vals = weight * LEVEL_FACTORS[levels]
    order = np.lexsort((group, -vals, rows))
    rows_o = rows[order]
    first = np.ones(len(rows_o), dtype=bool)
    first[1:] = rows_o[1:] != rows_o[:-1]
    starts = np.flatnonzero(first)
    uniq = rows_o[starts]
    seg = np.searchsorted(uniq, rows)
    return _GoalEntries(
        rows=uniq,
        best=vals[order[starts]],
        parts=tuple((tb, off) for _, tb, off in parts),
        group=group,
        levels=levels,
        vals=vals,
        order=order,
        seg=seg,
        seg_start=np.append(starts, len(order)),
    )


def _floored_many(ge: _GoalEntries, sk: SkillArrays, m_rows: Rows) -> tuple[Rows, Rows, Floats]:
    """The level floor of `goal_best` for many mentees at once (person rows `m_rows`): an
    entry counts only above the mentee's own level of its skill. Returns (mentee position
    in `m_rows`, row segment in `ge.rows`, new best value there, 0 where no entry is left)
    for every segment whose best changes, mentee positions ascending."""
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    lo, hi = sk.ptr[np.minimum(m_rows, sk.n_rows)], sk.ptr[np.minimum(m_rows + 1, sk.n_rows)]
    lens = np.where(m_rows < sk.n_rows, hi - lo, 0)
    pos = concat_ranges(lo, lens)
    if len(pos) == 0:
        return none
    mine = np.repeat(np.arange(len(m_rows), dtype=np.int64), lens)
    code, level = sk.skill[pos].astype(np.int64), sk.level[pos]
    b_m: list[Rows] = []
    b_e: list[Rows] = []
    for tb, off in ge.parts:
        which, j = tb.locals_at(universe_of_codes(tb.credits.universe, sk)[code])
        g = off + j
        e_lo = np.searchsorted(ge.group, g)
        e_n = np.searchsorted(ge.group, g, side="right") - e_lo
        entries = concat_ranges(e_lo, e_n)
        blocked = ge.levels[entries] <= np.repeat(level[which], e_n)
        b_m.append(np.repeat(mine[which], e_n)[blocked])
        b_e.append(entries[blocked])
    bm, be = np.concatenate(b_m), np.concatenate(b_e)
    if len(bm) == 0:
        return none
    n_e, n_s = len(ge.group), len(ge.rows)
    blocked_keys = np.unique(bm * n_e + be)
    pairs = np.unique(bm * n_s + ge.seg[be])
    pm, ps = pairs // n_s, pairs % n_s
    s_lo = ge.seg_start[ps]
    s_n = ge.seg_start[ps + 1] - s_lo
    ent = ge.order[concat_ranges(s_lo, s_n)]
    pair_of = np.repeat(np.arange(len(pairs)), s_n)
    keys = pm[pair_of] * n_e + ent
    at = np.minimum(np.searchsorted(blocked_keys, keys), len(blocked_keys) - 1)
    okpos = np.flatnonzero(blocked_keys[at] != keys)
    new = np.zeros(len(pairs))
    if len(okpos):
        first = np.ones(len(okpos), dtype=bool)
        first[1:] = pair_of[okpos[1:]] != pair_of[okpos[:-1]]
        new[pair_of[okpos[first]]] = ge.vals[ent[okpos[first]]]
    return pm, ps, new


class CandidateScorer:
    """Scores many mentees over one State, sharing work; `top_k` then `explain` the chosen."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        options: RecommendOptions | None = None,
        now: datetime | None = None,
    ) -> None:
        self.options = options or RecommendOptions()
        self.now = now or datetime.now(UTC)
        self.state = snapshot.state
        self.shared = Shared(snapshot, self.state, self.now)
        self._id_rank: NDArray[np.int64] | None = None
        self._slot_matrices: dict[av.Horizon, tuple[sp.csr_matrix, NDArray[np.bool_]]] = {}
        self._needed: NDArray[np.bool_] | None = None  # rows whose calendars `_slots` packs
        self._loc: NDArray[np.int64] | None = None
        self._loc_codes: dict[str, int] = {}

    def top_k(
        self,
        mentee_ids: Sequence[str],
        *,
        k: int = 50,
        among: Collection[str] | None = None,
        components: bool = False,
        progress: bool = False,
    ) -> CandidateEdges:
        """Every mentee's top `k` mentors as edges (see `top_k_candidates`)."""
        st, options, shared = self.state, self.options, self.shared
        among_rows = None
        if among is not None:
            among_rows = np.unique(np.array([st.rows[m] for m in among if m in st.rows], np.int64))
        if shared.mentor_vectors is None:
            shared.fill_mentor_vectors()
        if self._id_rank is None:
            self._id_rank = shared.id_rank()
        idx_l: list[Rows] = []
        mentor_l: list[Rows] = []
        score_l: list[Floats] = []
        comp_l: dict[str, list[Floats]] = {c: [] for c in COMPONENTS}
        problems: dict[str, str] = {}
        for i, mid in enumerate(_progress(mentee_ids, progress, "scoring mentors")):
            try:
                ctx = mentee_context(st, mid, options, self.now)
            except InvalidInput as exc:
                problems[mid] = exc.message
                continue
            scored = score_mentee(shared, ctx, options, among_rows, k=k) if k > 0 else None
            if scored is None:
                continue
            pos = np.array(top_k(st, scored.cand, scored.score, k, self._id_rank), dtype=np.int64)
            idx_l.append(np.full(len(pos), i, dtype=np.int64))
            mentor_l.append(scored.cand[pos])
            score_l.append(scored.score[pos])
            if components:
                for c in COMPONENTS:
                    comp_l[c].append(scored.comps[c][pos])
        index = np.concatenate(idx_l) if idx_l else np.zeros(0, np.int64)
        mentee_rows = np.array([st.rows[m] for m in mentee_ids], dtype=np.int64)
        return CandidateEdges(
            mentee_ids=tuple(mentee_ids),
            mentee_index=index,
            mentee_row=mentee_rows[index] if len(index) else np.zeros(0, np.int64),
            mentor_row=np.concatenate(mentor_l) if mentor_l else np.zeros(0, np.int64),
            score=np.concatenate(score_l) if score_l else np.zeros(0),
            problems=problems,
            components=(
                {c: np.concatenate(v) if v else np.zeros(0) for c, v in comp_l.items()}
                if components
                else None
            ),
        )

    def eligible(
        self,
        mentee_ids: Sequence[str],
        *,
        exclude_rows: NDArray[np.bool_] | None = None,
        problems: dict[str, str] | None = None,
        progress: bool = False,
    ) -> Iterator[EdgeBlock]:
        """Every edge `recommend(k=everyone)` would give each mentee, in blocks (module doc).

        The same mentors and the same scores as `score_mentee` (guardrails, filters, overlap
        minimum, level floor), without a top-k cut; no order within a block. `exclude_rows`
        (bool per State row) leaves those people out as mentors (a cohort's one role per
        run). Mentees without usable goals get a line in `problems` (the InvalidInput text)
        and no edges; an unknown id raises NotFound. Memory: one block at a time, about 40
        bytes per (mentee, mentor) cell of a group that shares common hours."""
        st, options, shared = self.state, self.options, self.shared
        if shared.mentor_vectors is None:
            shared.fill_mentor_vectors()
        problems = {} if problems is None else problems
        groups: dict[tuple[av.Horizon, tuple[GoalKey, ...]], list[tuple[int, MenteeContext]]] = {}
        for i, mid in enumerate(mentee_ids):
            try:
                ctx = mentee_context(st, mid, options, self.now)
            except InvalidInput as exc:
                problems[mid] = exc.message
                continue
            key = tuple(
                tuple((t.node_id, float(t.confidence)) for t in ctx.targets[g.id])
                for g in ctx.goals
            )
            groups.setdefault((ctx.horizon, key), []).append((i, ctx))
        a = st.arrays
        colok = a["mentor_ok"] & (a["places"] + 1 <= a["max_mentees"])
        mm = a["model_mask"]
        colok &= (mm == 0) | ((mm & MODEL_BITS[options.model.value]) != 0)
        if options.format is not None:
            fm = a["fmt_mask"]
            colok &= (fm == 0) | ((fm & FORMAT_BITS[options.format.value]) != 0)
        if exclude_rows is not None:
            colok &= ~exclude_rows
        # people whose calendars matter: the mentees and everyone who may mentor
        needed = colok.copy()
        needed[[st.rows[ctx.mentee.id] for ms in groups.values() for _, ctx in ms]] = True
        self._needed = needed
        entries: dict[GoalKey, _GoalEntries | None] = {}
        items = sorted(groups.items(), key=lambda kv: (kv[0][0].start, kv[0][0].weeks, kv[0][1]))
        for (horizon, key), members in _progress_items(items, progress, "scoring cohort"):
            goals = []
            for targets in key:
                if targets not in entries:
                    if len(entries) >= ENTRIES_KEPT:  # groups come sorted by key: reuse is near
                        entries.clear()
                    entries[targets] = _goal_entries(shared, targets)
                goals.append(entries[targets])
            nonempty = [ge.rows for ge in goals if ge is not None]
            if not nonempty:
                continue
            cand = np.unique(np.concatenate(nonempty)) if len(nonempty) > 1 else nonempty[0]
            cols = cand[colok[cand]]
            if len(cols) == 0:
                continue
            dense = options.asynchronous or options.min_overlap_hours - HOURS_EPS <= 0
            step = max(1, (CELLS_PER_STEP if dense else 4 * CELLS_PER_STEP) // len(cols))
            for lo in range(0, len(members), step):
                block = self._group_block(horizon, goals, members[lo : lo + step], cols)
                if block is not None:
                    yield block
        # the people x slots matrices are the largest cache (hundreds of MB for 150k
        # people) and only this cohort-scale pass uses them: free them for what follows
        self._slot_matrices.clear()

    def _slots(self, horizon: av.Horizon) -> sp.csr_matrix:
        """People x UTC slots of `horizon` (1 where free), one row per State row (built once
        per horizon; only the rows `eligible` needs are filled, the others stay empty)."""
        st = self.state
        n, n_slots = len(st.ids), horizon.n_slots
        want = self._needed if self._needed is not None else np.ones(n, dtype=np.bool_)
        hit = self._slot_matrices.get(horizon)
        if hit is not None and not (want & ~hit[1]).any():
            return hit[0]
        rows = np.flatnonzero(want).astype(np.int64)
        r_l, c_l = [], []
        for lo in range(0, len(rows), 20_000):
            part = rows[lo : lo + 20_000]
            packed = self.shared.snapshot.packed_grids(st, horizon, part)
            bits = np.unpackbits(packed, axis=1)[:, :n_slots]
            r, c = np.nonzero(bits)
            r_l.append(part[r].astype(np.int32))
            c_l.append(c.astype(np.int32))
        r_all = np.concatenate(r_l) if r_l else np.zeros(0, np.int32)
        c_all = np.concatenate(c_l) if c_l else np.zeros(0, np.int32)
        mat = sp.csr_matrix(
            (np.ones(len(r_all), dtype=np.int32), (r_all, c_all)), shape=(n, n_slots)
        )
        self._slot_matrices[horizon] = (mat, want.copy())
        return mat

    def _location_codes(self) -> NDArray[np.int64]:
        if self._loc is None:
            codes: dict[str, int] = {}
            st = self.state
            self._loc = np.array(
                [
                    codes.setdefault(location_key(st.people[pid].location), len(codes))
                    for pid in st.ids
                ],
                dtype=np.int64,
            )
            self._loc_codes = codes
        return self._loc

    def _group_block(
        self,
        horizon: av.Horizon,
        goals: list[_GoalEntries | None],
        members: list[tuple[int, MenteeContext]],
        cols: Rows,
    ) -> EdgeBlock | None:
        """Eligible edges of mentees sharing goal targets and horizon, over columns `cols`
        (ascending rows that pass the mentor-only filters)."""
        st, options, shared = self.state, self.options, self.shared
        a = st.arrays
        n_cols = len(cols)
        g_n = len(members)
        m_rows = np.array([st.rows[ctx.mentee.id] for _, ctx in members], dtype=np.int64)
        need_all = options.asynchronous or options.min_overlap_hours - HOURS_EPS <= 0
        per_slot = av.SLOT_MINUTES / 60 / horizon.weeks
        # cells: (mentee, column) pairs worth looking at; common hours where needed
        overlap: Floats | None = None
        if not options.asynchronous:
            slots = self._slots(horizon)
            prod = (slots[m_rows] @ slots[cols].T).tocoo()
            o_i = prod.row.astype(np.int64)
            o_c = prod.col.astype(np.int64)
            o_h = (prod.data.astype(np.int64) * per_slot).astype(np.float64)
        if need_all:
            ii = np.repeat(np.arange(g_n, dtype=np.int64), n_cols)
            cc = np.tile(np.arange(n_cols, dtype=np.int64), g_n)
            if not options.asynchronous:
                dense = np.zeros(g_n * n_cols)
                dense[o_i * n_cols + o_c] = o_h
                overlap = dense
        else:
            ok = o_h >= options.min_overlap_hours - HOURS_EPS
            ii, cc, overlap = o_i[ok], o_c[ok], o_h[ok]
            order = np.argsort(ii * n_cols + cc, kind="stable")
            ii, cc, overlap = ii[order], cc[order], overlap[order]
        if len(ii) == 0:
            return None
        ctxs = [ctx for _, ctx in members]
        mentees = [ctx.mentee for ctx in ctxs]
        keep = np.ones(len(ii), dtype=bool)
        want = np.array([m.hours_wanted_per_month for m in mentees], dtype=np.float64)
        r = cols[cc]
        keep &= a["hours"][r] + want[ii] <= a["max_hours"][r] + HOURS_EPS
        if options.format == Format.in_person:
            loc = self._location_codes()
            mine = np.array(
                [self._loc_codes.get(location_key(m.location), -1) for m in mentees], np.int64
            )
            keep &= loc[r] == mine[ii]
        sen_m = np.array([m.seniority for m in mentees], dtype=np.int64)
        sen = a["seniority"][r].astype(np.int64)
        if options.model == MentoringModel.peer:
            keep &= np.abs(sen - sen_m[ii]) <= 1
        elif options.model == MentoringModel.reverse:
            keep &= sen < sen_m[ii]
        if options.require_common_language:
            keep &= self._language_ok(mentees, ii, r, for_filter=True)
        # skill fit per goal, with each mentee's level floor
        fits = np.zeros((len(goals), len(ii)))
        floors = options.model in LEVEL_MODELS
        cellkey = ii * n_cols + cc
        for k, ge in enumerate(goals):
            if ge is None:
                continue
            pos = np.minimum(np.searchsorted(ge.rows, cols), len(ge.rows) - 1)
            present = ge.rows[pos] == cols
            base = np.where(present, ge.best[pos], 0.0)
            fits[k] = base[cc]
            if not floors:
                continue
            pm, segs, new = _floored_many(ge, st.skills, m_rows)
            crow = ge.rows[segs]
            cpos = np.minimum(np.searchsorted(cols, crow), n_cols - 1)
            hit = cols[cpos] == crow
            pk = pm[hit] * n_cols + cpos[hit]
            if len(pk):
                pv = new[hit]
                at = np.minimum(np.searchsorted(pk, cellkey), len(pk) - 1)
                hit = pk[at] == cellkey
                fits[k, hit] = pv[at[hit]]
        keep &= fits.max(axis=0, initial=0.0) > 0
        # guardrails (self, manager chain, reports, do-not-pair-again, open pairings, excluded)
        guard = self._pair_keys(ctxs, [ctx.excluded for ctx in ctxs], cols)
        if len(guard):
            keep &= ~np.isin(cellkey, guard)
        if not keep.any():
            return None
        ii, cc, r, cellkey, fits = ii[keep], cc[keep], r[keep], cellkey[keep], fits[:, keep]
        ov = overlap[keep] if overlap is not None else np.zeros(len(ii))
        comps = {
            "skill_fit": skill_fit_array(fits),
            "availability": availability_array(ov, options.asynchronous),
            "preferences": self._preferences(mentees, m_rows, ii, r),
            **shared.mentor_components(r),
        }
        factor = np.ones(len(ii))
        declined = self._pair_keys(ctxs, [ctx.declined for ctx in ctxs], cols)
        if len(declined):
            factor[np.isin(cellkey, declined)] = DECLINED_FACTOR
        score = weighted_score_array(comps, options.weights, factor)
        index = np.array([i for i, _ in members], dtype=np.int64)
        return EdgeBlock(index[ii].astype(np.int32), r.astype(np.int32), score)

    def _pair_keys(
        self, ctxs: list[MenteeContext], ids: list[set[str]], cols: Rows
    ) -> NDArray[np.int64]:
        """Cell keys (mentee position * len(cols) + column) of each mentee's `ids`, sorted."""
        st = self.state
        out: list[int] = []
        for li, people in enumerate(ids):
            if not people:
                continue
            rows = np.array([st.rows[m] for m in people if m in st.rows], dtype=np.int64)
            if len(rows) == 0:
                continue
            pos = np.minimum(np.searchsorted(cols, rows), len(cols) - 1)
            hit = cols[pos] == rows
            out.extend((li * len(cols) + pos[hit]).tolist())
        return np.array(sorted(out), dtype=np.int64)

    def _language_ok(
        self, mentees: list[Person], ii: Rows, r: Rows, *, for_filter: bool, prefs: bool = False
    ) -> NDArray[np.bool_]:
        """Per cell: the hard language filter (`filter_steps`) or, with prefs=True, the
        preferred-language check of `preferences_component` (as 0/1 booleans)."""
        st = self.state
        a = st.arrays
        langs = [m.preferences.languages if prefs else m.languages for m in mentees]
        masks = np.zeros(len(mentees), dtype=np.uint64)
        exact = np.zeros(len(mentees), dtype=bool)
        has = np.zeros(len(mentees), dtype=bool)
        for li, ls in enumerate(langs):
            if ls:
                mask, ex = language_mask(ls, st.lang_bits)
                masks[li], exact[li], has[li] = np.uint64(mask), ex, True
        lm = a["lang_mask"][r]
        hit = (lm & masks[ii]) != 0
        if for_filter:
            ok = hit | (lm == 0) | ~has[ii]
            fuzzy = (a["lang_exact"][r] | exact[ii]) & has[ii] & ~ok
        else:
            ok = hit | ~has[ii]
            fuzzy = (a["lang_exact"][r] | exact[ii]) & has[ii]
        for j in np.flatnonzero(fuzzy).tolist():
            mine = {x.casefold() for x in langs[int(ii[j])]}
            theirs = st.people[st.ids[int(r[j])]].languages
            if for_filter:
                ok[j] = not theirs or bool(mine & {x.casefold() for x in theirs})
            else:
                ok[j] = bool(mine & {x.casefold() for x in theirs})
        return np.asarray(ok, dtype=np.bool_)

    def _preferences(self, mentees: list[Person], m_rows: Rows, ii: Rows, r: Rows) -> Floats:
        """`preferences_component` per cell: format, language and function wishes."""
        a = self.state.arrays
        want = np.zeros(len(mentees), dtype=np.uint8)
        for li, m in enumerate(mentees):
            for f in m.preferences.formats:
                want[li] |= FORMAT_BITS[f.value]
        fm = a["fmt_mask"][r]
        w = want[ii]
        fmt_ok = np.where(w == 0, 1.0, ((fm == 0) | ((fm & w) != 0)).astype(np.float64))
        lang_ok = self._language_ok(mentees, ii, r, for_filter=False, prefs=True).astype(np.float64)
        fn = np.array(
            [{"any": 0, "same": 1}.get(m.preferences.function, 2) for m in mentees], np.int8
        )
        dept = a["dept"][r]
        mine = a["dept"][m_rows][ii]
        same = (dept == mine) & (mine >= 0)
        fsel = fn[ii]
        func_ok = np.where(fsel == 0, 1.0, np.where(fsel == 1, same, ~same).astype(np.float64))
        return preferences_array(fmt_ok, lang_ok, func_ok)

    def explain(self, pairs: Sequence[tuple[str, str]]) -> list[Recommendation | None]:
        """The full Recommendation of each (mentee, mentor) pair (see `explain_edges`)."""
        st, options, shared = self.state, self.options, self.shared
        if shared.mentor_vectors is None:
            shared.fill_mentor_vectors()
        wanted: dict[str, set[str]] = {}
        for mentee_id, mentor_id in pairs:
            wanted.setdefault(mentee_id, set()).add(mentor_id)
        found: dict[tuple[str, str], Recommendation] = {}
        for mentee_id, mentors in wanted.items():
            ctx = mentee_context(st, mentee_id, options, self.now)
            among = np.array(sorted(st.rows[m] for m in mentors if m in st.rows), dtype=np.int64)
            scored = score_mentee(shared, ctx, options, among)
            if scored is None:
                continue
            everyone = list(range(len(scored.cand)))
            for rec in build_recommendations(shared, options, scored, everyone):
                found[(mentee_id, rec.mentor_id)] = rec
        return [found.get(pair) for pair in pairs]


def top_k_candidates(
    snapshot: Snapshot,
    mentee_ids: Sequence[str],
    *,
    k: int = 50,
    among: Collection[str] | None = None,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
    components: bool = False,
    progress: bool = False,
) -> CandidateEdges:
    """Every mentee's top `k` mentors as edges (see module doc).

    A mentee without open goals linked to the taxonomy gets no edges and a line in
    `problems` (where `recommend` raises InvalidInput); an unknown id raises NotFound.
    `among` limits the mentors considered to these ids, as `recommend(among=...)` does: each
    mentee gets its top `k` of those (a mentor's score does not depend on who else is scored),
    e.g. to look again among the mentors that still have room after a first matching.
    `components=True` also keeps the five components per edge.
    """
    scorer = CandidateScorer(snapshot, options=options, now=now)
    return scorer.top_k(mentee_ids, k=k, among=among, components=components, progress=progress)


def explain_edges(
    snapshot: Snapshot,
    pairs: Sequence[tuple[str, str]],
    *,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[Recommendation | None]:
    """The full Recommendation (components, reasons, skill paths) of each (mentee, mentor)
    pair, in order; None where the ranking would not suggest that mentor to that mentee."""
    return CandidateScorer(snapshot, options=options, now=now).explain(pairs)


def _progress_items(items: list[V], enabled: bool, what: str) -> Iterable[V]:
    if not enabled:
        return items
    return track(items, description=what, transient=True)


def _progress(items: Sequence[str], enabled: bool, what: str) -> Iterable[str]:
    if not enabled:
        return items

    return track(items, description=what, transient=True)
