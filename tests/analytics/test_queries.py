"""Named graph queries on the tiny org (see tiny_org.py for the picture)."""

from __future__ import annotations

import pytest

from graph.analytics.queries import bridging_skills, neighbourhood, paths_between
from graph.errors import InvalidInput, NotFound
from graph.model import PersonSkill
from tests.analytics.tiny_org import build


def test_paths_between_people_through_shared_skills() -> None:
    _, data = build()
    # m1 and h1 both hold s_present
    paths = paths_between(data, "m1", "h1")
    assert [[n.id for n in p.nodes] for p in paths] == [["m1", "s_present", "h1"]]
    assert [n.kind for n in paths[0].nodes] == ["person", "skill", "person"]


def test_paths_between_longer_chain_and_no_path() -> None:
    _, data = build()
    data.person_skills.append(PersonSkill(person_id="h1", skill_id="s_sql", level=2))
    paths = paths_between(data, "m1", "m2")
    assert [n.id for n in paths[0].nodes] == ["m1", "s_present", "h1", "s_sql", "m2"]
    assert paths_between(data, "m1", "m2", max_people=2) == []
    assert paths_between(data, "m1", "e1") == []  # e1 holds no skills


def test_paths_between_errors() -> None:
    _, data = build()
    with pytest.raises(NotFound):
        paths_between(data, "m1", "nobody")
    with pytest.raises(NotFound):  # opted out of analytics
        paths_between(data, "m1", "x")
    with pytest.raises(InvalidInput):
        paths_between(data, "m1", "m1")


def test_bridging_skills() -> None:
    _, data = build()
    assert bridging_skills(data, "C1", "C2") == []
    # h1 now holds skills on both sides: s_present (C1) and s_sql (C2)
    data.person_skills.append(PersonSkill(person_id="h1", skill_id="s_sql", level=2))
    rows = bridging_skills(data, "C1", "C2")
    assert {r.skill_id: r.people_bridging for r in rows} == {"s_present": 1, "s_sql": 1}
    # every skill sits under C, so between C and C1 the C1 skills are "under both"
    rows = bridging_skills(data, "C", "C1")
    assert {r.skill_id for r in rows if r.under_both} == {"s_present", "s_pitch"}
    with pytest.raises(NotFound):
        bridging_skills(data, "C1", "s_sql")


def test_neighbourhood_of_skill_hides_goal_text() -> None:
    _, data = build()
    sub = neighbourhood(data, "s_present")
    ids = {n.id for n in sub.nodes}
    assert {"s_present", "C1", "m1", "h1", "g1"} <= ids
    assert "x" not in ids
    goal = next(n for n in sub.nodes if n.id == "g1")
    assert goal.label == "goal"  # not "present to execs"
    kinds = {(e.source, e.target, e.kind) for e in sub.edges}
    assert ("s_present", "C1", "BROADER") in kinds
    assert ("m1", "s_present", "HAS_SKILL") in kinds


def test_neighbourhood_of_person_and_limits() -> None:
    _, data = build()
    sub = neighbourhood(data, "m2")
    assert {n.id for n in sub.nodes} == {"m2", "s_sql", "e2"}
    assert ("m2", "e2", "MENTORS") in {(e.source, e.target, e.kind) for e in sub.edges}
    assert len(neighbourhood(data, "C", depth=3, limit=3).nodes) == 3
    with pytest.raises(NotFound):
        neighbourhood(data, "nothing")
