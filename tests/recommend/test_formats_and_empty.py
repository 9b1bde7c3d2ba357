"""`format` means what it says (in_person: a shared location; async: no shared hours, with
`asynchronous=True` as its alias), and an empty result says why.

The tiny org of orgs.py (scores worked out in test_ranking.py): Mia wants "present to execs"
(present, confidence 0.9), holds present at level 2, free Tue 14:00-16:00 UTC; ana (present L4,
1.5 h overlap) 0.7675, ben (slides L5, 2 h) 0.598333, fay (speak L4, 2 h) 0.456583.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from graph.errors import InvalidInput
from graph.model import GoalTarget, Person, PersonSkill, Preferences
from graph.recommend import RecommendOptions, Snapshot, recommend
from graph.recommend.candidates import top_k_candidates
from graph.recommend.ranking import location_key, unsuggested, why_few, why_no_mentor
from graph.recommend.skill_fit import target_credits
from tests.recommend.orgs import NOW, mentor, random_options, random_org, tiny_parts
from tests.recommend.reference import (
    recommend_reference,
    unsuggested_reference,
    why_few_reference,
)


def with_people(parts: dict[str, Any], **updates: dict[str, Any]) -> Snapshot:
    people = {p.id: p for p in parts["people"]}
    for pid, update in updates.items():
        people[pid] = people[pid].model_copy(update=update)
    parts["people"] = list(people.values())
    return Snapshot.from_parts(**parts)


def ranked(snap: Snapshot, **kw: Any) -> list[tuple[str, float]]:
    return [(r.mentor_id, round(r.score, 6)) for r in recommend(snap, "mia", now=NOW, **kw)]


# --- in person --------------------------------------------------------------------------------


def test_location_key_normalises_case_spacing_and_unicode() -> None:
    assert location_key("  São   Paulo ") == location_key("SÃO PAULO") == "são paulo"
    assert location_key("ｌｙｏｎ") == "lyon"  # full-width letters (NFKC)
    assert location_key("   ") == ""


def test_in_person_needs_a_shared_location() -> None:
    """Mia is in Lyon: ana's " LYON " is the same place, ben is in Paris, fay gave none."""
    snap = with_people(
        tiny_parts(),
        mia={"location": "Lyon"},
        ana={"location": " LYON "},
        ben={"location": "Paris"},
    )
    assert ranked(snap) == [("ana", 0.7675), ("ben", 0.598333), ("fay", 0.456583)]
    assert ranked(snap, options=RecommendOptions(format="video")) == ranked(snap)
    assert ranked(snap, options=RecommendOptions(format="in_person")) == [("ana", 0.7675)]
    assert (
        recommend_reference(snap, "mia", options=RecommendOptions(format="in_person"), now=NOW)[
            0
        ].mentor_id
        == "ana"
    )


def test_in_person_without_the_mentees_location_is_a_clear_error() -> None:
    snap = with_people(tiny_parts(), ana={"location": "Lyon"})
    with pytest.raises(InvalidInput, match="format=in_person needs the mentee's location") as exc:
        recommend(snap, "mia", options=RecommendOptions(format="in_person"), now=NOW)
    assert exc.value.details[0]["field"] == "location"


def test_in_person_also_holds_for_a_batch_of_mentees() -> None:
    snap = with_people(tiny_parts(), mia={"location": "Lyon"}, fay={"location": "lyon"})
    edges = top_k_candidates(
        snap, ["mia"], k=5, options=RecommendOptions(format="in_person"), now=NOW
    )
    assert edges.mentor_ids(snap.state) == ["fay"]


# --- async: one switch ------------------------------------------------------------------------


