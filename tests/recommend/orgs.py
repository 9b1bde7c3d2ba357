"""Tiny hand-built orgs for the recommender tests (answers worked out by hand in the tests)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from graph.model import (
    Broader,
    CheckIn,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    WeeklyWindow,
)
from graph.recommend import RecommendOptions, Snapshot
from graph.store import (
    AddBroader,
    AddCheckIns,
    GraphStore,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    touched_by,
)

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


def random_taxonomy() -> TaxonomyDump:
    """`taxonomy()` plus skills under skills and skills directly in a top-level group, so
    random orgs meet every relation of skill_fit:

        present > pitch (also in S1.4);  slides > deck;  S1.5 > voice;
        speak and voice also directly in S1 (tier 1);  rhetoric only in S1.
    """
    base = taxonomy()
    extra = {"pitch": "pitch an idea", "deck": "build a deck", "voice": "train your voice",
             "rhetoric": "rhetoric"}  # fmt: skip
    edges = [
        ("pitch", "present"),
        ("pitch", "S1.4"),
        ("deck", "slides"),
        ("voice", "S1.5"),
        ("voice", "S1"),
        ("speak", "S1"),
        ("rhetoric", "S1"),
    ]
    return TaxonomyDump(
        skills=[*base.skills, *(Skill(id=i, label=label) for i, label in extra.items())],
        clusters=base.clusters,
        broader=[*base.broader, *(Broader(child_id=c, parent_id=p) for c, p in edges)],
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


def parts_ops(parts: dict[str, Any]) -> list[StoreOp]:
    """The store ops that write `parts` (as `from_parts` takes them) in one apply."""
    tax: TaxonomyDump = parts["taxonomy"]
    by_goal: dict[str, list[GoalTarget]] = {}
    for t in parts.get("targets", ()):
        by_goal.setdefault(t.goal_id, []).append(t)
    return [
        UpsertClusters(tax.clusters),
        UpsertSkills(tax.skills),
        AddBroader(tax.broader),
        UpsertPeople(parts.get("people", [])),
        UpsertPersonSkills(parts.get("person_skills", [])),
        UpsertGoals(parts.get("goals", [])),
        *(SetGoalTargets(g, ts) for g, ts in by_goal.items()),
        UpsertPairings(parts.get("pairings", [])),
        AddCheckIns(parts.get("checkins", [])),
    ]


def stored(store: GraphStore, parts: dict[str, Any]) -> Snapshot:
    """Write `parts` to `store` and load the snapshot from it."""
    store.apply(parts_ops(parts))
    return Snapshot.load(store)


def write(store: GraphStore, snap: Snapshot, ops: list[StoreOp]) -> None:
    """What the service does on a write: apply to the store, then refresh the snapshot."""
    store.apply(ops)
    snap.refresh(store, touched_by(ops))


# --- random small orgs (hypothesis) ----------------------------------------------------------

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"]
STATUSES = ["proposed", "accepted", "declined", "active", "stalled", "closed"]
NODES = ["S", "S1", "S1.4", "S1.5", "S2", "present", "slides", "speak", "python", "pitch",
         "deck", "voice", "rhetoric"]  # fmt: skip
SKILLS = ["present", "slides", "speak", "python", "pitch", "deck", "voice", "rhetoric"]
PLACES = ["", "Paris", " paris ", "PARIS", "Lyon"]  # normalised: three of them are one place


def random_org(rnd: Any, n: int = 10) -> dict[str, Any]:
    """A random org over the tiny taxonomy; `rnd` is a random.Random. Person p0 is the mentee."""
    ids = [f"p{i}" for i in range(n)]
    people = []
    for i, pid in enumerate(ids):
        wins = []
        for _ in range(rnd.randint(0, 3)):
            a, b = sorted(rnd.sample(range(1, 48), 2))
            wins.append(
                WeeklyWindow(
                    weekday=rnd.randint(0, 6),
                    start=time(a // 2, 30 * (a % 2)),
                    end=time(b // 2, 30 * (b % 2)),
                )
            )
        people.append(
            Person(
                id=pid,
                name=f"Person {i}",
                timezone=rnd.choice(ZONES),
                languages=rnd.sample(["en", "fr", "de"], rnd.randint(0, 2)),
                department=rnd.choice(["", "eng", "ops"]),
                location=rnd.choice(PLACES),
                manager_id=rnd.choice([None, *ids[:i]]) if i else None,
                seniority=rnd.randint(1, 5),
                is_mentor=rnd.random() < 0.9,
                max_mentees=rnd.choice([0, 1, 2, 3, 3]),
                max_hours_per_month=rnd.choice([0, 4, 8, 8]),
                hours_wanted_per_month=rnd.choice([0, 1, 2]),
                windows=wins,
                preferences={
                    "formats": rnd.sample(["video", "in_person", "async"], rnd.randint(0, 2)),
                    "languages": rnd.sample(["en", "fr"], rnd.randint(0, 1)),
                    "function": rnd.choice(["same", "cross", "any"]),
                    "models": rnd.sample(["one_to_one", "peer", "reverse"], rnd.randint(0, 2)),
                },
                opt_out_recommend=rnd.random() < 0.1,
            )
        )
    skills = [
        PersonSkill(
            person_id=pid,
            skill_id=s,
            level=rnd.randint(1, 5),
            willing_to_mentor=rnd.random() < 0.7,
        )
        for pid in ids
        for s in SKILLS
        if rnd.random() < 0.3
    ]
    goals, targets = [], []
    for g in range(rnd.randint(1, 3)):
        goals.append(Goal(id=f"g{g}", person_id="p0", text=f"goal {g}"))
        for node in rnd.sample(NODES, rnd.randint(1, 2)):
            targets.append(
                GoalTarget(goal_id=f"g{g}", node_id=node, confidence=rnd.choice([0.3, 0.7, 1.0]))
            )
    pairings, checkins = [], []
    for j in range(rnd.randint(0, 6)):
        m, e = rnd.sample(ids, 2)
        pairings.append(
            Pairing(
                id=f"x{j}",
                mentor_id=m,
                mentee_ids=[e],
                status=rnd.choice(STATUSES),
                hours_per_month=rnd.choice([1, 2]),
                do_not_pair_again=rnd.random() < 0.2,
                created_at=NOW - timedelta(days=rnd.choice([1, 10, 60])),
            )
        )
        for c in range(rnd.randint(0, 2)):
            checkins.append(
                CheckIn(id=f"c{j}-{c}", pairing_id=f"x{j}", on=NOW.date(), rating=rnd.randint(1, 5))
            )
    return {
        "taxonomy": random_taxonomy(),
        "people": people,
        "person_skills": skills,
        "goals": goals,
        "targets": targets,
        "pairings": pairings,
        "checkins": checkins,
    }


def random_options(rnd: Any) -> RecommendOptions:
    """Random options; the old spelling asynchronous=True stands in for format async now
    and then (the two are one switch)."""
    fmt = rnd.choice([None, None, "video", "in_person", "async"])
    old_spelling = fmt in (None, "async") and rnd.random() < 0.3
    return RecommendOptions(
        model=rnd.choice(["one_to_one", "group", "peer", "reverse"]),
        format=None if old_spelling else fmt,
        asynchronous=old_spelling,
        min_overlap_hours=rnd.choice([0, 0, 0.5, 1]),
        require_common_language=rnd.random() < 0.8,
        weeks=rnd.choice([1, 2]),
    )
