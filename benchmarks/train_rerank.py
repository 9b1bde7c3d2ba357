"""Fit the goal-mapping re-ranker and write taxonomy/data/rerank.json (run offline, never at
run time).

    python benchmarks/train_rerank.py --cache var/esco-embeddings.sqlite3 [--out PATH]

The shipped adapted-similarity head (taxonomy/data/adapter.npz) feeds two features: fit it
first when the bundled ESCO changes (`benchmarks/train_adapter.py`). The weights shipped
now come from `--aliases 4000` (see the provenance in taxonomy/data/rerank.json).

Training data (never the benchmark's held-out aliases, never the goal test split):
- ESCO English aliases held out from the index: a further 10% (seed 11) of what the
  benchmark's index keeps (`mapping_data`), each query's positive being its skill;
- the same with typos made by a seeded random edit (drop, swap, double or replace a letter in
  one word of 5+ letters): the spelling-tolerant lexical match must learn to carry them;
- Spanish and French ESCO labels held out from the index the same way (when the official
  files are at hand): the dense model is English-only, the lexical side carries these;
- the dev split of our goal set (tests/mapping/data/goals.csv), weighted x4: goal wording;
- texts that are no goal (seeded random letter strings, the dev German goals, for which no
  German labels exist), every candidate a negative.
Negatives are every other candidate the retrieval returns (hard negatives from the index).
The confidence threshold is the one that best separates, on the dev goals and a fixed list
of non-goals, goals whose top 5 hold an accepted skill from non-goals and from misses.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mapping_data import (
    BENCH_SEED,
    BENCH_SHARE,
    TRAIN_SEED,
    TRAIN_SHARE,
    esco_dump,
    hold_out,
    hold_out_foreign,
    load_goals,
)

from graph.errors import InvalidInput
from graph.store import TaxonomyDump
from taxonomy.embedding import SentenceTransformerEmbedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.mapping import GoalMapper
from taxonomy.rerank import FEATURES, MODEL_FILE, RerankModel

# Texts that are not goals: the threshold must keep them below it (never in training).
NON_GOALS = [
    "asdf",
    "qwerty uiop",
    "lorem ipsum dolor sit amet",
    "hello",
    "test",
    "blah blah",
    "the",
    "zzzz",
    "ok",
    "banana",
]


def typo(text: str, rng: random.Random) -> str | None:
    """One seeded spelling slip in one word of 5+ letters, or None when there is none."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:j] + w[j + 1 :]
    elif kind == 1:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice("aeioustrnl") + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("var/esco-embeddings.sqlite3"))
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--aliases", type=int, default=2000)
    ap.add_argument("--typos", type=int, default=400)
    ap.add_argument("--foreign", type=int, default=800)
    ap.add_argument("--goal-weight", type=float, default=4.0)
    ap.add_argument("--junk", type=int, default=200, help="random non-words as negatives")
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--dump", type=Path, default=None, help="also save the rows (.npz)")
    ap.add_argument(
        "--subset", type=int, default=0, help="debug: index only this many random skills"
    )
    args = ap.parse_args()
    import torch
    from sklearn.linear_model import LogisticRegression

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    full, languages = esco_dump()
    if args.subset:
        full = subset(full, args.subset)
    bench_index, _ = hold_out(full, BENCH_SHARE, BENCH_SEED)
    train_index, held = hold_out(bench_index, TRAIN_SHARE, TRAIN_SEED)
    train_index, held_foreign = hold_out_foreign(train_index, TRAIN_SHARE, TRAIN_SEED)
    model = SentenceTransformerEmbedder()
    cache = EmbeddingCache(args.cache)
    mapper = GoalMapper(train_index, model, cache=cache, reranker=RerankModel.untrained())
    mapper.query_embedder = CachedEmbedder(model, cache)
    print(f"index built in {time.perf_counter() - t0:.0f}s; languages {languages}", flush=True)

    rng = random.Random(TRAIN_SEED)
    queries: list[tuple[str, set[str], float, str]] = []
    for alias, sid in rng.sample(held, min(args.aliases, len(held))):
        queries.append((alias, {sid}, 1.0, "alias"))
    typo_pool = rng.sample(held, min(args.typos * 2, len(held)))
    n_typos = 0
    for alias, sid in typo_pool:
        slipped = typo(alias, rng)
        if slipped and n_typos < args.typos:
            queries.append((slipped, {sid}, 1.0, "typo"))
            n_typos += 1
    for label, _, sid in rng.sample(held_foreign, min(args.foreign, len(held_foreign))):
        queries.append((label, {sid}, 1.0, "foreign"))
    dev = [g for g in load_goals(full) if g.split == "dev"]
    goals = [g for g in dev if g.parts]
    # texts that are no goal at all: every candidate is a negative, so the confidence learns
    # to stay low when the words are unknown (keyboard mashes, German without German labels)
    junk = [g.goal for g in dev if g.style == "german"]
    for _ in range(args.junk):
        n = rng.randrange(1, 4)
        junk.append(" ".join(_mash(rng) for _ in range(n)))

    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    kinds: dict[str, int] = {}
    t = time.perf_counter()
    groups: list[str] = []  # the kind of query behind each block of rows
    for n, (text, accepted, weight, kind) in enumerate(queries):
        try:
            piece = mapper.candidates(text)[0]
        except InvalidInput:  # an ESCO alias that is no goal text ("?"): nothing to learn
            continue
        if _add(xs, ys, ws, piece, accepted, weight):
            groups.append(kind)
        kinds[kind] = kinds.get(kind, 0) + 1
        if n % 500 == 0:
            print(f"{n}/{len(queries)} queries, {time.perf_counter() - t:.0f}s", flush=True)
    for g in goals:
        pieces = mapper.candidates(g.goal)
        union = set().union(*g.parts)
        if _add(xs, ys, ws, pieces[0], union, args.goal_weight):
            groups.append("goal")
        if len(pieces) - 1 == len(g.parts):
            for piece, accepted in zip(pieces[1:], g.parts, strict=True):
                if _add(xs, ys, ws, piece, accepted, args.goal_weight):
                    groups.append("goal")
        kinds["goal"] = kinds.get("goal", 0) + 1
    for text in junk:
        _add(xs, ys, ws, mapper.candidates(text)[0], set(), 1.0, negatives_only=True)
        groups.append("non_goal")
        kinds["non_goal"] = kinds.get("non_goal", 0) + 1
    x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
    if args.dump is not None:
        qid = np.repeat(np.arange(len(xs)), [len(b) for b in xs])
        np.savez(args.dump, x=x, y=y, w=w, qid=qid, kind=np.array(groups))
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    # 0/1 features stay as they are, so an absent one (a taxonomy without reuse levels)
    # adds nothing to the logit rather than a shift learnt from data that had it
    binary = np.all((x == 0) | (x == 1), axis=0)
    mean[binary], scale[binary] = 0.0, 1.0
    lr = LogisticRegression(C=args.c, max_iter=5000)
    lr.fit((x - mean) / scale, y, sample_weight=w)
    fitted = RerankModel(
        features=FEATURES,
        mean=mean,
        scale=scale,
        coef=lr.coef_[0],
        intercept=float(lr.intercept_[0]),
        threshold=0.0,
        provenance={},
    )
    mapper.model = fitted
    threshold, report = choose_threshold(mapper, goals)
    import sklearn

    provenance = {
        "trained": True,
        "by": "benchmarks/train_rerank.py",
        "queries": kinds,
        "rows": len(y),
        "positives": int(y.sum()),
        "languages": languages,
        "seeds": {"bench_hold_out": BENCH_SEED, "train_hold_out": TRAIN_SEED},
        "C": args.c,
        "goal_weight": args.goal_weight,
        "scikit_learn": sklearn.__version__,
        "threshold_choice": report,
    }
    out = RerankModel(
        FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), threshold, provenance
    )
    args.out.write_text(json.dumps(out.to_json(), indent=1) + "\n", encoding="utf-8")
    order = np.argsort(-np.abs(out.coef))
    print("weights (standardised), largest first:")
    for i in order:
        print(f"  {FEATURES[i]:>22} {out.coef[i]:+.3f}")
    print(f"threshold {threshold:.3f}: {report}")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f}s")
    cache.close()


