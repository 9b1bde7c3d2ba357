"""Formats of mentoring: a program's rules (sizes, offered formats, micro sessions), what
each format holds of its mentor, peer circles, micro-session mentors, and a cohort run over
several formats that keeps capacities across them. On the tiny conftest world."""

from __future__ import annotations

from datetime import time

import pytest

from graph.errors import Conflict, InvalidInput
from graph.lifecycle import pairings as lc
from graph.lifecycle import programs as pg
from graph.lifecycle.formats import format_problems
from graph.model import (
    Goal,
    GoalTarget,
    MentoringModel,
    Pairing,
    Person,
    PersonSkill,
    Program,
    Skill,
    WeeklyWindow,
)
from graph.recommend import RecommendOptions, Snapshot
from graph.recommend.cohort import Unmatched, cohort_mentees
from graph.recommend.groups import match_circles, match_formats, micro_mentors
from graph.recommend.guide import first_slots
from graph.store import (
    GraphStore,
    SetGoalTargets,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertPrograms,
    UpsertSkills,
)
from tests.pairings.conftest import NOW, PROGRAM, mentee, mentor, seed

M = MentoringModel
ASYNC = RecommendOptions(asynchronous=True)


def pairing(model: MentoringModel, n: int, **kw: object) -> Pairing:
    return Pairing(
        id="p",
        mentor_id="x",
        mentee_ids=[f"m{i}" for i in range(n)],
        model=model,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("model", "n", "rule"),
    [
        (M.group, 1, "program.max_group_size"),
        (M.group, 2, None),
        (M.group, 4, None),
        (M.group, 5, "program.max_group_size"),
        (M.circle, 1, "program.circle_size"),  # 2 members
        (M.circle, 2, None),  # 3
        (M.circle, 4, None),  # 5, the program's most
        (M.circle, 5, "program.circle_size"),  # 6 > the program's 5
        (M.micro, 2, "micro.mentees"),
        (M.reverse, 1, "program.models"),
    ],
)
def test_program_rules(model: MentoringModel, n: int, rule: str | None) -> None:
    prog = Program(id="p", models=[M.group, M.circle, M.micro], max_group_size=4, max_circle_size=5)
    kw = {"skill_id": "s", "session_minutes": 30} if model == M.micro else {}
    rules = [p["rule"] for p in format_problems(prog, pairing(model, n, **kw))]
    assert rules == ([rule] if rule else [])


def test_micro_needs_one_skill_and_a_length() -> None:
    prog = Program.undeclared("p")
    rules = {p["field"]: p["rule"] for p in format_problems(prog, pairing(M.micro, 1))}
    assert rules == {"skill_id": "micro.skill", "session_minutes": "micro.session_minutes"}
    one = pairing(M.one_to_one, 1, skill_id="s")
    assert [p["rule"] for p in format_problems(prog, one)] == ["micro.only"]
    with pytest.raises(ValueError):
        Program(id="p", models=[M.group], max_circle_size=7)
    with pytest.raises(ValueError):
        Program(id="p", models=[M.group, M.group])


def test_what_each_format_holds_of_its_mentor() -> None:
    assert pairing(M.group, 3, hours_per_month=2).places_held == 3
    assert pairing(M.group, 3, hours_per_month=2).hours_held == 2  # once, not 3 times
    assert (pairing(M.circle, 3).places_held, pairing(M.circle, 3).hours_held) == (0, 0.0)
    micro = pairing(M.micro, 1, skill_id="s", session_minutes=30, hours_per_month=0.5)
    assert (micro.places_held, micro.hours_held) == (0, 0.5)


