"""The first-meeting guide over the real ESCO extract (data/esco, read by the ESCO loader):
the goal "manage musical staff" with a mentor who holds its broader skill "manage staff";
bridges carry ESCO's own descriptions; a group gets every mentee's level and slots that suit
all three zones across the 2027 clock changes (IANA tzdata)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from graph.model import (
    Goal,
    GoalTarget,
    MentoringModel,
    Milestone,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    WeeklyWindow,
)
from graph.recommend import Snapshot
from graph.recommend.guide import (
    MAX_BRIDGES,
    GoalVisibility,
    TargetGuide,
    content_words,
    first_meeting_guide,
)
from graph.store import TaxonomyDump
from loaders.esco import bundled_esco_dir, read_esco

MUSICAL = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
NOW = datetime(2027, 3, 8, 6, tzinfo=UTC)  # New York changes clocks on 14 March 2027
SHARED_SKILLS = Path(__file__).resolve().parents[3] / "shared" / "data" / "esco" / "skills_en.csv"
if not SHARED_SKILLS.is_file():
    SHARED_SKILLS = Path("/work/shared/data/esco/skills_en.csv")


@cache
def esco() -> TaxonomyDump:
    return read_esco(bundled_esco_dir())


@cache
def esco_descriptions() -> dict[str, str]:
    """conceptUri -> description, read straight from the shared ESCO extract in the official
    CSV layout (not through our loader or its bundled copy)."""
    with SHARED_SKILLS.open(encoding="utf-8") as fh:
        return {r["conceptUri"]: r["description"] for r in csv.DictReader(fh)}


def window(weekday: int, start: int, end: int) -> WeeklyWindow:
    return WeeklyWindow(weekday=weekday, start=time(start), end=time(end))


def snapshot(model: MentoringModel = MentoringModel.one_to_one) -> tuple[Snapshot, Pairing]:
    dump = esco()
    ids = {s.label: s.id for s in dump.skills}
    mentees = ["e1", "e2"] if model == MentoringModel.group else ["e1"]
    weekdays = range(5)
    people = [
        Person(id="m", name="Mia Mentor", timezone="Europe/Berlin", is_mentor=True,
               max_mentees=4, max_hours_per_month=10,
               windows=[window(d, 15, 19) for d in weekdays]),
        Person(id="e1", name="Eli", timezone="America/New_York",
               windows=[window(d, 9, 13) for d in weekdays]),
        Person(id="e2", name="Fay", timezone="Asia/Kolkata",
               windows=[window(d, 19, 23) for d in weekdays]),
    ]  # fmt: skip
    skills = [
        PersonSkill(person_id="m", skill_id=ids["manage staff"], level=5, willing_to_mentor=True),
        PersonSkill(person_id="m", skill_id=ids["lead others"], level=3, willing_to_mentor=True),
        PersonSkill(person_id="e2", skill_id=ids["lead others"], level=3),
        PersonSkill(person_id="e1", skill_id=MUSICAL, level=1),
    ]
    goals = [
        Goal(
            id=f"g-{e}",
            person_id=e,
            text=f"lead the orchestra staff ({e})",
            milestones=[Milestone(title=f"first rota by {e}", due=date(2027, 4, 1))],
        )
        for e in mentees
    ]
    targets = [GoalTarget(goal_id=g.id, node_id=MUSICAL, confidence=0.9) for g in goals]
    pairing = Pairing(
        id="pr",
        mentor_id="m",
        mentee_ids=mentees,
        model=model,
        goal_ids=[g.id for g in goals],
        status=PairingStatus.accepted,
    )
    snap = Snapshot.from_parts(
        taxonomy=dump,
        people=people,
        person_skills=skills,
        goals=goals,
        targets=targets,
        pairings=[pairing],
    )
    return snap, pairing


def test_guide_bridges_the_mentors_broader_skill_with_esco_descriptions() -> None:
    snap, pairing = snapshot()
    g = first_meeting_guide(snap, pairing, now=NOW)
    (target,) = g.targets
    assert target.label == "manage musical staff"
    assert target.description == " ".join(esco_descriptions()[MUSICAL].split())[:300].strip()
    assert [(x.person_id, x.level) for x in target.mentee_levels] == [("e1", 1)]
    best = target.mentor_skills[0]
    assert (best.label, best.relation, best.credit, best.level) == (
        "manage staff",
        "broader",
        0.55,
        5,
    )
    by_label = {b.label: b for b in target.bridges}
    staff = by_label["manage staff"]
    assert staff.relation == "broader" and staff.mentor_level == 5
    assert staff.description and esco_descriptions()[staff.skill_id].startswith(
        staff.description.rstrip("…")[:60]
    )
    assert target.bridges[0].mentor_level is not None  # held by the pair first
    assert any("manage staff" in t and "broader skill" in t for t in target.topics)
    assert any(
        t.startswith("Where you stand in manage musical staff today (level 1")
        for t in target.topics
    )
    assert g.goals[0].milestones[0].title == "first rota by e1"


def test_group_guide_levels_privacy_and_slots_across_dst() -> None:
    snap, pairing = snapshot(MentoringModel.group)
    visibility = GoalVisibility(
        text=frozenset({"g-e1"}), milestones=frozenset(), skills=frozenset({"g-e1", "g-e2"})
    )
    g = first_meeting_guide(snap, pairing, now=NOW, visibility=visibility)
    assert [x.text is not None for x in g.goals] == [True, False]
    assert all(x.milestones == [] for x in g.goals)
    assert "first rota" not in g.model_dump_json() and "(e2)" not in g.model_dump_json()
    target = g.targets[0]
    assert [(x.person_id, x.level) for x in target.mentee_levels] == [("e1", 1), ("e2", None)]
    # "lead others" at level 3 is not above e2's level 3: not offered for the group
    assert "lead others" not in [s.label for s in target.mentor_skills]
    # Berlin 15-19, New York 9-13, Kolkata 19-23, weekdays: before 14 March in common
    # 14:00-17:30 UTC (Berlin UTC+1, New York UTC-5, Kolkata UTC+5:30)
    assert len(g.slots) == 3
    zones = {"m": "Europe/Berlin", "e1": "America/New_York", "e2": "Asia/Kolkata"}
    hours = {"m": (15, 19), "e1": (9, 13), "e2": (19, 23)}
    for slot in g.slots:
        for local in slot.local:
            assert local.start == slot.start_utc.astimezone(ZoneInfo(zones[local.person_id]))
            lo, hi = hours[local.person_id]
            assert time(lo) <= local.start.time() and local.end.time() <= time(hi)
    # the week after New York moved its clocks (Berlin not yet): 14:00 UTC is 10:00 there
    later = first_meeting_guide(snap, pairing, now=datetime(2027, 3, 15, 6, tzinfo=UTC))

    def local_start(guide_: object, who: str) -> str:
        slot = guide_.slots[0]  # type: ignore[attr-defined]
        return next(x.start for x in slot.local if x.person_id == who).strftime("%H:%M")

    assert g.slots[0].start_utc.hour == later.slots[0].start_utc.hour == 14
    assert (local_start(g, "e1"), local_start(later, "e1")) == ("09:00", "10:00")
    assert local_start(g, "e2") == local_start(later, "e2") == "19:30"
    assert local_start(g, "m") == local_start(later, "m") == "15:00"


def _one_target(target: str, mentor_holds: list[str]) -> TargetGuide:
    """The guide's one target for a mentor holding `mentor_holds` (labels, real ESCO)."""
    dump = esco()
    ids = {s.label: s.id for s in dump.skills}
    people = [
        Person(id="m", name="Ethan Mentor", is_mentor=True, max_mentees=3, max_hours_per_month=8),
        Person(id="e", name="Eve"),
    ]
    held = [
        PersonSkill(person_id="m", skill_id=ids[s], level=5, willing_to_mentor=True)
        for s in mentor_holds
    ]
    goals = [Goal(id="g", person_id="e", text="grow")]
    pairing = Pairing(
        id="p", mentor_id="m", mentee_ids=["e"], goal_ids=["g"], status=PairingStatus.accepted
    )
    snap = Snapshot.from_parts(
        taxonomy=dump,
        people=people,
        person_skills=held,
        goals=goals,
        targets=[GoalTarget(goal_id="g", node_id=ids[target], confidence=0.9)],
        pairings=[pairing],
    )
    (t,) = first_meeting_guide(snap, pairing, now=NOW).targets
    return t


