"""Precomputed vectors of the bundled ESCO texts, shipped in the package (no embedding at
first start).

`taxonomy/data/esco-vectors.npz` holds, for every distinct text the mapper embeds for the
bundled ESCO copy (labels, aliases, descriptions of skills and groups: 96,610 texts):

- `keys`: (n, 8) uint8, the first 8 bytes of sha256(text) (`embedding_cache.text_key`);
  collisions among 10^5 texts have probability ~3e-10;
- `codes`: (n, dim) int8, each vector scaled so its largest |component| is 127 and rounded;
- `scales`: (n,) float32, the factor back (vector ~= codes * scale, then re-normalised);
- `meta`: a JSON string: model name, dim, count, what the vectors were made from.

int8 with a per-row scale keeps each vector within 1 - cos = 9.1e-5 of its float32 original
(the worst of all 96,610), so a cosine to a query moves by at most 0.014 and typically by
about 1e-3; the first-stage recall on held-out ESCO aliases is the same as with float32
(R@1 0.888 vs 0.887). Size: 96,610 x 384 bytes = 35.4 MiB plus 1.1 MiB of keys and scales
(36.5 MiB in all), a quarter of float32's 142 MiB, instead of the 15+ CPU-minutes (2 cores)
it takes to embed them. Only an embedder whose `name` and `dim` match the file's meta uses
it; any other text is embedded as usual. Written by `benchmarks/build_vectors.py` from an
embedding cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

BUNDLE_FILE = Path(__file__).resolve().parent / "data" / "esco-vectors.npz"
KEY_BYTES = 8


class PrecomputedVectors:
    """Read-only vectors by text key (sha256 prefix) for one model."""

    def __init__(
        self, model: str, keys: np.ndarray, vectors: np.ndarray, meta: dict[str, Any]
    ) -> None:
        self.model = model
        self.dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        self.meta = meta
        self._vectors = vectors
        self._row = {bytes(k): i for i, k in enumerate(keys)}

    def __len__(self) -> int:
        return len(self._row)

    def get(self, keys: Sequence[bytes]) -> list[np.ndarray | None]:
        """Vectors for full sha256 keys (float32, unit length), None where not shipped."""
        out: list[np.ndarray | None] = []
        for key in keys:
            i = self._row.get(bytes(key[:KEY_BYTES]))
            out.append(None if i is None else self._vectors[i])
        return out

    @classmethod
    def read(cls, path: Path) -> PrecomputedVectors:
        """Load and de-quantise a bundle file (ValueError when it is malformed)."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            keys = np.asarray(data["keys"], dtype=np.uint8)
            codes = np.asarray(data["codes"], dtype=np.int8)
            scales = np.asarray(data["scales"], dtype=np.float32)
        if keys.shape != (len(codes), KEY_BYTES) or scales.shape != (len(codes),):
            raise ValueError(f"{path}: keys/codes/scales disagree in shape")
        vectors = codes.astype(np.float32) * scales[:, None]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return cls(str(meta["model"]), keys, vectors, meta)


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 codes, float32 per-row scales) with codes * scale ~= vectors."""
    v = np.asarray(vectors, dtype=np.float32)
    peak = np.abs(v).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(v / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def write_bundle(
    path: Path, model: str, texts: Sequence[str], vectors: np.ndarray, source: str
) -> None:
    """Write `texts`' vectors (n, dim) as a bundle file (see module doc)."""
    keys = np.frombuffer(
        b"".join(hashlib.sha256(t.encode("utf-8")).digest()[:KEY_BYTES] for t in texts),
        dtype=np.uint8,
    ).reshape(len(texts), KEY_BYTES)
    codes, scales = quantise(vectors)
    meta = {"model": model, "dim": int(vectors.shape[1]), "count": len(texts), "source": source}
    np.savez(path, keys=keys, codes=codes, scales=scales, meta=np.array(json.dumps(meta)))


@functools.cache
def bundled_vectors(path: Path = BUNDLE_FILE) -> PrecomputedVectors | None:
    """The shipped bundle, read once per process; None when the file is absent."""
    if not Path(path).is_file():
        return None
    return PrecomputedVectors.read(Path(path))
