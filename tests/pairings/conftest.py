"""A tiny world for pairing tests: two mentors, a manager who mentors, three mentees.

boss  (mentor, 3 places)  manages a
m1    (mentor, 2 places, 4 h/month)
m2    (mentor, 3 places, 10 h/month)
a, b, c: mentees in program "spring", each with one open goal targeting python
"""

from __future__ import annotations

from datetime import UTC, datetime

from graph.model import Goal, GoalTarget, Person, PersonSkill, Skill
from graph.store import (
    GraphStore,
    SetGoalTargets,
    StoreOp,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PROGRAM = "spring"


def mentor(pid: str, places: int, hours: float, **kw: object) -> Person:
    return Person(
        id=pid,
        name=pid.upper(),
        is_mentor=True,
        max_mentees=places,
        max_hours_per_month=hours,
        seniority=7,
        **kw,  # type: ignore[arg-type]
    )


def mentee(pid: str, **kw: object) -> Person:
    return Person(id=pid, name=pid.upper(), seniority=2, programs=[PROGRAM], **kw)  # type: ignore[arg-type]


def world_ops() -> list[StoreOp]:
    people = [
        mentor("boss", 3, 10),
        mentor("m1", 2, 4),
        mentor("m2", 3, 10),
        mentee("a", manager_id="boss"),
        mentee("b"),
        mentee("c"),
    ]
    skills = [Skill(id="s-python", label="Python"), Skill(id="s-sql", label="SQL")]
    has = [
        PersonSkill(person_id=p, skill_id="s-python", level=lvl, willing_to_mentor=True)
        for p, lvl in (("boss", 5), ("m1", 5), ("m2", 4))
    ] + [PersonSkill(person_id="m2", skill_id="s-sql", level=5, willing_to_mentor=True)]
    goals = [
        Goal(id=f"g-{p}", person_id=p, text=f"{p} wants to learn python", created_at=NOW)
        for p in ("a", "b", "c")
    ]
    ops: list[StoreOp] = [
        UpsertSkills(skills),
        UpsertPeople(people),
        UpsertPersonSkills(has),
        UpsertGoals(goals),
    ]
    for g in goals:
        ops.append(
            SetGoalTargets(g.id, [GoalTarget(goal_id=g.id, node_id="s-python", confidence=0.9)])
        )
    return ops


def seed(store: GraphStore) -> GraphStore:
    store.apply(world_ops())
    return store
