"""Group, peer and reverse mentoring on top of the ranking and the cohort solver.

- Reverse: juniors mentor seniors (digital skills, ...). The ranking's `model="reverse"`
  keeps only mentors junior to the mentee; the cohort solver does the rest.
- Peer: pairs among equals of a program. Each person's peer candidates come from the ranking
  with `model="peer"` (seniority within one step, no level rule); a pair's weight is the
  mean of both directions (a one-way fit counts half), and networkx's maximum-weight matching
  (general graph, maximum cardinality first) picks the pairs. Cubic: meant for program-sized
  cohorts (hundreds), not the whole company.
- Group: mentees whose first goal sits under the same cluster form groups of at most
  `max_group_size`; a group's candidate mentors are those the ranking suggests to every
  member (score = mean), and each mentor leads at most one new group per run, if they have a
  free place per member and the group's hours (the largest wish; a group meets together).
  The assignment is the cohort solver with one slot per mentor. Every member gets their own
  explanation of the mentor (the ranking's reasons for that member); groups smaller than
  `min_group_size` are not formed (their members are left unmatched, with the reason).
- Circle: peer circles of 3-6 equals (`match_circles`): people with the same goal cluster and
  seniority within two steps, split into balanced circles; two members a guardrail keeps apart
  (manager chain, do-not-pair-again) never share one, and unless the run is asynchronous all
  members share the weekly overlap the pair ranking asks (`availability` grids). Members left
  over are tried again by seniority alone. No mentor, no capacity: a circle carries its
  members' goals in the cluster, and each member's explanation names the shared goal area,
  the skills the circle is about, the seniority band, common languages and who in the circle
  already holds one of those skills.
- Micro: `micro_mentors` lists, for one mentee and one skill, the mentors who opted into
  micro sessions (`Person.micro_mentor`), hold the skill (or one under it) at level 3 or more,
  pass the guardrails and have the session's hours free this month (a micro session holds no
  mentee place), best level first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import networkx as nx
import numpy as np

from graph.model import CIRCLE_MAX, CIRCLE_MIN, Goal, MentoringModel, Program
from graph.recommend import availability as av
from graph.recommend.candidates import CandidateScorer
from graph.recommend.cohort import (
    CandidateGraph,
    CohortResult,
    Unmatched,
    cohort_mentees,
    match_cohort,
    solve_assignment,
)
from graph.recommend.ranking import excluded_mentors, mentor_unavailable
from graph.recommend.scoring import RecommendOptions
from graph.recommend.snapshot import Snapshot, State


def _opts(options: RecommendOptions | None, model: MentoringModel) -> RecommendOptions:
    return (options or RecommendOptions()).model_copy(update={"model": model})


def match_reverse(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    candidates_per_mentee: int = 50,
) -> CohortResult:
    """Cohort matching where the mentors are junior to their (senior) mentees."""
    opts = _opts(options, MentoringModel.reverse)
    return match_cohort(
        snapshot,
        program,
        now=now,
        options=opts,
        candidates_per_mentee=candidates_per_mentee,
        keep=lambda mentee, mentor: mentor.seniority < mentee.seniority,
    )


@dataclass(frozen=True)
class PeerPair:
    a: str
    b: str
    weight: float
    reasons: list[str]


@dataclass(frozen=True)
class PeerResult:
    program: str
    pairs: list[PeerPair]
    unmatched: list[str]
    total_weight: float


def match_peers(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    candidates_per_person: int = 20,
) -> PeerResult:
    """Pairs of equals within a program (see module doc)."""

    opts = _opts(options, MentoringModel.peer)
    scorer = CandidateScorer(snapshot, options=opts, now=now)
    people = cohort_mentees(scorer.state, program)
    members = set(people)
    edges = scorer.top_k(people, k=candidates_per_person)
    one_way: dict[tuple[str, str], float] = {}  # (mentor, mentee) -> score
    for i, mentor_id, sc in zip(
        edges.mentee_index.tolist(), edges.mentor_ids(scorer.state), edges.score.tolist(),
        strict=True,
    ):  # fmt: skip
        if mentor_id in members:
            one_way[(mentor_id, people[i])] = sc
    g = nx.Graph()
    for x, y in {tuple(sorted(k)) for k in one_way}:
        g.add_edge(x, y, weight=(one_way.get((x, y), 0.0) + one_way.get((y, x), 0.0)) / 2)
    matching = sorted(tuple(sorted(e)) for e in nx.max_weight_matching(g, maxcardinality=True))
    # reasons only for the chosen pairs: x mentoring y first, then y mentoring x
    ways = [(m, e) for a, b in matching for m, e in ((a, b), (b, a)) if (m, e) in one_way]
    recs = dict(zip(ways, scorer.explain([(e, m) for m, e in ways]), strict=True))
    pairs = [
        PeerPair(
            a,
            b,
            g[a][b]["weight"],
            [r for way in ((a, b), (b, a)) if (rec := recs.get(way)) for r in rec.reasons],
        )
        for a, b in matching
    ]
    paired = {p.a for p in pairs} | {p.b for p in pairs}
    return PeerResult(
        program=program,
        pairs=pairs,
        unmatched=[p for p in people if p not in paired],
        total_weight=float(sum(p.weight for p in pairs)),
    )


@dataclass(frozen=True)
class Group:
    """A group the matcher forms: its mentor (None when none fits), mentees, shared goal
    cluster, mean score and the hours it meets per month (its mentor's cost, once).
    `reasons`: member -> that member's explanation of the mentor (may quote their own goal
    text: show each member only theirs); `skills`: the mentor's skill labels the match rests
    on (safe to show everyone); `goal_ids`: the members' goals it serves."""

    mentor_id: str | None
    mentee_ids: list[str]
    cluster_id: str | None
    score: float
    hours_per_month: float
    reasons: dict[str, list[str]] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)
    goal_ids: list[str] = field(default_factory=list)


