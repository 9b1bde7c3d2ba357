"""Goal targets from the mapper and from a steward's correction, on the real embedded store."""

from __future__ import annotations

import pytest

from graph.errors import InvalidInput, NotFound
from graph.model import Goal, Person, TargetSource
from graph.store import (
    AddBroader,
    GraphStore,
    UpsertClusters,
    UpsertGoals,
    UpsertPeople,
    UpsertSkills,
)
from taxonomy.embedding import FakeEmbedder
from taxonomy.goal_mapping import (
    KEEP_SHARE,
    _targets_op,
    correct_goal_mapping,
    learn_corrections,
    map_goal,
)
from taxonomy.mapping import GoalMapper, MappedNode, MappingResult
from tests.mapping.test_mapping import tiny_dump

PHRASE = "wrangle relational tables"


def seed(store: GraphStore, text: str = PHRASE) -> None:
    dump = tiny_dump()
    store.apply(
        [
            UpsertClusters(rows=dump.clusters),
            UpsertSkills(rows=dump.skills),
            AddBroader(rows=dump.broader),
            UpsertPeople(rows=[Person(id="p1", name="Ada")]),
            UpsertGoals(rows=[Goal(id="g1", person_id="p1", text=text)]),
        ]
    )


def fresh_mapper(store: GraphStore) -> GoalMapper:
    return GoalMapper(store.taxonomy(), FakeEmbedder())


def test_map_goal_stores_the_mappers_top_k_as_embedding_targets(
    embedded_store: GraphStore,
) -> None:
    seed(embedded_store, "python programming")
    mapper = fresh_mapper(embedded_store)
    targets = map_goal(embedded_store, mapper, "g1", k=2)
    expected = mapper.map("python programming", k=2).candidates
    floor = KEEP_SHARE * expected[0].score  # near-zero ones are not stored
    assert [t.node_id for t in targets] == [c.id for c in expected if c.score >= floor]
    assert targets[0].node_id == "s-python"
    assert all(t.source == TargetSource.embedding for t in targets)
    assert all(0.0 <= t.confidence <= 1.0 for t in targets)
    stored = embedded_store.goal_targets("g1")
    assert {t.node_id for t in stored} == {t.node_id for t in targets}


def test_map_goal_replaces_earlier_targets(embedded_store: GraphStore) -> None:
    seed(embedded_store, "python programming")
    mapper = fresh_mapper(embedded_store)
    map_goal(embedded_store, mapper, "g1", k=3)
    map_goal(embedded_store, mapper, "g1", k=1)
    assert [t.node_id for t in embedded_store.goal_targets("g1")] == ["s-python"]


