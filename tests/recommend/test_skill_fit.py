"""Taxonomy credit: exact target, siblings, cousins, cluster targets, multiple parents, and
skills under broader skills (hand-computed, through the recommender, and on real ESCO)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from graph.hierarchy import Hierarchy
from graph.model import (
    Broader,
    Goal,
    GoalTarget,
    MentoringModel,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    WeeklyWindow,
)
from graph.recommend import Snapshot, recommend
from graph.recommend.skill_fit import ADJACENT_SKILL, level_factor, level_ok, target_credits
from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco
from tests.recommend.orgs import taxonomy


def credits(h: Hierarchy, target: str) -> dict[str, tuple[float, int, str]]:
    return {s: (round(c.credit, 6), c.hops, c.via) for s, c in target_credits(h, target).items()}


def test_skill_target_gives_full_sibling_and_cousin_credit() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "present") == {
        "present": (1.0, 0, "present"),
        "slides": (0.6, 2, "S1.4"),  # same group: up 1, down 1
        "speak": (0.216, 4, "S1"),  # up 2 to S1, down 2 through S1.5
    }  # python sits under S2: reaching it needs 3 steps up, more than MAX_UP


def test_cluster_target_counts_skills_by_depth() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "S1.4") == {
        "present": (1.0, 1, "S1.4"),
        "slides": (1.0, 1, "S1.4"),
        "speak": (0.36, 3, "S1"),  # up 1 to S1, down 2
        "python": (0.216, 4, "S"),  # up 2 to the root, down 2
    }
    assert credits(h, "S1")["speak"] == (0.6, 2, "S1")


def test_a_second_parent_gives_the_shorter_route() -> None:
    dump = taxonomy()
    dump.broader.append(Broader(child_id="speak", parent_id="S1.4"))
    h = Hierarchy.from_dump(dump)
    assert credits(h, "present")["speak"] == (0.6, 2, "S1.4")


def test_unknown_target_reaches_nothing() -> None:
    assert target_credits(Hierarchy.from_dump(taxonomy()), "nope") == {}


@pytest.mark.parametrize(
    ("model", "mentor", "mentee", "ok"),
    [
        (MentoringModel.one_to_one, 4, 3, True),
        (MentoringModel.one_to_one, 3, 3, False),
        (MentoringModel.group, 2, 3, False),
        (MentoringModel.peer, 3, 3, True),
        (MentoringModel.reverse, 1, 4, True),
    ],
)
def test_mentor_must_know_more_except_peer_and_reverse(
    model: MentoringModel, mentor: int, mentee: int, ok: bool
) -> None:
    assert level_ok(model, mentor, mentee) is ok


def test_level_factor() -> None:
    assert [round(level_factor(lv), 2) for lv in range(1, 6)] == [0.6, 0.7, 0.8, 0.9, 1.0]


# --- skills under broader skills (ESCO: "manage musical staff" under "manage staff") --------
#
#   S4 management
#   ├── S4.8.1 supervising a team or group
#   │   ├── staff "manage staff"
#   │   │   ├── musical "manage musical staff"   (also directly in S4.8.1, as in ESCO)
#   │   │   └── physio "manage physiotherapy staff"
#   │   ├── musical
#   │   └── supervise "supervise work"
#   └── S4.5.0 leading and motivating
#       ├── staff
#       └── motivate "motivate others"

STAFF_EDGES = [
    ("S4.8.1", "S4"),
    ("S4.5.0", "S4"),
    ("staff", "S4.8.1"),
    ("staff", "S4.5.0"),
    ("musical", "staff"),
    ("musical", "S4.8.1"),
    ("physio", "staff"),
    ("supervise", "S4.8.1"),
    ("motivate", "S4.5.0"),
]
STAFF_LABELS = {
    "staff": "manage staff",
    "musical": "manage musical staff",
    "physio": "manage physiotherapy staff",
    "supervise": "supervise work",
    "motivate": "motivate others",
}


def staff_taxonomy() -> TaxonomyDump:
    return TaxonomyDump(
        skills=[Skill(id=i, label=label) for i, label in STAFF_LABELS.items()],
        clusters=[
            SkillCluster(id="S4", label="management", code="S4", tier=1),
            SkillCluster(id="S4.8.1", label="supervising a team or group", code="S4.8.1", tier=3),
            SkillCluster(id="S4.5.0", label="leading and motivating", code="S4.5.0", tier=3),
        ],
        broader=[Broader(child_id=c, parent_id=p) for c, p in STAFF_EDGES],
    )


def test_broader_and_narrower_skills_score_between_the_skill_and_a_sibling() -> None:
    """Worked out by hand: hops are BROADER steps; 1 step between two skills is ADJACENT_SKILL."""
    h = Hierarchy.from_dump(staff_taxonomy())
    assert ADJACENT_SKILL == 0.8
    assert credits(h, "musical") == {
        "musical": (1.0, 0, "musical"),  # the target itself
        "staff": (0.8, 1, "staff"),  # its broader skill: up 1 to it, down 0
        "physio": (0.6, 2, "staff"),  # under the same broader skill: up 1, down 1
        "supervise": (0.6, 2, "S4.8.1"),  # same group: up 1, down 1
        "motivate": (0.36, 3, "S4.5.0"),  # the broader skill's other group: up 2, down 1
    }
    # the other way round: the narrower skills of a target are adjacent too
    assert credits(h, "staff")["musical"] == (0.8, 1, "staff")
    assert credits(h, "staff")["physio"] == (0.8, 1, "staff")
    # a cluster target counts a skill under a skill in it one tier deeper
    assert credits(h, "S4.5.0")["staff"] == (1.0, 1, "S4.5.0")
    assert credits(h, "S4.5.0")["musical"] == (0.6, 2, "S4.5.0")


def test_recommender_ranks_a_broader_skill_holder_between_exact_and_sibling() -> None:
    """Mia's goal targets "manage musical staff" (confidence 1.0). Mentors at level 4
    (level factor 0.9): cat holds the skill itself, 1.0 * 0.9 = 0.9; ana holds "manage
    staff", the directly broader skill, 0.8 * 0.9 = 0.72; ben holds "supervise work", a
    sibling in the same group, 0.6 * 0.9 = 0.54."""
    week = [WeeklyWindow(weekday=d, start=time(0), end=time(0)) for d in range(7)]

    def mentor(pid: str) -> Person:
        return Person(id=pid, name=pid.title(), is_mentor=True, max_mentees=2,
                      max_hours_per_month=8, windows=week)  # fmt: skip

    snap = Snapshot.from_parts(
        taxonomy=staff_taxonomy(),
        people=[Person(id="mia", name="Mia", windows=week), *map(mentor, ["ana", "ben", "cat"])],
        person_skills=[
            PersonSkill(person_id="ana", skill_id="staff", level=4, willing_to_mentor=True),
            PersonSkill(person_id="ben", skill_id="supervise", level=4, willing_to_mentor=True),
            PersonSkill(person_id="cat", skill_id="musical", level=4, willing_to_mentor=True),
        ],
        goals=[Goal(id="g", person_id="mia", text="run the orchestra's staff")],
        targets=[GoalTarget(goal_id="g", node_id="musical", confidence=1.0)],
    )
    recs = recommend(snap, "mia", k=5, now=datetime(2025, 3, 3, 9, tzinfo=UTC))
    assert [r.mentor_id for r in recs] == ["cat", "ana", "ben"]
    fits = {r.mentor_id: r.components["skill_fit"] for r in recs}
    assert fits == pytest.approx({"cat": 0.9, "ana": 0.72, "ben": 0.54}, abs=1e-9)
    ana = next(r for r in recs if r.mentor_id == "ana")
    assert "manage staff (broader than manage musical staff)" in ana.reasons[0]


def test_real_esco_manage_staff_is_adjacent_to_manage_musical_staff() -> None:
    h = Hierarchy.from_dump(read_esco(bundled_esco_dir()))
    musical = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    got = target_credits(h, musical)
    by_label = {h.label(s): c for s, c in got.items()}
    assert (by_label["manage staff"].credit, by_label["manage staff"].hops) == (0.8, 1)
    assert (by_label["lead others"].credit, by_label["lead others"].hops) == (0.8, 1)
    # a skill of its group S4.8.1 "supervising a team or group" that is not under either
    siblings = [
        h.label(s)
        for s in h.children("http://data.europa.eu/esco/skill/S4.8.1")
        if h.kind(s) == "skill" and got[s].hops == 2 and got[s].via.endswith("/S4.8.1")
    ]
    assert siblings and all(by_label[s].credit == 0.6 for s in siblings)