def _mash(rng: random.Random) -> str:
    """A random letter string of 3-10 letters: a word in no language."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 11)))


def subset(dump: TaxonomyDump, n: int) -> TaxonomyDump:
    """n seeded random skills, every skill our goals accept, all clusters (for debugging)."""
    wanted = {i for g in load_goals(dump) for part in g.parts for i in part}
    rng = random.Random(0)
    keep = wanted | set(rng.sample([s.id for s in dump.skills], n))
    ids = keep | {c.id for c in dump.clusters}
    return TaxonomyDump(
        skills=[s for s in dump.skills if s.id in keep],
        clusters=dump.clusters,
        broader=[b for b in dump.broader if b.child_id in ids and b.parent_id in ids],
    )


def _add(
    xs: list[np.ndarray],
    ys: list[np.ndarray],
    ws: list[np.ndarray],
    piece: tuple[str, list[str], np.ndarray],
    accepted: set[str],
    weight: float,
    *,
    negatives_only: bool = False,
) -> bool:
    """Append one query's rows; False (nothing appended) when retrieval missed it."""
    _, ids, feats = piece
    labels = np.array([i in accepted for i in ids], dtype=np.int64)
    if not labels.any() and not negatives_only:  # retrieval missed it: nothing to learn
        return False
    xs.append(feats)
    ys.append(labels)
    ws.append(np.full(len(ids), weight / max(1, len(ids)) * 10))
    return True


def choose_threshold(mapper: GoalMapper, goals: list) -> tuple[float, dict]:
    """The confidence threshold maximising (dev goals kept with a top-5 hit) - 2 x (non-goals
    and top-5 misses let through: a confident wrong skill costs more than a fall-back), from
    the best skill's confidence per query piece."""
    good: list[float] = []
    bad: list[float] = []
    for g in goals:
        pieces = mapper.candidates(g.goal)
        pairs = (
            list(zip(pieces[1:], g.parts, strict=True))
            if len(pieces) - 1 == len(g.parts)
            else [(pieces[0], set().union(*g.parts))]
        )
        for (_, ids, feats), accepted in pairs:
            prob = mapper.model.probability(feats)
            order = np.argsort(-prob)
            top5 = [ids[i] for i in order[:5]]
            (good if set(top5) & accepted else bad).append(float(prob[order[0]]))
    for text in NON_GOALS:
        _, _, feats = mapper.candidates(text)[0]
        bad.append(float(mapper.model.probability(feats).max()))
    best_t, best_score = 0.1, -1e9
    for t in np.linspace(0.02, 0.9, 89):
        score = sum(p >= t for p in good) - 2 * sum(p >= t for p in bad)
        if score > best_score:
            best_t, best_score = float(t), score
    return round(best_t, 3), {
        "dev_hits_kept": sum(p >= best_t for p in good),
        "dev_hits": len(good),
        "misses_or_non_goals_let_through": sum(p >= best_t for p in bad),
        "misses_or_non_goals": len(bad),
    }


if __name__ == "__main__":
    main()