def goal_cluster(state: State, person_id: str) -> str | None:
    """The cluster of the person's first open goal's strongest target (itself if a cluster;
    for a skill its nearest cluster, smallest id first, passing over broader skills)."""
    for goal in state.open_goals(person_id):
        cluster = cluster_of_goal(state, goal)
        if cluster is not None:
            return cluster
    return None


def cluster_of_goal(state: State, goal: Goal) -> str | None:
    """The cluster of one goal's strongest target (see `goal_cluster`); None without targets."""
    for t in state.targets.get(goal.id, ()):
        h = state.hierarchy
        if t.node_id in h and h.kind(t.node_id) == "cluster":
            return str(t.node_id)
        ups = h.ancestors_by_distance(t.node_id) if t.node_id in h else {}
        near = sorted((d, a) for a, d in ups.items() if h.kind(a) == "cluster")
        return str(near[0][1]) if near else str(t.node_id)
    return None


def cluster_goals(state: State, members: Sequence[str], cluster: str | None) -> list[str]:
    """Ids of the members' open goals in `cluster` (sorted); for no cluster (formed by
    seniority alone), each member's first open goal."""
    out: set[str] = set()
    for m in members:
        goals = state.open_goals(m)
        if cluster is None:
            out.update(g.id for g in goals[:1])
        else:
            out.update(g.id for g in goals if cluster_of_goal(state, g) == cluster)
    return sorted(out)


