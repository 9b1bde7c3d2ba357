"""The linear head of the adapted similarity (taxonomy/adapter.py): its algebra against the
plain formula, the identity for other models, the shipped file, and the re-ranker features
it feeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from taxonomy.adapter import ADAPTER_FILE, NameAdapter
from taxonomy.embedding import DEFAULT_MODEL, FakeEmbedder
from taxonomy.mapping import GoalMapper
from taxonomy.rerank import FEATURES
from tests.mapping.test_mapping import tiny_dump


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_adapted_cosine_by_query_vector_and_norms_equals_the_plain_formula() -> None:
    rng = np.random.default_rng(3)
    dim = 24
    w = (np.eye(dim) + 0.3 * rng.normal(size=(dim, dim))).astype(np.float32)
    adapter = NameAdapter("m", w, False, {})
    names, q = unit(rng, 50, dim), unit(rng, 1, dim)[0]
    direct = (names @ w) @ (q @ w)
    direct /= np.linalg.norm(names @ w, axis=1) * np.linalg.norm(q @ w)
    fast = names @ adapter.query(q) / adapter.norms(names, chunk=7)
    np.testing.assert_allclose(fast, direct, rtol=1e-4, atol=1e-5)


def test_another_model_or_dimension_gets_the_identity(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "a.npz"
    NameAdapter("model-a", np.eye(8, dtype=np.float32) * 2, False, {"trained": True}).write(path)
    assert not NameAdapter.for_model("model-a", 8, path).identity
    assert NameAdapter.for_model("model-b", 8, path).identity
    assert NameAdapter.for_model("model-a", 16, path).identity
    assert NameAdapter.for_model("model-a", 8, tmp_path / "absent.npz").identity
    ident = NameAdapter.identity_for("x", 8)
    q = unit(rng, 1, 8)[0]
    np.testing.assert_allclose(ident.query(q), q)


def test_a_malformed_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, matrix=np.zeros((3, 4), dtype=np.float32), meta=np.array('{"model": "m"}'))
    with pytest.raises(ValueError, match=r"bad\.npz.*\(3, 4\)"):
        NameAdapter.for_model("m", 3, path)


def test_the_shipped_head_is_fitted_for_the_shipped_model_and_says_how() -> None:
    adapter = NameAdapter.for_model(DEFAULT_MODEL, 384)
    assert ADAPTER_FILE.is_file() and not adapter.identity
    assert np.isfinite(adapter.matrix).all() and adapter.matrix.shape == (384, 384)
    prov = adapter.provenance
    assert prov["trained"] and prov["by"] == "benchmarks/train_adapter.py"
    assert prov["seeds"]["bench_hold_out"] == 0  # never fitted on the benchmark's queries
    assert not np.allclose(adapter.matrix, np.eye(384), atol=1e-3)


def test_without_a_fitted_head_the_adapted_features_are_the_plain_ones() -> None:
    m = GoalMapper(tiny_dump(), FakeEmbedder())  # the fake model has no fitted head
    for _, ids, x in m.candidates("give talks and write python code"):
        assert ids
        col = FEATURES.index
        np.testing.assert_allclose(x[:, col("adapted_name")], x[:, col("dense_name")], atol=1e-5)
        np.testing.assert_allclose(x[:, col("adapted_gap")], x[:, col("dense_gap")], atol=1e-5)
