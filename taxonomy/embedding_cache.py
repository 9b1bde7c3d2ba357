"""On-disk cache of text embeddings, keyed by (model name, sha256 of the text).

One SQLite file holds every vector as a float32 blob, so a restart or a re-import embeds only
texts it has never seen. On first use for a model the whole table for that model is read into
memory in one query (~100k ESCO texts load in about a second), after which look-ups are
dictionary hits.

`CachedEmbedder` wraps any `Embedder` with a cache and is itself an `Embedder`; it counts hits
and misses so callers (and tests) can see that only changed texts were embedded. Texts the
cache lacks are first looked up in the vectors shipped with the package for the bundled ESCO
copy (`taxonomy.embedding_bundle`, used only for the model they were made with), so a first
start embeds nothing for the bundled taxonomy.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.progress import Progress

from taxonomy.embedding import DEFAULT_MODEL, Embedder
from taxonomy.embedding_bundle import PrecomputedVectors, bundled_vectors

# A plain rowid table with 16 KiB pages: ten 1.5 KiB vectors per page. (WITHOUT ROWID puts
# big blobs on overflow pages and tripled the file.)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    sha BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    UNIQUE (model, sha)
)
"""


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors per (model, text sha256) in a SQLite file; `path=None` keeps them in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._memory: dict[str, dict[bytes, np.ndarray]] = {}
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA page_size=16384")  # only takes effect on a new file
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.commit()

    @classmethod
    def in_dir(cls, directory: Path) -> EmbeddingCache:
        return cls(Path(directory) / "embeddings.sqlite3")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _table(self, model: str, dim: int) -> dict[bytes, np.ndarray]:
        """The in-memory map for `model`, read from disk in one go the first time."""
        table = self._memory.get(model)
        if table is not None:
            return table
        table = {}
        if self._db is not None:
            rows = self._db.execute(
                "SELECT sha, vec FROM embeddings WHERE model = ? AND dim = ?", (model, dim)
            ).fetchall()
            if rows:
                matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
                matrix = matrix.reshape(len(rows), dim)
                table = {bytes(r[0]): matrix[i] for i, r in enumerate(rows)}
        self._memory[model] = table
        return table

    def preload(self, model: str, dim: int) -> int:
        """Read all of `model`'s vectors into memory now; returns how many there are."""
        with self._lock:
            return len(self._table(model, dim))

    def get(self, model: str, dim: int, keys: Sequence[bytes]) -> list[np.ndarray | None]:
        with self._lock:
            table = self._table(model, dim)
            return [table.get(k) for k in keys]

    def put(self, model: str, dim: int, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        if len(keys) != len(vectors):
            raise ValueError("keys and vectors differ in length")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            table = self._table(model, dim)
            for k, v in zip(keys, vectors, strict=True):
                table[k] = v
            if self._db is not None:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO embeddings (model, sha, dim, vec) "
                        "VALUES (?, ?, ?, ?)",
                        [(model, k, dim, v.tobytes()) for k, v in zip(keys, vectors, strict=True)],
                    )

    def count(self, model: str, dim: int) -> int:
        with self._lock:
            return len(self._table(model, dim))


class CachedEmbedder:
    """An `Embedder` that asks the wrapped one only for texts not already in the cache.

    New texts are embedded shortest first in chunks of `chunk_size`, each chunk stored as soon
    as it is done (an interrupted first import keeps what it finished); `progress` shows ONE
    rich progress bar, with an ETA, for all of them when more than one chunk is needed.
    `precomputed`: vectors to use before embedding (default: the shipped bundle when the
    inner model is the one it was made with; None: none).
    """

    def __init__(
        self,
        inner: Embedder,
        cache: EmbeddingCache,
        *,
        progress: bool = False,
        chunk_size: int = 1024,
        precomputed: PrecomputedVectors | str | None = "bundled",
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.dim = inner.dim
        self.progress = progress
        self.chunk_size = chunk_size
        self._precomputed = precomputed
        self.hits = 0
        self.misses = 0
        self.precomputed_hits = 0

    def _shipped(self) -> PrecomputedVectors | None:
        """The precomputed vectors that fit this model, loaded on first need."""
        if self._precomputed == "bundled":
            self._precomputed = bundled_vectors() if self.name == DEFAULT_MODEL else None
        pre = self._precomputed
        if isinstance(pre, PrecomputedVectors) and pre.model == self.name and pre.dim == self.dim:
            return pre
        return None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        found = self.cache.get(self.name, self.dim, keys)
        if any(v is None for v in found):
            shipped = self._shipped()
            if shipped is not None:
                extra = shipped.get([k for k, v in zip(keys, found, strict=True) if v is None])
                self.precomputed_hits += sum(v is not None for v in extra)
                it = iter(extra)
                found = [next(it) if v is None else v for v in found]
        missing: dict[bytes, str] = {}
        for key, text, vec in zip(keys, texts, found, strict=True):
            if vec is None:
                missing.setdefault(key, text)
        self.misses += len(missing)
        self.hits += sum(1 for v in found if v is not None)
        if missing:
            fresh = self._embed_missing(missing)
            found = [v if v is not None else fresh[k] for k, v in zip(keys, found, strict=True)]
        return np.stack(found).astype(np.float32, copy=False)  # type: ignore[arg-type]

    def _embed_missing(self, missing: dict[bytes, str]) -> dict[bytes, np.ndarray]:
        order = sorted(missing, key=lambda k: len(missing[k]))
        chunks = [order[i : i + self.chunk_size] for i in range(0, len(order), self.chunk_size)]
        fresh: dict[bytes, np.ndarray] = {}

        def run(chunk: list[bytes]) -> None:
            vectors = self.inner.embed([missing[k] for k in chunk])
            self.cache.put(self.name, self.dim, chunk, vectors)
            fresh.update(zip(chunk, vectors, strict=True))

        if not self.progress or len(chunks) < 2:
            for chunk in chunks:
                run(chunk)
            return fresh

        with Progress() as bar:
            task = bar.add_task(f"embedding {len(order)} new texts ({self.name})", total=len(order))
            for chunk in chunks:
                run(chunk)
                bar.advance(task, len(chunk))
        return fresh
