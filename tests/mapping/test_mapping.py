"""GoalMapper on a tiny hand-built taxonomy with the deterministic FakeEmbedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput, NotFound
from graph.model import Broader, NodeStatus, Skill, SkillCluster
from graph.store import TaxonomyDump
from taxonomy.embedding import FakeEmbedder
from taxonomy.embedding_cache import EmbeddingCache
from taxonomy.mapping import (
    GoalMapper,
    MappingConfig,
    check_text,
    forget_built_indexes,
    tokens,
)


def tiny_dump() -> TaxonomyDump:
    """communication > presenting information > {public speaking, presentation slides};
    software development > {python programming, sql queries}; plus a deprecated skill."""
    clusters = [
        SkillCluster(id="c-comm", label="communication", tier=0),
        SkillCluster(id="c-pres", label="presenting information", tier=1),
        SkillCluster(id="c-soft", label="software development", tier=0),
    ]
    skills = [
        Skill(
            id="s-speak",
            label="public speaking",
            aliases=["speak in public", "give talks"],
            description="talk confidently in front of an audience",
        ),
        Skill(id="s-slides", label="prepare presentation slides", description="design decks"),
        Skill(
            id="s-python",
            label="python programming",
            aliases=["write python code"],
            description="develop software in python",
        ),
        Skill(id="s-sql", label="write sql queries", description="query relational databases"),
        Skill(id="s-old", label="fortran punch cards", status=NodeStatus.deprecated),
    ]
    broader = [
        Broader(child_id="c-pres", parent_id="c-comm"),
        Broader(child_id="s-speak", parent_id="c-pres"),
        Broader(child_id="s-slides", parent_id="c-pres"),
        Broader(child_id="s-python", parent_id="c-soft"),
        Broader(child_id="s-sql", parent_id="c-soft"),
        Broader(child_id="s-old", parent_id="c-soft"),
    ]
    return TaxonomyDump(skills=skills, clusters=clusters, broader=broader)


def mapper(**config: Any) -> GoalMapper:
    return GoalMapper(tiny_dump(), FakeEmbedder(), config=MappingConfig(**config))


def test_exact_label_maps_to_its_skill_first() -> None:
    res = mapper().map("python programming", k=3)
    assert not res.fell_back
    assert res.candidates[0].id == "s-python"
    assert res.candidates[0].kind == "skill"
    assert res.candidates[0].label == "python programming"


def test_alias_maps_to_its_skill() -> None:
    assert mapper().map("speak in public", k=1).candidates[0].id == "s-speak"


def test_k_bounds_the_candidates_best_first() -> None:
    m = mapper()
    assert len(m.map("python", k=1).candidates) == 1
    # 4 active skills + 3 clusters; the deprecated skill is never indexed
    everything = m.map("python", k=50).candidates
    assert {c.id for c in everything} == {
        "s-speak",
        "s-slides",
        "s-python",
        "s-sql",
        "c-comm",
        "c-pres",
        "c-soft",
    }
    scores = [c.score for c in everything]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("k", [0, -1, 101])
def test_bad_k_is_invalid_input(k: int) -> None:
    with pytest.raises(InvalidInput, match="k must be between"):
        mapper().map("python", k=k)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 2001, "2001 characters")],
)
def test_unmappable_text_is_invalid_input(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        mapper().map(text)


def test_text_of_exactly_the_limit_is_accepted() -> None:
    assert mapper().map("y" * 2000, k=1).candidates


def test_deprecated_skill_is_never_a_candidate() -> None:
    res = mapper().map("fortran punch cards", k=50)
    assert "s-old" not in {c.id for c in res.candidates}


def test_no_confident_skill_falls_back_to_the_cluster_of_the_hits() -> None:
    # Both top hits (python programming, write sql queries) sit under c-soft, so c-soft
    # gets the hit support; a threshold nothing can reach forces the fallback.
    res = mapper(threshold=1.01).map("python and sql", k=2)
    assert res.fell_back
    assert [c.kind for c in res.candidates] == ["cluster", "cluster"]
    assert res.candidates[0].id == "c-soft"
    assert "no skill reached confidence 1.01" in res.reason
    assert "software development" in res.reason


def test_fallback_support_decays_with_distance() -> None:
    # The speaking hits sit directly under c-pres and two steps under c-comm.
    res = mapper(threshold=1.01).map("public speaking and presentation slides", k=3)
    ids = [c.id for c in res.candidates]
    assert ids.index("c-pres") < ids.index("c-comm")


def test_confident_skill_does_not_fall_back() -> None:
    res = mapper(threshold=0.5).map("write sql queries", k=2)
    assert not res.fell_back
    assert res.candidates[0].id == "s-sql"
    assert res.candidates[0].score >= 0.5


def test_teach_makes_the_phrase_map_to_the_node() -> None:
    m = mapper()
    phrase = "wrangle relational tables"
    assert m.map(phrase, k=1).candidates[0].id != "s-python"
    m.teach(phrase, "s-python")
    top = m.map(phrase, k=1).candidates[0]
    assert (top.id, top.score) == ("s-python", 1.0)
    # ignoring case and spacing, and a near phrasing benefits from the taught vector too
    assert m.map("  Wrangle   RELATIONAL tables ", k=1).candidates[0].id == "s-python"
    assert m.taught == [(phrase, "s-python")]


def test_teach_a_cluster() -> None:
    m = mapper()
    m.teach("grow my tech skills", "c-soft")
    assert m.map("grow my tech skills", k=1).candidates[0].id == "c-soft"


def test_teach_unknown_or_deprecated_node_is_not_found() -> None:
    m = mapper()
    with pytest.raises(NotFound):
        m.teach("anything", "nope")
    with pytest.raises(NotFound):
        m.teach("anything", "s-old")
    with pytest.raises(InvalidInput):
        m.teach("  ", "s-sql")


def test_refresh_picks_up_a_relabelled_node_and_keeps_taught_phrases() -> None:
    m = mapper()
    m.teach("wrangle relational tables", "s-python")
    dump = tiny_dump()
    skills = [
        s.model_copy(update={"label": "haskell programming", "aliases": []})
        if s.id == "s-python"
        else s
        for s in dump.skills
    ]
    m.refresh(TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader))
    top = m.map("haskell programming", k=1).candidates[0]
    assert (top.id, top.label) == ("s-python", "haskell programming")
    assert m.map("wrangle relational tables", k=1).candidates[0].id == "s-python"


def reference_scores(m: GoalMapper, dump: TaxonomyDump, text: str) -> dict[str, float]:
    """Slow plain-Python version of the documented formula, lexical part switched off."""
    emb = m.query_embedder
    q = emb.embed([text])[0]
    w = m.config.desc_weight
    out: dict[str, float] = {}
    for node in [*dump.skills, *dump.clusters]:
        if node.status != NodeStatus.active:
            continue
        names = [node.label, *node.aliases]
        name = max(float(emb.embed([n])[0] @ q) for n in names)
        gap = m.config.missing_desc_gap
        desc = float(emb.embed([node.description])[0] @ q) if node.description else name - gap
        out[node.id] = (1 - w) * name + w * desc
    return out


@pytest.mark.parametrize("text", ["python", "talks in public", "relational databases"])
def test_fast_scores_match_the_reference(text: str) -> None:
    m = mapper(lex_weight=0.0)
    fast = dict(zip(m.node_ids, m.score_all(text).tolist(), strict=True))
    slow = reference_scores(m, tiny_dump(), text)
    assert fast.keys() == slow.keys()
    for node_id, value in slow.items():
        assert fast[node_id] == pytest.approx(value, abs=1e-5)


def test_lexical_boost_only_raises_scores_and_never_past_one() -> None:
    plain = mapper(lex_weight=0.0)
    boosted = mapper(lex_weight=0.5)
    a, b = plain.score_all("sql queries"), boosted.score_all("sql queries")
    assert np.all(b >= a - 1e-6)
    assert np.all(b <= 1.0 + 1e-6)
    sql = plain.node_ids.index("s-sql")
    assert b[sql] > a[sql]


_SHARED = mapper()


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=80), k=st.integers(min_value=1, max_value=10))
def test_any_text_gives_unique_sorted_bounded_candidates(text: str, k: int) -> None:
    try:
        check_text(text)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            _SHARED.map(text, k=k)
        return
    res = _SHARED.map(text, k=k)
    ids = [c.id for c in res.candidates]
    assert 1 <= len(ids) <= k
    assert len(set(ids)) == len(ids)
    scores = [c.score for c in res.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 - 1e-6 <= s <= 1.0 + 1e-6 for s in scores)
    if res.fell_back:
        assert all(c.kind == "cluster" for c in res.candidates)


def test_tokens_stem_and_drop_stop_words() -> None:
    assert tokens("Get better at Presenting to the Executives") == ["present", "executive"]


def test_restart_and_refresh_embed_only_new_texts(tmp_path: Path) -> None:
    path = tmp_path / "emb.sqlite3"
    first = FakeEmbedder()
    m = GoalMapper(tiny_dump(), first, cache=EmbeddingCache(path))
    indexed = set(first.texts_embedded)
    assert "public speaking" in indexed and "design decks" in indexed
    assert len(first.texts_embedded) == len(indexed)  # each distinct text once
    assert m.embedder.misses == len(indexed)  # type: ignore[attr-defined]

    forget_built_indexes()  # a restart: a new process has built nothing yet
    restarted = FakeEmbedder()
    m2 = GoalMapper(tiny_dump(), restarted, cache=EmbeddingCache(path))
    assert restarted.texts_embedded == []
    assert m2.embedder.hits == len(indexed)  # type: ignore[attr-defined]

    dump = tiny_dump()
    skills = [
        s.model_copy(update={"aliases": [*s.aliases, "sequel queries"]}) if s.id == "s-sql" else s
        for s in dump.skills
    ]
    m2.refresh(TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader))
    assert restarted.texts_embedded == ["sequel queries"]


def test_cluster_only_taxonomy_ranks_clusters_and_says_why() -> None:
    dump = tiny_dump()
    m = GoalMapper(TaxonomyDump(clusters=dump.clusters), FakeEmbedder())
    res = m.map("software development", k=2)
    assert res.fell_back and "no active skills" in res.reason
    assert res.candidates[0].id == "c-soft"


def test_skill_only_taxonomy_cannot_fall_back_and_says_so() -> None:
    dump = tiny_dump()
    m = GoalMapper(
        TaxonomyDump(skills=dump.skills), FakeEmbedder(), config=MappingConfig(threshold=1.01)
    )
    res = m.map("python and sql", k=2)
    assert not res.fell_back
    assert "below threshold" in res.reason
    assert {c.kind for c in res.candidates} == {"skill"}
