"""Write the shipped vectors of the bundled ESCO texts (taxonomy/data/esco-vectors.npz).

    nice -n 10 python benchmarks/build_vectors.py --cache var/esco-embeddings.sqlite3

Every distinct text GoalMapper embeds for the bundled ESCO copy (each node's label and
aliases as `taxonomy.mapping.names_of` lists them, and its description) is read from the
embedding cache; texts the cache lacks are embedded with all-MiniLM-L6-v2 first (the whole
copy costs 15+ CPU-minutes on 2 cores: run it niced, once). Then the vectors are quantised
to int8 (see taxonomy/embedding_bundle.py for the format and why that size) and the
largest cosine error against float32 is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.embedding import SentenceTransformerEmbedder
from taxonomy.embedding_bundle import BUNDLE_FILE, PrecomputedVectors, write_bundle
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache, text_key
from taxonomy.mapping import names_of


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("var/esco-embeddings.sqlite3"))
    ap.add_argument("--out", type=Path, default=BUNDLE_FILE)
    args = ap.parse_args()
    dump = read_esco(bundled_esco_dir())
    texts: list[str] = []
    for node in (*dump.skills, *dump.clusters):
        texts.extend(names_of(node))
        if node.description.strip():
            texts.append(node.description.strip())
    texts = list(dict.fromkeys(texts))
    model = SentenceTransformerEmbedder(progress=True)
    cache = EmbeddingCache(args.cache)
    vectors = CachedEmbedder(model, cache, progress=True, precomputed=None).embed(texts)
    write_bundle(args.out, model.name, texts, vectors, source="bundled ESCO v1.1.1 copy")
    back = PrecomputedVectors.read(args.out)
    got = np.stack([v for v in back.get([text_key(t) for t in texts]) if v is not None])
    worst = float(np.max(1.0 - np.einsum("ij,ij->i", got, vectors)))
    size = args.out.stat().st_size / 2**20
    print(f"wrote {args.out}: {len(texts)} texts, {size:.1f} MiB; worst 1 - cos {worst:.1e}")
    cache.close()


if __name__ == "__main__":
    main()