def match_groups(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    max_group_size: int = 5,
    candidates_per_mentee: int = 50,
    min_group_size: int = 1,
    hours_per_month: float | None = None,
    mentee_ids: Sequence[str] | None = None,
    exclude_mentors: Collection[str] = (),
    left_over: list[Unmatched] | None = None,
) -> list[Group]:
    """Groups of mentees with a shared goal cluster, each with a mentor where one fits.

    `mentee_ids` (default: the program's open mentees) are grouped; clusters with fewer than
    `min_group_size` of them form no group (each such member is appended to `left_over`, when
    given, with the reason). A group meets `hours_per_month` (default: the largest wish of its
    members), which is what it costs its mentor; it also takes one place per member.
    `exclude_mentors`: never lead a group (e.g. the run's mentees, one role per person)."""

    if max_group_size < 1 or min_group_size > max_group_size:
        raise ValueError("need 1 <= min_group_size <= max_group_size")
    opts = _opts(options, MentoringModel.group)
    state = snapshot.state
    by_cluster: dict[str | None, list[str]] = defaultdict(list)
    pool = list(mentee_ids) if mentee_ids is not None else cohort_mentees(state, program)
    for pid in pool:
        by_cluster[goal_cluster(state, pid)].append(pid)
    groups: list[tuple[str | None, list[str]]] = []
    for cluster, ids in sorted(by_cluster.items(), key=lambda kv: str(kv[0])):
        chunks, extra = _split(ids, min_group_size, max_group_size)  # balanced sizes
        groups.extend((cluster, chunk) for chunk in chunks)
        if left_over is not None:
            left_over.extend(
                Unmatched(m, f"no group of {min_group_size}-{max_group_size} left for them")
                if chunks
                else Unmatched(m, f"fewer than {min_group_size} mentees share this goal area")
                for m in extra
            )
    members = [m for _, ids in groups for m in ids]
    scorer = CandidateScorer(snapshot, options=opts, now=now)
    edges = scorer.top_k(members, k=candidates_per_mentee)
    barred = set(exclude_mentors) | set(members)
    ranked: dict[str, dict[str, float]] = {m: {} for m in members}
    for i, mentor_id, sc in zip(
        edges.mentee_index.tolist(), edges.mentor_ids(state), edges.score.tolist(), strict=True
    ):
        ranked[members[i]][mentor_id] = sc
    scores: list[dict[str, float]] = []
    for _, ids in groups:
        per = [ranked[m] for m in ids]
        common = set.intersection(*(set(p) for p in per)) if per else set()
        scores.append({m: float(np.mean([p[m] for p in per])) for m in common})
    mentor_ids = sorted({m for s in scores for m in s})
    index = {m: j for j, m in enumerate(mentor_ids)}
    a, b, s = [], [], []
    arr = state.arrays

    def group_hours(ids: list[str]) -> float:
        if hours_per_month is not None:
            return hours_per_month
        return max(state.people[m].hours_wanted_per_month for m in ids)

    for gi, (_, ids) in enumerate(groups):
        hours = group_hours(ids)
        for m, sc in scores[gi].items():
            if m in barred:
                continue
            row = state.rows[m]
            if arr["places"][row] + len(ids) > arr["max_mentees"][row]:
                continue
            if arr["hours"][row] + hours > arr["max_hours"][row] + 1e-9:
                continue
            a.append(gi)
            b.append(index[m])
            s.append(sc)
    g = CandidateGraph.build(len(groups), np.ones(len(mentor_ids)), mentee=a, mentor=b, score=s)
    chosen = solve_assignment(g)
    lead: dict[int, tuple[str, float]] = {
        int(g.mentee[e]): (mentor_ids[int(g.mentor[e])], float(g.score[e]))
        for e in np.flatnonzero(chosen).tolist()
    }
    pairs = [(m, lead[gi][0]) for gi, (_, ids) in enumerate(groups) if gi in lead for m in ids]
    recs = dict(zip(pairs, scorer.explain(pairs), strict=True))
    out = []
    for gi, (cluster, ids) in enumerate(groups):
        mentor, score = lead.get(gi, (None, 0.0))
        reasons: dict[str, list[str]] = {}
        skills: list[str] = []
        goal_ids: list[str] = []
        for m in ids:
            rec = recs.get((m, mentor)) if mentor is not None else None
            reasons[m] = list(rec.reasons) if rec is not None else []
            if rec is not None:
                skills.extend(p.skill_label for p in rec.skill_paths)
                goal_ids.extend(p.goal_id for p in rec.skill_paths)
        goal_ids = cluster_goals(state, ids, cluster) or sorted(set(goal_ids))
        out.append(
            Group(
                mentor,
                ids,
                cluster,
                score,
                group_hours(ids),
                reasons,
                list(dict.fromkeys(skills)),
                goal_ids,
            )
        )
    return out


# --- peer circles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Circle:
    """A peer circle the matcher forms: its members (the first convenes it), the goal cluster
    they share (None when formed by seniority alone), the hours it meets per month, each
    member's explanation (`reasons`, skill and cluster names only: safe for every member),
    the members' goals it serves (`goal_ids`: those in the cluster) and the skills it is
    about (`skills`: labels of those goals' targets, most wanted first)."""

    member_ids: list[str]
    cluster_id: str | None
    hours_per_month: float
    reasons: dict[str, list[str]]
    goal_ids: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)


def _kept_apart(state: State, a: str, b: str) -> str | None:
    """Why a guardrail keeps two circle members apart (manager chain either way,
    do-not-pair-again), or None. Other open pairings do not count."""
    for x, y in ((a, b), (b, a)):
        why = excluded_mentors(state, x).get(y)
        if why is not None and not why.startswith("is already in "):
            return f"{y!r} {why}"
    return None


