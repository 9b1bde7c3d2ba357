"""Cohort matching speed and quality: OR-Tools flow vs greedy vs the exact dense reference.

    python benchmarks/bench_cohort.py                         # solver 10k x 5k; e2e 10k x 5k
    python benchmarks/bench_cohort.py --big                   # also the 100k x 30k solver
    python benchmarks/bench_cohort.py --no-solver --e2e 10000x5000 100000x30000 --org demo

Solver rows use synthetic sparse candidate graphs (K candidates per mentee, scores in 0..1
with a per-mentor quality term, so mentors are contested). Quality: the flow solution is
compared with greedy on the same graph, and with the exact dense solver
(scipy linear_sum_assignment) on a random sub-cohort.

End-to-end rows (`--e2e MENTEESxMENTORS`) build a Snapshot and run `match_cohort` (batch
candidate scoring with `top_k_candidates`, flow with the hours repair, reasons for the chosen
pairs, then candidate augmentation: the unmatched scored again among the mentors with room,
the union solved again; the matched count after each round is shown: the first is the
one-round baseline). `--org demo`: the bundled ESCO v1.1.1 with the demo org generator (real
weekly windows in several time zones, so availability counts; goals target a skill the mentee
has plus its group, as the goal mapper would); `--org synthetic`: a 300-skill toy taxonomy,
asynchronous.
Times are wall seconds with process CPU seconds in brackets (the CPU figure is the fair one on
a shared machine). Each row also reports the per-mentee `recommend(k=K)` path it replaced
(CPU, measured on a 200-mentee sample with warm caches, scaled to the cohort), the candidate
graph's flow vs greedy and, on a sub-cohort, vs exact, and the process's peak RSS.
Target: 10k x 5k end-to-end <= 30 s, >= 99% of the optimum.
"""

from __future__ import annotations

import argparse
import resource
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
    """ESCO + demo org sized so that it has `n_mentors` mentors (20% of people); the cohort is
    the first `n_mentees` non-mentors with a skill, each with one goal targeting one of their
    skills (0.9) and its first group (0.5)."""
    import random

    from graph.hierarchy import Hierarchy
    from graph.model import Goal, GoalTarget
    from loaders.demo_org import MENTOR_SHARE, generate_org
    from loaders.esco import bundled_esco_dir, read_esco

    tax = read_esco(bundled_esco_dir())
    hierarchy = Hierarchy.from_dump(tax)
    size = max(int(n_mentors / MENTOR_SHARE), int(n_mentees / (1 - MENTOR_SHARE) * 1.05) + 1)
    org = generate_org(tax, size=size, seed=7)
    skills_of: dict[str, list] = {}
    for ps in org.person_skills:
        skills_of.setdefault(ps.person_id, []).append(ps)
    rnd = random.Random(7)
    pool = [p for p in org.people if not p.is_mentor and skills_of.get(p.id)]
    mentees = [p.id for p in pool[:n_mentees]]
    goals, targets = [], []
    for i, pid in enumerate(mentees):
        ps = rnd.choice(skills_of[pid])
        gid = f"bench-g{i}"
        goals.append(Goal(id=gid, person_id=pid, text=hierarchy.label(ps.skill_id), created_at=now))
        targets.append(GoalTarget(goal_id=gid, node_id=ps.skill_id, confidence=0.9))
        parents = hierarchy.parents(ps.skill_id)
        if parents:
            targets.append(GoalTarget(goal_id=gid, node_id=parents[0], confidence=0.5))
    parts = {
        "taxonomy": hierarchy,
        "people": org.people,
        "person_skills": org.person_skills,
        "goals": goals,
        "targets": targets,
    }
    return parts, mentees, False


