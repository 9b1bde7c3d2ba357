"""Tiny hand-built orgs for the recommender tests (answers worked out by hand in the tests)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from graph.model import (
    Broader,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    WeeklyWindow,
)
from graph.recommend import Snapshot
from graph.store import TaxonomyDump

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday, before the EU DST change


def taxonomy() -> TaxonomyDump:
    """S > S1 > {S1.4 > present, slides; S1.5 > speak};  S > S2 > python."""
    clusters = [
        SkillCluster(id="S", label="skills", code="S", tier=0),
        SkillCluster(id="S1", label="communication", code="S1", tier=1),
        SkillCluster(id="S1.4", label="presenting information", code="S1.4", tier=2),
        SkillCluster(id="S1.5", label="speaking", code="S1.5", tier=2),
        SkillCluster(id="S2", label="programming", code="S2", tier=1),
    ]
    skills = [
        Skill(id="present", label="conduct public presentations"),
        Skill(id="slides", label="design slides"),
        Skill(id="speak", label="public speaking"),
        Skill(id="python", label="Python"),
    ]
    edges = [
        ("S1", "S"),
        ("S2", "S"),
        ("S1.4", "S1"),
        ("S1.5", "S1"),
        ("present", "S1.4"),
        ("slides", "S1.4"),
        ("speak", "S1.5"),
        ("python", "S2"),
    ]
    return TaxonomyDump(
        skills=skills,
        clusters=clusters,
        broader=[Broader(child_id=c, parent_id=p) for c, p in edges],
    )


def tue(start: str, end: str) -> WeeklyWindow:
    return WeeklyWindow(weekday=1, start=time.fromisoformat(start), end=time.fromisoformat(end))


def mentor(pid: str, **kw: Any) -> Person:
    base: dict[str, Any] = {
        "id": pid,
        "name": pid.capitalize(),
        "is_mentor": True,
        "max_mentees": 3,
        "max_hours_per_month": 8,
        "windows": [tue("14:00", "16:00")],
    }
    base.update(kw)
    return Person(**base)


def tiny_parts() -> dict[str, Any]:
    people = [
        Person(id="mia", name="Mia", manager_id="mgr", windows=[tue("14:00", "16:00")]),
        mentor("ana", name="Ana Lopez", windows=[tue("14:00", "15:30")]),
        mentor("ben"),
        mentor("cat"),
        mentor("mgr"),
        mentor("dan", opt_out_recommend=True),
        mentor("eve", max_mentees=1),
        mentor("fay"),
        mentor("gus"),
        Person(id="zed", name="Zed"),
    ]
    skills = [
        PersonSkill(person_id="mia", skill_id="present", level=2),
        PersonSkill(person_id="ana", skill_id="present", level=4, willing_to_mentor=True),
        PersonSkill(person_id="ben", skill_id="slides", level=5, willing_to_mentor=True),
        PersonSkill(person_id="cat", skill_id="present", level=2, willing_to_mentor=True),
        PersonSkill(person_id="mgr", skill_id="present", level=5, willing_to_mentor=True),
        PersonSkill(person_id="dan", skill_id="present", level=5, willing_to_mentor=True),
        PersonSkill(person_id="eve", skill_id="present", level=5, willing_to_mentor=True),
        PersonSkill(person_id="fay", skill_id="speak", level=4, willing_to_mentor=True),
        PersonSkill(person_id="gus", skill_id="python", level=5, willing_to_mentor=True),
    ]
    goals = [Goal(id="g1", person_id="mia", text="present to execs")]
    targets = [GoalTarget(goal_id="g1", node_id="present", confidence=0.9)]
    pairings = [
        Pairing(id="p-eve", mentor_id="eve", mentee_ids=["zed"], status="active"),
    ]
    return {
        "taxonomy": taxonomy(),
        "people": people,
        "person_skills": skills,
        "goals": goals,
        "targets": targets,
        "pairings": pairings,
    }


def tiny_snapshot() -> Snapshot:
    return Snapshot.from_parts(**tiny_parts())
