"""Cohort matching speed and quality: OR-Tools flow vs greedy vs the exact dense reference.

    python benchmarks/bench_cohort.py                    # 10k x 5k solver, 1k end-to-end
    python benchmarks/bench_cohort.py --big              # also 100k x 30k
    python benchmarks/bench_cohort.py --e2e-mentees 10000

Solver rows use synthetic sparse candidate graphs (K candidates per mentee, scores in 0..1
with a per-mentor quality term, so mentors are contested). Quality: the flow solution is
compared with greedy on the same graph, and with the exact dense solver
(scipy linear_sum_assignment) on a random sub-cohort. End-to-end builds a Snapshot of
synthetic people/skills/goals and runs match_cohort (ranking each mentee, then solving).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np
from rich.console import Console
from rich.table import Table

from graph.recommend.cohort import (
    CandidateGraph,
    assignment_value,
    check_assignment,
    exact_assignment_dense,
    greedy_assignment,
    solve_assignment,
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


def end_to_end(n_mentees: int, n_mentors: int, console: Console) -> None:
    from graph.model import Goal, GoalTarget, Person, PersonSkill, Skill, SkillCluster
    from graph.recommend import RecommendOptions, Snapshot
    from graph.recommend.cohort import match_cohort
    from graph.store import TaxonomyDump

    rng = np.random.default_rng(7)
    now = datetime(2025, 3, 3, tzinfo=UTC)
    n_skills = 300
    skills = [Skill(id=f"s{i}", label=f"Skill {i}") for i in range(n_skills)]
    clusters = [SkillCluster(id=f"c{i}", label=f"Cluster {i}", tier=1) for i in range(30)]
    from graph.model import Broader

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
        for s in rng.choice(n_skills, 8, replace=False):
            has.append(
                PersonSkill(
                    person_id=f"m{j}",
                    skill_id=f"s{s}",
                    level=int(rng.integers(3, 6)),
                    willing_to_mentor=True,
                )
            )
    for i in range(n_mentees):
        people.append(Person(id=f"e{i}", name=f"E{i}", seniority=2, programs=["p"]))
        goals.append(Goal(id=f"g{i}", person_id=f"e{i}", text="learn", created_at=now))
        for s in rng.choice(n_skills, 2, replace=False):
            targets.append(GoalTarget(goal_id=f"g{i}", node_id=f"s{s}", confidence=0.9))
    t = time.perf_counter()
    snap = Snapshot.from_parts(
        taxonomy=TaxonomyDump(skills=skills, clusters=clusters, broader=broader),
        people=people,
        person_skills=has,
        goals=goals,
        targets=targets,
    )
    t_snap = time.perf_counter() - t
    t = time.perf_counter()
    res = match_cohort(snap, "p", now=now, options=RecommendOptions(asynchronous=True))
    t_match = time.perf_counter() - t
    console.print(
        f"end-to-end {n_mentees:,} mentees x {n_mentors:,} mentors: snapshot {t_snap:.1f}s, "
        f"match_cohort {t_match:.1f}s ({t_match / n_mentees * 1000:.1f} ms/mentee); "
        f"matched {res.matched:,} (greedy {res.greedy_matched:,}), total "
        f"{res.total_score:,.1f} (greedy {res.greedy_total:,.1f}), "
        f"{res.candidate_edges:,} edges, {len(res.unmatched):,} unmatched"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true", help="also 100k mentees x 30k mentors")
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--e2e-mentees", type=int, default=1000)
    args = ap.parse_args()
    console = Console(width=170)
    table = Table(title="cohort solver (seconds; matched / total score)")
    for col in ("graph", "flow s", "greedy s", "flow", "greedy", "flow/greedy", "flow/exact"):
        table.add_column(col)
    solver_rows(table, 10_000, 5_000, args.k, exact_sub=(2_000, 1_000))
    if args.big:
        solver_rows(table, 100_000, 30_000, args.k, exact_sub=None)
    console.print(table)
    if args.e2e_mentees:
        end_to_end(args.e2e_mentees, max(args.e2e_mentees // 2, 1), console)


if __name__ == "__main__":
    main()