def _split(ids: list[str], lo: int, hi: int) -> tuple[list[list[str]], list[str]]:
    """Balanced chunks of lo..hi ids, and the ids left over."""
    if len(ids) < lo:
        return [], ids
    n = -(-len(ids) // hi)
    while n > 1 and len(ids) // n < lo:
        n -= 1
    used = ids[: n * hi]
    return [used[i::n] for i in range(n)], ids[n * hi :]


def _equals(state: State, ids: list[str], span: int) -> list[list[str]]:
    """`ids` cut into runs whose seniority differs by at most `span` (sorted by seniority)."""
    runs: list[list[str]] = []
    for pid in sorted(ids, key=lambda p: (state.people[p].seniority, p)):
        sen = state.people[pid].seniority
        if runs and sen - state.people[runs[-1][0]].seniority <= span:
            runs[-1].append(pid)
        else:
            runs.append([pid])
    return runs


def _circle_topic(state: State, goal_ids: list[str], cluster: str | None) -> list[str]:
    """Target node ids of the circle's goals, most wanted first (then by id), at most 3; for
    a circle of no shared cluster only those two or more members want (maybe none)."""
    wanted_by: dict[str, set[str]] = defaultdict(set)
    for gid in goal_ids:
        for t in state.targets.get(gid, ()):
            wanted_by[str(t.node_id)].add(state.goals[gid].person_id)
    count = {n: len(who) for n, who in wanted_by.items() if cluster is not None or len(who) > 1}
    return sorted(count, key=lambda n: (-count[n], n))[:3]


def _label(state: State, node_id: str) -> str:
    h = state.hierarchy
    return h.label(node_id) if node_id in h else node_id


def _circle_reasons(
    state: State, members: list[str], cluster: str | None, topic: list[str]
) -> dict[str, list[str]]:
    """Each member's reasons: the goal area and the skills the circle is about (`topic`,
    node ids), the seniority band, common languages, and who already holds one of the
    circle's skills at level 3 or more."""
    sens = [state.people[m].seniority for m in members]
    about = ", ".join(repr(_label(state, n)) for n in topic)
    out: dict[str, list[str]] = {}
    for m in members:
        others = [o for o in members if o != m]
        why: list[str] = []
        if cluster is not None:
            why.append(f"shares the goal area {_label(state, cluster)!r} with {len(others)} others")
        if about:
            why.append(f"the circle works on {about}")
        why.append(f"equals: seniority {min(sens)}-{max(sens)}")
        mine = {x.casefold() for x in state.people[m].languages}
        common = sorted(
            {x for o in others for x in state.people[o].languages if x.casefold() in mine}
        )
        if common:
            why.append(f"common language: {', '.join(common)}")
        for o in others:
            for sid in topic:
                ps = state.skills_of.get(o, {}).get(sid)
                if ps is not None and ps.level >= 3:
                    why.append(
                        f"{state.people[o].name} already has {_label(state, sid)!r}, "
                        f"one of the circle's skills (level {ps.level})"
                    )
        out[m] = why
    return out


def match_circles(
    snapshot: Snapshot,
    program: str,
    *,
    min_size: int = CIRCLE_MIN,
    max_size: int = CIRCLE_MAX,
    hours_per_month: float | None = None,
    member_ids: Sequence[str] | None = None,
    seniority_span: int = 2,
    left_over: list[Unmatched] | None = None,
    now: datetime | None = None,
    min_overlap_hours: float | None = None,
    weeks: int = av.DEFAULT_WEEKS,
) -> list[Circle]:
    """Peer circles of `min_size`..`max_size` equals among `member_ids` (default: the
    program's open mentees wanting mentoring); see the module doc. Members no circle takes
    are appended to `left_over`, when given, with the reason.

    `min_overlap_hours` (hours per week, averaged over `weeks` weeks from `now`, or from the
    members' later goal start: `availability.horizon_for`, as the pair ranking and the
    invitation use): when given, every circle's members ALL share at least that much free
    time (the common slots of their availability grids; at least one slot even for 0), so
    the circle's invitation finds a time; None (asynchronous): no check.
    ValueError for bad sizes, or `min_overlap_hours` without `now`."""
    if not CIRCLE_MIN <= min_size <= max_size <= CIRCLE_MAX:
        raise ValueError(f"need {CIRCLE_MIN} <= min_size <= max_size <= {CIRCLE_MAX}")
    if min_overlap_hours is not None and now is None:
        raise ValueError("min_overlap_hours needs now (the calendar horizon starts there)")
    state = snapshot.state
    pool = list(member_ids) if member_ids is not None else cohort_mentees(state, program)
    pool = [m for m in pool if state.people[m].hours_wanted_per_month > 0]
    by_cluster: dict[str | None, list[str]] = defaultdict(list)
    for pid in pool:
        by_cluster[goal_cluster(state, pid)].append(pid)
    circles: list[Circle] = []
    rest: list[str] = []
    apart: dict[str, str] = {}
    no_time: dict[str, str] = {}
    grids: dict[tuple[av.Horizon, str], av.BoolGrid] = {}

    def grid(pid: str, horizon: av.Horizon) -> av.BoolGrid:
        if (horizon, pid) not in grids:
            p = state.people[pid]
            grids[(horizon, pid)] = av.person_grid(p.timezone, p.windows, p.exceptions, horizon)
        return grids[(horizon, pid)]

    def keep(kept: list[str], cluster: str | None) -> None:
        hours = hours_per_month or max(state.people[m].hours_wanted_per_month for m in kept)
        goal_ids = cluster_goals(state, kept, cluster)
        topic = _circle_topic(state, goal_ids, cluster)
        reasons = _circle_reasons(state, kept, cluster, topic)
        labels = [_label(state, n) for n in topic]
        circles.append(Circle(kept, cluster, hours, reasons, goal_ids, labels))

    def apart_from(circle: list[str], m: str) -> str | None:
        return next((w for k in circle if (w := _kept_apart(state, k, m))), None)

    def by_time(run: list[str], cluster: str | None, hours: float) -> list[str]:
        """Circles whose members all share `hours` a week: each member joins the first
        circle still below its balanced size that they fit (guardrails, common time), else
        opens one; circles below `min_size` dissolve. Returns who is left."""
        if now is None:  # checked above; for the type checker
            raise ValueError("min_overlap_hours needs now")
        # the weeks the circles' invitations look at: from their goals' start
        starts = [state.goals[g].start_date for g in cluster_goals(state, run, cluster)]
        horizon = av.horizon_for(now, starts, weeks)
        need = max(hours, av.hours_per_week(1, horizon))  # at least one common slot
        n = max(len(_split(run, min_size, max_size)[0]), 1)
        size = min(max_size, -(-len(run) // n))
        open_: list[tuple[list[str], av.BoolGrid]] = []
        left: list[str] = []
        for m in run:
            mine = grid(m, horizon)
            if av.hours_per_week(av.overlap_slots(mine, mine), horizon) + 1e-9 < need:
                no_time[m] = f"has less than {hours:g} h a week of free time for a circle"
                left.append(m)
                continue
            for i, (members, common) in enumerate(open_):
                if len(members) >= size:
                    continue
                why = apart_from(members, m)
                if why is not None:
                    apart[m] = why
                    continue
                both = common & mine
                free = av.hours_per_week(av.overlap_slots(both, both), horizon)
                if free + 1e-9 < need:
                    no_time[m] = (
                        f"shares less than {hours:g} h a week of free time with the equals "
                        f"of a circle (found {free:g})"
                    )
                    continue
                open_[i] = ([*members, m], both)
                break
            else:
                open_.append(([m], mine))
        for members, _ in open_:
            if len(members) >= min_size:
                keep(members, cluster)
            else:
                left.extend(members)
        return left

    def form(ids: list[str], cluster: str | None) -> list[str]:
        left: list[str] = []
        for run in _equals(state, ids, seniority_span):
            if min_overlap_hours is not None:
                left.extend(by_time(run, cluster, min_overlap_hours))
                continue
            chunks, extra = _split(run, min_size, max_size)
            left.extend(extra)
            for chunk in chunks:
                kept: list[str] = []
                for m in chunk:
                    why = apart_from(kept, m)
                    if why is None:
                        kept.append(m)
                    else:
                        apart[m] = why
                        left.append(m)
                if len(kept) < min_size:
                    left.extend(kept)
                    continue
                keep(kept, cluster)
        return left

    for cluster, ids in sorted(by_cluster.items(), key=lambda kv: str(kv[0])):
        rest.extend(form(ids, cluster))
    unplaced = form(sorted(rest), None) if rest else []
    if left_over is not None:
        for m in sorted(unplaced):
            if m in no_time:
                reason = no_time[m]
            elif m in apart:
                reason = f"a guardrail keeps them apart from a circle member: {apart[m]}"
            else:
                reason = f"fewer than {min_size} equals (seniority within {seniority_span}) left"
            left_over.append(Unmatched(m, reason))
    return circles


# --- micro-mentoring ---------------------------------------------------------------------

MICRO_MIN_LEVEL = 3


@dataclass(frozen=True)
class MicroCandidate:
    """A mentor for one micro session: their level in the skill (or the one under it they
    hold best), the hours they have free this month, and why."""

    mentor_id: str
    skill_id: str
    level: int
    hours_free: float
    reasons: list[str]


def micro_mentors(
    state: State, mentee_id: str, skill_id: str, *, minutes: int, k: int = 5
) -> list[MicroCandidate]:
    """The best `k` mentors for a `minutes`-long micro session of `mentee_id` on `skill_id`
    (see the module doc). NotFound for an unknown mentee; [] when nobody fits."""
    excluded = excluded_mentors(state, mentee_id)
    h = state.hierarchy
    skills = [skill_id]
    if skill_id in h:
        skills += sorted(d for d in h.descendants_by_distance(skill_id) if h.kind(d) == "skill")
    need = minutes / 60
    arr = state.arrays
    best: dict[str, tuple[int, str]] = {}
    for sid in skills:
        for pid, ps in state.holders_of.get(sid, {}).items():
            if ps.level >= MICRO_MIN_LEVEL and ps.level > best.get(pid, (0, ""))[0]:
                best[pid] = (ps.level, sid)
    out: list[MicroCandidate] = []
    for pid, (level, sid) in best.items():
        person = state.people.get(pid)
        if person is None or not person.micro_mentor or pid in excluded:
            continue
        if mentor_unavailable(person) not in (None, "takes no mentees (max_mentees is 0)"):
            continue
        row = state.rows[pid]
        free = float(arr["max_hours"][row] - arr["hours"][row])
        if free + 1e-9 < need:
            continue
        label = h.label(sid) if sid in h else sid
        out.append(
            MicroCandidate(
                pid,
                sid,
                level,
                free,
                [
                    f"knows {label} at level {level}",
                    "offers micro sessions",
                    f"has {free:g} of {float(arr['max_hours'][row]):g} hours free this month",
                ],
            )
        )
    out.sort(key=lambda c: (-c.level, -c.hours_free, c.mentor_id))
    return out[:k]


# --- a program's cohort run over its formats -----------------------------------------------

FORMED_FORMATS = (MentoringModel.circle, MentoringModel.group)


@dataclass(frozen=True)
class Formed:
    """The groups (each with a mentor) and peer circles a cohort run formed, and `notes`:
    for each asked format that formed nothing, why (e.g. "group: no group formed: ...")."""

    groups: list[Group] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a format formed nothing, in words

    @property
    def members(self) -> set[str]:
        return {m for g in self.groups for m in g.mentee_ids} | {
            m for c in self.circles for m in c.member_ids
        }


def _takes(state: State, pid: str, model: MentoringModel) -> bool:
    """Whether the person takes this format (no stated preference: any)."""
    prefs = state.people[pid].preferences.models
    return not prefs or model in prefs


def _none_formed(
    state: State,
    program: Program,
    fmt: MentoringModel,
    eligible: list[str],
    left: list[Unmatched],
) -> str:
    """Why a format formed nothing in a run, in words, starting with the format's name."""
    if not eligible:
        return f"{fmt.value}: none formed: no open mentee of the run takes {fmt.value}s"
    if fmt == MentoringModel.circle:
        lo, hi = CIRCLE_MIN, program.max_circle_size
        reasons = sorted({u.reason for u in left})
        return (
            f"circle: none formed: no {lo}-{hi} equals of {len(eligible)} could meet together"
            + (f" ({'; '.join(reasons[:3])})" if reasons else "")
        )
    sizes: dict[str | None, int] = defaultdict(int)
    for m in eligible:
        sizes[goal_cluster(state, m)] += 1
    if max(sizes.values()) < 2:
        return (
            f"group: none formed: no 2 of the {len(eligible)} mentees taking groups share "
            "a goal cluster"
        )
    return (
        f"group: none formed: no mentor with room for a group of >=2 sharing a cluster "
        f"(suggested to every member, with a free place per member and "
        f"{program.hours_per_month:g} h a month free)"
    )


def match_formats(
    snapshot: Snapshot,
    program: Program,
    *,
    now: datetime,
    formats: Sequence[MentoringModel],
    pairs_model: MentoringModel | None,
    options: RecommendOptions | None = None,
    candidates_per_mentee: int = 50,
    mentees_may_mentor: bool = False,
    progress: bool = False,
) -> tuple[CohortResult, Formed]:
    """One cohort run of `program` that forms circles and groups, then pairs.

    `formats` (circle, group; in the order given) each take, from the program's open mentees
    not placed yet, those who take that format (`Preferences.models` empty or naming it):
    circles of 3..`program.max_circle_size` equals, groups of 2..`program.max_group_size`
    with one mentor each (who leads one group per run and has a place per member and the
    group's `program.hours_per_month` free). Whoever is left is matched in pairs with
    `pairs_model` (none: left unmatched, with the reason). Nobody mentoring in the run is
    also one of its mentees unless `mentees_may_mentor`; a group's mentor takes no pair in
    the same run, so capacities hold across formats. ValueError for a format that is not
    circle or group."""
    bad = [f for f in formats if f not in FORMED_FORMATS]
    if bad:
        raise ValueError(f"formats are circle or group, not {bad[0].value}")
    state = snapshot.state
    pool = cohort_mentees(state, program.id)
    pool = [m for m in pool if state.people[m].hours_wanted_per_month > 0]
    why: dict[str, str] = {}
    formed = Formed()
    opts = options or RecommendOptions()
    for fmt in formats:
        eligible = [m for m in pool if _takes(state, m, fmt)]
        left: list[Unmatched] = []
        before = (len(formed.circles), len(formed.groups))
        if fmt == MentoringModel.circle:
            formed.circles.extend(
                match_circles(
                    snapshot,
                    program.id,
                    max_size=program.max_circle_size,
                    hours_per_month=program.hours_per_month,
                    member_ids=eligible,
                    left_over=left,
                    now=now,
                    min_overlap_hours=None if opts.asynchronous else opts.min_overlap_hours,
                    weeks=opts.weeks,
                )
            )
        else:
            for g in match_groups(
                snapshot,
                program.id,
                now=now,
                options=options,
                max_group_size=program.max_group_size,
                min_group_size=2,
                hours_per_month=program.hours_per_month,
                mentee_ids=eligible,
                candidates_per_mentee=candidates_per_mentee,
                exclude_mentors=() if mentees_may_mentor else pool,
                left_over=left,
            ):
                if g.mentor_id is not None:
                    formed.groups.append(g)
                else:
                    left.extend(
                        Unmatched(m, "no mentor fits the whole group") for m in g.mentee_ids
                    )
        why.update({u.mentee_id: u.reason for u in left})
        if (len(formed.circles), len(formed.groups)) == before:
            formed.notes.append(_none_formed(state, program, fmt, eligible, left))
        placed = formed.members
        pool = [m for m in pool if m not in placed]
    leaders = {g.mentor_id for g in formed.groups if g.mentor_id}
    if pairs_model is not None:
        opts = _opts(options, pairs_model)
    everyone = set(cohort_mentees(state, program.id))
    if pairs_model is not None:
        barred = leaders | (set() if mentees_may_mentor else everyone)
        keep_reverse = pairs_model == MentoringModel.reverse
        pairs = match_cohort(
            snapshot,
            program.id,
            now=now,
            options=opts,
            candidates_per_mentee=candidates_per_mentee,
            mentee_ids=pool,
            keep=lambda mentee, mentor: (
                mentor.id not in barred
                and (not keep_reverse or mentor.seniority < mentee.seniority)
            ),
            progress=progress,
            mentees_may_mentor=True,  # `barred` already keeps the run's mentees out
        )
        return pairs, formed
    unmatched = [
        Unmatched(m, why.get(m, "no pairs in this run (pairs_model is none)")) for m in pool
    ]
    return (
        CohortResult(
            program=program.id,
            model=formats[0] if formats else MentoringModel.group,
            proposals=[],
            unmatched=sorted(unmatched, key=lambda u: u.mentee_id),
            total_score=0.0,
            greedy_matched=0,
            greedy_total=0.0,
            candidate_edges=0,
            data_version=state.data_version,
        ),
        formed,
    )
