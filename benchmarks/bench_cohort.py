"""Cohort matching speed and quality: OR-Tools flow vs greedy vs the exact dense reference.

    python benchmarks/bench_cohort.py                         # solver 10k x 5k; e2e 10k x 5k
    python benchmarks/bench_cohort.py --big                   # also the 100k x 30k solver
    python benchmarks/bench_cohort.py --no-solver --e2e 10000x5000 100000x30000 --org demo

Solver rows use synthetic sparse candidate graphs (K candidates per mentee, scores in 0..1
with a per-mentor quality term, so mentors are contested). Quality: the flow solution is
compared with greedy on the same graph, and with the exact dense solver
(scipy linear_sum_assignment) on a random sub-cohort.

End-to-end rows (`--e2e MENTEESxMENTORS`, each size once) build a Snapshot and run
`match_cohort`: every eligible edge scored by the vectorised `CandidateScorer.eligible`
(exactly the mentors and scores `recommend` gives), two-sided candidates (each mentee's best
K mentors and each mentor's best L mentees), filled with `fill_to_max_flow` to the exact
maximum number of matches over ALL eligible edges ("achievable": max flow with mentor slots
as capacity, proved by a minimum cut), min-cost flow with the hours fit, reasons for the
chosen pairs. `wall_s` = snapshot build + match (the figure the issue's targets name; the
demo generator is timed apart). `--org demo`: the bundled ESCO v1.1.1 with the demo org
generator (real weekly windows in several time zones, so availability counts; goals target
a skill the mentee has plus its group, as the goal mapper would); `--org synthetic`: a
300-skill toy taxonomy, asynchronous.
Rows up to `--baseline-upto` mentees also run the previous matcher (one-sided top-50 with
augmentation rounds) in the same process: its fill against the same achievable number.
Rows up to 20k mentees check solver quality on a sub-cohort (`--exact-sub` mentees, all
their eligible edges) against the dense exact solver (scipy linear_sum_assignment).
Times are wall seconds with process CPU seconds in brackets (the CPU figure is the fair one on
a shared machine; the load average at start and end is printed and saved). `--json PATH`
writes every figure. Targets: 100k x 30k <= 120 s, peak RSS <= 3 GB, filled >= 99% of
achievable; 10k x 5k <= 30 s, sub-cohort score >= 99% of exact.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from graph.recommend.cohort import (
    CandidateGraph,
    assignment_value,
    check_assignment,
    exact_assignment_dense,
    fill_to_max_flow,
    greedy_assignment,
    solve_assignment,
    two_sided_candidates,
)


def synthetic(n: int, m: int, k: int, seed: int = 0) -> CandidateGraph:
    rng = np.random.default_rng(seed)
    quality = rng.beta(2, 2, m)
    mentee = np.repeat(np.arange(n), k)
    # popular mentors are more often candidates
    p = quality / quality.sum()
    mentor = rng.choice(m, size=n * k, p=p)
    score = np.clip(0.6 * quality[mentor] + 0.4 * rng.random(n * k), 0, 1)
    capacity = rng.integers(1, 4, m)
    # drop duplicate (mentee, mentor) pairs
    key = mentee.astype(np.int64) * m + mentor
    _, first = np.unique(key, return_index=True)
    first.sort()
    return CandidateGraph.build(
        n, capacity, mentee=mentee[first], mentor=mentor[first], score=score[first]
    )


def subgraph(g: CandidateGraph, n_sub: int, m_sub: int, seed: int = 1) -> CandidateGraph:
    rng = np.random.default_rng(seed)
    mentees = np.sort(rng.choice(g.n_mentees, n_sub, replace=False))
    mentors = np.sort(rng.choice(g.n_mentors, m_sub, replace=False))
    mi = -np.ones(g.n_mentees, np.int64)
    mi[mentees] = np.arange(n_sub)
    mj = -np.ones(g.n_mentors, np.int64)
    mj[mentors] = np.arange(m_sub)
    keep = (mi[g.mentee] >= 0) & (mj[g.mentor] >= 0)
    return CandidateGraph.build(
        n_sub,
        g.capacity[mentors],
        mentee=mi[g.mentee[keep]],
        mentor=mj[g.mentor[keep]],
        score=g.score[keep],
    )


def timed(f, *a):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = f(*a)
    return out, time.perf_counter() - t


def solver_rows(table: Table, n: int, m: int, k: int, exact_sub: tuple[int, int] | None) -> None:
    g = synthetic(n, m, k)
    flow, t_flow = timed(solve_assignment, g)
    greedy, t_greedy = timed(greedy_assignment, g)
    check_assignment(g, flow)
    check_assignment(g, greedy)
    (nf, sf), (ng, sg) = assignment_value(g, flow), assignment_value(g, greedy)
    table.add_row(
        f"{n:,} x {m:,} (K={k}, {g.n_edges:,} edges, {int(g.capacity.sum()):,} slots)",
        f"{t_flow:.2f}",
        f"{t_greedy:.2f}",
        f"{nf:,} / {sf:,.1f}",
        f"{ng:,} / {sg:,.1f}",
        f"{sf / sg:.4f}",
        "",
    )
    if exact_sub:
        s = subgraph(g, *exact_sub)
        ex, t_ex = timed(exact_assignment_dense, s)
        fl, t_fl = timed(solve_assignment, s)
        gr = greedy_assignment(s)
        (ne, se), (nfl, sfl), (ngr, sgr) = (assignment_value(s, c) for c in (ex, fl, gr))
        assert nfl == ne
        table.add_row(
            f"  sub-cohort {exact_sub[0]:,} x {exact_sub[1]:,} vs exact ({t_ex:.2f}s dense)",
            f"{t_fl:.3f}",
            "",
            f"{nfl:,} / {sfl:,.2f}",
            f"{ngr:,} / {sgr:,.2f}",
            f"{sfl / sgr:.4f}",
            f"{sfl / se:.6f}",
        )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_org(n_mentees: int, n_mentors: int, now: datetime):  # type: ignore[no-untyped-def]
    """Toy taxonomy (300 skills in 30 clusters); mentors hold 8 skills; 2 targets per goal."""
    from graph.model import Broader, Goal, GoalTarget, Person, PersonSkill, Skill, SkillCluster
    from graph.store import TaxonomyDump

    rng = np.random.default_rng(7)
    n_skills = 300
    skills = [Skill(id=f"s{i}", label=f"Skill {i}") for i in range(n_skills)]
    clusters = [SkillCluster(id=f"c{i}", label=f"Cluster {i}", tier=1) for i in range(30)]
    broader = [Broader(child_id=f"s{i}", parent_id=f"c{i % 30}") for i in range(n_skills)]
    people, has, goals, targets = [], [], [], []
    for j in range(n_mentors):
        people.append(
            Person(
                id=f"m{j}",
                name=f"M{j}",
                is_mentor=True,
                max_mentees=int(rng.integers(1, 4)),
                max_hours_per_month=8,
                seniority=7,
            )
        )
        for sk in rng.choice(n_skills, 8, replace=False):
            has.append(
                PersonSkill(
                    person_id=f"m{j}",
                    skill_id=f"s{sk}",
                    level=int(rng.integers(3, 6)),
                    willing_to_mentor=True,
                )
            )
    for i in range(n_mentees):
        people.append(Person(id=f"e{i}", name=f"E{i}", seniority=2, programs=["p"]))
        goals.append(Goal(id=f"g{i}", person_id=f"e{i}", text="learn", created_at=now))
        for sk in rng.choice(n_skills, 2, replace=False):
            targets.append(GoalTarget(goal_id=f"g{i}", node_id=f"s{sk}", confidence=0.9))
    parts = {
        "taxonomy": TaxonomyDump(skills=skills, clusters=clusters, broader=broader),
        "people": people,
        "person_skills": has,
        "goals": goals,
        "targets": targets,
    }
    return parts, [f"e{i}" for i in range(n_mentees)], True


def demo_org(n_mentees: int, n_mentors: int, now: datetime):  # type: ignore[no-untyped-def]
    """ESCO + demo org sized so that it has `n_mentors` mentors (20% of people), built lean
    (`generate_org_columns`: the people of `generate_org`, skills as arrays, so the input
    does not dwarf what the matcher holds); the cohort is the first `n_mentees` non-mentors
    with a skill, each with one goal targeting one of their skills (0.9) and its first
    group (0.5)."""
    import random

    from graph.hierarchy import Hierarchy
    from graph.model import Goal, GoalTarget
    from graph.recommend.snapshot import SkillColumns
    from loaders.demo_org import MENTOR_SHARE, generate_org_columns
    from loaders.esco import bundled_esco_dir, read_esco

    tax = read_esco(bundled_esco_dir())
    hierarchy = Hierarchy.from_dump(tax)
    size = max(int(n_mentors / MENTOR_SHARE), int(n_mentees / (1 - MENTOR_SHARE) * 1.05) + 1)
    org = generate_org_columns(tax, size=size, seed=7)
    ptr = np.searchsorted(org.person, np.arange(len(org.people) + 1))
    rnd = random.Random(7)
    pool = [i for i, p in enumerate(org.people) if not p.is_mentor and ptr[i + 1] > ptr[i]]
    mentees = [org.people[i].id for i in pool[:n_mentees]]
    goals, targets = [], []
    for n, i in enumerate(pool[:n_mentees]):
        sid = org.skill_ids[int(org.skill[rnd.randrange(int(ptr[i]), int(ptr[i + 1]))])]
        gid = f"bench-g{n}"
        pid = org.people[i].id
        goals.append(Goal(id=gid, person_id=pid, text=hierarchy.label(sid), created_at=now))
        targets.append(GoalTarget(goal_id=gid, node_id=sid, confidence=0.9))
        parents = hierarchy.parents(sid)
        if parents:
            targets.append(GoalTarget(goal_id=gid, node_id=parents[0], confidence=0.5))
    parts = {
        "taxonomy": hierarchy,
        "people": org.people,
        "skill_columns": SkillColumns(
            [p.id for p in org.people], org.skill_ids, org.person, org.skill, org.level,
            org.willing,
        ),
        "goals": goals,
        "targets": targets,
    }  # fmt: skip
    return parts, mentees, False


def exact_sub_cohort(
    g: CandidateGraph, k: int, l_side: int, n_sub: int, seed: int = 3
) -> dict[str, float]:
    """Solver quality on a sub-cohort the dense solver can check: `n_sub` random mentees
    and a proportional random share of the mentors, ALL their eligible edges. Exact =
    `exact_assignment_dense` over every eligible edge (most matched, then best total);
    ours = the matcher's way (two-sided top k / top l, filled to the max flow, min-cost
    flow). Slot capacities; the hours repair is not part of this check."""
    n_sub = min(n_sub, g.n_mentees)
    m_sub = max(1, min(g.n_mentors, round(n_sub * g.n_mentors / max(g.n_mentees, 1))))
    s = subgraph(g, n_sub, m_sub, seed=seed)
    t = time.perf_counter()
    exact = exact_assignment_dense(s)
    t_exact = time.perf_counter() - t
    cand, achievable = fill_to_max_flow(s, two_sided_candidates(s, k, l_side))
    idx = np.flatnonzero(cand)
    sub = CandidateGraph(s.n_mentees, s.capacity, s.mentee[idx], s.mentor[idx], s.score[idx])
    ours = solve_assignment(sub)
    (ne, se), (no, so) = assignment_value(s, exact), assignment_value(sub, ours)
    return {
        "mentees": n_sub,
        "mentors": m_sub,
        "edges": s.n_edges,
        "exact_matched": ne,
        "exact_total": se,
        "ours_matched": no,
        "ours_total": so,
        "achievable": achievable,
        "score_ratio": so / se if se else 1.0,
        "dense_s": t_exact,
    }


def end_to_end(
    n_mentees: int,
    n_mentors: int,
    org: str,
    k: int,
    l_side: int,
    *,
    baseline: bool,
    exact_sub: int,
) -> dict[str, object]:
    from graph.recommend import RecommendOptions, Snapshot
    from graph.recommend.candidates import CandidateScorer
    from graph.recommend.cohort import eligible_graph, match_cohort

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    t = time.perf_counter()
    make = synthetic_org if org == "synthetic" else demo_org
    parts, mentees, asynchronous = make(n_mentees, n_mentors, now)
    t_gen = time.perf_counter() - t
    rss_gen = rss_mb()
    t, c = time.perf_counter(), time.process_time()
    snap = Snapshot.from_parts(**parts)
    del parts
    t_snap, c_snap = time.perf_counter() - t, time.process_time() - c
    st = snap.state
    mentors = int(st.arrays["mentor_ok"].sum())
    opts = RecommendOptions(asynchronous=asynchronous)

    t, c = time.perf_counter(), time.process_time()
    res = match_cohort(
        snap, "p", now=now, options=opts, mentee_ids=mentees,
        candidates_per_mentee=k, candidates_per_mentor=l_side,
    )  # fmt: skip
    t_match, c_match = time.perf_counter() - t, time.process_time() - c
    assert res.achievable is not None
    hours_ok = _hours_hold(snap, res)
    row: dict[str, object] = {
        "cohort": f"{n_mentees}x{n_mentors}",
        "org": org,
        "mentees": n_mentees,
        "mentors": mentors,
        "people": len(st.ids),
        "k_per_mentee": k,
        "l_per_mentor": l_side,
        "generate_s": t_gen,
        "snapshot_s": t_snap,
        "snapshot_cpu_s": c_snap,
        "match_s": t_match,
        "match_cpu_s": c_match,
        "wall_s": t_snap + t_match,  # end to end: snapshot -> candidates -> solve -> reasons
        "cpu_s": c_snap + c_match,
        "stages_s": res.timings,
        "stages_cpu_s": res.cpu_timings,
        "eligible_edges": res.eligible_edges,
        "candidate_edges": res.candidate_edges,
        "filled": res.matched,
        "achievable": res.achievable,
        "filled_pct": 100.0 * res.matched / res.achievable if res.achievable else 100.0,
        "matched_before_fill": res.matched_by_round[0],
        "total_score": res.total_score,
        "greedy_matched": res.greedy_matched,
        "greedy_total": res.greedy_total,
        "hours_within_limits": hours_ok,
        "rss_after_generate_mb": rss_gen,
        "peak_rss_mb": rss_mb(),
    }
    if exact_sub:
        scorer = CandidateScorer(snap, options=opts, now=now)
        g, _ = eligible_graph(
            scorer, mentees, exclude=_rows_mask(st, mentees),
        )  # fmt: skip
        g64 = CandidateGraph(
            g.n_mentees, g.capacity, g.mentee.astype(np.int64), g.mentor.astype(np.int64),
            g.score,
        )  # fmt: skip
        del g
        row["exact_sub"] = exact_sub_cohort(g64, k, l_side, exact_sub)
        del g64, scorer
    if baseline:
        t, c = time.perf_counter(), time.process_time()
        old = match_cohort(
            snap, "p", now=now, options=opts, mentee_ids=mentees, candidates_per_mentee=50,
            two_sided=False,
        )  # fmt: skip
        row["baseline"] = {
            "method": "one-sided top-50 + 3 augmentation rounds (the previous match_cohort)",
            "match_s": time.perf_counter() - t,
            "match_cpu_s": time.process_time() - c,
            "filled": old.matched,
            "filled_by_round": list(old.matched_by_round),
            "total_score": old.total_score,
            "candidate_edges": old.candidate_edges,
            "filled_pct_of_achievable": 100.0 * old.matched / res.achievable
            if res.achievable
            else 100.0,
            "peak_rss_mb_after": rss_mb(),
        }
    return row


def _rows_mask(st, ids):  # type: ignore[no-untyped-def]
    mask = np.zeros(len(st.ids), dtype=bool)
    mask[[st.rows[m] for m in ids]] = True
    return mask


def _hours_hold(snap, res) -> bool:  # type: ignore[no-untyped-def]
    """No mentor gets more hours than they have free, nobody is matched twice."""
    st = snap.state
    used: dict[str, float] = {}
    for p in res.proposals:
        used[p.mentor_id] = used.get(p.mentor_id, 0.0) + p.hours_per_month
    a = st.arrays
    for mid, h in used.items():
        r = st.rows[mid]
        if h > a["max_hours"][r] - a["hours"][r] + 1e-9:
            return False
    return len({p.mentee_id for p in res.proposals}) == len(res.proposals)


def e2e_table(rows: list[dict[str, object]]) -> Table:
    table = Table(title="cohort end-to-end: snapshot -> eligible edges -> two-sided candidates "
                  "-> max flow fill -> min-cost flow + hours -> reasons (seconds)")  # fmt: skip
    cols = (
        "cohort", "snapshot s", "match s (cpu)", "stages s (cpu)", "eligible / candidate edges",
        "filled / achievable (upper bound)", "total score",
        "baseline (one-sided top-50)",
        "exact sub-cohort: ours / exact score", "peak RSS MB",
    )  # fmt: skip
    for col in cols:
        table.add_column(col)
    for r in rows:
        base = r.get("baseline")
        sub = r.get("exact_sub")
        stages = r["stages_s"]
        cpu = r["stages_cpu_s"]
        assert isinstance(stages, dict) and isinstance(cpu, dict)
        table.add_row(
            f"{r['org']} {r['mentees']:,} x {r['mentors']:,} (K={r['k_per_mentee']}, "
            f"L={r['l_per_mentor']})",
            f"{r['snapshot_s']:.1f}",
            f"{r['match_s']:.1f} ({r['match_cpu_s']:.1f})",
            " ".join(f"{k}={v:.1f} ({cpu[k]:.1f})" for k, v in stages.items()),
            f"{r['eligible_edges']:,} / {r['candidate_edges']:,}",
            f"{r['filled']:,} / {r['achievable']:,} ({r['filled_pct']:.2f}%)",
            f"{r['total_score']:,.1f}",
            (
                f"{base['filled']:,} ({base['filled_pct_of_achievable']:.1f}%), "
                f"{base['total_score']:,.1f}, {base['match_s']:.1f} s ({base['match_cpu_s']:.1f})"
                if isinstance(base, dict)
                else "-"
            ),
            (
                f"{sub['ours_total']:,.2f} / {sub['exact_total']:,.2f} = {sub['score_ratio']:.5f}"
                f" ({sub['ours_matched']}/{sub['exact_matched']} matched, "
                f"{sub['mentees']}x{sub['mentors']})"
                if isinstance(sub, dict)
                else "-"
            ),
            f"{r['peak_rss_mb']:,.0f}",
        )
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true", help="also the 100k x 30k solver row")
    ap.add_argument("--no-solver", action="store_true", help="end-to-end rows only")
    ap.add_argument("--k", type=int, default=10, help="candidates per mentee")
    ap.add_argument("--l", type=int, default=10, help="candidates per mentor (two-sided)")
    ap.add_argument(
        "--e2e", nargs="*", default=["10000x5000"], help="MENTEESxMENTORS end-to-end rows"
    )
    ap.add_argument("--org", choices=["demo", "synthetic"], default="demo")
    ap.add_argument(
        "--baseline-upto",
        type=int,
        default=20_000,
        help="rows with at most this many mentees also run the old one-sided top-50 matcher",
    )
    ap.add_argument(
        "--exact-sub", type=int, default=1500,
        help="mentees in the sub-cohort checked against the dense exact solver (0: skip)",
    )  # fmt: skip
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()
    console = Console(width=220)
    summary: dict[str, object] = {"load_avg_start": list(os.getloadavg()), "cpus": os.cpu_count()}
    if not args.no_solver:
        table = Table(title="cohort solver (seconds; matched / total score)")
        for col in ("graph", "flow s", "greedy s", "flow", "greedy", "flow/greedy", "flow/exact"):
            table.add_column(col)
        solver_rows(table, 10_000, 5_000, 50, exact_sub=(2_000, 1_000))
        if args.big:
            solver_rows(table, 100_000, 30_000, 50, exact_sub=None)
        console.print(table)
    rows: list[dict[str, object]] = []
    for spec in args.e2e or []:
        n, m = (int(x) for x in spec.lower().split("x"))
        rows.append(
            end_to_end(
                n, m, args.org, args.k, args.l,
                baseline=n <= args.baseline_upto,
                exact_sub=args.exact_sub if n <= 20_000 else 0,
            )
        )  # fmt: skip
        console.print(e2e_table(rows))  # after each row: long runs show progress
    summary["rows"] = rows
    summary["load_avg_end"] = list(os.getloadavg())
    console.print(f"load average (1, 5, 15 min) at start {summary['load_avg_start']}, "
                  f"at end {summary['load_avg_end']}; {os.cpu_count()} CPUs")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=float))


if __name__ == "__main__":
    main()
