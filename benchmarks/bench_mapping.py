"""Goal -> taxonomy mapping on the real ESCO copy with the real model: quality and speed.

    python benchmarks/bench_mapping.py [--cache-dir var/embeddings] [--queries 2000] [--seed 0]

Prints:
1. first full embedding of every ESCO text (labels, aliases, descriptions, groups), with a
   progress bar (only really "first" when the cache dir is empty; `--fresh` empties it);
2. warm restart: a new process-like start reading the cache and building the mapper;
3. recall@1/5/10 of held-out ESCO alternative labels (a seeded share is removed from the
   index, a seeded sample of those is mapped) for the mapper and, in the same run, for the
   plain nearest-preferred-label baseline, overall and on the word-disjoint subset
   (held-out labels sharing no word with their skill's preferred label);
4. p50/p99 latency of one `map()` call, query embedding included, and of its two halves
   (query embedding alone; scoring alone with the vector given), with the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.embedding import SentenceTransformerEmbedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.mapping import GoalMapper, MappingConfig, tokens

GOALS = [
    "get better at presenting to executives",
    "learn to negotiate contracts with suppliers",
    "become a more confident people manager",
    "improve my Python for data analysis",
    "understand financial statements",
    "write clearer technical documentation",
    "run effective meetings",
    "learn machine learning basics",
    "coach junior engineers",
    "handle difficult conversations with clients",
]


def all_texts(dump: TaxonomyDump) -> list[str]:
    out: list[str] = []
    for node in (*dump.skills, *dump.clusters):
        out.append(node.label)
        out.extend(node.aliases)
        if node.description.strip():
            out.append(node.description.strip())
    return list(dict.fromkeys(out))


def hold_out(
    dump: TaxonomyDump, share: float, seed: int
) -> tuple[TaxonomyDump, list[tuple[str, str]]]:
    """Remove a seeded share of skill aliases; return the reduced dump and (alias, skill id)."""
    rng = random.Random(seed)
    held: list[tuple[str, str]] = []
    skills = []
    for skill in dump.skills:
        keep = []
        for alias in skill.aliases:
            if rng.random() < share:
                held.append((alias, skill.id))
            else:
                keep.append(alias)
        skills.append(skill.model_copy(update={"aliases": keep}))
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader), held


def ranks(order: list[list[str]], truth: list[str]) -> np.ndarray:
    out = np.full(len(truth), 10_000)
    for i, (ids, t) in enumerate(zip(order, truth, strict=True)):
        if t in ids:
            out[i] = ids.index(t) + 1
    return out


def recall(r: np.ndarray, k: int) -> float:
    return float((r <= k).mean()) if len(r) else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--esco-dir", type=Path, default=None)
    ap.add_argument("--cache-dir", type=Path, default=Path("var/embeddings-bench"))
    ap.add_argument("--fresh", action="store_true", help="empty the cache dir first")
    ap.add_argument("--share", type=float, default=0.2)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--latency-runs", type=int, default=200)
    ap.add_argument("--skip-recall", action="store_true", help="only times and latency")
    args = ap.parse_args()
    con = Console()
    import torch

    torch.set_num_threads(2)

    t = time.perf_counter()
    dump = read_esco(args.esco_dir or bundled_esco_dir())
    con.print(
        f"ESCO: {len(dump.skills)} skills, {len(dump.clusters)} groups "
        f"read in {time.perf_counter() - t:.1f}s"
    )
    if args.fresh and args.cache_dir.exists():
        shutil.rmtree(args.cache_dir)

    # 1. first full embedding
    model = SentenceTransformerEmbedder(progress=True)
    cache = EmbeddingCache.in_dir(args.cache_dir)
    texts = all_texts(dump)
    cached = CachedEmbedder(model, cache)
    t = time.perf_counter()
    cached.embed(texts)
    first_s = time.perf_counter() - t
    con.print(
        f"full embedding: {len(texts)} distinct texts, {cached.misses} embedded, "
        f"{cached.hits} from cache, {first_s:.1f}s"
    )
    cache.close()

    # 2. warm restart: a fresh cache object reading the file, then the mapper build
    t = time.perf_counter()
    cache = EmbeddingCache.in_dir(args.cache_dir)
    n_loaded = cache.preload(model.name, model.dim)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    full = GoalMapper(dump, model, cache=cache)
    build_s = time.perf_counter() - t
    con.print(
        f"warm restart: {n_loaded} cached vectors loaded in {load_s:.2f}s; "
        f"mapper over {len(full)} nodes built in {build_s:.2f}s"
    )

    # 3. recall on held-out aliases
    if args.skip_recall:
        latency(con, full, args.latency_runs)
        return
    reduced, held = hold_out(dump, args.share, args.seed)
    rng = random.Random(args.seed + 1)
    sample = rng.sample(held, min(args.queries, len(held)))
    mapper = GoalMapper(reduced, model, cache=cache)
    label_of = {s.id: s.label for s in dump.skills}
    q_texts = [a for a, _ in sample]
    truth = [sid for _, sid in sample]
    q_vecs = CachedEmbedder(model, cache).embed(q_texts)
    disjoint = np.array(
        [not (set(tokens(a)) & set(tokens(label_of[sid]))) for a, sid in sample], dtype=bool
    )

    skill_ids = [s.id for s in reduced.skills if s.status == "active"]
    label_vecs = CachedEmbedder(model, cache).embed([label_of[s] for s in skill_ids])
    base_order = []
    for v in q_vecs:
        sims = label_vecs @ v
        top = np.argpartition(-sims, 10)[:10]
        top = top[np.argsort(-sims[top])]
        base_order.append([skill_ids[i] for i in top])
    t = time.perf_counter()
    ours = [mapper.map(text, k=10, vector=v) for text, v in zip(q_texts, q_vecs, strict=True)]
    score_ms = (time.perf_counter() - t) / len(q_texts) * 1000
    # the same queries through one-stage (exact) scoring: does the pruned first stage lose any?
    exact = GoalMapper(reduced, model, cache=cache, config=MappingConfig(prune_min_names=10**12))
    t = time.perf_counter()
    exact_res = [exact.map(text, k=10, vector=v) for text, v in zip(q_texts, q_vecs, strict=True)]
    exact_ms = (time.perf_counter() - t) / len(q_texts) * 1000
    same = sum(
        [c.id for c in a.candidates] == [c.id for c in b.candidates]
        for a, b in zip(ours, exact_res, strict=True)
    )
    # where the order differs, by how much do the scores at the same rank differ?
    gap = max(
        (
            abs(x.score - y.score)
            for a, b in zip(ours, exact_res, strict=True)
            for x, y in zip(a.candidates, b.candidates, strict=True)
        ),
        default=0.0,
    )
    ours_order = [[c.id for c in r.candidates] for r in ours]
    r_ours, r_base = ranks(ours_order, truth), ranks(base_order, truth)

    table = Table(
        title=f"held-out ESCO aliases: {len(sample)} of {len(held)} held out "
        f"(share {args.share}, seed {args.seed}); word-disjoint: {int(disjoint.sum())}"
    )
    for col in ("subset", "metric", "mapper", "baseline (label NN)", "ratio"):
        table.add_column(col)
    for subset, mask in (("all", np.ones_like(disjoint)), ("word-disjoint", disjoint)):
        for k in (1, 5, 10):
            a, b = recall(r_ours[mask], k), recall(r_base[mask], k)
            table.add_row(subset, f"R@{k}", f"{a:.3f}", f"{b:.3f}", f"{a / b:.2f}x")
    con.print(table)
    con.print(
        f"scoring only (query vector given): two-stage {score_ms:.2f} ms/query, one-stage "
        f"(exact) {exact_ms:.2f} ms/query; identical top-10 in {same} of {len(q_texts)} queries, "
        f"largest score difference at equal rank {gap:.1e} (ties swapped by float rounding)"
    )

    latency(con, mapper, args.latency_runs)
    for goal in GOALS[:3]:
        res = full.map(goal, k=3)
        con.print(goal, "->", [(c.label, c.kind, round(c.score, 2)) for c in res.candidates])


def _percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"p50 {statistics.median(ms):.1f} ms, p99 {ms[int(0.99 * (len(ms) - 1))]:.1f} ms"


def latency(con: Console, mapper: GoalMapper, runs: int) -> None:
    """p50/p99 of one map() call (query embedding included), and of its two halves: the
    query embedding alone and map() given the vector (scoring only), in the same run."""
    for goal in GOALS:  # warm-up: model, tokenizer, BLAS controller
        mapper.map(goal)
    whole, embed, score = [], [], []
    load_before = os.getloadavg()[0]
    for i in range(runs):
        goal = GOALS[i % len(GOALS)] + ("" if i < len(GOALS) else f" {i}")
        t = time.perf_counter()
        mapper.map(goal, k=5)
        whole.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        vec = mapper.query_embedder.embed([goal])[0]
        embed.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        mapper.map(goal, k=5, vector=vec)
        score.append((time.perf_counter() - t) * 1000)
    table = Table(title=f"one goal, after warm-up ({runs} calls each, {len(mapper)} nodes)")
    for col in ("what", "latency"):
        table.add_column(col)
    table.add_row("map(), query embedding included", _percentiles(whole))
    table.add_row("query embedding alone", _percentiles(embed))
    table.add_row("map(vector=...): scoring only", _percentiles(score))
    con.print(table)
    con.print(
        f"torch threads {torch_threads()} (1 for single queries), BLAS 1 thread for scoring; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
        f"{os.cpu_count()} cores"
    )


def torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


if __name__ == "__main__":
    main()
