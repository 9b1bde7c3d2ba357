"""Fit the linear head of the adapted similarity (taxonomy/adapter.py) and write
taxonomy/data/adapter.npz (run offline, never at run time; needs torch, which the sentence
model already brings).

    python benchmarks/train_adapter.py [--epochs 4] [--out PATH]

Data: the English ESCO names of the *re-ranker's training index* (`mapping_data`): the
benchmark's held-out aliases and the re-ranker's training-held aliases are both removed
first, so neither the benchmark's queries nor the re-ranker's see a head fitted on them.
Each alias, and each description, is a query whose class is its own skill; the classes are
every skill's preferred label, all at once (a softmax over ~13,400 labels, temperature
0.05), through the same W on both sides:

    loss = CE( cos(v @ W, label_s @ W) / 0.05 over skills s, own skill )

W starts at the identity; Adam, learning rate 1e-3, batches of 512, seeded order. Vectors
come from the shipped bundle (taxonomy/data/esco-vectors.npz): nothing is embedded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mapping_data import BENCH_SEED, BENCH_SHARE, TRAIN_SEED, TRAIN_SHARE, esco_dump, hold_out

from graph.model import NodeStatus
from taxonomy.adapter import ADAPTER_FILE, NameAdapter
from taxonomy.embedding import DEFAULT_MODEL, SentenceTransformerEmbedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.mapping import names_of


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=ADAPTER_FILE)
    args = ap.parse_args()
    torch.manual_seed(0)
    t0 = time.perf_counter()
    full, _ = esco_dump(with_languages=False)
    bench_index, _ = hold_out(full, BENCH_SHARE, BENCH_SEED)
    train_index, _ = hold_out(bench_index, TRAIN_SHARE, TRAIN_SEED)
    skills = [s for s in train_index.skills if s.status == NodeStatus.active]
    embedder = CachedEmbedder(SentenceTransformerEmbedder(), EmbeddingCache())
    labels = embedder.embed([s.label for s in skills])
    texts: list[str] = []
    owner: list[int] = []
    for i, s in enumerate(skills):
        for alias in names_of(s)[1:]:
            texts.append(alias)
            owner.append(i)
        if s.description.strip():
            texts.append(s.description.strip())
            owner.append(i)
    vectors = embedder.embed(texts)
    print(f"{len(texts)} queries (aliases and descriptions) over {len(skills)} skills", flush=True)

    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    y = torch.tensor(owner, dtype=torch.int64)
    lab = torch.from_numpy(np.ascontiguousarray(labels, dtype=np.float32))
    dim = x.shape[1]
    delta = torch.zeros(dim, dim, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=args.lr)
    eye = torch.eye(dim)
    order_gen = torch.Generator().manual_seed(0)
    batches = (len(x) + 511) // 512
    losses: list[float] = []
    with Progress() as bar:
        task = bar.add_task("fitting the adapter", total=args.epochs * batches)
        for _ in range(args.epochs):
            perm = torch.randperm(len(x), generator=order_gen)
            total = 0.0
            for start in range(0, len(x), 512):
                rows = perm[start : start + 512]
                w = eye + delta
                q = torch.nn.functional.normalize(x[rows] @ w, dim=1)
                p = torch.nn.functional.normalize(lab @ w, dim=1)
                loss = torch.nn.functional.cross_entropy(q @ p.T / args.tau, y[rows])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.item())
                bar.advance(task)
            losses.append(round(total / batches, 4))
    matrix = (eye + delta).detach().numpy().astype(np.float32)
    provenance = {
        "trained": True,
        "by": "benchmarks/train_adapter.py",
        "dim": dim,
        "queries": len(texts),
        "skills": len(skills),
        "epochs": args.epochs,
        "tau": args.tau,
        "lr": args.lr,
        "loss_per_epoch": losses,
        "seeds": {"bench_hold_out": BENCH_SEED, "train_hold_out": TRAIN_SEED, "order": 0},
        "torch": torch.__version__,
    }
    NameAdapter(DEFAULT_MODEL, matrix, False, provenance).write(args.out)
    print(f"loss per epoch {losses}; wrote {args.out} in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
