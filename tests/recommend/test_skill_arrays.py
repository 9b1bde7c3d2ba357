"""People x skills as compact arrays (`SkillArrays`): the same HAS_SKILL rows as the models,
never one object per row, and replacing a few people's rows keeps the rest as they were."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from graph.model import Person, PersonSkill
from graph.recommend import Snapshot
from graph.recommend.snapshot import SkillArrays, SkillColumns
from tests.recommend.orgs import taxonomy

SKILLS = ["s-python", "s-sql", "s-stats", "s-speak", "s-write"]


def _rows(rnd: random.Random, people: list[str]) -> list[PersonSkill]:
    return [
        PersonSkill(
            person_id=p,
            skill_id=s,
            level=rnd.randint(1, 5),
            willing_to_mentor=rnd.random() < 0.5,
        )
        for p in people
        for s in rnd.sample(SKILLS, rnd.randint(0, 4))
    ]


def _as_dicts(rows: list[PersonSkill]) -> dict[str, dict[str, PersonSkill]]:
    out: dict[str, dict[str, PersonSkill]] = {}
    for ps in rows:  # later rows of a key win
        out.setdefault(ps.person_id, {})[ps.skill_id] = ps
    return {p: v for p, v in out.items() if v}


@pytest.mark.parametrize("seed", range(25))
def test_views_give_back_the_rows(seed: int) -> None:
    rnd = random.Random(seed)
    people = [f"p{i}" for i in range(12)]
    rows = _rows(rnd, people)
    rows += _rows(rnd, people[:3])  # repeated keys: the later row wins
    snap = Snapshot.from_parts(
        taxonomy=taxonomy(), people=[Person(id=p, name=p) for p in people], person_skills=rows
    )
    st = snap.state
    want = _as_dicts(rows)
    assert dict(st.skills_of) == want
    holders: dict[str, dict[str, PersonSkill]] = {}
    for per in want.values():
        for ps in per.values():
            holders.setdefault(ps.skill_id, {})[ps.person_id] = ps
    assert dict(st.holders_of) == holders
    for skill_id, per in holders.items():
        willing = sorted((st.rows[p], ps.level) for p, ps in per.items() if ps.willing_to_mentor)
        h = st.willing.get(skill_id)
        got = [] if h is None else list(zip(h.rows.tolist(), h.levels.tolist(), strict=True))
        assert got == willing
        if h is not None:
            assert h.rows.dtype == np.int32 and h.levels.dtype == np.int8
    for p in people:
        assert st.skill_levels(p) == {s: ps.level for s, ps in want.get(p, {}).items()}
    sk = st.skills
    assert sk.skill.dtype == np.int32 and sk.level.dtype == np.int8 and sk.h_row.dtype == np.int32
    assert not sk.skill.flags.writeable  # shared by readers: never written in place


@pytest.mark.parametrize("seed", range(25))
def test_updated_replaces_only_the_given_people(seed: int) -> None:
    rnd = random.Random(seed)
    people = [f"p{i}" for i in range(10)]
    rows = _rows(rnd, people)
    snap = Snapshot.from_parts(
        taxonomy=taxonomy(), people=[Person(id=p, name=p) for p in people], person_skills=rows
    )
    st = snap.state
    changed = rnd.sample(range(12), 4)  # rows 10, 11: people the arrays have not seen yet
    new = {r: _rows(rnd, [f"p{r}"]) for r in changed}
    got = st.skills.updated(12, new)
    want = {p: v for p, v in _as_dicts(rows).items() if int(p[1:]) not in new}
    for r, per in new.items():
        if per:
            want[f"p{r}"] = {ps.skill_id: ps for ps in per}
    assert got.n_rows == 12
    seen: dict[str, dict[str, tuple[int, bool]]] = {}
    row, code, level, willing = got.entries()
    for r, c, lv, w in zip(
        row.tolist(), code.tolist(), level.tolist(), willing.tolist(), strict=True
    ):
        seen.setdefault(f"p{r}", {})[got.skill_ids[c]] = (lv, w)
    assert seen == {
        p: {s: (ps.level, ps.willing_to_mentor) for s, ps in per.items()} for p, per in want.items()
    }


def test_an_empty_table() -> None:
    empty = SkillArrays.empty()
    assert empty.n_rows == 0 and empty.levels_of(3) == {}


def _columns(rows: list[PersonSkill], people: list[str]) -> SkillColumns:
    skills = sorted({ps.skill_id for ps in rows} | {"s-nobody"})
    return SkillColumns(
        person_ids=people,
        skill_ids=skills,
        person=np.array([people.index(ps.person_id) for ps in rows], dtype=np.int32),
        skill=np.array([skills.index(ps.skill_id) for ps in rows], dtype=np.int32),
        level=np.array([ps.level for ps in rows], dtype=np.int8),
        willing=np.array([ps.willing_to_mentor for ps in rows], dtype=np.bool_),
    )


@pytest.mark.parametrize("seed", range(20))
def test_columns_build_the_same_state_as_objects(seed: int) -> None:
    """HAS_SKILL rows given as arrays (SkillColumns) or as PersonSkill objects, or split
    between both (objects after columns: later rows win), give the same arrays; rows of
    people outside the view are left out either way."""
    rnd = random.Random(seed)
    people = [f"p{i}" for i in range(10)]
    rows = _rows(rnd, [*people, "ghost"])
    later = _rows(rnd, people[:4])
    persons = [Person(id=p, name=p) for p in people]
    objects = Snapshot.from_parts(
        taxonomy=taxonomy(), people=persons, person_skills=rows + later
    ).state
    cols = Snapshot.from_parts(
        taxonomy=taxonomy(),
        people=persons,
        person_skills=later,
        skill_columns=_columns(rows, [*people, "ghost"]),
    ).state
    assert dict(cols.skills_of) == dict(objects.skills_of)
    assert dict(cols.holders_of) == dict(objects.holders_of)
    for skill_id in objects.willing:
        a, b = objects.willing[skill_id], cols.willing[skill_id]
        assert a.rows.tolist() == b.rows.tolist() and a.levels.tolist() == b.levels.tolist()
    assert "ghost" not in cols.rows


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": np.array([3, 6])}, r"level\[1\] is 6, expected 1..5"),
        ({"level": np.array([0, 2])}, r"level\[0\] is 0, expected 1..5"),
        ({"person": np.array([0, 2])}, r"person\[1\] is 2, expected 0..1"),
        ({"skill": np.array([-1, 0])}, r"skill\[0\] is -1, expected 0..0"),
        ({"willing": np.array([True])}, "willing has 1 entries, expected 2 "),
        ({"level": np.array([1.0, 2.0])}, "level has dtype float64, expected integers"),
    ],
)
def test_bad_columns_are_refused_by_field(change: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {
        "person_ids": ["p0", "p1"],
        "skill_ids": ["s-python"],
        "person": np.array([0, 1]),
        "skill": np.array([0, 0]),
        "level": np.array([3, 4]),
        "willing": np.array([True, False]),
    }
    with pytest.raises(ValueError, match=message):
        SkillColumns(**{**fields, **change})
