"""FakeEmbedder, the SQLite embedding cache and the name-vector dedupe, with hand-made data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taxonomy.embedding import Embedder, FakeEmbedder, normalise_rows
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache, text_key
from taxonomy.mapping import _dedupe


def test_fake_embedder_is_deterministic_unit_length_and_spelling_aware() -> None:
    fake = FakeEmbedder(dim=64)
    assert isinstance(fake, Embedder)
    v = fake.embed(["public speaking", "public speaking", "speak in public", "diesel engines"])
    assert v.shape == (4, 64) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(v[0], v[1])
    assert v[0] @ v[2] > v[0] @ v[3]
    assert fake.embed([]).shape == (0, 64)


def test_normalise_rows_leaves_zero_rows_alone() -> None:
    out = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_cache_round_trip_survives_a_restart_and_keeps_models_apart(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite3"
    vec = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    keys = [text_key("a"), text_key("b")]
    cache = EmbeddingCache(path)
    cache.put("m1", 2, keys, vec)
    cache.close()
    again = EmbeddingCache(path)
    got = again.get("m1", 2, [*keys, text_key("c")])
    assert got[0] is not None and got[1] is not None
    assert np.array_equal(got[0], vec[0]) and np.array_equal(got[1], vec[1])
    assert got[2] is None
    assert again.get("m2", 2, keys) == [None, None]
    assert again.preload("m1", 2) == 2


def test_cached_embedder_embeds_each_new_text_once(tmp_path: Path) -> None:
    fake = FakeEmbedder(dim=32)
    cached = CachedEmbedder(fake, EmbeddingCache(tmp_path / "e.sqlite3"), chunk_size=2)
    first = cached.embed(["x", "y", "x", "zz", "w"])
    assert sorted(fake.texts_embedded) == ["w", "x", "y", "zz"]
    assert (cached.misses, cached.hits) == (4, 0)
    second = cached.embed(["w", "x", "new"])
    assert fake.texts_embedded[4:] == ["new"]
    assert (cached.misses, cached.hits) == (5, 2)
    assert np.array_equal(second[0], first[4]) and np.array_equal(second[1], first[0])
    assert np.array_equal(first[0], first[2])


def test_dedupe_shares_vectors_only_within_a_node() -> None:
    a = [1.0, 0.0, 0.0]
    a2 = [0.99, 0.141, 0.0]  # cos(a, a2) ~ 0.99
    b = [0.0, 1.0, 0.0]
    vectors = normalise_rows(np.array([a, a2, b, a, b], dtype=np.float32))
    starts = np.array([0, 3])  # node 0: rows 0-2, node 1: rows 3-4
    kept, rep = _dedupe(vectors, starts, 0.95)
    assert rep.tolist() == [0, 0, 1, 2, 3]
    assert np.array_equal(kept, vectors[[0, 2, 3, 4]])
    kept_all, rep_all = _dedupe(vectors, starts, 1.01)
    assert rep_all.tolist() == [0, 1, 2, 3, 4] and len(kept_all) == 5