def test_bridges_ranked_by_relevance_not_alphabet() -> None:
    """ "conduct public presentations" sits in a 186-skill ESCO group: its narrower skill
    first, then the sibling the mentor holds, then siblings sharing its words; never the
    alphabet's first siblings ("act for an audience", "adapt to type of media", ...)."""
    t = _one_target("conduct public presentations", ["speak about your work in public"])
    labels = [b.label for b in t.bridges]
    assert len(labels) <= MAX_BRIDGES
    assert labels[:2] == ["perform lectures", "speak about your work in public"]
    assert t.bridges[0].relation == "narrower" and t.bridges[1].mentor_level == 5
    for far in ("act for an audience", "adapt to type of media", "address an audience"):
        assert far not in labels
    assert all(content_words(x) & {"public", "present"} for x in labels[1:])
    assert any("perform lectures" in topic for topic in t.topics)


def test_topics_never_from_a_far_off_skill() -> None:
    """A mentor's far-off skill (Backbox for SQL Server; a same-group sibling sharing only
    the leading verb) stays a fact in the guide but never becomes a conversation topic."""
    t = _one_target("SQL Server", ["Backbox (penetration testing tool)"])
    assert [m.label for m in t.mentor_skills] == ["Backbox (penetration testing tool)"]
    assert not any("Backbox" in topic for topic in t.topics)
    assert any("database management systems" in topic for topic in t.topics)  # its broader
    t = _one_target(
        "communicate with stakeholders", ["communicate with waste treatment facilities"]
    )
    assert not any("waste treatment" in topic for topic in t.topics)
    assert any("build business relationships" in topic for topic in t.topics)