def test_async_is_one_switch_and_asynchronous_is_its_alias() -> None:
    """ana has no free hours at all: only asynchronous mentoring can suggest her, with
    availability 1 -> .405 + .2 + .1 + .1 + .0625 = 0.8675. ben takes video only."""
    parts = tiny_parts()
    snap = with_people(
        parts, ana={"windows": []}, ben={"preferences": Preferences(formats=["video"])}
    )
    assert "ana" not in dict(ranked(snap))
    by_format = ranked(snap, options=RecommendOptions(format="async"))
    by_alias = ranked(snap, options=RecommendOptions(asynchronous=True))
    assert by_format == by_alias
    assert dict(by_format)["ana"] == 0.8675
    assert "ben" not in dict(by_format)  # video only: not open to async mentoring
    options = RecommendOptions(asynchronous=True)
    assert (options.format, options.asynchronous) == ("async", True)
    assert RecommendOptions(format="async").asynchronous is True
    assert RecommendOptions(format="video").asynchronous is False
    recs = recommend(snap, "mia", options=RecommendOptions(format="async"), now=NOW)
    assert "Asynchronous mentoring (format async): no common hours needed" in recs[0].reasons


def test_asynchronous_with_another_format_is_refused() -> None:
    with pytest.raises(ValidationError, match="asynchronous=true means format=async"):
        RecommendOptions(asynchronous=True, format="video")


# --- empty results say why --------------------------------------------------------------------


def test_the_only_holder_is_the_managers() -> None:
    """Only mgr (Mia's manager) holds present above her level and wants to mentor it."""
    parts = tiny_parts()
    parts["person_skills"] = [ps for ps in parts["person_skills"] if ps.person_id in {"mia", "mgr"}]
    snap = Snapshot.from_parts(**parts)
    assert recommend(snap, "mia", now=NOW) == []
    assert why_no_mentor(snap, "mia", now=NOW) == [
        'The only person holding a skill these goals reach ("conduct public presentations", '
        "level 5) is the mentee's manager"
    ]


def test_every_holder_with_the_rule_that_keeps_them_out() -> None:
    """Everyone but mia and zed holds a skill her goal reaches; nobody is suggested once ana,
    ben and fay are busy or far away. Closest skill first, then level, then id."""
    parts = tiny_parts()
    parts["people"] = [
        *(p for p in parts["people"] if p.id not in {"ana", "ben", "fay"}),
        mentor("ana", name="Ana Lopez", windows=[]),  # no common hours
        mentor("ben", languages=["fr"]),  # no common language
        mentor("fay", max_hours_per_month=1),  # Mia wants 2 h a month
        Person(id="hal", name="Hal"),  # holds present, not a mentor
    ]
    parts["person_skills"].append(PersonSkill(person_id="hal", skill_id="present", level=3))
    snap = Snapshot.from_parts(**parts)
    assert recommend(snap, "mia", now=NOW) == []
    got = [(u.mentor_id, u.skill_id, u.level, u.reason) for u in unsuggested(snap, "mia", now=NOW)]
    assert got == [
        ("dan", "present", 5, "has opted out of recommendations"),
        ("eve", "present", 5, "has no free mentee place"),
        ("mgr", "present", 5, "is the mentee's manager"),
        (
            "ana",
            "present",
            4,
            "has 0.0 h/week in common with the mentee, fewer than the 1 asked for",
        ),
        ("hal", "present", 3, "is not a mentor"),
        ("cat", "present", 2, "holds it at a level no higher than the mentee's (level 2)"),
        ("ben", "slides", 5, "speaks none of the mentee's languages"),
        ("fay", "speak", 4, "has fewer than the 2 hours a month the mentee wants free"),
    ]
    lines = why_no_mentor(snap, "mia", now=NOW)
    assert lines[0] == "8 people hold a skill these goals reach; none can be suggested:"
    assert lines[1] == (
        'someone holding "conduct public presentations" (level 5) has opted out of recommendations'
    )
    assert len(lines) == 9


