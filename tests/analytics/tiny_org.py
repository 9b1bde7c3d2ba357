"""L&D analytics on a tiny hand-built org whose answers are worked out by hand.

Taxonomy:  C (tier 0) <- C1 (tier 1) <- s_present, s_pitch ;  C <- C2 (tier 1) <- s_sql
People:    m1 mentor, willing on s_present (level 4), 1 place, 0 used
           m2 mentor, willing on s_sql, 1 place, fully used by an active pairing with e2
           h1 holds s_present at level 4, not a mentor  -> recruitment suggestion
           e1 goal g1 -> s_present 0.9, s_pitch 0.5 ; e2 goal g2 -> s_sql 1.0 ; e3 goal g3 -> C1 0.6
           x  opted out of analytics, goal g4 -> s_sql 1.0 (must not count)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from graph.analytics import OrgData
from graph.hierarchy import Hierarchy
from graph.model import (
    Broader,
    CheckIn,
    Goal,
    GoalTarget,
    Pairing,
    PairingEvent,
    PairingStatus,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
)
from graph.store import TaxonomyDump

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def build() -> tuple[TaxonomyDump, OrgData]:
    skills = [Skill(id=s, label=s.replace("s_", "")) for s in ("s_present", "s_pitch", "s_sql")]
    clusters = [
        SkillCluster(id="C", label="all", tier=0),
        SkillCluster(id="C1", label="communicating", tier=1),
        SkillCluster(id="C2", label="data", tier=1),
    ]
    broader = [
        Broader(child_id="C1", parent_id="C"),
        Broader(child_id="C2", parent_id="C"),
        Broader(child_id="s_present", parent_id="C1"),
        Broader(child_id="s_pitch", parent_id="C1"),
        Broader(child_id="s_sql", parent_id="C2"),
    ]
    dump = TaxonomyDump(skills=skills, clusters=clusters, broader=broader)
    people = [
        Person(
            id="m1",
            name="M One",
            department="Sales",
            is_mentor=True,
            max_mentees=1,
            max_hours_per_month=4,
        ),
        Person(
            id="m2",
            name="M Two",
            department="Eng",
            is_mentor=True,
            max_mentees=1,
            max_hours_per_month=4,
        ),
        Person(id="h1", name="H One", department="Sales"),
        Person(id="e1", name="E One", department="Sales"),
        Person(id="e2", name="E Two", department="Eng"),
        Person(id="e3", name="E Three", department="Eng"),
        Person(id="x", name="Opted Out", department="Eng", opt_out_analytics=True),
    ]
    person_skills = [
        PersonSkill(person_id="m1", skill_id="s_present", level=4, willing_to_mentor=True),
        PersonSkill(person_id="m2", skill_id="s_sql", level=5, willing_to_mentor=True),
        PersonSkill(person_id="h1", skill_id="s_present", level=4),
    ]
    goals = [
        Goal(id="g1", person_id="e1", text="present to execs", created_at=T0),
        Goal(id="g2", person_id="e2", text="write better queries", created_at=T0),
        Goal(id="g3", person_id="e3", text="communicate", created_at=T0),
        Goal(id="g4", person_id="x", text="sql", created_at=T0),
    ]
    targets = [
        GoalTarget(goal_id="g1", node_id="s_present", confidence=0.9),
        GoalTarget(goal_id="g1", node_id="s_pitch", confidence=0.5),
        GoalTarget(goal_id="g2", node_id="s_sql", confidence=1.0),
        GoalTarget(goal_id="g3", node_id="C1", confidence=0.6),
        GoalTarget(goal_id="g4", node_id="s_sql", confidence=1.0),
    ]
    pairings = [
        Pairing(
            id="p1",
            mentor_id="m2",
            mentee_ids=["e2"],
            status=PairingStatus.active,
            hours_per_month=4,
            created_at=T0,
            history=[
                PairingEvent(status=PairingStatus.proposed, at=T0),
                PairingEvent(status=PairingStatus.accepted, at=datetime(2026, 1, 11, tzinfo=UTC)),
                PairingEvent(
                    status=PairingStatus.stalled,
                    at=datetime(2026, 3, 1, tzinfo=UTC),
                    reason="no check-in for 21 days",
                ),
                PairingEvent(status=PairingStatus.active, at=datetime(2026, 3, 2, tzinfo=UTC)),
            ],
        )
    ]
    checkins = [
        CheckIn(id="c1", pairing_id="p1", on=date(2026, 1, 20), rating=4),
        CheckIn(id="c2", pairing_id="p1", on=date(2026, 2, 20), rating=2),
        CheckIn(id="c3", pairing_id="p1", on=date(2026, 2, 27), rating=3),
    ]
    data = OrgData(
        hierarchy=Hierarchy.from_dump(dump),
        people=people,
        person_skills=person_skills,
        goals=goals,
        targets=targets,
        pairings=pairings,
        checkins=checkins,
    )
    return dump, data