def test_group_costs_its_hours_once_in_the_snapshot(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    embedded_store.apply(
        [UpsertPrograms([Program(id=PROGRAM, models=[M.group], hours_per_month=3)])]
    )
    # m1: 2 places, 4 hours; a group of 2 at 3 hours fits (3 x 2 = 6 would not)
    g = pg.plan_propose_group(embedded_store, PROGRAM, "m1", ["b", "c"], now=NOW)
    g.apply_to(embedded_store)
    assert g.result.hours_per_month == 3
    st = Snapshot.load(embedded_store).state
    row = st.rows["m1"]
    assert (int(st.arrays["places"][row]), float(st.arrays["hours"][row])) == (2, 3.0)
    with pytest.raises(InvalidInput) as info:
        pg.plan_propose_group(embedded_store, PROGRAM, "m2", ["a"], now=NOW)
    assert info.value.details[0]["field"] == "mentee_ids"
    with pytest.raises(InvalidInput) as info:
        pg.plan_propose_circle(embedded_store, PROGRAM, ["a", "b", "c"], now=NOW)
    assert "program.models" in info.value.message


def test_circle_guardrails_hold_between_every_two_members(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    embedded_store.apply(
        [UpsertPeople([Person(id="d", name="D", seniority=2, programs=[PROGRAM])])]
    )
    with pytest.raises(Conflict) as info:  # boss manages a
        pg.plan_propose_circle(embedded_store, PROGRAM, ["b", "a", "boss"], now=NOW)
    assert "guardrail" in info.value.message
    circle = pg.plan_propose_circle(embedded_store, PROGRAM, ["a", "b", "d"], now=NOW)
    circle.apply_to(embedded_store)
    assert circle.result.model == M.circle and circle.result.members == ["a", "b", "d"]
    # each member accepts for themselves; the circle holds no capacity of its convener
    p = lc.accept(embedded_store, circle.result.id, acting=lc.Acting(person_id="b"), now=NOW)
    assert p.status == "proposed" and lc.awaiting(p) == ["a", "d"]
    p = lc.accept(embedded_store, circle.result.id, acting=lc.Acting(person_id="a"), now=NOW)
    p = lc.accept(embedded_store, circle.result.id, acting=lc.Acting(person_id="d"), now=NOW)
    assert p.status == "accepted"
    assert lc.mentor_load(embedded_store, "a") == (0, 0.0)


def _equals(store: GraphStore, n: int, seniority: int = 3, prefix: str = "e") -> list[str]:
    ids = [f"{prefix}{i}" for i in range(n)]
    people = [mentee(pid).model_copy(update={"seniority": seniority}) for pid in ids]
    goals = [Goal(id=f"g-{pid}", person_id=pid, text="python", created_at=NOW) for pid in ids]
    store.apply(
        [
            UpsertPeople(people),
            UpsertGoals(goals),
            *[
                SetGoalTargets(g.id, [GoalTarget(goal_id=g.id, node_id="s-python", confidence=1)])
                for g in goals
            ],
        ]
    )
    return ids


def test_circles_are_balanced_equals(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    ids = _equals(embedded_store, 7)
    seniors = _equals(embedded_store, 2, seniority=9, prefix="s")
    left: list[Unmatched] = []
    circles = match_circles(
        Snapshot.load(embedded_store), PROGRAM, member_ids=[*ids, *seniors], left_over=left
    )
    assert sorted(len(c.member_ids) for c in circles) == [3, 4]
    assert {m for c in circles for m in c.member_ids} == set(ids)
    assert {u.mentee_id for u in left} == set(seniors)  # two of them: too few equals
    for c in circles:
        for m in c.member_ids:
            why = c.reasons[m]
            assert any("seniority 3-3" in r for r in why)
            assert any("Python" in r for r in why)  # the goal area, in words
    # a manager and their report never share a circle
    e1 = embedded_store.get_person("e1")
    assert e1 is not None
    embedded_store.apply([UpsertPeople([e1.model_copy(update={"manager_id": "e0"})])])
    left = []
    circles = match_circles(Snapshot.load(embedded_store), PROGRAM, member_ids=ids, left_over=left)
    for c in circles:
        assert not {"e0", "e1"} <= set(c.member_ids)


def test_micro_mentors_only_opted_in_with_hours(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    embedded_store.apply(
        [
            UpsertPeople(
                [
                    mentor("m1", 0, 1, micro_mentor=True),  # no places: fine for micro
                    mentor("m2", 3, 0.25, micro_mentor=True),  # 15 minutes free: too few
                    mentor("boss", 3, 10, micro_mentor=True),  # a's manager
                ]
            )
        ]
    )
    st = Snapshot.load(embedded_store).state
    assert [c.mentor_id for c in micro_mentors(st, "a", "s-python", minutes=45)] == ["m1"]
    assert [c.mentor_id for c in micro_mentors(st, "b", "s-python", minutes=45)] == ["boss", "m1"]
    assert micro_mentors(st, "b", "s-python", minutes=15)[-1].mentor_id == "m2"
    # proposing: a mentor who did not opt in is refused, one who did holds no place
    embedded_store.apply([UpsertPeople([mentor("m2", 3, 10)])])
    with pytest.raises(Conflict) as info:
        pg.plan_propose_micro(embedded_store, PROGRAM, "m2", "b", "s-python", now=NOW)
    assert "micro_mentor" in info.value.message
    done = pg.plan_propose_micro(embedded_store, PROGRAM, "m1", "b", "s-python", now=NOW)
    p = done.apply_to(embedded_store)
    assert (p.session_minutes, p.hours_per_month, p.places_held) == (45, 0.75, 0)


def test_a_run_over_formats_keeps_capacity_across_them(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    ids = _equals(embedded_store, 3, seniority=2, prefix="c")
    for pid in [*ids, "a", "b", "c"]:  # c0-c2 take circles only, a-c groups only
        person = embedded_store.get_person(pid)
        assert person is not None
        models = [M.circle] if pid in ids else [M.group]
        prefs = person.preferences.model_copy(update={"models": models})
        embedded_store.apply([UpsertPeople([person.model_copy(update={"preferences": prefs})])])
    prog = Program(id=PROGRAM, models=[M.one_to_one, M.group, M.circle], max_group_size=2)
    pairs, formed = match_formats(
        Snapshot.load(embedded_store),
        prog,
        now=NOW,
        formats=[M.circle, M.group],
        pairs_model=M.one_to_one,
        options=ASYNC,
    )
    assert [sorted(c.member_ids) for c in formed.circles] == [sorted(ids)]
    # a, b, c share python; groups of at most 2: one group, the third member goes to pairs
    assert len(formed.groups) == 1 and len(formed.groups[0].mentee_ids) == 2
    leader = formed.groups[0].mentor_id
    assert leader is not None and formed.groups[0].reasons  # each member's explanation
    assert all(formed.groups[0].reasons[m] for m in formed.groups[0].mentee_ids)
    placed = formed.members
    assert {p.mentee_id for p in pairs.proposals}.isdisjoint(placed)
    third = ({"a", "b", "c"} - placed).pop()
    assert third in {p.mentee_id for p in pairs.proposals} | {u.mentee_id for u in pairs.unmatched}
    assert all(p.mentor_id != leader for p in pairs.proposals)  # one role per mentor per run
    with pytest.raises(ValueError):
        match_formats(
            Snapshot.load(embedded_store), prog, now=NOW, formats=[M.peer], pairs_model=None
        )


# --- circles meet, carry their goals, are not formed twice; runs say why nothing formed ---

MORNINGS = [WeeklyWindow(weekday=d, start=time(9), end=time(12)) for d in range(5)]
EVENINGS = [WeeklyWindow(weekday=d, start=time(18), end=time(21)) for d in range(5)]
CIRCLES = Program(id=PROGRAM, models=[M.one_to_one, M.circle, M.group], max_circle_size=6)


def _free(store: GraphStore, windows: dict[str, list[WeeklyWindow]]) -> None:
    for pid, ws in windows.items():
        person = store.get_person(pid)
        assert person is not None
        store.apply([UpsertPeople([person.model_copy(update={"windows": ws})])])


@pytest.mark.parametrize("asynchronous", [False, True])
def test_circle_members_share_free_time_unless_async(store: GraphStore, asynchronous: bool) -> None:
    seed(store)
    ids = _equals(store, 5, seniority=9)  # a, b, c (seniority 2) are not their equals
    _free(store, {p: MORNINGS if p in ids[:3] else EVENINGS for p in ids})
    opts = RecommendOptions(asynchronous=asynchronous)
    pairs, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.circle], pairs_model=None, options=opts
    )
    if asynchronous:  # no shared hours needed: all five equals in one circle
        assert sorted(sorted(c.member_ids) for c in formed.circles) == [["a", "b", "c"], ids]
        return
    assert [sorted(c.member_ids) for c in formed.circles] == [ids[:3]]  # a-c: no free time
    st = Snapshot.load(store).state
    assert first_slots(st, formed.circles[0].member_ids, NOW, [None])  # the invite finds a time
    why = {u.mentee_id: u.reason for u in pairs.unmatched}
    assert set(why) == {"a", "b", "c", "e3", "e4"}
    assert all("free time" in w for w in why.values())


def test_circles_need_a_common_slot_and_the_run_says_why(store: GraphStore) -> None:
    seed(store)
    ids = _equals(store, 4)  # nobody gave any free time
    pairs, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.circle], pairs_model=None
    )
    assert formed.circles == []
    assert {u.mentee_id for u in pairs.unmatched} >= set(ids)
    assert len(formed.notes) == 1 and formed.notes[0].startswith("circle: none formed")
    assert "free time" in formed.notes[0]
    with pytest.raises(ValueError):
        match_circles(Snapshot.load(store), PROGRAM, member_ids=ids, min_overlap_hours=1)


def test_circles_and_groups_carry_their_members_goals(store: GraphStore) -> None:
    seed(store)
    ids = _equals(store, 3, seniority=9)
    store.apply([UpsertPrograms([CIRCLES])])
    _, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.circle], pairs_model=None, options=ASYNC
    )
    (circle,) = [c for c in formed.circles if "e0" in c.member_ids]
    assert circle.goal_ids == sorted(f"g-{p}" for p in ids) and circle.skills == ["Python"]
    published = pg.plan_publish_formed(
        store, CIRCLES, formed, data_version=store.data_version(), by=None, now=NOW
    )
    published.apply_to(store)
    (made,) = [p for p in published.result if "e0" in p.members]
    assert made.goal_ids == circle.goal_ids
    stored = store.get_pairing(made.id)
    assert stored is not None and stored.goal_ids == circle.goal_ids
    assert "Python" in pg.circle_reason(circle, CIRCLES)


