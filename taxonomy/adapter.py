"""A linear head on the frozen sentence model, fitted to ESCO's own naming: the re-ranker's
"adapted" similarity.

all-MiniLM-L6-v2 was trained on general sentence pairs, not on how a skills taxonomy names
one concept several ways ("manage budgets", "budget control", "administer budgets"). A
matrix W (dim x dim) maps a vector v to v @ W; the adapted similarity of a query q and a
name n is

    cos_W(q, n) = (q @ W) . (n @ W) / (|q @ W| |n @ W|)

W starts as the identity and is fitted offline by `benchmarks/train_adapter.py` (torch) so
that each ESCO alias and description, mapped this way, lands nearest its own skill's
preferred label (a softmax over every skill's label, temperature 0.05). It is trained on
the ESCO names only, never on the benchmark's held-out aliases or the re-ranker's training
queries. The sentence model's vectors are not touched (the bundle of ESCO vectors stays
valid); only W ships: `taxonomy/data/adapter.npz`, 384 x 384 float32 (0.6 MB) with its
provenance. On goals as people write them the adapted similarity alone is worse than the
plain one, on ESCO wording better, so it is one more feature for the re-ranker
(taxonomy/rerank.py: adapted_name, adapted_gap), not a replacement of the dense stage.

Any other model (another name or dimension) gets the identity: adapted = plain cosine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ADAPTER_FILE = Path(__file__).resolve().parent / "data" / "adapter.npz"


@dataclass(frozen=True)
class NameAdapter:
    """W (dim, dim) float32 for the sentence model `model`; `identity` when W is I."""

    model: str
    matrix: np.ndarray
    identity: bool
    provenance: dict[str, Any]

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[0])

    def norms(self, vectors: np.ndarray, chunk: int = 8192) -> np.ndarray:
        """|v @ W| of each row of `vectors` (n, dim) -> (n,) float32, in chunks (no (n, dim)
        copy of the adapted vectors is kept)."""
        out = np.empty(len(vectors), dtype=np.float32)
        if self.identity:
            out[:] = np.linalg.norm(vectors, axis=1) if len(vectors) else 0.0
            return out
        for start in range(0, len(vectors), chunk):
            part = vectors[start : start + chunk] @ self.matrix
            out[start : start + chunk] = np.linalg.norm(part, axis=1)
        return out

    def query(self, q: np.ndarray) -> np.ndarray:
        """(dim,) -> (dim,) vector m with cos_W(q, n) = (n @ m) / |n @ W| for any n."""
        if self.identity:
            return np.asarray(q, dtype=np.float32)
        qa = np.asarray(q, dtype=np.float32) @ self.matrix
        norm = float(np.linalg.norm(qa))
        out: np.ndarray = (self.matrix @ qa) / (norm if norm > 0 else 1.0)
        return out.astype(np.float32, copy=False)

    @classmethod
    def identity_for(cls, model: str, dim: int) -> NameAdapter:
        return cls(model, np.eye(dim, dtype=np.float32), True, {"trained": False})

    @classmethod
    def for_model(cls, model: str, dim: int, path: Path = ADAPTER_FILE) -> NameAdapter:
        """The shipped W when it was fitted for `model` with `dim`, else the identity.
        ValueError when the file is malformed."""
        if not Path(path).is_file():
            return cls.identity_for(model, dim)
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            matrix = np.asarray(data["matrix"], dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"{path}: matrix has shape {matrix.shape}, expected (dim, dim)")
        if meta.get("model") != model or matrix.shape[0] != dim:
            return cls.identity_for(model, dim)
        return cls(model, np.ascontiguousarray(matrix), False, dict(meta))

    def write(self, path: Path) -> None:
        meta = {"model": self.model, **self.provenance}
        np.savez(path, matrix=self.matrix.astype(np.float32), meta=np.array(json.dumps(meta)))
