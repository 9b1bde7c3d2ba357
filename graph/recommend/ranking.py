"""The fast ranking: one mentee's top-k mentors over a Snapshot, with numpy over candidates.

Steps (the formulas are in scoring.py and skill_fit.py; reference.py does the same with plain
loops and the tests hold the two together):

1. the mentee's open goals and their TARGETS (InvalidInput when there are none);
2. per goal, every willing holder of a skill reachable from a target (sparse gather over
   `State.willing`), valued confidence * credit * level factor, best entry per person;
3. hard filters on the candidates, as array masks: guardrails (self, manager and skip-level
   both ways, do-not-pair-again, already paired, excluded ids), mentor eligibility, capacity
   (places and hours), model, format, common language, then the overlap minimum;
4. components and score; top k by (score desc, mentor id); reasons for those k only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from graph.errors import InvalidInput
from graph.model import Goal, GoalTarget, MentoringModel, PairingStatus, Person, SkillCluster
from graph.recommend import availability as av
from graph.recommend import explain
from graph.recommend.scoring import (
    AVAILABILITY_FULL_HOURS,
    COMPONENTS,
    DECLINED_FACTOR,
    EXPOSURE_STEP,
    EXPOSURE_WINDOW,
    GOAL_BONUS,
    HOURS_EPS,
    OPEN_STATUSES,
    PRIOR_RATING,
    PRIOR_WEIGHT,
    Recommendation,
    RecommendOptions,
    SkillPath,
)
from graph.recommend.skill_fit import LEVEL_MODELS, level_factor
from graph.recommend.snapshot import FORMAT_BITS, MODEL_BITS, Snapshot, State, language_mask

LEVEL_FACTORS = np.array([0.0, *(level_factor(lv) for lv in range(1, 6))], dtype=np.float64)


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
    horizon = av.horizon_for(now, [g.start_date for g in goals], options.weeks)
    excluded = {mentee_id, *options.exclude_mentor_ids}
    # Management chain both ways: manager, skip-level, direct reports, their reports.
    chain = _managers(state, mentee, 2)
    excluded |= chain
    for r in state.reports.get(mentee_id, frozenset()):
        excluded.add(r)
        excluded |= state.reports.get(r, frozenset())
    declined: set[str] = set()
    for p in state.person_pairings(mentee_id):
        others = {p.mentor_id, *p.mentee_ids} - {mentee_id}
        if p.do_not_pair_again:
            excluded |= others
        if p.mentor_id != mentee_id:
            if p.status in OPEN_STATUSES:
                excluded.add(p.mentor_id)  # already paired (or proposed) with this mentor
            elif p.status == PairingStatus.declined:
                declined.add(p.mentor_id)
    return MenteeContext(mentee, goals, targets, horizon, excluded, declined)


def _managers(state: State, person: Person, depth: int) -> set[str]:
    out: set[str] = set()
    current: Person | None = person
    for _ in range(depth):
        if current is None or not current.manager_id:
            break
        out.add(current.manager_id)
        current = state.people.get(current.manager_id)
    return out


@dataclass
class _GoalBest:
    """Best entry per candidate row for one goal."""

    rows: NDArray[np.int64]  # ascending
    fit: NDArray[np.float64]
    entry: NDArray[np.int64]  # index into the goal's entry tables
    skills: list[str]
    targets: list[GoalTarget]
    routes: list[Any]
    levels: NDArray[np.int8]


def _goal_best(
    snap: Snapshot,
    st: State,
    targets: tuple[GoalTarget, ...],
    mentee_levels: dict[str, int],
    model: MentoringModel,
) -> _GoalBest:
    rows_l: list[NDArray[np.int32]] = []
    lv_l: list[NDArray[np.int8]] = []
    credit_l: list[float] = []
    conf_l: list[float] = []
    skills: list[str] = []
    tgts: list[GoalTarget] = []
    routes: list[Any] = []
    willing = st.willing
    for t in targets:
        tc = snap.credits(st, t.node_id)
        for skill, credit, route in zip(tc.skills, tc.credit, tc.routes, strict=True):
            h = willing.get(skill)
            if h is None:
                continue
            rows_l.append(h.rows)
            lv_l.append(h.levels)
            credit_l.append(float(credit))
            conf_l.append(t.confidence)
            skills.append(skill)
            tgts.append(t)
            routes.append(route)
    if not rows_l:
        empty = np.zeros(0, np.int64)
        return _GoalBest(empty, np.zeros(0), empty, [], [], [], np.zeros(0, np.int8))
    lengths = np.fromiter((len(r) for r in rows_l), dtype=np.int64, count=len(rows_l))
    rows = np.concatenate(rows_l).astype(np.int64)
    levels = np.concatenate(lv_l)
    group = np.repeat(np.arange(len(rows_l)), lengths)  # entry table index per element
    weight = np.array(conf_l) * np.array(credit_l)
    vals = weight[group] * LEVEL_FACTORS[levels]
    if model in LEVEL_MODELS and mentee_levels:
        floor = np.array([mentee_levels.get(sk, 0) for sk in skills], dtype=np.int8)
        ok = levels > floor[group]
        rows, levels, group, vals = rows[ok], levels[ok], group[ok], vals[ok]
        if len(rows) == 0:
            empty = np.zeros(0, np.int64)
            return _GoalBest(empty, np.zeros(0), empty, [], [], [], np.zeros(0, np.int8))
    # best value per row; among equal values the earliest entry (target order, skill id)
    order = np.lexsort((group, -vals, rows))
    rows_o = rows[order]
    first = np.ones(len(rows_o), dtype=bool)
    first[1:] = rows_o[1:] != rows_o[:-1]
    pick = order[first]
    return _GoalBest(rows[pick], vals[pick], group[pick], skills, tgts, routes, levels[pick])


def recommend(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    k: int = 10,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[Recommendation]:
    """The top `k` mentors for `mentee_id`, best first, each with components and reasons."""
    options = options or RecommendOptions()
    now = now or datetime.now(UTC)
    st = snapshot.state
    ctx = mentee_context(st, mentee_id, options, now)
    mentee = ctx.mentee
    mentee_levels = {s: ps.level for s, ps in st.skills_of.get(mentee_id, {}).items()}
    bests = [
        _goal_best(snapshot, st, ctx.targets[g.id], mentee_levels, options.model) for g in ctx.goals
    ]
    nonempty = [b.rows for b in bests if len(b.rows)]
    if not nonempty or k <= 0:
        return []
    cand = np.unique(np.concatenate(nonempty))
    fits = np.zeros((len(bests), len(cand)))
    for i, b in enumerate(bests):
        if len(b.rows):
            fits[i, np.searchsorted(cand, b.rows)] = b.fit
    keep = _hard_filters(st, ctx, cand, options) & (fits.max(axis=0) > 0)
    cand, fits = cand[keep], fits[:, keep]
    if len(cand) == 0:
        return []

    # availability
    mentee_grid = av.person_grid(mentee.timezone, mentee.windows, mentee.exceptions, ctx.horizon)
    packed = snapshot.packed_grids(st, ctx.horizon, cand)
    slots = av.packed_overlap_slots(packed, av.pack(mentee_grid))
    overlap = (slots * (av.SLOT_MINUTES / 60 / ctx.horizon.weeks)).astype(np.float64)
    if not options.asynchronous:
        ok = overlap >= options.min_overlap_hours - HOURS_EPS
        cand, fits, overlap = cand[ok], fits[:, ok], overlap[ok]
        if len(cand) == 0:
            return []

    comps = _components(st, ctx, cand, fits, overlap, options, now)
    w = options.weights.as_dict()
    total = sum(w[c] * comps[c] for c in COMPONENTS)
    factor = np.ones(len(cand))
    if ctx.declined:
        declined_rows = [st.rows[m] for m in ctx.declined if m in st.rows]
        factor[np.isin(cand, declined_rows)] = DECLINED_FACTOR
    score = total / options.weights.total() * factor

    top = _top_k(st, cand, score, k)
    grids = snapshot.packed_grids(st, ctx.horizon, cand[top]) if top else None
    return [
        _build(
            st,
            ctx,
            options,
            int(i),
            cand,
            score,
            comps,
            overlap,
            bests,
            mentee_grid,
            np.unpackbits(grids[n])[: ctx.horizon.n_slots].astype(bool),  # type: ignore[index]
        )
        for n, i in enumerate(top)
    ]


def _hard_filters(
    st: State, ctx: MenteeContext, cand: NDArray[np.int64], options: RecommendOptions
) -> NDArray[np.bool_]:
    a = st.arrays
    mentee = ctx.mentee
    keep = a["mentor_ok"][cand].copy()
    keep &= a["places"][cand] + 1 <= a["max_mentees"][cand]
    keep &= a["hours"][cand] + mentee.hours_wanted_per_month <= a["max_hours"][cand] + HOURS_EPS
    excluded_rows = [st.rows[m] for m in ctx.excluded if m in st.rows]
    if excluded_rows:
        keep &= ~np.isin(cand, excluded_rows)
    mm = a["model_mask"][cand]
    keep &= (mm == 0) | ((mm & MODEL_BITS[options.model.value]) != 0)
    if options.format is not None:
        fm = a["fmt_mask"][cand]
        keep &= (fm == 0) | ((fm & FORMAT_BITS[options.format.value]) != 0)
    sen = a["seniority"][cand].astype(np.int64)
    if options.model == MentoringModel.peer:
        keep &= np.abs(sen - mentee.seniority) <= 1
    elif options.model == MentoringModel.reverse:
        keep &= sen < mentee.seniority
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
        keep &= lang_ok
    return np.asarray(keep, dtype=bool)


def _components(
    st: State,
    ctx: MenteeContext,
    cand: NDArray[np.int64],
    fits: NDArray[np.float64],
    overlap: NDArray[np.float64],
    options: RecommendOptions,
    now: datetime,
) -> dict[str, NDArray[np.float64]]:
    a = st.arrays
    mentee = ctx.mentee
    n_goals = fits.shape[0]
    best = fits.max(axis=0)
    skill_fit = (best + GOAL_BONUS * (fits.sum(axis=0) - best)) / (1 + GOAL_BONUS * (n_goals - 1))

    if options.asynchronous:
        availability = np.ones(len(cand))
    else:
        availability = np.minimum(overlap / AVAILABILITY_FULL_HOURS, 1.0)

    max_m = a["max_mentees"][cand]
    max_h = a["max_hours"][cand]
    hours = a["hours"][cand]
    with np.errstate(divide="ignore", invalid="ignore"):
        load_m = np.where(max_m > 0, a["places"][cand] / np.maximum(max_m, 1), 1.0)
        load_h = np.where(max_h > 0, hours / np.where(max_h > 0, max_h, 1.0), (hours > 0) * 1.0)
    load = np.minimum(np.maximum(load_m, load_h), 1.0)
    recent = np.zeros(len(cand))
    since = now - EXPOSURE_WINDOW
    for j in np.flatnonzero(a["has_pairings"][cand]):
        mid = st.ids[int(cand[j])]
        recent[j] = sum(
            1 for p in st.person_pairings(mid) if p.mentor_id == mid and p.created_at >= since
        )
    capacity = (1.0 - load) / (1.0 + EXPOSURE_STEP * recent)

    prefs = mentee.preferences
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
        mine = st.arrays["dept"][st.rows[mentee.id]]
        same = (dept == mine) & (mine >= 0)
        func_ok = (same if prefs.function == "same" else ~same).astype(np.float64)
    preferences = (fmt_ok + lang_ok + func_ok) / 3.0

    n = a["fb_n"][cand]
    feedback = ((PRIOR_WEIGHT * PRIOR_RATING + a["fb_sum"][cand]) / (PRIOR_WEIGHT + n) - 1) / 4
    return {
        "skill_fit": skill_fit,
        "availability": availability,
        "capacity": capacity,
        "preferences": preferences,
        "feedback": feedback,
    }


def _top_k(st: State, cand: NDArray[np.int64], score: NDArray[np.float64], k: int) -> list[int]:
    """Positions of the best k by (score desc, mentor id asc); ties at the cut are kept fair."""
    if len(score) > k:
        cut = np.partition(-score, k - 1)[k - 1]
        pos = np.flatnonzero(-score <= cut)
    else:
        pos = np.arange(len(score))
    ranked = sorted(pos.tolist(), key=lambda i: (-score[i], st.ids[int(cand[i])]))
    return ranked[:k]


def _build(
    st: State,
    ctx: MenteeContext,
    options: RecommendOptions,
    i: int,
    cand: NDArray[np.int64],
    score: NDArray[np.float64],
    comps: dict[str, NDArray[np.float64]],
    overlap: NDArray[np.float64],
    bests: list[_GoalBest],
    mentee_grid: av.BoolGrid,
    mentor_grid: av.BoolGrid,
) -> Recommendation:
    row = int(cand[i])
    mentor = st.people[st.ids[row]]
    paths: list[SkillPath] = []
    for goal, b in zip(ctx.goals, bests, strict=True):
        j = int(np.searchsorted(b.rows, row))
        if j < len(b.rows) and b.rows[j] == row:
            e = int(b.entry[j])
            paths.append(
                skill_path(
                    st, goal, b.targets[e], b.skills[e], b.routes[e], int(b.levels[j]), b.fit[j]
                )
            )
    paths.sort(key=lambda p: (-p.fit, p.goal_id))
    a = st.arrays
    return finish_recommendation(
        st,
        ctx,
        options,
        mentor,
        score=float(score[i]),
        components={c: float(comps[c][i]) for c in COMPONENTS},
        paths=paths,
        overlap=float(overlap[i]),
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
        skill_id=skill_id,
        skill_label=h.label(skill_id),
        mentor_level=level,
        hops=route.hops,
        fit=float(fit),
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
    run = av.longest_common_run(mentee_grid, mentor_grid)
    example = av.describe_run(ctx.horizon, run, ctx.mentee.timezone) if run else None
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