def test_a_group_carries_its_members_goals_in_the_cluster(store: GraphStore) -> None:
    seed(store)
    g = Goal(id="g-a-sql", person_id="a", text="sql too", created_at=NOW)  # another cluster
    target = GoalTarget(goal_id=g.id, node_id="s-sql", confidence=1)
    store.apply([UpsertGoals([g]), SetGoalTargets(g.id, [target])])
    _, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.group], pairs_model=None, options=ASYNC
    )
    assert formed.groups, formed.notes
    for group in formed.groups:
        assert group.goal_ids == sorted(f"g-{p}" for p in group.mentee_ids)


def test_a_later_run_leaves_open_circles_alone(store: GraphStore) -> None:
    seed(store)
    ids = _equals(store, 3, seniority=9)
    store.apply([UpsertPrograms([CIRCLES])])
    _, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.circle], pairs_model=None, options=ASYNC
    )
    published = pg.plan_publish_formed(
        store, CIRCLES, formed, data_version=store.data_version(), by=None, now=NOW
    )
    published.apply_to(store)
    (made,) = [p for p in published.result if "e0" in p.members]
    assert made.mentor_id in ids  # the convener
    snap = Snapshot.load(store)
    assert set(cohort_mentees(snap.state, PROGRAM)).isdisjoint(ids)  # the convener too
    pairs, again = match_formats(
        snap, CIRCLES, now=NOW, formats=[M.circle], pairs_model=M.one_to_one, options=ASYNC
    )
    assert again.members.isdisjoint(ids)
    assert {p.mentee_id for p in pairs.proposals}.isdisjoint(ids)  # no 1:1 mentor either