def test_nobody_holds_a_reachable_skill() -> None:
    parts = tiny_parts()
    parts["targets"] = [GoalTarget(goal_id="g1", node_id="python", confidence=1.0)]
    parts["person_skills"] = [ps for ps in parts["person_skills"] if ps.skill_id != "python"]
    snap = Snapshot.from_parts(**parts)
    assert recommend(snap, "mia", now=NOW) == []
    assert why_no_mentor(snap, "mia", now=NOW)[0].startswith(
        "Nobody holds a skill these goals reach"
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14))
def test_the_holders_left_unexplained_are_exactly_the_suggested(seed: int, n: int) -> None:
    """On random orgs: every holder of a reachable skill is either ranked or has a reason."""
    rnd = random.Random(seed)
    parts = random_org(rnd, n)
    snap = Snapshot.from_parts(**parts)
    options = random_options(rnd)
    try:
        recs = recommend(snap, "p0", k=n, options=options, now=NOW)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            unsuggested(snap, "p0", options=options, now=NOW)
        return
    st_ = snap.state
    reachable = {
        s
        for g in st_.open_goals("p0")
        for t in st_.targets.get(g.id, ())
        for s in target_credits(st_.hierarchy, t.node_id)
    }
    holders = {pid for s in reachable for pid in st_.holders_of.get(s, {}) if pid != "p0"}
    out = unsuggested(snap, "p0", options=options, now=NOW)
    assert len({u.mentor_id for u in out}) == len(out)
    assert {r.mentor_id for r in recs} == holders - {u.mentor_id for u in out}
    if not recs:
        assert why_no_mentor(snap, "p0", options=options, now=NOW)


def unsuggested_rows(snap: Snapshot, options: RecommendOptions) -> list[tuple[str, ...]]:
    return [
        (u.mentor_id, u.skill_id, str(u.level), u.reason)
        for u in unsuggested(snap, "p0", options=options, now=NOW)
    ]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 40))
def test_unsuggested_on_arrays_equals_the_loop_over_models(seed: int, n: int) -> None:
    """The array version (no PersonSkill per entry: the API runs it on every short list)
    names the same people, skills, levels and reasons in the same order as the plain loop
    over `holders_of`, for every model (level rule or not), format and overlap minimum; and
    why_few counts the same as counting those records one by one."""
    rnd = random.Random(seed)
    snap = Snapshot.from_parts(**random_org(rnd, n))
    options = random_options(rnd)
    try:
        want = unsuggested_reference(snap, "p0", options=options, now=NOW)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            unsuggested(snap, "p0", options=options, now=NOW)
        return
    assert unsuggested_rows(snap, options) == [
        (u.mentor_id, u.skill_id, str(u.level), u.reason) for u in want
    ]
    assert why_few(snap, "p0", options=options, now=NOW) == why_few_reference(
        snap, "p0", options=options, now=NOW
    )


@pytest.mark.parametrize("model", ["one_to_one", "group", "peer", "reverse"])
def test_unsuggested_ties_pick_the_closest_skill_then_level_then_id(model: str) -> None:
    """One holder, several reachable skills at equal credit: the reason names the highest
    level, then the greatest skill id, as the loop's max() does; the mentee's own entries
    never count."""
    parts = tiny_parts()
    parts["people"] = [*parts["people"], Person(id="hal", name="Hal")]  # not a mentor
    parts["person_skills"] = [
        *parts["person_skills"],
        PersonSkill(person_id="hal", skill_id="present", level=3),
        PersonSkill(person_id="hal", skill_id="slides", level=3),
        PersonSkill(person_id="hal", skill_id="speak", level=3),
    ]
    snap = Snapshot.from_parts(**parts)
    options = RecommendOptions(model=model)
    got = unsuggested(snap, "mia", options=options, now=NOW)
    assert [(u.mentor_id, u.skill_id, u.level, u.reason) for u in got] == [
        (u.mentor_id, u.skill_id, u.level, u.reason)
        for u in unsuggested_reference(snap, "mia", options=options, now=NOW)
    ]
    assert "mia" not in {u.mentor_id for u in got}
    assert next(u for u in got if u.mentor_id == "hal").reason == "is not a mentor"
