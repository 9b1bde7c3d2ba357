"""The demo org generator on the real ESCO taxonomy, and load_demo on the embedded store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import time

import networkx as nx
import numpy as np
import pytest

from graph.model import Goal, Person, PersonSkill, Skill
from graph.store import GraphStore, TaxonomyDump, UpsertSkills
from loaders import demo_text as T
from loaders.demo_org import generate_org, generate_org_columns, load_demo
from loaders.esco import bundled_esco_dir, read_esco


@pytest.fixture(scope="module")
def esco() -> TaxonomyDump:
    return read_esco(bundled_esco_dir())


def test_same_seed_same_org_other_seed_other_org(esco: TaxonomyDump) -> None:
    a = generate_org(esco, size=300, seed=3)
    b = generate_org(esco, size=300, seed=3)
    assert a.people == b.people and a.person_skills == b.person_skills and a.goals == b.goals
    c = generate_org(esco, size=300, seed=4)
    assert [p.name for p in c.people] != [p.name for p in a.people]


@pytest.mark.parametrize("size", [1, 2, 57, 1000])
def test_size_and_valid_rows(esco: TaxonomyDump, size: int) -> None:
    org = generate_org(esco, size=size, seed=7)
    assert len(org.people) == size and len({p.id for p in org.people}) == size
    # rows are built without validation for speed: they must still pass it unchanged
    for p in org.people:
        assert Person.model_validate(p.model_dump()) == p
    for s in org.person_skills:
        assert PersonSkill.model_validate(s.model_dump()) == s
    for g in org.goals:
        assert Goal.model_validate(g.model_dump()) == g
    keys = [(s.person_id, s.skill_id) for s in org.person_skills]
    assert len(keys) == len(set(keys))
    live = {s.id for s in esco.skills}
    assert {s.skill_id for s in org.person_skills} <= live


def test_org_shape(esco: TaxonomyDump) -> None:
    org = generate_org(esco, size=2000, seed=7)
    people = {p.id: p for p in org.people}

    mentors = sum(p.is_mentor for p in org.people)
    assert 0.17 <= mentors / 2000 <= 0.23
    assert all(p.max_mentees >= 1 and p.max_hours_per_month > 0 for p in org.people if p.is_mentor)
    mean_sen = sum(p.seniority for p in org.people if p.is_mentor) / mentors
    assert mean_sen > sum(p.seniority for p in org.people) / 2000  # mentors are more senior

    # the manager hierarchy is one tree rooted at the CEO
    g = nx.DiGraph((p.manager_id, p.id) for p in org.people if p.manager_id)
    assert all(p.manager_id in people for p in org.people if p.manager_id)
    assert [p.id for p in org.people if p.manager_id is None] == ["demo-00000"]
    assert nx.is_arborescence(g) and g.number_of_nodes() == 2000
    spans = Counter(p.manager_id for p in org.people if p.manager_id)
    assert max(spans.values()) <= 20

    continents = {o.timezone: o.continent for o in T.OFFICES}
    assert len({continents[p.timezone] for p in org.people}) >= 5
    for p in org.people:
        assert 1 <= len(p.windows) <= 3 and len({w.weekday for w in p.windows}) == len(p.windows)
        for w in p.windows:
            assert w.weekday <= 4 and time(8) <= w.start < w.end <= time(18)

    cohort = [p for p in org.people if "2026-autumn" in p.programs and not p.is_mentor]
    assert 0.2 * 1600 <= len(cohort) <= 0.4 * 1600


def test_goals_are_free_text_not_skill_labels(esco: TaxonomyDump) -> None:
    org = generate_org(esco, size=1000, seed=7)
    names = {s.label.casefold() for s in esco.skills}
    names |= {a.casefold() for s in esco.skills for a in s.aliases}
    names |= {c.label.casefold() for c in esco.clusters}
    texts = [g.text for g in org.goals]
    assert 600 <= len(texts) <= 1000
    assert not [t for t in texts if t.casefold() in names]
    assert all(len(t.split()) >= 4 for t in texts)
    assert len(set(texts)) >= 100  # varied, not one sentence repeated
    with_goals = {g.person_id for g in org.goals}
    assert all(g.person_id in with_goals for g in org.goals)


def test_department_skills_come_from_its_groups(esco: TaxonomyDump) -> None:
    org = generate_org(esco, size=1000, seed=7)
    codes = {c.id: c.code for c in esco.clusters}
    parents: dict[str, list[str]] = {}
    for b in esco.broader:
        parents.setdefault(b.child_id, []).append(b.parent_id)

    def under(node: str, prefixes: tuple[str, ...]) -> bool:
        todo, seen = list(parents.get(node, [])), set()
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            if codes.get(c, "").startswith(prefixes):
                return True
            todo.extend(parents.get(c, []))
        return False

    dept = {p.id: p.department for p in org.people}
    eng = [s.skill_id for s in org.person_skills if dept[s.person_id] == "Engineering"]
    ict = sum(under(sid, ("K06", "S5")) for sid in eng)
    assert ict / len(eng) > 0.6  # the rest are transversal skills everyone gets


def tiny_store(store: GraphStore) -> None:
    store.apply([UpsertSkills([Skill(id=f"k{i}", label=f"skill {i}") for i in range(12)])])


@dataclass
class Hit:
    id: str
    score: float


@dataclass
class Result:
    candidates: list[Hit]


class FakeMapper:
    def map(self, text: str, k: int) -> Result:
        return Result([Hit("k1", 0.8), Hit("k2", 0.6)][:k])


def test_load_demo_is_idempotent_on_a_small_taxonomy(embedded_store: GraphStore) -> None:
    tiny_store(embedded_store)
    report = load_demo(embedded_store, size=50, seed=1, mapper=FakeMapper(), map_k=2, history=False)
    assert report.loaded and not report.taxonomy_imported  # the store had a taxonomy
    assert embedded_store.count_people() == 50 and report.goals_mapped == report.goals > 0
    goal = embedded_store.list_goals()[0]
    assert [(t.node_id, t.confidence) for t in embedded_store.goal_targets(goal.id)] == [
        ("k1", 0.8),
        ("k2", 0.6),
    ]
    stored = embedded_store.list_people()
    assert stored == generate_org(embedded_store.taxonomy(), size=50, seed=1).people
    version = embedded_store.data_version()
    again = load_demo(embedded_store, size=50, seed=1, history=False)
    assert not again.loaded and embedded_store.data_version() == version


@pytest.mark.slow
def test_load_demo_imports_esco_into_an_empty_store(embedded_store: GraphStore) -> None:
    report = load_demo(embedded_store, size=200, seed=7, history=False)
    assert report.taxonomy_imported and report.loaded
    assert embedded_store.count_skills() == 13412 and embedded_store.count_people() == 200
    assert len(embedded_store.person_skills("demo-00000")) >= 3


@pytest.mark.parametrize(("size", "seed"), [(1, 7), (2, 3), (57, 7), (1500, 11)])
def test_columns_are_the_same_org(esco: TaxonomyDump, size: int, seed: int) -> None:
    org = generate_org(esco, size=size, seed=seed)
    cols = generate_org_columns(esco, size=size, seed=seed)
    assert cols.people == org.people
    got = [
        (cols.people[p].id, cols.skill_ids[s], lv, w)
        for p, s, lv, w in zip(
            cols.person.tolist(),
            cols.skill.tolist(),
            cols.level.tolist(),
            cols.willing.tolist(),
            strict=True,
        )
    ]
    assert got == [
        (ps.person_id, ps.skill_id, ps.level, ps.willing_to_mentor) for ps in org.person_skills
    ]
    assert cols.skill_ids == sorted(cols.skill_ids)


def test_extra_skill_draws_keep_the_people_and_add_valid_skills(esco: TaxonomyDump) -> None:
    base = generate_org_columns(esco, size=2000, seed=5)
    more = generate_org_columns(esco, size=2000, seed=5, extra_skills=4)
    assert more.people == base.people
    per_base = len(base.person) / 2000
    per_more = len(more.person) / 2000
    assert 6 <= per_base <= 7 and 9.5 <= per_more <= 11
    keys = list(zip(more.person.tolist(), more.skill.tolist(), strict=True))
    assert keys == sorted(set(keys))  # by person, skills ascending, no repeats
    assert set(more.level.tolist()) <= {1, 2, 3, 4, 5}
    mentors = np.array([p.is_mentor for p in more.people])
    assert not more.willing[~mentors[more.person]].any()  # only mentors offer to mentor
    live = {s.id for s in esco.skills}
    assert set(more.skill_ids) <= live


def test_columns_refuse_bad_arguments(esco: TaxonomyDump) -> None:
    with pytest.raises(ValueError, match="size must be at least 1"):
        generate_org_columns(esco, size=0, seed=1)
    with pytest.raises(ValueError, match="extra_skills must be 0 or more, got -1"):
        generate_org_columns(esco, size=10, seed=1, extra_skills=-1)


def test_fast_rows_share_one_fields_set_and_still_copy_apart(esco: TaxonomyDump) -> None:
    a, b = generate_org(esco, size=2, seed=1).people
    assert a.model_fields_set == set(Person.model_fields)
    c = a.model_copy(update={"title": "Changed"})
    assert c.title == "Changed" and a.title != "Changed" and b.title != "Changed"
    a.title = "Set on a"  # assignment only adds a name that is already there
    assert b.model_fields_set == set(Person.model_fields) and b.title != "Set on a"