def test_a_group_run_that_forms_none_says_why(store: GraphStore) -> None:
    seed(store)  # a, b, c share python; no mentor has room for two
    store.apply([UpsertPeople([mentor(m, 1, 10) for m in ("boss", "m1", "m2")])])
    pairs, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.group], pairs_model=None, options=ASYNC
    )
    assert formed.groups == []
    assert len(formed.notes) == 1
    assert formed.notes[0].startswith("group: none formed: no mentor with room for a group")
    assert {u.mentee_id for u in pairs.unmatched} == {"a", "b", "c"}
    # nobody to group with: said so
    store.apply([UpsertPeople([mentee("c").model_copy(update={"programs": []})])])
    target = GoalTarget(goal_id="g-b", node_id="s-sql", confidence=1)
    store.apply([SetGoalTargets("g-b", [target])])  # a: python, b: sql
    _, formed = match_formats(
        Snapshot.load(store), CIRCLES, now=NOW, formats=[M.group], pairs_model=None, options=ASYNC
    )
    assert formed.notes and "share a goal cluster" in formed.notes[0]


def test_circle_reasons_name_what_the_circle_is_about(store: GraphStore) -> None:
    seed(store)
    ids = _equals(store, 3)
    store.apply(
        [
            UpsertSkills([Skill(id="s-doors", label="control the opening of train doors")]),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id="e1", skill_id="s-doors", level=4),
                    PersonSkill(person_id="e2", skill_id="s-python", level=4),
                ]
            ),
            UpsertGoals([Goal(id="g-e0-doors", person_id="e0", text="doors", created_at=NOW)]),
            SetGoalTargets(
                "g-e0-doors", [GoalTarget(goal_id="g-e0-doors", node_id="s-doors", confidence=1)]
            ),
        ]
    )
    (circle,) = match_circles(Snapshot.load(store), PROGRAM, member_ids=ids)
    for m in ids:
        why = circle.reasons[m]
        assert "the circle works on 'Python'" in why
        assert not any("train doors" in r for r in why)  # e0's other goal is not the circle's
    assert any("E2 already has 'Python'" in r for r in circle.reasons["e0"])


def test_a_circle_of_mixed_goals_names_no_skill_only_one_member_wants(store: GraphStore) -> None:
    seed(store)
    ids = _equals(store, 3, seniority=9)
    store.apply([UpsertSkills([Skill(id="s-doors", label="control train doors")])])
    for pid, sid in (("e1", "s-sql"), ("e2", "s-doors")):
        target = GoalTarget(goal_id=f"g-{pid}", node_id=sid, confidence=1)
        store.apply([SetGoalTargets(f"g-{pid}", [target])])
    (circle,) = match_circles(Snapshot.load(store), PROGRAM, member_ids=ids)
    assert circle.cluster_id is None and circle.skills == []
    assert circle.goal_ids == [f"g-{p}" for p in ids]
    assert not any("works on" in r for why in circle.reasons.values() for r in why)
