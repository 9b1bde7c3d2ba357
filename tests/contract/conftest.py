"""A tiny hand-built competency graph shared by the contract tests.

    c-root "Digital"
    ├── c-prog "Programming" (alias "Coding")
    │   ├── s-py "Python" (aliases "py", "Python 3")
    │   └── s-java "Java"
    └── c-data "Data"
        ├── s-py            (a skill may sit under several clusters)
        ├── s-sql "SQL" (alias "Structured Query Language")
        └── s-stats "Statistics"

People: bob manages alice; carol; dan.  HAS_SKILL: alice py 4 willing, alice sql 2,
bob java 5 willing, carol py 2, carol stats 3.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from graph.model import (
    Broader,
    CheckIn,
    Format,
    Goal,
    GoalTarget,
    MentoringModel,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    Preferences,
    Skill,
    SkillCluster,
    TargetSource,
    WeeklyWindow,
)
from graph.store import (
    AddBroader,
    AddCheckIns,
    GraphStore,
    SetGoalTargets,
    StoreOp,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

CLUSTERS = [
    SkillCluster(id="c-root", label="Digital", tier=0, code="S"),
    SkillCluster(id="c-prog", label="Programming", tier=1, code="S1", aliases=["Coding"]),
    SkillCluster(id="c-data", label="Data", tier=1, code="S2"),
]
SKILLS = [
    Skill(id="s-py", label="Python", aliases=["py", "Python 3"], description="A language"),
    Skill(id="s-java", label="Java", skill_type="knowledge"),
    Skill(id="s-sql", label="SQL", aliases=["Structured Query Language"]),
    Skill(id="s-stats", label="Statistics"),
]
BROADER = [
    Broader(child_id="c-prog", parent_id="c-root"),
    Broader(child_id="c-data", parent_id="c-root"),
    Broader(child_id="s-py", parent_id="c-prog"),
    Broader(child_id="s-java", parent_id="c-prog"),
    Broader(child_id="s-py", parent_id="c-data"),
    Broader(child_id="s-sql", parent_id="c-data"),
    Broader(child_id="s-stats", parent_id="c-data"),
]
PEOPLE = [
    # alice comes before her manager bob: references may point forward within a batch.
    Person(
        id="alice",
        name="Alice",
        manager_id="bob",
        timezone="Europe/Berlin",
        windows=[WeeklyWindow(weekday=1, start=time(9), end=time(11))],
        preferences=Preferences(formats=[Format.video], languages=["en", "de"]),
        attributes={"group": "a"},
    ),
    Person(id="bob", name="Bob", is_mentor=True, max_mentees=2, max_hours_per_month=4),
    Person(id="carol", name="Carol", department="Data"),
    Person(id="dan", name="Dan", manager_id="bob"),
]
PERSON_SKILLS = [
    PersonSkill(person_id="alice", skill_id="s-py", level=4, willing_to_mentor=True),
    PersonSkill(person_id="alice", skill_id="s-sql", level=2),
    PersonSkill(person_id="bob", skill_id="s-java", level=5, willing_to_mentor=True),
    PersonSkill(person_id="carol", skill_id="s-py", level=2),
    PersonSkill(person_id="carol", skill_id="s-stats", level=3),
]
GOALS = [
    Goal(id="g1", person_id="dan", text="Learn Python", created_at=T0),
    Goal(
        id="g2", person_id="carol", text="Better SQL", target_date=date(2025, 9, 1), created_at=T0
    ),
]
G1_TARGETS = [
    GoalTarget(goal_id="g1", node_id="c-prog", confidence=0.5, source=TargetSource.embedding),
    GoalTarget(goal_id="g1", node_id="s-py", confidence=0.9, source=TargetSource.steward),
]
PAIRINGS = [
    Pairing(
        id="pr1",
        mentor_id="alice",
        mentee_ids=["dan"],
        goal_ids=["g1"],
        program="spring",
        status=PairingStatus.active,
        created_at=T0,
        updated_at=T0,
    ),
    Pairing(
        id="pr2",
        mentor_id="bob",
        mentee_ids=["carol", "dan"],
        program="spring",
        model=MentoringModel.group,
        created_at=T0,
        updated_at=T0,
    ),
    Pairing(
        id="pr3",
        mentor_id="carol",
        mentee_ids=["alice"],
        status=PairingStatus.closed,
        created_at=T0,
        updated_at=T0,
    ),
]
CHECKINS = [
    CheckIn(id="ci-b", pairing_id="pr1", on=date(2025, 4, 1), rating=4),
    CheckIn(id="ci-a", pairing_id="pr1", on=date(2025, 4, 1), rating=3, note="same day"),
    CheckIn(id="ci-0", pairing_id="pr1", on=date(2025, 3, 15), rating=5),
    CheckIn(id="ci-x", pairing_id="pr2", on=date(2025, 3, 20), rating=2),
]


def taxonomy_ops() -> list[StoreOp]:
    return [UpsertClusters(CLUSTERS), UpsertSkills(SKILLS), AddBroader(BROADER)]


def seed_ops() -> list[StoreOp]:
    return [
        *taxonomy_ops(),
        UpsertPeople(PEOPLE),
        UpsertPersonSkills(PERSON_SKILLS),
        UpsertGoals(GOALS),
        SetGoalTargets("g1", G1_TARGETS),
        UpsertPairings(PAIRINGS),
        AddCheckIns(CHECKINS),
    ]


@pytest.fixture
def seeded(store: GraphStore) -> GraphStore:
    store.apply(seed_ops())
    return store
