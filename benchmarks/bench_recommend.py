"""Recommender speed, memory and quality on the real ESCO taxonomy.

    python benchmarks/bench_recommend.py --sizes 10000 100000 --queries 200
    nice python benchmarks/bench_recommend.py --sizes 100000 1000000 --json out.json

For each size: a seeded demo org on the bundled ESCO v1.1.1 (loaders.demo_org.
generate_org_columns: generate_org's people, skills as arrays, with `--extra-skills` more
draws per person, default 4: ~10 skills a person), goal targets set directly (a mentee's own
skill plus its group, as the goal mapper would produce), a Snapshot built from parts (skills
as `SkillColumns`), then one mentee's top-10 with reasons for `--queries`
mentees: cold (first call, fills the availability cache) and warm p50/p99, build time and peak
RSS; then the same mentees through the batch scorer `top_k_candidates` (amortised ms per
mentee, and the share whose top-10 equals recommend()'s: must be 100). Quality: nDCG@10 on
planted ideal mentors (exact target skill at level 5, free when the
mentee is, places left; relevance 3), near mentors (a sibling skill, relevance 1) and keyword
decoys (a skill whose label shares words with the goal, but never free when the mentee is),
against a keyword-overlap baseline that ranks mentors by shared words between the goal text
and their skill labels. Time: wall and CPU seconds of generation and of the snapshot build,
wall and thread-CPU ms per query. Memory: the process's peak RSS (generator included: its
Person objects are the input), the taxonomy's RSS, the RSS the generator adds, the RSS the
snapshot adds to the generated org (net of the input skill arrays it replaces), and the bytes of the
snapshot's people x skills arrays (`State.skills`: CSR/CSC, int32 codes and rows, int8
levels). Each size runs in a fresh subprocess so its peak is its own; the load average is
recorded (shared machine). Targets: 100k people p50 <= 10 ms, peak RSS <= 1.3 GB; 1M people
snapshot build <= 120 s, RSS <= 6 GB, p50 <= 30 ms. `--json PATH` writes every figure.

The same ranking written as Cypher on a Bolt server, timed side by side: bench_recommend_cypher.py.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import numpy as np

from graph.hierarchy import Hierarchy
from graph.model import Goal, GoalTarget, Person, PersonSkill, WeeklyWindow
from graph.recommend import RecommendOptions, Snapshot, recommend
from graph.recommend.candidates import top_k_candidates
from graph.recommend.snapshot import SkillColumns
from loaders.demo_org import generate_org_columns
from loaders.esco import bundled_esco_dir, read_esco

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORD = re.compile(r"[a-z]+")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size now (Linux /proc), MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(tax, hierarchy: Hierarchy, size: int, seed: int, extra_skills: int):  # type: ignore[no-untyped-def]
    org = generate_org_columns(tax, size=size, seed=seed, extra_skills=extra_skills)
    ptr = np.zeros(len(org.people) + 1, dtype=np.int64)
    np.cumsum(np.bincount(org.person, minlength=len(org.people)), out=ptr[1:])
    rnd = random.Random(seed)
    goals, targets = [], []
    mentees = [i for i, p in enumerate(org.people) if ptr[i + 1] > ptr[i] and not p.is_mentor]
    rnd.shuffle(mentees)
    for i, row in enumerate(mentees[: max(1000, size // 20)]):
        p = org.people[row]
        skill_id = org.skill_ids[int(org.skill[rnd.randrange(ptr[row], ptr[row + 1])])]
        gid = f"bench-g{i}"
        goals.append(Goal(id=gid, person_id=p.id, text=hierarchy.label(skill_id)))
        targets.append(GoalTarget(goal_id=gid, node_id=skill_id, confidence=0.9))
        parents = hierarchy.parents(skill_id)
        if parents:
            targets.append(GoalTarget(goal_id=gid, node_id=parents[0], confidence=0.5))
    return org, goals, targets, [g.person_id for g in goals]


def plant(hierarchy: Hierarchy, org, goals, targets, n_queries: int, seed: int):  # type: ignore[no-untyped-def]
    """Add ideal/near/decoy mentors for the first n_queries mentees; return relevance maps."""
    rnd = random.Random(seed + 1)
    people = {p.id: p for p in org.people}
    labels = {s.id: s.label for s in hierarchy.nodes("skill")}
    by_word: dict[str, list[str]] = {}
    for sid, label in labels.items():
        for w in set(WORD.findall(label.lower())):
            by_word.setdefault(w, []).append(sid)
    extra_people, extra_skills, relevance = [], [], []
    target_of = {t.goal_id: t.node_id for t in targets if t.confidence == 0.9}
    for q, g in enumerate(goals[:n_queries]):
        mentee = people[g.person_id]
        t = target_of[g.id]
        rel: dict[str, int] = {}
        siblings = sorted(hierarchy.siblings(t)) or [t]
        words = [w for w in WORD.findall(labels[t].lower()) if len(w) > 3]
        decoy_pool = sorted(
            {s for w in words for s in by_word.get(w, []) if s != t and s not in siblings}
        ) or sorted(labels)
        for kind, n_kind, grade in (("ideal", 3, 3), ("near", 3, 1), ("decoy", 4, 0)):
            for j in range(n_kind):
                pid = f"plant-{q}-{kind}-{j}"
                free = mentee.windows if kind != "decoy" else []
                extra_people.append(
                    Person(
                        id=pid,
                        name=f"{kind.title()} {q}-{j}",
                        timezone=mentee.timezone,
                        languages=mentee.languages,
                        is_mentor=True,
                        max_mentees=3,
                        max_hours_per_month=10,
                        windows=free or [WeeklyWindow(weekday=6, start=dtime(3), end=dtime(4))],
                    )
                )
                skill = {"ideal": t, "near": rnd.choice(siblings), "decoy": rnd.choice(decoy_pool)}
                extra_skills.append(
                    PersonSkill(
                        person_id=pid, skill_id=skill[kind], level=5, willing_to_mentor=True
                    )
                )
                rel[pid] = grade
        relevance.append((g, rel))
    return extra_people, extra_skills, relevance


def ndcg(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** rel.get(m, 0) - 1) / math.log2(i + 2) for i, m in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def keyword_baseline(snap: Snapshot, goal: Goal, k: int = 10) -> list[str]:
    """Mentors ranked by the most words one of their willing skills shares with the goal."""
    st = snap.state
    sk = st.skills
    words = set(WORD.findall(goal.text.lower()))
    shared = np.array(
        [len(words & set(WORD.findall(st.hierarchy.label(sid).lower()))) for sid in sk.skill_ids]
    )
    best: dict[int, int] = {}
    for code in np.flatnonzero(shared).tolist():
        lo, hi = int(sk.w_ptr[code]), int(sk.w_ptr[code + 1])
        for r in sk.w_row[lo:hi].tolist():
            best[r] = max(best.get(r, 0), int(shared[code]))
    scored = []
    for r, b in best.items():
        pid = st.ids[r]
        if st.people[pid].is_mentor and pid != goal.person_id:
            scored.append((-b, pid))
    scored.sort()
    return [pid for _, pid in scored[:k]]


def run(size: int, queries: int, seed: int, extra_skills: int) -> dict[str, float]:
    tax = read_esco(bundled_esco_dir())
    hierarchy = Hierarchy.from_dump(tax)
    gc.collect()
    rss_taxonomy = current_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    org, goals, targets, mentee_ids = build(tax, hierarchy, size, seed, extra_skills)
    people_x, skills_x, relevance = plant(hierarchy, org, goals, targets, min(queries, 50), seed)
    gen_s, gen_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    gc.collect()
    rss_before = current_rss_mb()
    t1, c1 = time.perf_counter(), time.process_time()
    snap = Snapshot.from_parts(
        taxonomy=hierarchy,
        people=[*org.people, *people_x],
        person_skills=skills_x,
        skill_columns=SkillColumns(
            [p.id for p in org.people], org.skill_ids, org.person, org.skill, org.level,
            org.willing,
        ),
        goals=goals,
        targets=targets,
    )  # fmt: skip
    t2, c2 = time.perf_counter(), time.process_time()
    n_skill_rows = len(org.person) + len(skills_x)
    del org.person, org.skill, org.level, org.willing, skills_x  # the snapshot has its own
    gc.collect()
    rss_snapshot = current_rss_mb() - rss_before
    sk = snap.state.skills
    skill_bytes = sum(
        a.nbytes
        for a in (sk.ptr, sk.skill, sk.level, sk.willing, sk.h_ptr, sk.h_row, sk.h_level,
                  sk.h_willing, sk.w_ptr, sk.w_row, sk.w_level)
    )  # fmt: skip
    opts = RecommendOptions()
    qs = mentee_ids[:queries]
    cold, warm, warm_cpu, sizes = [], [], [], []
    for m in qs:
        a = time.perf_counter()
        recs = recommend(snap, m, k=10, options=opts, now=NOW)
        cold.append(time.perf_counter() - a)
        sizes.append(len(recs))
    for m in qs:
        a, c = time.perf_counter(), time.thread_time()
        recommend(snap, m, k=10, options=opts, now=NOW)
        warm.append(time.perf_counter() - a)
        warm_cpu.append(time.thread_time() - c)
    # the batch scorer (cohort matching): same top-10 per mentee, shared work, no reasons
    t = time.perf_counter()
    edges = top_k_candidates(snap, qs, k=10, options=opts, now=NOW)
    batch = time.perf_counter() - t
    got = edges.mentor_ids(snap.state)
    same = 0
    for i, m in enumerate(qs):
        mine = [got[e] for e in np.flatnonzero(edges.mentee_index == i)]
        same += mine == [r.mentor_id for r in recommend(snap, m, k=10, options=opts, now=NOW)]
    ours, base = [], []
    for g, rel in relevance:
        got = [r.mentor_id for r in recommend(snap, g.person_id, k=10, options=opts, now=NOW)]
        ours.append(ndcg(got, rel))
        base.append(ndcg(keyword_baseline(snap, g), rel))
    warm.sort()
    warm_cpu.sort()
    return {
        "people": len(snap.state.people),
        "has_skill": len(snap.state.skills.skill),
        "skills_per_person": len(snap.state.skills.skill) / len(snap.state.people),
        "skill_rows_given": n_skill_rows,
        "extra_skill_draws": extra_skills,
        "taxonomy_rss_mb": rss_taxonomy,
        "generate_s": gen_s,
        "generate_cpu_s": gen_cpu_s,
        "generator_added_rss_mb": rss_before - rss_taxonomy,
        "snapshot_s": t2 - t1,
        "snapshot_cpu_s": c2 - c1,
        "snapshot_added_rss_mb": rss_snapshot,
        "people_x_skills_mb": skill_bytes / 2**20,
        "cold_p50_ms": statistics.median(cold) * 1e3,
        "warm_p50_ms": statistics.median(warm) * 1e3,
        "warm_p99_ms": warm[min(len(warm) - 1, int(len(warm) * 0.99))] * 1e3,
        # CPU time of the calling thread: the fair latency on a loaded, shared machine
        "warm_p50_cpu_ms": statistics.median(warm_cpu) * 1e3,
        "warm_p99_cpu_ms": warm_cpu[min(len(warm_cpu) - 1, int(len(warm_cpu) * 0.99))] * 1e3,
        "batch_ms_per_mentee": batch / len(qs) * 1e3,
        "batch_same_top10_pct": 100.0 * same / len(qs),
        "mean_results": statistics.mean(sizes),
        "ndcg_ours": statistics.mean(ours),
        "ndcg_keyword": statistics.mean(base),
        "peak_rss_mb": rss_mb(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--extra-skills",
        type=int,
        default=4,
        help="more skill draws per person than the demo org's (4: ~10 skills a person)",
    )
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: run one size, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.queries, args.seed, args.extra_skills)))
        return
    from rich.console import Console
    from rich.table import Table

    rows = []
    for size in args.sizes:  # a fresh process per size: each peak RSS is that size's own
        load = list(os.getloadavg())
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries),
             "--seed", str(args.seed), "--extra-skills", str(args.extra_skills)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["load_avg_start"] = load
        result["load_avg_end"] = list(os.getloadavg())
        rows.append((size, result))
    table = Table(title="mentor recommendation: one mentee's top-10 with reasons (ESCO v1.1.1)")
    table.add_column("metric")
    for size, _ in rows:
        table.add_column(f"{size:,} people", justify="right")
    for key in rows[0][1]:
        table.add_row(key, *(_fmt(r[key]) for _, r in rows))
    Console().print(table)
    print(
        "targets: 100k warm p50 <= 10 ms, peak RSS <= 1300 MB; 1M snapshot <= 120 s, "
        "peak RSS <= 6144 MB, warm p50 <= 30 ms; ndcg_ours > ndcg_keyword"
    )
    if args.json:
        args.json.write_text(json.dumps({str(size): r for size, r in rows}, indent=2))


def _fmt(v: object) -> str:
    if isinstance(v, list):
        return " ".join(f"{x:.2f}" for x in v)
    return f"{v:,.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


if __name__ == "__main__":
    main()
