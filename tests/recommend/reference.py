"""The slow, obviously-correct ranking: the same rules as ranking.py with plain loops.

Nothing here uses the Snapshot's arrays or caches: every mentor is looked at one by one from
the models, every guardrail is checked from its definition (walking the manager chain, scanning
all pairings), taxonomy distances are measured meet-in-the-middle (shortest climb from the
target and from the mentor skill to a shared node) instead of the fast path's walk up-then-
down, a route's credit is looked up by its own kind of node (a broad group is any
SkillCluster of tier <= TOP_TIER or with more than BROAD_GROUP_SKILLS skills directly in
it), locations are compared with their own normalisation, and overlap is a set intersection
of UTC slot numbers. Tests check ranking.recommend against `recommend_reference` on random
small orgs. Use it for tests only: it is O(people).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import numpy as np

from graph.errors import InvalidInput
from graph.model import (
    Format,
    Goal,
    GoalTarget,
    MentoringModel,
    PairingStatus,
    Person,
    PersonSkill,
    SkillCluster,
)
from graph.recommend import availability as av
from graph.recommend.explain import few_mentor_lines
from graph.recommend.ranking import _FILTER_PREFIXES as FILTER_PREFIXES
from graph.recommend.ranking import _FILTER_REASONS as FILTER_REASONS
from graph.recommend.ranking import (
    CAPACITY_REASONS,
    GUARDRAIL_REASON,
    MenteeContext,
    Shared,
    Unsuggested,
    excluded_mentors,
    filter_steps,
    finish_recommendation,
    mentee_context,
    mentor_unavailable,
    overlap_hours,
    skill_path,
)
from graph.recommend.scoring import (
    COMPONENTS,
    DECLINED_FACTOR,
    EXPOSURE_WINDOW,
    HOURS_EPS,
    OPEN_STATUSES,
    Recommendation,
    RecommendOptions,
    SkillPath,
    availability_component,
    capacity_component,
    combine_goal_fits,
    feedback_component,
    load,
    weighted_score,
)
from graph.recommend.skill_fit import (
    BROAD_GROUP_SKILLS,
    MAX_HOPS,
    MAX_UP,
    TOP_TIER,
    Credit,
    level_factor,
    route_credit,
)
from graph.recommend.skill_fit import level_ok as level_rule
from graph.recommend.snapshot import Snapshot, State


def slot_set(person: Person, horizon: av.Horizon) -> set[int]:
    """UTC slot numbers the person is free in, by walking every local day and window."""
    out: set[int] = set()
    day = horizon.start - timedelta(days=2)
    while day <= horizon.end + timedelta(days=1):
        if not any(e.covers(day) for e in person.exceptions):
            for w in person.windows:
                if not w.holds_on(day):
                    continue
                start, end = av.window_utc(day, w, person.timezone)
                slot = 0
                while slot < horizon.n_slots:
                    s0 = horizon.slot_start(slot)
                    if start <= s0 and s0 + timedelta(minutes=av.SLOT_MINUTES) <= end:
                        out.add(slot)
                    slot += 1
        day += timedelta(days=1)
    return out


def route(st: State, target_id: str, skill_id: str) -> Credit | None:
    """The best route from target to skill through a shared node (climb <= MAX_UP from the
    target, <= MAX_HOPS in all): highest credit, then fewest hops, least climb, smallest
    node id."""
    h = st.hierarchy
    if target_id not in h or skill_id not in h:
        return None
    up_t = {target_id: 0, **h.ancestors_by_distance(target_id)}
    up_s = {skill_id: 0, **h.ancestors_by_distance(skill_id)}
    best: tuple[float, int, int, str, Credit] | None = None
    for node, u in up_t.items():
        if node in up_s and u <= MAX_UP and u + up_s[node] <= MAX_HOPS:
            via = h.node(node)
            members = sum(1 for c in h.children(node) if c in h.skill_ids)
            top = isinstance(via, SkillCluster) and (
                via.tier <= TOP_TIER or members > BROAD_GROUP_SKILLS
            )
            relation, credit = route_credit(
                u + up_s[node], u, skill_target=target_id in h.skill_ids, via_top_level=top
            )
            key = (-credit, u + up_s[node], u, node)
            if best is None or key < best[:4]:
                best = (*key, Credit(skill_id, credit, u + up_s[node], u, node, relation))
    return None if best is None else best[4]


def place(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def is_above(st: State, boss: str, person: str, levels: int) -> bool:
    """True if `boss` is `person`'s manager, or their manager's manager, ... (`levels` up)."""
    current = st.people.get(person)
    for _ in range(levels):
        if current is None or current.manager_id is None:
            return False
        if current.manager_id == boss:
            return True
        current = st.people.get(current.manager_id)
    return False


def _goal_fit(
    st: State,
    goal: Goal,
    mentor: Person,
    mentee: Person,
    options: RecommendOptions,
) -> SkillPath | None:
    targets: list[GoalTarget] = sorted(
        st.targets.get(goal.id, ()), key=lambda t: (-t.confidence, t.node_id)
    )
    mentee_skills = {ps.skill_id: ps.level for ps in st.skills_of.get(mentee.id, {}).values()}
    mentor_skills = sorted(st.skills_of.get(mentor.id, {}).values(), key=lambda ps: ps.skill_id)
    best: tuple[float, GoalTarget, Credit, int] | None = None
    for t in targets:
        for ps in mentor_skills:
            if not ps.willing_to_mentor:
                continue
            if not level_rule(options.model, ps.level, mentee_skills.get(ps.skill_id, 0)):
                continue
            r = route(st, t.node_id, ps.skill_id)
            if r is None:
                continue
            value = t.confidence * r.credit * level_factor(ps.level)
            if best is None or value > best[0]:
                best = (value, t, r, ps.level)
    if best is None:
        return None
    value, t, r, level = best
    return skill_path(st, goal, t, r.skill_id, r, level, value)


def recommend_reference(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    k: int = 10,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[Recommendation]:
    options = options or RecommendOptions()
    now = now or datetime.now(UTC)
    st = snapshot.state
    mentee = st.person(mentee_id)
    goals = sorted(
        (g for g in st.goals.values() if g.person_id == mentee_id and g.status == "open"),
        key=lambda g: g.id,
    )
    if not goals:
        raise InvalidInput(f"person {mentee_id!r} has no open goals")
    if not any(st.targets.get(g.id) for g in goals):
        raise InvalidInput(f"the goals of {mentee_id!r} are not linked to any skill yet")
    # one switch: format async (alias asynchronous=True) = no shared hours needed
    no_hours = options.asynchronous or options.format == Format.async_
    wanted_format = Format.async_ if options.asynchronous else options.format
    if wanted_format == Format.in_person and not place(mentee.location):
        raise InvalidInput(f"format=in_person needs the location of {mentee_id!r}")
    horizon = av.horizon_for(now, [g.start_date for g in goals], options.weeks)
    mentee_slots = slot_set(mentee, horizon)
    mentee_grid = av.person_grid(mentee.timezone, mentee.windows, mentee.exceptions, horizon)
    declined_by: set[str] = set()
    scored: list[tuple[float, str, Recommendation]] = []
    for mentor in st.people.values():
        if mentor.id == mentee_id or mentor.id in options.exclude_mentor_ids:
            continue
        if not mentor.is_mentor or mentor.opt_out_recommend or mentor.max_mentees <= 0:
            continue
        if any(is_above(st, a, b, 2) for a, b in ((mentor.id, mentee_id), (mentee_id, mentor.id))):
            continue
        blocked, declined, places, hours, recent = False, False, 0, 0.0, 0
        ratings: list[int] = []
        for p in st.pairings.values():
            members = {p.mentor_id, *p.mentee_ids}
            if p.do_not_pair_again and mentor.id in members and mentee_id in members:
                blocked = True
            if p.mentor_id == mentor.id:
                if mentee_id in p.mentee_ids and p.status in OPEN_STATUSES:
                    blocked = True
                if mentee_id in p.mentee_ids and p.status == PairingStatus.declined:
                    declined = True
                if p.status in OPEN_STATUSES:
                    places += len(p.mentee_ids)
                    hours += p.hours_per_month
                if p.created_at >= now - EXPOSURE_WINDOW:
                    recent += 1
                ratings.extend(c.rating for c in st.checkins.get(p.id, {}).values())
        if blocked:
            continue
        if places + 1 > mentor.max_mentees:
            continue
        if hours + mentee.hours_wanted_per_month > mentor.max_hours_per_month + HOURS_EPS:
            continue
        if mentor.preferences.models and options.model not in mentor.preferences.models:
            continue
        formats = mentor.preferences.formats
        if wanted_format is not None and formats and wanted_format not in formats:
            continue
        if wanted_format == Format.in_person and place(mentor.location) != place(mentee.location):
            continue
        if options.model == MentoringModel.peer and abs(mentor.seniority - mentee.seniority) > 1:
            continue
        if options.model == MentoringModel.reverse and not mentor.seniority < mentee.seniority:
            continue
        if options.require_common_language and mentee.languages and mentor.languages:
            mine = {x.casefold() for x in mentee.languages}
            if not mine & {x.casefold() for x in mentor.languages}:
                continue
        paths = [sp for g in goals if (sp := _goal_fit(st, g, mentor, mentee, options))]
        fit_by_goal = {sp.goal_id: sp.fit for sp in paths}
        skill_fit = combine_goal_fits([fit_by_goal.get(g.id, 0.0) for g in goals])
        if skill_fit <= 0:
            continue
        common = len(mentee_slots & slot_set(mentor, horizon))
        overlap = av.hours_per_week(common, horizon)
        if not no_hours and overlap < options.min_overlap_hours - HOURS_EPS:
            continue
        prefs = mentee.preferences
        fmt = 1.0
        if prefs.formats and mentor.preferences.formats:
            fmt = float(bool(set(prefs.formats) & set(mentor.preferences.formats)))
        lang = 1.0
        if prefs.languages:
            mine = {x.casefold() for x in prefs.languages}
            lang = float(bool(mine & {x.casefold() for x in mentor.languages}))
        func = 1.0
        same = bool(mentee.department) and (
            mentee.department.casefold() == mentor.department.casefold()
        )
        if prefs.function == "same":
            func = float(same)
        elif prefs.function == "cross":
            func = float(not same)
        components = {
            "skill_fit": skill_fit,
            "availability": availability_component(overlap, no_hours),
            "capacity": capacity_component(
                load(places, hours, mentor.max_mentees, mentor.max_hours_per_month), recent
            ),
            "preferences": (fmt + lang + func) / 3.0,
            "feedback": feedback_component(float(sum(ratings)), len(ratings)),
        }
        assert set(components) == set(COMPONENTS)
        factor = DECLINED_FACTOR if declined else 1.0
        if declined:
            declined_by.add(mentor.id)
        score = weighted_score(components, options.weights, factor)
        paths.sort(key=lambda sp: (-sp.fit, sp.goal_id))
        ctx = MenteeContext(mentee, goals, {}, horizon, set(), declined_by)
        rec = finish_recommendation(
            st,
            ctx,
            options,
            mentor,
            score=score,
            components=components,
            paths=paths,
            overlap=overlap,
            mentee_grid=mentee_grid,
            capacity_left=mentor.max_mentees - places,
            ratings=(float(sum(ratings)), len(ratings)),
        )
        scored.append((-score, mentor.id, rec))
    scored.sort(key=lambda x: (x[0], x[1]))
    return [rec for _, _, rec in scored[:k]]


def unsuggested_reference(
    snapshot: Snapshot,
    mentee_id: str,
    *,
    options: RecommendOptions,
    now: datetime,
) -> list[Unsuggested]:
    """ranking.unsuggested with plain loops over PersonSkill models (`State.holders_of`), one
    entry at a time: each holder's entries, the first rule that keeps them out, then the hard
    filters and the overlap minimum (ranking's own `filter_steps` / `overlap_hours`). Tests
    hold the array version equal to this one."""
    st = snapshot.state
    ctx = mentee_context(st, mentee_id, options, now)
    mentee_levels = st.skill_levels(mentee_id)
    held: dict[str, list[tuple[float, float, PersonSkill]]] = {}
    for goal in ctx.goals:
        for t in ctx.targets[goal.id]:
            tc = snapshot.credits(st, t.node_id)
            for skill_id, credit in zip(tc.skills, tc.routes, strict=True):
                for pid, ps in st.holders_of.get(skill_id, {}).items():
                    if pid != mentee_id:
                        value = t.confidence * credit.credit * level_factor(ps.level)
                        held.setdefault(pid, []).append((value, credit.credit, ps))
    guard = excluded_mentors(st, mentee_id, options)
    out: dict[str, Unsuggested] = {}
    pending: dict[int, PersonSkill] = {}
    for pid, entries in held.items():
        closest = max(entries, key=lambda e: (e[1], e[2].level, e[2].skill_id))[2]
        reason = guard.get(pid) or mentor_unavailable(st.people[pid])
        willing = [e for e in entries if e[2].willing_to_mentor]
        usable = [
            e
            for e in willing
            if level_rule(options.model, e[2].level, mentee_levels.get(e[2].skill_id, 0))
        ]
        if reason is None and not willing:
            reason = "does not offer to mentor it"
        elif reason is None and not usable:
            closest = max(willing, key=lambda e: (e[1], e[2].level, e[2].skill_id))[2]
            mine = mentee_levels.get(closest.skill_id, 0)
            reason = f"holds it at a level no higher than the mentee's (level {mine})"
        elif reason is None and max(e[0] for e in usable) <= 0:
            reason = "reaches the goals only through targets of confidence 0"
        if reason is not None:
            out[pid] = Unsuggested(pid, closest.skill_id, closest.level, reason)
            continue
        pending[st.rows[pid]] = max(usable, key=lambda e: (e[0], e[2].level, e[2].skill_id))[2]
    cand = np.array(sorted(pending), dtype=np.int64)
    undecided = np.ones(len(cand), dtype=bool)
    for why, ok in filter_steps(st, ctx, cand, options):
        for j in np.flatnonzero(undecided & ~ok):
            ps = pending[int(cand[j])]
            out[ps.person_id] = Unsuggested(ps.person_id, ps.skill_id, ps.level, why)
        undecided &= ok
    cand = cand[undecided]
    if len(cand) and not options.asynchronous:
        hours = overlap_hours(Shared(snapshot, st, now), ctx, cand)
        for j in np.flatnonzero(hours < options.min_overlap_hours - HOURS_EPS):
            ps = pending[int(cand[j])]
            why = (
                f"has {hours[j]:.1f} h/week in common with the mentee, fewer than the "
                f"{options.min_overlap_hours:g} asked for"
            )
            out[ps.person_id] = Unsuggested(ps.person_id, ps.skill_id, ps.level, why)
    credit = {
        pid: max((e[1] for e in entries if e[2].skill_id == out[pid].skill_id), default=0.0)
        for pid, entries in held.items()
        if pid in out
    }
    return sorted(out.values(), key=lambda u: (-credit[u.mentor_id], -u.level, u.mentor_id))


def why_few_reference(
    snapshot: Snapshot, mentee_id: str, *, options: RecommendOptions, now: datetime
) -> list[str]:
    """ranking.why_few counted over `unsuggested_reference`, one record at a time."""
    items = unsuggested_reference(snapshot, mentee_id, options=options, now=now)
    guard = excluded_mentors(snapshot.state, mentee_id, options)
    overlap = capacity = guarded = 0
    other: dict[str, int] = {}
    for u in items:
        if u.mentor_id in guard or u.reason == GUARDRAIL_REASON:
            guarded += 1
        elif u.reason.startswith(CAPACITY_REASONS):
            capacity += 1
        elif "h/week in common with the mentee" in u.reason:
            overlap += 1
        elif u.reason in FILTER_REASONS or u.reason.startswith(FILTER_PREFIXES):
            other[u.reason] = other.get(u.reason, 0) + 1
    return few_mentor_lines(
        overlap, capacity, guarded, other, min_overlap_hours=options.min_overlap_hours
    )
