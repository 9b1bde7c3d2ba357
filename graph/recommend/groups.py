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
  The assignment is the cohort solver with one slot per mentor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import numpy as np

from graph.model import MentoringModel
from graph.recommend.candidates import CandidateScorer, top_k_candidates
from graph.recommend.cohort import (
    CandidateGraph,
    CohortResult,
    cohort_mentees,
    match_cohort,
    solve_assignment,
)
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
    mentor_id: str | None
    mentee_ids: list[str]
    cluster_id: str | None
    score: float
    hours_per_month: float


def goal_cluster(state: State, person_id: str) -> str | None:
    """The cluster of the person's first open goal's strongest target (itself if a cluster;
    for a skill its nearest cluster, smallest id first, passing over broader skills)."""
    goals = state.open_goals(person_id)
    for goal in goals:
        for t in state.targets.get(goal.id, ()):
            h = state.hierarchy
            if t.node_id in h and h.kind(t.node_id) == "cluster":
                return str(t.node_id)
            ups = h.ancestors_by_distance(t.node_id) if t.node_id in h else {}
            near = sorted((d, a) for a, d in ups.items() if h.kind(a) == "cluster")
            return str(near[0][1]) if near else str(t.node_id)
    return None


def match_groups(
    snapshot: Snapshot,
    program: str,
    *,
    now: datetime,
    options: RecommendOptions | None = None,
    max_group_size: int = 5,
    candidates_per_mentee: int = 50,
) -> list[Group]:
    """Groups of mentees with a shared goal cluster, each with a mentor where one fits."""

    if max_group_size < 1:
        raise ValueError("max_group_size must be at least 1")
    opts = _opts(options, MentoringModel.group)
    state = snapshot.state
    by_cluster: dict[str | None, list[str]] = defaultdict(list)
    for pid in cohort_mentees(state, program):
        by_cluster[goal_cluster(state, pid)].append(pid)
    groups: list[tuple[str | None, list[str]]] = []
    for cluster, ids in sorted(by_cluster.items(), key=lambda kv: str(kv[0])):
        n_groups = -(-len(ids) // max_group_size)
        for i in range(n_groups):
            groups.append((cluster, ids[i::n_groups]))  # balanced sizes
    members = [m for _, ids in groups for m in ids]
    edges = top_k_candidates(snapshot, members, k=candidates_per_mentee, options=opts, now=now)
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
    for gi, (_, ids) in enumerate(groups):
        hours = max(state.people[m].hours_wanted_per_month for m in ids)
        for m, sc in scores[gi].items():
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
    out = []
    for gi, (cluster, ids) in enumerate(groups):
        mentor, score = lead.get(gi, (None, 0.0))
        hours = max(state.people[m].hours_wanted_per_month for m in ids)
        out.append(Group(mentor, ids, cluster, score, hours))
    return out
