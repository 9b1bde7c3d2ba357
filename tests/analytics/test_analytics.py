"""L&D analytics on the tiny hand-built org of tiny_org.py, answers worked out by hand."""

from __future__ import annotations

import pytest

from graph.analytics import OrgData, coverage, fairness_audit, match_health, mentor_load
from graph.errors import InvalidInput
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