def end_to_end(
    n_mentees: int, n_mentors: int, org: str, k: int, table: Table, quality: bool = True
) -> None:
    from graph.recommend import RecommendOptions, Snapshot, recommend
    from graph.recommend.candidates import top_k_candidates
    from graph.recommend.cohort import match_cohort, mentor_slots

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    t = time.perf_counter()
    make = synthetic_org if org == "synthetic" else demo_org
    parts, mentees, asynchronous = make(n_mentees, n_mentors, now)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    snap = Snapshot.from_parts(**parts)
    del parts
    t_snap = time.perf_counter() - t
    st = snap.state
    mentors = int(st.arrays["mentor_ok"].sum())
    opts = RecommendOptions(asynchronous=asynchronous)
    wish = float(np.median([st.people[m].hours_wanted_per_month for m in mentees]))
    ok_ids = [st.ids[int(r)] for r in np.flatnonzero(st.arrays["mentor_ok"])]
    supply = int(mentor_slots(st, ok_ids, wish).sum())  # mentor slots: the most one could match

    t, c = time.perf_counter(), time.process_time()
    res = match_cohort(
        snap, "p", now=now, options=opts, mentee_ids=mentees, candidates_per_mentee=k
    )
    t_match, c_match = time.perf_counter() - t, time.process_time() - c

    # the path match_cohort used before: recommend() with reasons per mentee, on a sample
    sample = mentees[:: max(1, len(mentees) // 200)][:200]
    c = time.process_time()
    for m in sample:
        recommend(snap, m, k=k, options=opts, now=now)
    per_mentee_old = (time.process_time() - c) / len(sample)
    old_path = (
        f"{per_mentee_old * 1e3:.2f} ms x {len(mentees):,} = {per_mentee_old * len(mentees):.0f}"
    )

    if not quality:  # big rows: the run's own flow vs greedy only
        table.add_row(
            f"{org} {n_mentees:,} x {mentors:,} mentors (K={k}, {res.candidate_edges:,} edges)",
            f"{t_gen:.1f} / {t_snap:.1f}",
            f"{t_match:.1f} ({c_match:.1f})",
            "-",
            old_path,
            f"{res.matched:,} / {res.total_score:,.1f}",
            " -> ".join(f"{x:,}" for x in res.matched_by_round) + f" of {supply:,} slots",
            f"{res.greedy_matched:,} / {res.greedy_total:,.1f}",
            f"{res.total_score / res.greedy_total:.4f}" if res.greedy_total else "-",
            "-",
            f"{rss_mb():,.0f}",
        )
        return

    # quality on the same candidate graph: flow vs greedy, and vs exact on a sub-cohort
    t, c = time.perf_counter(), time.process_time()
    edges = top_k_candidates(snap, mentees, k=k, options=opts, now=now)
    t_cand_warm, c_cand_warm = time.perf_counter() - t, time.process_time() - c
    rows = np.unique(edges.mentor_row)
    local = np.full(len(st.ids), -1, np.int64)
    local[rows] = np.arange(len(rows))
    wants = np.array([st.people[m].hours_wanted_per_month for m in mentees])
    cap = mentor_slots(st, [st.ids[int(r)] for r in rows], float(np.median(wants)))
    g = CandidateGraph.build(
        len(mentees), cap, mentee=edges.mentee_index, mentor=local[edges.mentor_row],
        score=edges.score,
    )  # fmt: skip
    flow, greedy = solve_assignment(g), greedy_assignment(g)
    (_, sf), (_, sg) = assignment_value(g, flow), assignment_value(g, greedy)
    n_sub = min(2_000, g.n_mentees)
    m_sub = max(1, min(g.n_mentors, int(n_sub * g.n_mentors / max(g.n_mentees, 1))))
    s = subgraph(g, n_sub, m_sub)
    (ne, se), (nfl, sfl) = (
        assignment_value(s, c(s)) for c in (exact_assignment_dense, solve_assignment)
    )
    assert nfl == ne
    table.add_row(
        f"{org} {n_mentees:,} x {mentors:,} mentors (K={k}, {res.candidate_edges:,} edges)",
        f"{t_gen:.1f} / {t_snap:.1f}",
        f"{t_match:.1f} ({c_match:.1f})",
        f"{t_cand_warm:.1f} ({c_cand_warm:.1f})",
        old_path,
        f"{res.matched:,} / {res.total_score:,.1f}",
        " -> ".join(f"{x:,}" for x in res.matched_by_round) + f" of {supply:,} slots",
        f"{res.greedy_matched:,} / {res.greedy_total:,.1f}",
        f"{sf / sg:.4f}" if sg else "-",
        f"{sfl / se:.6f} ({n_sub:,}x{m_sub:,})" if se else "-",
        f"{rss_mb():,.0f}",
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true", help="also the 100k x 30k solver row")
    ap.add_argument("--no-solver", action="store_true", help="end-to-end rows only")
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument(
        "--e2e", nargs="*", default=["10000x5000"], help="MENTEESxMENTORS end-to-end rows"
    )
    ap.add_argument("--org", choices=["demo", "synthetic"], default="demo")
    ap.add_argument(
        "--quality-upto",
        type=int,
        default=20_000,
        help="rows with more mentees skip the warm re-run and the exact sub-cohort",
    )
    args = ap.parse_args()
    console = Console(width=200)
    if not args.no_solver:
        table = Table(title="cohort solver (seconds; matched / total score)")
        for col in ("graph", "flow s", "greedy s", "flow", "greedy", "flow/greedy", "flow/exact"):
            table.add_column(col)
        solver_rows(table, 10_000, 5_000, args.k, exact_sub=(2_000, 1_000))
        if args.big:
            solver_rows(table, 100_000, 30_000, args.k, exact_sub=None)
        console.print(table)
    if args.e2e:
        table = Table(title="cohort end-to-end: match_cohort on a snapshot (seconds)")
        for col in (
            "cohort",
            "generate / snapshot s",
            "match_cohort s (cpu s)",
            "top_k_candidates warm s (cpu s)",
            "old path: recommend() cpu",
            "matched / total",
            "matched per round (augmentation)",
            "greedy",
            "flow/greedy",
            "flow/exact (sub)",
            "peak RSS MB",
        ):
            table.add_column(col)
        for spec in args.e2e:
            n, m = (int(x) for x in spec.lower().split("x"))
            end_to_end(n, m, args.org, args.k, table, quality=n <= args.quality_upto)
            console.print(table)  # after each row: long runs show progress


if __name__ == "__main__":
    main()
