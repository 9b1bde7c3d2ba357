"""Taxonomy credit: exact target, siblings, cousins, cluster targets, multiple parents, and
skills under broader skills (hand-computed, through the recommender, and on real ESCO)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from functools import cache

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
from graph.recommend.skill_fit import (
    ADJACENT_SKILL,
    BROAD_GROUP_SKILLS,
    CLOSE,
    EXACT,
    LOOSE,
    TargetCredits,
    is_broad_group,
    level_factor,
    level_ok,
    target_credit_table,
    target_credits,
)
from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco
from tests.recommend.orgs import random_taxonomy, taxonomy


@cache
def esco() -> TaxonomyDump:
    """The bundled ESCO copy, read once for the tests of this module."""
    return read_esco(bundled_esco_dir())


def credits(h: Hierarchy, target: str) -> dict[str, tuple[float, int, str, str]]:
    return {
        s: (round(c.credit, 6), c.hops, c.via, str(c.relation))
        for s, c in target_credits(h, target).items()
    }


def test_skill_target_gives_sibling_and_cousin_credit_by_relation() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "present") == {
        "present": (1.0, 0, "present", "skill"),
        "slides": (0.45, 2, "S1.4", "close"),  # same narrow group (tier 2): up 1, down 1
        "speak": (0.15, 4, "S1", "loose"),  # up 2 to S1 (tier 1), down 2: 0.25 * 0.6
    }  # python sits under S2: reaching it needs 3 steps up, more than MAX_UP


def test_cluster_target_counts_skills_by_depth() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "S1.4") == {
        "present": (1.0, 1, "S1.4", "in_target"),
        "slides": (1.0, 1, "S1.4", "in_target"),
        "speak": (0.25, 3, "S1", "loose"),  # up 1 to S1, down 2
        "python": (0.15, 4, "S", "loose"),  # up 2 to the root, down 2
    }
    # a targeted top-level group is not climbed through: what is in it counts by depth
    assert credits(h, "S1")["speak"] == (0.45, 2, "S1", "close")


def test_a_second_parent_gives_the_shorter_route() -> None:
    dump = taxonomy()
    dump.broader.append(Broader(child_id="speak", parent_id="S1.4"))
    h = Hierarchy.from_dump(dump)
    assert credits(h, "present")["speak"] == (0.45, 2, "S1.4", "close")


def test_a_route_through_a_top_level_group_is_loose_and_the_best_route_wins() -> None:
    """random_taxonomy: speak and voice sit in S1.5 (tier 2) and directly in S1 (tier 1);
    rhetoric only in S1. Both routes speak -> voice take 2 steps; the one through S1 would
    only be loosely related, so the one through the narrow group S1.5 counts, although "S1"
    sorts first. rhetoric shares nothing but S1 with speak: loosely related, 0.25."""
    h = Hierarchy.from_dump(random_taxonomy())
    got = credits(h, "speak")
    assert got["voice"] == (0.45, 2, "S1.5", "close")
    assert got["rhetoric"] == (0.25, 2, "S1", "loose")
    assert credits(h, "rhetoric")["speak"] == (0.25, 2, "S1", "loose")
    # skills under skills: pitch is under present, deck under slides (a sibling of present)
    present = credits(h, "present")
    assert present["pitch"] == (0.55, 1, "present", "narrower")
    assert present["deck"] == (0.25, 3, "S1.4", "loose")  # up 1, down 2
    assert credits(h, "pitch")["present"] == (0.55, 1, "present", "broader")
    assert credits(h, "pitch")["slides"] == (0.45, 2, "S1.4", "close")
    assert credits(h, "deck")["slides"] == (0.55, 1, "slides", "broader")
    assert credits(h, "deck")["present"] == (0.25, 3, "S1.4", "loose")  # up 2, down 1


@pytest.mark.parametrize("exact_level", range(1, 6))
@pytest.mark.parametrize("other_level", range(1, 6))
def test_holding_the_skill_beats_any_related_skill_at_any_level(
    exact_level: int, other_level: int
) -> None:
    """The calibration: EXACT * level_factor(1) = 0.6 > ADJACENT * level_factor(5) = 0.55;
    CLOSE * level_factor(1) = 0.27 > LOOSE * level_factor(5) = 0.25."""
    exact = EXACT * level_factor(exact_level)
    for related in (ADJACENT_SKILL, CLOSE, LOOSE):
        assert exact > related * level_factor(other_level)
    assert CLOSE * level_factor(exact_level) > LOOSE * level_factor(other_level)
    if exact_level == other_level:
        assert ADJACENT_SKILL > CLOSE > LOOSE


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
    assert (ADJACENT_SKILL, CLOSE, LOOSE) == (0.55, 0.45, 0.25)
    assert credits(h, "musical") == {
        "musical": (1.0, 0, "musical", "skill"),  # the target itself
        "staff": (0.55, 1, "staff", "broader"),  # its broader skill: up 1 to it, down 0
        "physio": (0.45, 2, "staff", "close"),  # under the same broader skill: up 1, down 1
        "supervise": (0.45, 2, "S4.8.1", "close"),  # same narrow group: up 1, down 1
        "motivate": (0.25, 3, "S4.5.0", "loose"),  # the broader skill's other group: 2 up, 1 down
    }
    # the other way round: the narrower skills of a target are adjacent too
    assert credits(h, "staff")["musical"] == (0.55, 1, "staff", "narrower")
    assert credits(h, "staff")["physio"] == (0.55, 1, "staff", "narrower")
    # a cluster target counts a skill under a skill in it one tier deeper
    assert credits(h, "S4.5.0")["staff"] == (1.0, 1, "S4.5.0", "in_target")
    assert credits(h, "S4.5.0")["musical"] == (0.45, 2, "S4.5.0", "close")


WEEK = [WeeklyWindow(weekday=d, start=time(0), end=time(0)) for d in range(7)]
NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)


def free_mentor(pid: str) -> Person:
    return Person(id=pid, name=pid.title(), is_mentor=True, max_mentees=2,
                  max_hours_per_month=8, windows=WEEK)  # fmt: skip


def test_recommender_ranks_a_broader_skill_holder_between_exact_and_sibling() -> None:
    """Mia's goal targets "manage musical staff" (confidence 1.0). Mentors at level 4
    (level factor 0.9): cat holds the skill itself, 1.0 * 0.9 = 0.9; ana holds "manage
    staff", the directly broader skill, 0.55 * 0.9 = 0.495; ben holds "supervise work", a
    sibling in the same narrow group, 0.45 * 0.9 = 0.405; dan holds "motivate others",
    three steps away, 0.25 * 0.9 = 0.225. The words say the same."""
    held = {"ana": "staff", "ben": "supervise", "cat": "musical", "dan": "motivate"}
    snap = Snapshot.from_parts(
        taxonomy=staff_taxonomy(),
        people=[Person(id="mia", name="Mia", windows=WEEK), *map(free_mentor, held)],
        person_skills=[
            PersonSkill(person_id=m, skill_id=s, level=4, willing_to_mentor=True)
            for m, s in held.items()
        ],
        goals=[Goal(id="g", person_id="mia", text="run the orchestra's staff")],
        targets=[GoalTarget(goal_id="g", node_id="musical", confidence=1.0)],
    )
    recs = recommend(snap, "mia", k=5, now=NOW)
    assert [r.mentor_id for r in recs] == ["cat", "ana", "ben", "dan"]
    fits = {r.mentor_id: r.components["skill_fit"] for r in recs}
    assert fits == pytest.approx({"cat": 0.9, "ana": 0.495, "ben": 0.405, "dan": 0.225}, abs=1e-9)
    first = {r.mentor_id: r.reasons[0] for r in recs}
    goal = 'Your goal "run the orchestra\'s staff": '
    assert first == {
        "cat": goal + 'Cat holds the skill "manage musical staff" (level 4)',
        "ana": goal + 'Ana holds "manage staff" (level 4), a broader skill of '
        '"manage musical staff"',
        "ben": goal + 'Ben holds "supervise work" (level 4), closely related to '
        '"manage musical staff" (same narrow group: S4.8.1 supervising a team or group)',
        "dan": goal + 'Dan holds "motivate others" (level 4), loosely related to '
        '"manage musical staff" (3 steps apart, under S4.5.0 leading and motivating)',
    }
    relation = {r.mentor_id: (r.skill_paths[0].relation, r.skill_paths[0].credit) for r in recs}
    assert relation == {
        "cat": ("skill", 1.0),
        "ana": ("broader", 0.55),
        "ben": ("close", 0.45),
        "dan": ("loose", 0.25),
    }


def test_real_esco_manage_staff_is_adjacent_to_manage_musical_staff() -> None:
    h = Hierarchy.from_dump(esco())
    musical = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    got = target_credits(h, musical)
    by_label = {h.label(s): c for s, c in got.items()}
    assert (by_label["manage staff"].credit, by_label["manage staff"].hops) == (0.55, 1)
    assert (by_label["lead others"].credit, by_label["lead others"].hops) == (0.55, 1)
    # a skill of its group S4.8.1 "supervising a team or group" that is not under either
    siblings = [
        h.label(s)
        for s in h.children("http://data.europa.eu/esco/skill/S4.8.1")
        if h.kind(s) == "skill" and got[s].hops == 2 and got[s].via.endswith("/S4.8.1")
    ]
    assert siblings and all(by_label[s].credit == 0.45 for s in siblings)


def test_real_esco_languages_share_only_a_top_level_group() -> None:
    """ESCO puts every language skill directly in L1 "languages" (tier 1): two languages
    that share nothing else are loosely related (0.25), not siblings in a narrow group."""
    h = Hierarchy.from_dump(esco())
    skills = {n.label: n.id for n in h.nodes("skill")}
    l1 = "http://data.europa.eu/esco/skill/L1"
    assert h.node(l1).tier == 1  # type: ignore[union-attr]
    got = target_credits(h, skills["understand written Korean"])
    routes_via_l1 = [c for c in got.values() if c.via == l1]
    assert routes_via_l1 and all(
        (c.relation, c.credit) == ("loose", 0.25) for c in routes_via_l1 if c.hops <= 3
    )


# The case on real ESCO: for the goal skill "negotiate supplier arrangements", a
# mentor holding "keep promotions records" (a sibling through the group T4.1 communicating)
# at level 5 ranked with or above the one exact holder at level 1: 0.6 * 1.0 = 1.0 * 0.6, and
# was explained as "closely related (same narrow group: T4.1 communicating)" although T4.1,
# a transversal group, lists 220 skills.
ESCO = "http://data.europa.eu/esco/skill/"
NEGOTIATE = ESCO + "c842be42-81b3-40f2-904c-ea8790ac88bd"  # negotiate supplier arrangements
PROMOTIONS = ESCO + "cd6f2bb9-797e-4a0e-b55a-cd1f295935e5"  # keep promotions records


def test_real_esco_the_exact_holder_outranks_a_level_5_sibling() -> None:
    """abe holds "keep promotions records" at 5, loosely related through the broad group
    T4.1: 0.25 * 1.0 = 0.25; zoe holds the goal's skill at 1: 1.0 * 0.6 = 0.6. All else
    equal (free all week, no pairings), zoe first."""
    snap = Snapshot.from_parts(
        taxonomy=esco(),
        people=[Person(id="mia", name="Mia", windows=WEEK), *map(free_mentor, ["abe", "zoe"])],
        person_skills=[
            PersonSkill(person_id="abe", skill_id=PROMOTIONS, level=5, willing_to_mentor=True),
            PersonSkill(person_id="zoe", skill_id=NEGOTIATE, level=1, willing_to_mentor=True),
        ],
        goals=[Goal(id="g", person_id="mia", text="negotiate with suppliers")],
        targets=[GoalTarget(goal_id="g", node_id=NEGOTIATE, confidence=1.0)],
    )
    recs = recommend(snap, "mia", k=5, now=NOW)
    assert [r.mentor_id for r in recs] == ["zoe", "abe"]
    fits = [r.components["skill_fit"] for r in recs]
    assert fits == pytest.approx([0.6, LOOSE], abs=1e-9)
    abe = recs[1]
    assert abe.skill_paths[0].relation == "loose"
    assert abe.reasons[0].endswith(
        'Abe holds "keep promotions records" (level 5), loosely related to "negotiate '
        'supplier arrangements" (both only under the broad group T4.1 communicating)'
    )


def test_real_esco_large_transversal_groups_give_at_most_loose_credit() -> None:
    """Every ESCO group with more than BROAD_GROUP_SKILLS skills directly in it (the
    transversal T4.2 "supporting others", T1.1, T3.1, T2.1, T4.1, T4.4 and a few very large
    skill groups) is broad: two of its skills that share nothing narrower are loosely
    related (LOOSE, labelled "loose"), never "close"; groups of ordinary size stay narrow."""
    h = Hierarchy.from_dump(esco())
    skills = h.skill_ids
    size = {
        c.id: sum(1 for x in h.children(c.id) if x in skills)
        for c in h.nodes("cluster")
        if c.tier >= 2  # type: ignore[union-attr]
    }
    large = sorted(g for g, n in size.items() if n > BROAD_GROUP_SKILLS)
    transversal = {ESCO + t for t in ("T4.2", "T1.1", "T3.1", "T2.1", "T4.1", "T4.4")}
    assert transversal <= set(large)
    assert all(is_broad_group(h, g) for g in large)
    assert not is_broad_group(h, ESCO + "S4.8.1")  # 125 skills: a narrow group
    for group in large:
        members = sorted(x for x in h.children(group) if x in skills)
        for target in members[:3]:  # a few targets per group: every route through it
            through = [c for c in target_credits(h, target).values() if c.via == group]
            assert through, (group, target)
            for c in through:
                assert c.relation == "loose" and c.credit <= LOOSE, (group, target, c)


def test_real_esco_a_broad_group_is_labelled_loosely_related() -> None:
    """The explanation's words match the credit: a route through T4.2 reads "loosely
    related ... broad group", never "closely related ... same narrow group"."""
    h = Hierarchy.from_dump(esco())
    group = ESCO + "T4.2"
    members = sorted(x for x in h.children(group) if h.kind(x) == "skill")
    target = members[0]
    credits_ = target_credits(h, target)
    # a fellow member whose best route from the target turns at T4.2 itself
    other = next(x for x in members[1:] if credits_[x].via == group)
    snap = Snapshot.from_parts(
        taxonomy=esco(),
        people=[Person(id="mia", name="Mia", windows=WEEK), free_mentor("abe")],
        person_skills=[
            PersonSkill(person_id="abe", skill_id=other, level=5, willing_to_mentor=True)
        ],
        goals=[Goal(id="g", person_id="mia", text="support others")],
        targets=[GoalTarget(goal_id="g", node_id=target, confidence=1.0)],
    )
    (abe,) = recommend(snap, "mia", k=5, now=NOW)
    assert abe.components["skill_fit"] == pytest.approx(LOOSE)
    assert abe.skill_paths[0].relation == "loose"
    assert "loosely related" in abe.reasons[0] and "broad group T4.2" in abe.reasons[0]
    assert "closely" not in abe.reasons[0] and "narrow" not in abe.reasons[0]


def _same_credits(h: Hierarchy, target: str) -> None:
    fast = target_credit_table(h, target)
    ref = TargetCredits.build(target_credits(h, target))
    assert fast.skills == ref.skills
    assert fast.routes == ref.routes  # credit, hops, up, via and relation of every skill
    assert fast.credit.tolist() == ref.credit.tolist()


def test_the_array_credits_equal_the_reference_on_real_esco() -> None:
    """The ranking's array path (`target_credit_table`) gives every reachable skill the same
    route as the dict reference, on ESCO's own hierarchy (skills under skills, several
    parents, broad transversal groups, top-level groups): a seeded sample of 400 skills and
    every group."""
    h = Hierarchy.from_dump(esco())
    skills = sorted(h.skill_ids)
    groups = sorted(n.id for n in h.nodes("cluster"))
    for target in random.Random(5).sample(skills, 400) + groups:
        _same_credits(h, target)
    _same_credits(h, "no-such-node")


def test_the_array_credits_equal_the_reference_on_a_toy_taxonomy() -> None:
    h = Hierarchy.from_dump(random_taxonomy())
    for node in h.nodes():
        _same_credits(h, node.id)
