"""People x skills as compact arrays (`SkillArrays`): the same HAS_SKILL rows as the models,
never one object per row, and replacing a few people's rows keeps the rest as they were."""

from __future__ import annotations

import random

import numpy as np
import pytest

from graph.model import Person, PersonSkill
from graph.recommend import Snapshot
from graph.recommend.snapshot import SkillArrays
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
