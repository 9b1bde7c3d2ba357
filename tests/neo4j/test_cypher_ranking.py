"""The mentor ranking written as Cypher (tests/neo4j/cypher_ranking.py)
against hand-computed answers and against the fast recommender on the same stored graph.

Everyone is free all week and nobody states preferences, so availability and preferences
(which the Cypher version does not evaluate) are the same for every mentor; with that, the
Cypher scores must equal graph.recommend's. Runs on a real Bolt server (ArcadeDB in CI).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from graph.errors import InvalidInput, NotFound
from graph.model import (
    Broader,
    CheckIn,
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
    WeeklyWindow,
)
from graph.recommend import RecommendOptions, Snapshot, recommend
from graph.store import (
    AddBroader,
    AddCheckIns,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from graph.stores.neo4j_store import Neo4jStore
from tests.conftest import make_neo4j_store
from tests.neo4j.cypher_ranking import rank_mentors_cypher
from tests.recommend.orgs import random_org

pytestmark = pytest.mark.neo4j

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ALL_WEEK = [WeeklyWindow(weekday=d, start=time(0), end=time(0)) for d in range(7)]
# Everything but skill fit for a free mentor with no pairings and no check-ins: availability 1,
# capacity 1, preferences 1 and the feedback prior (3.5 stars -> 0.625), weighted .2/.1/.1/.1.
BASE = 0.2 * 1 + 0.1 * 1 + 0.1 * 1 + 0.1 * 0.625


@pytest.fixture
def nstore(bolt_driver: Any) -> Any:
    s = make_neo4j_store(bolt_driver)
    assert isinstance(s, Neo4jStore)
    yield s
    s.close()


def taxonomy() -> TaxonomyDump:
    """S > S1 > {S1.4 > present, slides; S1.5 > speak};  S > S2 > python."""
    clusters = [
        SkillCluster(id="S", label="skills", tier=0),
        SkillCluster(id="S1", label="communication", tier=1),
        SkillCluster(id="S1.4", label="presenting", tier=2),
        SkillCluster(id="S1.5", label="speaking", tier=2),
        SkillCluster(id="S2", label="programming", tier=1),
    ]
    skills = [Skill(id=s, label=s) for s in ("present", "slides", "speak", "python")]
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


def person(pid: str, **kw: Any) -> Person:
    base: dict[str, Any] = {"id": pid, "name": pid, "windows": ALL_WEEK}
    base.update(kw)
    return Person(**base)


def mentor(pid: str, **kw: Any) -> Person:
    return person(pid, **{"is_mentor": True, "max_mentees": 3, "max_hours_per_month": 8, **kw})


def ops_for(parts: dict[str, Any]) -> list[StoreOp]:
    tax: TaxonomyDump = parts["taxonomy"]
    targets_by_goal: dict[str, list[GoalTarget]] = {g.id: [] for g in parts["goals"]}
    for t in parts["targets"]:
        targets_by_goal[t.goal_id].append(t)
    return [
        UpsertClusters(tax.clusters),
        UpsertSkills(tax.skills),
        AddBroader(tax.broader),
        UpsertPeople(parts["people"]),
        UpsertPersonSkills(parts["person_skills"]),
        UpsertGoals(parts["goals"]),
        *(SetGoalTargets(goal_id=g, targets=ts) for g, ts in targets_by_goal.items() if ts),
        UpsertPairings(parts.get("pairings", [])),
        AddCheckIns(parts.get("checkins", [])),
    ]


def tiny_org() -> dict[str, Any]:
    """Mia (present L2) wants to get better at `present`; answers worked out below."""
    level5 = ["pat", "mgr", "boss", "rep", "dan", "eve", "hal", "ivy", "kim", "lea", "ola", "quy"]
    people = [
        person("boss"),
        mentor("mgr", manager_id="boss"),
        person("mia", manager_id="mgr", languages=["en"]),
        mentor("rep", manager_id="mia"),
        person("zed"),
        mentor("pat", languages=[]),  # no languages: never ruled out by language
        mentor("ana"),
        mentor("ben"),
        mentor("cat"),
        mentor("fay"),
        mentor("gus"),
        mentor("jon"),
        mentor("max"),
        mentor("dan", opt_out_recommend=True),
        mentor("eve", max_mentees=1),  # its one place is taken
        mentor("hal"),  # do_not_pair_again with mia
        mentor("ivy"),  # already mentoring mia
        person("kim", max_mentees=3, max_hours_per_month=8),  # not a mentor
        mentor("lea"),  # not willing (below)
        mentor("ola", languages=["fr"]),  # no language in common
        mentor("quy", max_hours_per_month=1),  # mia wants 2 h/month
    ]
    skills = [
        PersonSkill(person_id="mia", skill_id="present", level=2),
        PersonSkill(person_id="ana", skill_id="present", level=4, willing_to_mentor=True),
        PersonSkill(person_id="ben", skill_id="slides", level=5, willing_to_mentor=True),
        PersonSkill(person_id="cat", skill_id="present", level=2, willing_to_mentor=True),
        PersonSkill(person_id="fay", skill_id="speak", level=5, willing_to_mentor=True),
        PersonSkill(person_id="gus", skill_id="python", level=5, willing_to_mentor=True),
        PersonSkill(person_id="jon", skill_id="present", level=3, willing_to_mentor=True),
        PersonSkill(person_id="max", skill_id="present", level=3, willing_to_mentor=True),
        *(
            PersonSkill(person_id=p, skill_id="present", level=5, willing_to_mentor=p != "lea")
            for p in level5
        ),
    ]
    pairings = [
        Pairing(id="x-eve", mentor_id="eve", mentee_ids=["zed"], status=PairingStatus.active),
        Pairing(
            id="x-hal",
            mentor_id="hal",
            mentee_ids=["mia"],
            status=PairingStatus.closed,
            do_not_pair_again=True,
        ),
        Pairing(id="x-ivy", mentor_id="ivy", mentee_ids=["mia"], status=PairingStatus.active),
        Pairing(
            id="x-jon",
            mentor_id="jon",
            mentee_ids=["mia"],
            status=PairingStatus.declined,
            created_at=NOW - timedelta(days=60),  # before the 30-day exposure window
        ),
        Pairing(
            id="x-max",
            mentor_id="max",
            mentee_ids=["zed"],
            status=PairingStatus.active,
            hours_per_month=2,
            created_at=NOW - timedelta(days=5),
        ),
    ]
    return {
        "taxonomy": taxonomy(),
        "people": people,
        "person_skills": skills,
        "goals": [Goal(id="g1", person_id="mia", text="present to execs")],
        "targets": [GoalTarget(goal_id="g1", node_id="present", confidence=1.0)],
        "pairings": pairings,
        "checkins": [CheckIn(id="c1", pairing_id="x-max", on=NOW.date(), rating=5)],
    }


# Worked out by hand (weights .5 fit, .2 availability, .1 capacity, .1 preferences, .1 feedback):
# fit = confidence * credit * (0.5 + 0.1 * level); credit 1 (same skill), 0.45 (slides: a sibling
# in the narrow group S1.4, 2 hops), 0.15 (speak: up 2 to the top-level S1, down 2: loosely
# related, 0.25 * 0.6 at 4 hops). max: load max(1/3 places, 2/8 hours) = 1/3, one
# pairing in the last 30 days -> capacity (2/3) / 1.25; one 5-star check-in -> feedback
# ((5 * 3.5 + 5) / 6 - 1) / 4 = 0.6875. jon was declined before -> score halved.
EXPECTED = [
    ("pat", 0.5 * 1.0 + BASE),
    ("ana", 0.5 * 0.9 + BASE),
    ("max", 0.5 * 0.8 + 0.2 + 0.1 * (2 / 3) / 1.25 + 0.1 + 0.1 * 0.6875),
    ("ben", 0.5 * 0.45 + BASE),
    ("fay", 0.5 * 0.15 * 1.0 + BASE),
    ("jon", (0.5 * 0.8 + BASE) * 0.5),
]


def test_cypher_ranking_matches_the_hand_computed_answer(nstore: Neo4jStore) -> None:
    nstore.apply(ops_for(tiny_org()))
    got = rank_mentors_cypher(nstore, "mia", k=10, now=NOW)
    assert [m for m, _ in got] == [m for m, _ in EXPECTED]
    assert [s for _, s in got] == pytest.approx([s for _, s in EXPECTED], abs=1e-9)


def test_cypher_top_k_equals_the_fast_recommender(nstore: Neo4jStore) -> None:
    nstore.apply(ops_for(tiny_org()))
    snap = Snapshot.load(nstore)
    for k in (1, 3, 10):
        fast = recommend(snap, "mia", k=k, now=NOW)
        got = rank_mentors_cypher(nstore, "mia", k=k, now=NOW)
        assert [m for m, _ in got] == [r.mentor_id for r in fast]
        assert [s for _, s in got] == pytest.approx([r.score for r in fast], abs=1e-9)


def test_guardrails_hold_and_excluded_ids_are_honoured(nstore: Neo4jStore) -> None:
    nstore.apply(ops_for(tiny_org()))
    got = {m for m, _ in rank_mentors_cypher(nstore, "mia", k=50, now=NOW)}
    never = {"mia", "mgr", "boss", "rep", "dan", "eve", "hal", "ivy", "kim", "lea", "ola", "quy"}
    assert not got & never
    assert "cat" not in got  # same level as mia: nothing to teach
    assert "gus" not in got  # python is out of reach from `present`
    less = rank_mentors_cypher(nstore, "mia", k=50, exclude_mentor_ids=["pat"], now=NOW)
    assert [m for m, _ in less] == [m for m, _ in EXPECTED if m != "pat"]


def test_without_the_language_rule_a_mentor_without_common_language_counts(
    nstore: Neo4jStore,
) -> None:
    nstore.apply(ops_for(tiny_org()))
    got = rank_mentors_cypher(nstore, "mia", k=50, require_common_language=False, now=NOW)
    assert "ola" in {m for m, _ in got}


def test_unknown_mentee_and_goalless_mentee_raise_like_the_recommender(
    nstore: Neo4jStore,
) -> None:
    nstore.apply(ops_for(tiny_org()))
    with pytest.raises(NotFound):
        rank_mentors_cypher(nstore, "nobody", now=NOW)
    with pytest.raises(InvalidInput, match="no open goals"):
        rank_mentors_cypher(nstore, "zed", now=NOW)
    assert rank_mentors_cypher(nstore, "mia", k=0, now=NOW) == []


def _levelled(parts: dict[str, Any]) -> dict[str, Any]:
    """Everyone free all week, no preferences: only what Cypher evaluates can differ. The
    taxonomy stays random_org's (orgs.random_taxonomy: skills under skills, skills directly
    in a top-level group), so every relation of skill_fit is met."""
    parts["people"] = [
        p.model_copy(update={"windows": ALL_WEEK, "exceptions": [], "preferences": Preferences()})
        for p in parts["people"]
    ]
    return parts


def _normalised(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    # Scores equal to ~1e-12 may be summed in another order by the server: compare rounded.
    return sorted(((m, round(s, 9)) for m, s in pairs), key=lambda x: (-x[1], x[0]))


@pytest.mark.parametrize("seed", range(20))
def test_random_orgs_rank_the_same_in_cypher_and_in_the_fast_path(
    nstore: Neo4jStore, seed: int
) -> None:
    parts = _levelled(random_org(random.Random(seed), n=16))
    nstore.apply(ops_for(parts))
    snap = Snapshot.load(nstore)
    opts = RecommendOptions(model=MentoringModel.one_to_one)
    try:
        fast = recommend(snap, "p0", k=50, options=opts, now=NOW)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            rank_mentors_cypher(nstore, "p0", k=50, now=NOW)
        return
    got = rank_mentors_cypher(nstore, "p0", k=50, now=NOW)
    assert _normalised(got) == _normalised([(r.mentor_id, r.score) for r in fast])


def test_cypher_scores_skills_under_skills_like_the_fast_recommender(nstore: Neo4jStore) -> None:
    """ESCO puts skills under broader skills: mia targets "musical" (under the skill "staff",
    the narrow group G, tier 3, and the top-level group W, tier 1). ana holds staff (broader
    skill: 0.55), ben a sibling in G and in W (the route through G counts: 0.45), dan a skill
    only in W (loosely related: 0.25), cat the skill itself (1.0), all at level 4 (x 0.9)."""
    tax = TaxonomyDump(
        skills=[Skill(id=s, label=s) for s in ("staff", "musical", "supervise", "wide")],
        clusters=[SkillCluster(id="G", label="supervising", tier=3),
                  SkillCluster(id="W", label="working with others", tier=1)],
        broader=[
            Broader(child_id=c, parent_id=p)
            for c, p in [("staff", "G"), ("musical", "staff"), ("musical", "G"),
                         ("supervise", "G"), ("musical", "W"), ("supervise", "W"),
                         ("wide", "W")]
        ],
    )  # fmt: skip
    held = {"ana": "staff", "ben": "supervise", "cat": "musical", "dan": "wide"}
    parts = {
        "taxonomy": tax,
        "people": [person("mia"), *(mentor(m) for m in held)],
        "person_skills": [
            PersonSkill(person_id=m, skill_id=s, level=4, willing_to_mentor=True)
            for m, s in held.items()
        ],
        "goals": [Goal(id="g1", person_id="mia", text="manage the orchestra's staff")],
        "targets": [GoalTarget(goal_id="g1", node_id="musical", confidence=1.0)],
    }
    nstore.apply(ops_for(parts))
    got = rank_mentors_cypher(nstore, "mia", k=10, now=NOW)
    assert [m for m, _ in got] == ["cat", "ana", "ben", "dan"]
    expected = [0.5 * 0.9 + BASE, 0.5 * 0.495 + BASE, 0.5 * 0.405 + BASE, 0.5 * 0.225 + BASE]
    assert [s for _, s in got] == pytest.approx(expected, abs=1e-9)
    fast = recommend(Snapshot.load(nstore), "mia", k=10, now=NOW)
    assert [m for m, _ in got] == [r.mentor_id for r in fast]
    assert [s for _, s in got] == pytest.approx([r.score for r in fast], abs=1e-9)
