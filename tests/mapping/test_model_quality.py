"""Mapping quality with the REAL model (all-MiniLM-L6-v2, offline) on the full bundled ESCO.

Marker `model` (CI runs them; never skipped). The ESCO texts' vectors come from the vectors
shipped in the package (taxonomy/data/esco-vectors.npz), so only the goals are embedded.
Spanish and French labels come from the official ESCO files in the project's shared data
(../shared/data/esco-official), added as `import esco --language` would. Goals are our own
wording (the failure kinds of issue 12); the full benchmark is benchmarks/bench_mapping.py.
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import numpy as np
import pytest

from graph.hierarchy import Hierarchy
from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.embedding import SentenceTransformerEmbedder
from taxonomy.embedding_bundle import bundled_vectors
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.mapping import GoalMapper, MappingResult

pytestmark = pytest.mark.model

ESCO = "http://data.europa.eu/esco/skill/"
PRESENTING = ESCO + "S1.4"  # "presenting information"
ROOT = Path(__file__).resolve().parents[2]


def official_dir() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        d = base / "shared" / "data" / "esco-official"
        if (d / "skills_es.csv").is_file():
            return d
    raise AssertionError("the shared ESCO download files (shared/data/esco-official) are missing")


def with_languages(dump: TaxonomyDump) -> TaxonomyDump:
    labels: dict[str, dict[str, list[str]]] = {}
    for lang in ("es", "fr"):
        with open(official_dir() / f"skills_{lang}.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                names = [row["preferredLabel"], *row["altLabels"].split("\n")]
                names = [n.strip() for n in names if n.strip()]
                labels.setdefault(row["conceptUri"], {})[lang] = names
    skills = [
        s.model_copy(update={"aliases_by_language": labels[s.id]}) if s.id in labels else s
        for s in dump.skills
    ]
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader)


@pytest.fixture(scope="module")
def esco() -> TaxonomyDump:
    return with_languages(read_esco(bundled_esco_dir()))


@pytest.fixture(scope="module")
def model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def mapper(esco: TaxonomyDump, model: SentenceTransformerEmbedder) -> GoalMapper:
    m = GoalMapper(esco, model, cache=EmbeddingCache())
    assert m.embedder.misses == 0  # type: ignore[attr-defined]  # all shipped
    return m


def labels(res: MappingResult, n: int = 5) -> list[str]:
    return [c.label for c in res.candidates[:n]]


def confident(mapper: GoalMapper, res: MappingResult) -> list[str]:
    return [
        c.label
        for t in res.targets
        if not t.fell_back
        for c in t.candidates
        if c.kind == "skill" and c.score >= mapper.threshold
    ]


def test_model_loads_offline_and_gives_unit_vectors(model: SentenceTransformerEmbedder) -> None:
    v = model.embed(["public speaking", "give a talk to an audience", "repair diesel engines"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_shipped_vectors_match_the_model(model: SentenceTransformerEmbedder) -> None:
    shipped = bundled_vectors()
    assert shipped is not None and shipped.model == model.name and len(shipped) > 90_000
    texts = ["manage staff", "perform project management", "negotiate compromise"]
    got = CachedEmbedder(model, EmbeddingCache()).embed(texts)  # from the bundle
    fresh = model.embed(texts)
    assert np.all(np.einsum("ij,ij->i", got, fresh) > 0.999)


def test_presenting_to_leadership_lands_in_the_presentation_area(
    mapper: GoalMapper, esco: TaxonomyDump
) -> None:
    hierarchy = Hierarchy.from_dump(esco)
    area = hierarchy.descendant_skills(PRESENTING) | set(
        hierarchy.descendants_by_distance(PRESENTING)
    )
    res = mapper.map("I want to command the room when I pitch to the board", k=5)
    assert not res.fell_back, res.reason
    assert {c.id for c in res.candidates} & area, labels(res)


def test_polishing_english_never_maps_to_polish(mapper: GoalMapper) -> None:
    for goal in ("polish my written English", "Polish the English of my emails"):
        res = mapper.map(goal, k=5)
        assert not any("Polish" in c.label for t in res.targets for c in t.candidates)
        assert any("English" in label for label in labels(res, 3)), labels(res)


def test_a_goal_naming_two_skills_gets_a_target_for_each(mapper: GoalMapper) -> None:
    res = mapper.map("get better at budgeting and at coaching my reports", k=5)
    assert len(res.targets) == 2, res.reason
    first, second = ([c.label for c in t.candidates[:5]] for t in res.targets)
    assert any("budget" in x for x in first), first
    assert any("coach" in x or "mentor" in x for x in second), second


def test_typos_still_find_the_skill(mapper: GoalMapper) -> None:
    assert any("negotiat" in x for x in labels(mapper.map("negotation with vendors")))
    assert any("spreadsheet" in x for x in labels(mapper.map("spredsheets")))


def test_vague_goals_offer_areas_not_a_narrow_skill(mapper: GoalMapper) -> None:
    for goal in ("be better at my work", "grow as a professional", "x"):
        res = mapper.map(goal, k=5)
        assert res.vague and 3 <= len(res.targets[0].candidates) <= 5, res.reason
        assert not confident(mapper, res)


def test_spanish_and_french_goals_through_esco_labels(mapper: GoalMapper) -> None:
    es = mapper.map("quiero aprender contabilidad", k=5)
    assert any("accounting" in x for x in labels(es)), labels(es)
    assert es.language == "es"
    fr = mapper.map("gérer une équipe", k=5)
    assert "manage a team" in labels(fr, 3) and not fr.fell_back, labels(fr)
    assert fr.language == "fr"


@pytest.mark.parametrize(
    ("goal", "word"),
    [("negociar contratos", "negotiat"), ("redactar informes", "report")],
)
def test_a_foreign_goal_without_function_words_is_read_by_its_words(
    mapper: GoalMapper, goal: str, word: str
) -> None:
    # no "el", "de", "mi": only the ESCO labels its words come from say it is Spanish, and
    # then the lexical side (not the English-only dense model) must carry it
    res = mapper.map(goal, k=5)
    assert res.language == "es" and not res.fell_back, res.reason
    assert any(word in x for x in labels(res, 3)), labels(res)


def test_a_french_goal_no_french_label_fits_is_not_mapped_to_a_wrong_skill(
    mapper: GoalMapper,
) -> None:
    # the shared French file has no label for public speaking: a skill sharing the word
    # "public" ("public law") must not come back as a confident answer
    res = mapper.map("améliorer ma prise de parole en public", k=5)
    assert not any("law" in x for x in confident(mapper, res)), confident(mapper, res)


def test_german_without_german_labels_is_not_mapped_with_confidence(mapper: GoalMapper) -> None:
    res = mapper.map("Ich möchte meine Verhandlungsführung verbessern", k=5)
    assert not confident(mapper, res), labels(res)


def test_held_out_aliases_map_to_their_skill_better_than_label_search(
    esco: TaxonomyDump, model: SentenceTransformerEmbedder
) -> None:
    rng = random.Random(7)
    with_aliases = sorted(s.id for s in esco.skills if len(s.aliases) >= 2)
    held_from = set(rng.sample(with_aliases, 150))
    held: list[tuple[str, str]] = []
    skills = []
    for s in esco.skills:
        if s.id in held_from:
            alias = rng.choice(s.aliases)
            held.append((alias, s.id))
            s = s.model_copy(update={"aliases": [a for a in s.aliases if a != alias]})
        skills.append(s)
    dump = TaxonomyDump(skills=skills, clusters=esco.clusters, broader=esco.broader)
    m = GoalMapper(dump, model, cache=EmbeddingCache())
    cached = CachedEmbedder(model, EmbeddingCache())
    queries = cached.embed([a for a, _ in held])  # ESCO texts: from the shipped vectors
    ours = [
        [c.id for c in m.map(alias, k=5, vector=q).candidates]
        for (alias, _), q in zip(held, queries, strict=True)
    ]
    ids = [s.id for s in dump.skills]
    label_vecs = cached.embed([s.label for s in dump.skills])
    base = [[ids[i] for i in np.argsort(-(label_vecs @ q))[:5]] for q in queries]
    truth = [sid for _, sid in held]
    r1 = np.mean([o[:1] == [t] for o, t in zip(ours, truth, strict=True)])
    r5 = np.mean([t in o for o, t in zip(ours, truth, strict=True)])
    b1 = np.mean([b[:1] == [t] for b, t in zip(base, truth, strict=True)])
    assert r1 >= 0.8 and r1 > b1, (r1, b1)
    assert r5 >= 0.9, r5
