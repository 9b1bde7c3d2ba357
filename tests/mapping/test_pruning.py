"""The two-stage search (projected first stage, exact second stage) against one-stage
scoring, on the tiny taxonomy and on a generated one big enough to prune."""

from __future__ import annotations

import random

import numpy as np
import pytest

from graph.model import Skill, SkillCluster
from graph.store import TaxonomyDump
from taxonomy.embedding import FakeEmbedder
from taxonomy.mapping import GoalMapper, MappingConfig, MappingResult, _ranges
from tests.mapping.test_mapping import tiny_dump

ONE_STAGE = MappingConfig(prune_min_names=10**12)


def _same(a: MappingResult, b: MappingResult) -> None:
    assert [c.id for c in a.candidates] == [c.id for c in b.candidates]
    assert np.allclose([c.score for c in a.candidates], [c.score for c in b.candidates], atol=1e-5)
    assert (a.fell_back, a.reason) == (b.fell_back, b.reason)


def test_ranges_concatenates_and_reports_offsets() -> None:
    idx, offs = _ranges(np.array([5, 0, 9]), np.array([2, 1, 3]))
    assert idx.tolist() == [5, 6, 0, 9, 10, 11]
    assert offs.tolist() == [0, 2, 3]


@pytest.mark.parametrize(
    "goal", ["speak in public", "python code", "databases", "knitting", "give talks"]
)
def test_two_stage_equals_one_stage_when_everything_is_a_candidate(goal: str) -> None:
    two = GoalMapper(tiny_dump(), FakeEmbedder(), config=MappingConfig(prune_min_names=0))
    one = GoalMapper(tiny_dump(), FakeEmbedder(), config=ONE_STAGE)
    assert two._index.basis is not None and one._index.basis is None
    for m in (two, one):
        m.teach("talking to the board", "s-speak")
    _same(two.map(goal, k=4), one.map(goal, k=4))
    _same(two.map("talking to the board"), one.map("talking to the board"))
    assert two.map("talking to the board").candidates[0].score == 1.0


def _generated(n: int, seed: int) -> TaxonomyDump:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(120)]
    clusters = [
        SkillCluster(id=f"c{i}", label=" ".join(rng.sample(words, 2)), tier=0) for i in range(5)
    ]
    skills = [
        Skill(
            id=f"s{i}",
            label=" ".join(rng.sample(words, 3)),
            aliases=[" ".join(rng.sample(words, 2)) for _ in range(rng.randrange(3))],
            description=" ".join(rng.sample(words, 4)) if i % 3 else "",
        )
        for i in range(n)
    ]
    return TaxonomyDump(skills=skills, clusters=clusters, broader=[])


def test_pruned_search_keeps_the_best_skills_of_a_bigger_taxonomy() -> None:
    dump = _generated(300, seed=7)
    # 64 of 256 dims and only the floor of 20 skills kept exactly: the first stage must
    # still find the exact top 5 (FakeEmbedder vectors of shared words overlap strongly)
    two = GoalMapper(
        dump, FakeEmbedder(), config=MappingConfig(prune_min_names=0, prune_dims=64, prune_keep=1)
    )
    one = GoalMapper(dump, FakeEmbedder(), config=ONE_STAGE)
    rng = random.Random(1)
    for skill in rng.sample(dump.skills, 25):
        goal = " ".join(skill.label.split()[:2])
        q = two.query_embedder.embed([goal])[0]
        # the first (dense) stage: the pruned one finds the exact top 5
        a = two._stage1(two._index, [q], goal, 5)
        b = one._stage1(one._index, [q], goal, 5)
        top_a = [i for i in np.argsort(-a, kind="stable")[:5] if np.isfinite(a[i])]
        top_b = [i for i in np.argsort(-b, kind="stable")[:5]]
        assert np.allclose(a[top_a], b[top_b], atol=1e-5)
