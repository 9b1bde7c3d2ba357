"""Mapping quality with the REAL model (all-MiniLM-L6-v2, offline) on the bundled ESCO copy.

These run in CI (marker `model`; never skipped). To stay around a minute on 2 CPU cores they
index a seeded subset of ESCO: ~1,500 random skills plus every skill of the "presenting
information" area, with all 571 groups. Vectors go to pytest's cache directory, so a second
local run embeds nothing. The full-ESCO numbers are in benchmarks/bench_mapping.py.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import numpy as np
import pytest

from graph.hierarchy import Hierarchy
from graph.model import Broader
from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.embedding import SentenceTransformerEmbedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.mapping import GoalMapper, MappingConfig

pytestmark = pytest.mark.model

ESCO = "http://data.europa.eu/esco/skill/"
PRESENTING = ESCO + "S1.4"  # "presenting information"
HELD_OUT_SKILLS = 80


@pytest.fixture(scope="module")
def esco() -> TaxonomyDump:
    return read_esco(bundled_esco_dir())


@pytest.fixture(scope="module")
def model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def cache(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddingCache]:
    # pytest's cache dir persists between local runs; with -p no:cacheprovider, a temp dir.
    pytest_cache = getattr(pytestconfig, "cache", None)
    if pytest_cache is not None:
        directory = pytest_cache.mkdir("mentorgraph-embeddings")
    else:
        directory = tmp_path_factory.mktemp("mentorgraph-embeddings")
    c = EmbeddingCache.in_dir(directory)
    yield c
    c.close()


@pytest.fixture(scope="module")
def subset(esco: TaxonomyDump) -> tuple[TaxonomyDump, list[tuple[str, str]]]:
    """A seeded ESCO subset with one alias held out from each of HELD_OUT_SKILLS skills."""
    hierarchy = Hierarchy.from_dump(esco)
    rng = random.Random(7)
    keep = set(rng.sample([s.id for s in esco.skills], 1500))
    keep |= hierarchy.descendant_skills(PRESENTING)
    skills = [s for s in esco.skills if s.id in keep]
    with_aliases = sorted(s.id for s in skills if len(s.aliases) >= 2)
    held_from = set(rng.sample(with_aliases, HELD_OUT_SKILLS))
    held: list[tuple[str, str]] = []
    out = []
    for s in skills:
        if s.id in held_from:
            alias = rng.choice(s.aliases)
            held.append((alias, s.id))
            s = s.model_copy(update={"aliases": [a for a in s.aliases if a != alias]})
        out.append(s)
    ids = keep | {c.id for c in esco.clusters}
    broader = [
        Broader(child_id=b.child_id, parent_id=b.parent_id)
        for b in esco.broader
        if b.child_id in ids and b.parent_id in ids
    ]
    return TaxonomyDump(skills=out, clusters=esco.clusters, broader=broader), held


@pytest.fixture(scope="module")
def mapper(
    subset: tuple[TaxonomyDump, list[tuple[str, str]]],
    model: SentenceTransformerEmbedder,
    cache: EmbeddingCache,
) -> GoalMapper:
    return GoalMapper(subset[0], model, cache=cache)


def test_model_loads_offline_and_gives_unit_vectors(model: SentenceTransformerEmbedder) -> None:
    v = model.embed(["public speaking", "give a talk to an audience", "repair diesel engines"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert np.allclose(model.embed(["public speaking"])[0], v[0], atol=1e-5)


def test_presenting_to_executives_lands_in_the_presentation_area(
    mapper: GoalMapper, esco: TaxonomyDump
) -> None:
    hierarchy = Hierarchy.from_dump(esco)
    area = hierarchy.descendant_skills(PRESENTING) | {PRESENTING}
    area |= set(hierarchy.descendants_by_distance(PRESENTING))
    res = mapper.map("get better at presenting to executives", k=5)
    assert not res.fell_back, res.reason
    assert {c.id for c in res.candidates} & area, [c.label for c in res.candidates]


@pytest.mark.parametrize(
    ("goal", "word"),
    [
        ("improve my public speaking", "public"),
        ("learn to give presentations at conferences", "present"),
    ],
)
def test_goals_map_to_skills_that_name_them(mapper: GoalMapper, goal: str, word: str) -> None:
    labels = [c.label for c in mapper.map(goal, k=5).candidates]
    assert any(word in label for label in labels), labels


def test_held_out_aliases_map_to_their_skill_better_than_label_search(
    mapper: GoalMapper,
    subset: tuple[TaxonomyDump, list[tuple[str, str]]],
    model: SentenceTransformerEmbedder,
    cache: EmbeddingCache,
) -> None:
    dump, held = subset
    cached = CachedEmbedder(model, cache)
    queries = cached.embed([a for a, _ in held])
    ours = [
        [c.id for c in mapper.map(alias, k=5, vector=q).candidates]
        for (alias, _), q in zip(held, queries, strict=True)
    ]
    ids = [s.id for s in dump.skills]
    labels = cached.embed([s.label for s in dump.skills])
    base = [[ids[i] for i in np.argsort(-(labels @ q))[:5]] for q in queries]
    truth = [sid for _, sid in held]
    r1 = np.mean([o[0] == t for o, t in zip(ours, truth, strict=True)])
    r5 = np.mean([t in o for o, t in zip(ours, truth, strict=True)])
    b5 = np.mean([t in b for b, t in zip(base, truth, strict=True)])
    assert r1 >= 0.8, r1
    assert r5 >= 0.9, r5
    assert r5 >= b5, (r5, b5)


def test_fallback_climbs_to_the_presentation_groups(
    subset: tuple[TaxonomyDump, list[tuple[str, str]]],
    model: SentenceTransformerEmbedder,
    cache: EmbeddingCache,
    esco: TaxonomyDump,
) -> None:
    strict = GoalMapper(subset[0], model, cache=cache, config=MappingConfig(threshold=0.99))
    res = strict.map("get better at presenting to executives", k=3)
    assert res.fell_back
    assert all(c.kind == "cluster" for c in res.candidates)
    hierarchy = Hierarchy.from_dump(esco)
    area = {PRESENTING, *hierarchy.descendants_by_distance(PRESENTING)}
    assert res.candidates[0].id in area, [c.label for c in res.candidates]
    assert "presenting" in res.reason
