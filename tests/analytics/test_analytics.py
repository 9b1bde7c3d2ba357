"""L&D analytics on the tiny hand-built org of tiny_org.py, answers worked out by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from api.analytics_data import mapping_threshold
from api.state import AppState
from graph.analytics import OrgData, coverage, fairness_audit, match_health, mentor_load
from graph.errors import InvalidInput
from graph.hierarchy import Hierarchy
from graph.model import Goal, GoalTarget, Pairing, Person
from graph.store import (
    AddBroader,
    AddCheckIns,
    SetGoalTargets,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from taxonomy.mapping import MappingConfig
from taxonomy.rerank import RerankModel
from tests.analytics.tiny_org import build


def test_coverage_skills_by_hand() -> None:
    _, data = build()
    report = coverage(data)
    rows = {r.node_id: r for r in report.skills}
    # s_present: demand 0.9, supply 1 (m1 has a place) -> gap -0.1
    assert rows["s_present"].demand == pytest.approx(0.9)
    assert rows["s_present"].supply == 1
    # s_sql: demand 1.0 (x opted out, not 2.0); m2 is full -> supply 0 -> gap 1.0
    assert rows["s_sql"].demand == pytest.approx(1.0)
    assert rows["s_sql"].supply == 0
    # s_pitch: demand 0.5, nobody -> gap 0.5
    assert rows["s_pitch"].gap == pytest.approx(0.5)
    assert [r.node_id for r in report.top_gaps] == ["s_sql", "s_pitch"]


def test_coverage_tiers_and_recruitment() -> None:
    _, data = build()
    report = coverage(data)
    tier1 = {r.node_id: r for r in report.tiers[1]}
    # C1: g3 targets it (0.6) + s_present 0.9 + s_pitch 0.5 = 2.0; supply m1 -> gap 1.0
    assert tier1["C1"].demand == pytest.approx(2.0)
    assert tier1["C1"].supply == 1
    assert tier1["C1"].recruit == ["h1"]
    tier0 = {r.node_id: r for r in report.tiers[0]}
    assert tier0["C"].demand == pytest.approx(3.0)
    assert tier0["C"].supply == 1  # m2 is full


def test_mentor_load() -> None:
    _, data = build()
    report = mentor_load(data)
    by_id = {m.mentor_id: m for m in report.mentors}
    assert by_id["m2"].mentees == 1 and by_id["m2"].utilisation == 1.0
    assert by_id["m2"].state == "full"
    assert report.idle == ["m1"]
    assert report.histogram["0%"] == 1 and report.histogram["100%"] == 1


def test_match_health() -> None:
    _, data = build()
    h = match_health(data)
    assert h.mentees_with_open_goals == 3  # e1, e2, e3 (x opted out)
    assert h.matched_mentees == 1
    assert h.match_rate == pytest.approx(1 / 3, abs=1e-4)
    assert h.median_days_to_match == pytest.approx(10.0)
    assert h.pairings_by_status == {"active": 1}
    assert h.stall_reasons == {"no check-in for 21 days": 1}
    feb = next(p for p in h.timeline if p.month == "2026-02")
    assert feb.checkins == 2 and feb.avg_rating == pytest.approx(2.5)


def test_fairness_audit_flags_disparity() -> None:
    _, data = build()
    report = fairness_audit(data, "department", exposures={"m1": 10, "m2": 2}, min_group_size=1)
    exp = {g.group: g.rate for g in report.mentor_exposure.groups}
    assert exp == {"Eng": 2.0, "Sales": 10.0}
    assert report.mentor_exposure.disparity_ratio == pytest.approx(0.2)
    assert report.mentor_exposure.flagged
    # mentees: Sales e1 unmatched (0.0), Eng e2 matched, e3 not (0.5)
    assign = {g.group: g.rate for g in report.mentee_assignment.groups}
    assert assign == {"Eng": 0.5, "Sales": 0.0}
    assert report.flags


def test_fairness_small_groups_left_out_of_ratio() -> None:
    _, data = build()
    report = fairness_audit(data, "department", exposures={"m1": 10, "m2": 2})
    assert report.mentor_exposure.disparity_ratio is None
    assert not report.mentor_exposure.flagged


def test_fairness_unknown_attribute_is_a_clear_error() -> None:
    _, data = build()
    with pytest.raises(InvalidInput, match="unknown attribute 'salary'"):
        fairness_audit(data, "salary")


def test_self_reported_attribute_only_counts_those_who_gave_it() -> None:
    _, data = build()
    data.people[0].attributes["group"] = "a"
    report = fairness_audit(data, "attributes.group", min_group_size=1)
    assert [g.group for g in report.mentor_exposure.groups] == ["a"]


def test_orgdata_from_store_matches_hand_built(store) -> None:  # type: ignore[no-untyped-def]
    dump, data = build()
    store.apply(
        [
            UpsertSkills(dump.skills),
            UpsertClusters(dump.clusters),
            AddBroader(dump.broader),
            UpsertPeople(data.people),
            UpsertPersonSkills(data.person_skills),
            UpsertGoals(data.goals),
            *[
                SetGoalTargets(g.id, [t for t in data.targets if t.goal_id == g.id])
                for g in data.goals
            ],
            UpsertPairings(data.pairings),
            AddCheckIns(data.checkins),
        ]
    )
    loaded = OrgData.from_store(store)
    assert coverage(loaded) == coverage(data)
    assert mentor_load(loaded) == mentor_load(data)
    assert match_health(loaded) == match_health(data)


# --- fairness needs a sample behind every rate ----------------------------------------------


def program(matched: dict[str, int], sizes: dict[str, int]) -> OrgData:
    """Mentees with one open goal each, per department; `matched[dept]` of them have an
    active pairing with mentor m (who is in no department's count: not a mentee)."""
    people, goals, pairings = [Person(id="m", name="M", is_mentor=True, max_mentees=50)], [], []
    for dept, n in sizes.items():
        for i in range(n):
            pid = f"{dept}-{i}"
            people.append(Person(id=pid, name=pid, department=dept))
            goals.append(Goal(id=f"g-{pid}", person_id=pid, text="grow"))
            if i < matched.get(dept, 0):
                pairings.append(
                    Pairing(id=f"p-{pid}", mentor_id="m", mentee_ids=[pid], status="active")
                )
    dump, _ = build()
    return OrgData(
        hierarchy=Hierarchy.from_dump(dump),
        people=people,
        person_skills=[],
        goals=goals,
        targets=[],
        pairings=pairings,
    )


def test_no_pairings_or_one_is_not_enough_data_for_a_ratio() -> None:
    """Two departments of 6 mentees. One pairing: the overall rate is 1/12, so each group
    would expect 6/12 = 0.5 matches, under 5: no ratio (before: 0.0 / (1/6) = disparity 0.0,
    flagged). No pairing at all: no ratio either (before: parity 1.0)."""
    for matched in ({"Eng": 1}, {}):
        report = fairness_audit(program(matched, {"Eng": 6, "Sales": 6}), "department")
        table = report.mentee_assignment
        assert table.disparity_ratio is None and not table.flagged
        assert table.status == "not enough data"
        assert [(g.group, g.members, g.counted) for g in table.groups] == [
            ("Eng", 6, False),
            ("Sales", 6, False),
        ]
        assert table.note.startswith("not enough data: a ratio needs two groups, each with")
        assert "0 of 2 groups qualify" in table.note
        assert report.flags == []
        wanted = "share of mentees with a mentor: not enough data"
        assert any(n.startswith(wanted) for n in report.notes)
    # no recommendations logged: no exposure ratio
    assert report.mentor_exposure.status == "not enough data"


def test_with_a_sample_behind_each_rate_the_ratio_is_computed_and_flagged() -> None:
    """10 + 10 mentees, 8 and 2 matched: overall 0.5, 5 expected per group (>= 5) ->
    ratio 0.2 / 0.8 = 0.25 < 0.8, flagged. A third group of 4 is shown but not counted."""
    data = program({"A": 8, "B": 2, "C": 4}, {"A": 10, "B": 10, "C": 4})
    table = fairness_audit(data, "department").mentee_assignment
    assert [(g.group, g.rate, g.events, g.counted) for g in table.groups] == [
        ("A", 0.8, 8.0, True),
        ("B", 0.2, 2.0, True),
        ("C", 1.0, 4.0, False),  # 4 members: under the minimum of 5
    ]
    assert (table.status, table.disparity_ratio, table.flagged) == ("ok", 0.25, True)


def test_the_minimum_expected_events_is_a_parameter() -> None:
    """10 + 10 mentees, 3 and 1 matched: overall 0.2, 2 expected per group: not enough for
    the default 5, enough for 2 -> ratio 0.1 / 0.3 = 0.3333."""
    data = program({"A": 3, "B": 1}, {"A": 10, "B": 10})
    assert fairness_audit(data, "department").mentee_assignment.disparity_ratio is None
    table = fairness_audit(data, "department", min_expected_events=2).mentee_assignment
    assert table.disparity_ratio == pytest.approx(0.3333)
    with pytest.raises(InvalidInput, match="min_group_size must be at least 1"):
        fairness_audit(data, "department", min_group_size=0)


# --- coverage counts only targets the mapping is sure of --------------------------------------


def test_low_confidence_targets_do_not_lead_the_gaps() -> None:
    """The mapper's runner-ups: g2 and g3 also target s_pitch at 0.3, below the mapping
    threshold 0.45. Counted, they would make s_pitch (0.5 + 0.3 + 0.3 = 1.1) the top gap over
    s_sql (1.0); left out, s_pitch is 0.5 from g1 alone."""
    _, data = build()
    data.targets += [
        GoalTarget(goal_id="g2", node_id="s_pitch", confidence=0.3),
        GoalTarget(goal_id="g3", node_id="s_pitch", confidence=0.3),
    ]
    report = coverage(data)
    assert [r.node_id for r in report.top_gaps] == ["s_sql", "s_pitch"]
    rows = {r.node_id: r for r in report.skills}
    assert (rows["s_pitch"].demand, rows["s_pitch"].goals, rows["s_pitch"].confidence) == (
        0.5,
        1,
        0.5,
    )
    assert (rows["s_sql"].goals, rows["s_sql"].confidence) == (1, 1.0)
    assert (report.min_confidence, report.targets_left_out) == (0.45, 2)
    # C1: g3 -> C1 0.6, s_present 0.9, s_pitch 0.5: 3 targets, mean confidence 2.0 / 3
    c1 = next(r for r in report.tiers[1] if r.node_id == "C1")
    assert (c1.demand, c1.goals, c1.confidence) == (2.0, 3, pytest.approx(0.6667))
    # everything counted when asked for (the old behaviour): the artefact leads
    assert coverage(data, min_confidence=0).top_gaps[0].node_id == "s_pitch"
    with pytest.raises(InvalidInput, match="min_confidence must be in"):
        coverage(data, min_confidence=1.5)


def test_the_api_counts_coverage_at_the_mappers_threshold() -> None:
    """With no mapper built yet, coverage uses the shipped re-ranker's threshold (the one a
    built mapper would use), not graph/'s stand-alone default."""
    idle = cast(AppState, SimpleNamespace(mapper=None))
    assert MappingConfig().threshold is None
    assert mapping_threshold(idle) == RerankModel.load().threshold