def test_map_unknown_goal_is_not_found(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    with pytest.raises(NotFound, match="nope"):
        map_goal(embedded_store, fresh_mapper(embedded_store), "nope")


def test_correction_sticks_now_and_after_a_rebuild_from_the_store(
    embedded_store: GraphStore,
) -> None:
    seed(embedded_store)
    mapper = fresh_mapper(embedded_store)
    assert mapper.map(PHRASE, k=1).candidates[0].id != "s-sql"

    targets = correct_goal_mapping(
        embedded_store, mapper, "g1", ["s-sql", "c-soft"], actor="steward@example.org"
    )
    assert [(t.node_id, t.confidence, t.source) for t in targets] == [
        ("s-sql", 1.0, TargetSource.steward),
        ("c-soft", 1.0, TargetSource.steward),
    ]
    assert {t.node_id for t in embedded_store.goal_targets("g1")} == {"s-sql", "c-soft"}
    # the running mapper learnt it at once
    assert mapper.map(PHRASE, k=1).candidates[0].id == "s-sql"
    # a mapper rebuilt from the store learns it from the private corrections
    rebuilt = fresh_mapper(embedded_store)
    assert learn_corrections(rebuilt, embedded_store) == 1
    assert rebuilt.map(PHRASE, k=1).candidates[0].id == "s-sql"


def test_a_correction_never_publishes_the_goal_text(embedded_store: GraphStore) -> None:
    """Issue 13: the goal's wording became a public, searchable alias kept in history."""
    seed(embedded_store)
    correct_goal_mapping(
        embedded_store, fresh_mapper(embedded_store), "g1", ["s-sql"], actor="steward"
    )
    skill = embedded_store.get_skill("s-sql")
    assert skill is not None and all(PHRASE not in a for a in skill.aliases)
    assert embedded_store.taxonomy_changes(node_id="s-sql") == []
    assert PHRASE not in repr(embedded_store.taxonomy())


def test_only_wording_the_steward_types_becomes_an_alias(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    correct_goal_mapping(
        embedded_store,
        fresh_mapper(embedded_store),
        "g1",
        ["s-sql"],
        actor="steward@example.org",
        alias="table wrangling",
    )
    skill = embedded_store.get_skill("s-sql")
    assert skill is not None and "table wrangling" in skill.aliases
    assert PHRASE not in skill.aliases
    history = embedded_store.taxonomy_changes(node_id="s-sql")
    assert history[0].op == "add_alias" and history[0].actor == "steward@example.org"
    assert PHRASE not in history[0].model_dump_json()


@pytest.mark.parametrize("alias", ["   ", "x" * 501])
def test_a_bad_alias_writes_nothing(embedded_store: GraphStore, alias: str) -> None:
    seed(embedded_store)
    with pytest.raises(InvalidInput, match="alias"):
        correct_goal_mapping(
            embedded_store,
            fresh_mapper(embedded_store),
            "g1",
            ["s-sql"],
            actor="steward",
            alias=alias,
        )
    assert embedded_store.goal_targets("g1") == []


def test_confirming_an_existing_label_adds_no_alias(embedded_store: GraphStore) -> None:
    seed(embedded_store, "write sql queries")
    mapper = fresh_mapper(embedded_store)
    correct_goal_mapping(embedded_store, mapper, "g1", ["s-sql"], actor="steward")
    assert embedded_store.taxonomy_changes(node_id="s-sql") == []
    assert [t.source for t in embedded_store.goal_targets("g1")] == [TargetSource.steward]


@pytest.mark.parametrize(
    ("node_ids", "error"),
    [([], InvalidInput), (["s-sql", "s-sql"], InvalidInput), (["nope"], NotFound)],
)
def test_bad_corrections_write_nothing(
    embedded_store: GraphStore, node_ids: list[str], error: type[Exception]
) -> None:
    seed(embedded_store)
    mapper = fresh_mapper(embedded_store)
    with pytest.raises(error):
        correct_goal_mapping(embedded_store, mapper, "g1", node_ids, actor="steward")
    assert embedded_store.goal_targets("g1") == []
    assert mapper.taught == []


def test_correcting_to_a_deprecated_node_is_refused(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    with pytest.raises(InvalidInput, match="deprecated"):
        correct_goal_mapping(
            embedded_store, fresh_mapper(embedded_store), "g1", ["s-old"], actor="steward"
        )


def test_near_zero_candidates_are_not_stored_as_targets() -> None:
    """A skill at 0.00003 beside one at 0.9 is no second reading of the goal; the clusters a
    fall-back offers are all kept (they are the choices)."""

    def node(i: str, score: float, kind: str = "skill") -> MappedNode:
        return MappedNode(id=i, label=i, kind=kind, score=score)  # type: ignore[arg-type]

    goal = Goal(id="g1", person_id="p1", text="gestion de projet")
    confident = MappingResult(candidates=[node("pm", 0.9), node("pmp", 0.4), node("tr", 3e-5)])
    assert [t.node_id for t in _targets_op(confident, goal).targets] == ["pm", "pmp"]
    assert KEEP_SHARE * 0.9 > 3e-5
    areas = [node("c1", 0.3, "cluster"), node("c2", 0.01, "cluster")]
    fell = MappingResult(candidates=areas, fell_back=True)
    assert [t.node_id for t in _targets_op(fell, goal).targets] == ["c1", "c2"]
