"""Program health, live stalls, recognition and cluster gaps on the tiny hand-built org of
tiny_org.py, with a program added by hand; answers worked out by hand below."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from graph.analytics import OrgData
from graph.analytics.gaps import cluster_gaps
from graph.analytics.program import (
    NO_PROGRAM,
    program_health,
    recognition,
    stall_kind,
    stalled_pairings,
)
from graph.hierarchy import Hierarchy
from graph.model import (
    Goal,
    GoalStatus,
    GoalTarget,
    Pairing,
    PairingEvent,
    PairingStatus,
    Person,
)
from loaders.esco import bundled_esco_dir, read_esco
from tests.analytics.tiny_org import T0, build

NOW = datetime(2026, 3, 30, 12, tzinfo=UTC)
S = PairingStatus


def with_program() -> OrgData:
    """e1, e2, e3 enrolled in "p-1" (started 5 Jan); p1 (m2 -> e2, active since a 2 Mar
    check-in-free restart) is in it; p2 (m1 -> e1) was proposed on 1 Feb, no answer yet."""
    _, data = build()
    people = [
        p.model_copy(update={"programs": ["p-1"]}) if p.id in ("e1", "e2", "e3") else p
        for p in data.people
    ]
    goals = [
        g.model_copy(update={"start_date": date(2026, 1, 5)}) if g.person_id != "x" else g
        for g in data.goals
    ]
    p1 = data.pairings[0].model_copy(update={"program": "p-1", "goal_ids": ["g2"]})
    p2 = Pairing(
        id="p2",
        mentor_id="m1",
        mentee_ids=["e1"],
        program="p-1",
        goal_ids=["g1"],
        created_at=datetime(2026, 2, 1, tzinfo=UTC),
        history=[PairingEvent(status=S.proposed, at=datetime(2026, 2, 1, tzinfo=UTC))],
    )
    return replace(data, people=people, goals=goals, pairings=[p1, p2])


def test_the_funnel_counts_proposals_and_days_from_the_programs_start() -> None:
    h = program_health(with_program(), now=NOW)
    (row,) = h.programs
    assert (row.program, row.start) == ("p-1", date(2026, 1, 5))
    assert (row.enrolled, row.proposed, row.matched, row.active, row.waiting) == (3, 2, 1, 1, 1)
    assert row.proposed_rate == pytest.approx(2 / 3, abs=1e-4)
    assert row.matched_rate == pytest.approx(1 / 3, abs=1e-4)
    # e2: accepted 11 Jan, the program started 5 Jan (the goal was written on 1 Jan)
    assert row.median_days_to_match == 6.0
    assert (row.checkins, row.avg_rating) == (3, 3.0)
    assert h.overall.enrolled == 3 and h.overall.median_days_to_match == 6.0
    assert h.stall_reasons == {"no check-in for three weeks": 1}
    assert h.pairings_by_status == {"active": 1, "proposed": 1}


def test_the_timeline_has_every_month_up_to_now() -> None:
    h = program_health(with_program(), now=NOW)
    assert [m.month for m in h.timeline] == ["2026-01", "2026-02", "2026-03"]
    jan, feb, mar = h.timeline
    assert (jan.proposed, jan.matched, jan.checkins, jan.avg_rating) == (1, 1, 1, 4.0)
    assert (feb.proposed, feb.matched, feb.checkins, feb.avg_rating) == (1, 0, 2, 2.5)
    assert (mar.proposed, mar.checkins, mar.avg_rating) == (0, 0, None)
    later = program_health(with_program(), now=datetime(2026, 6, 1, tzinfo=UTC))
    assert [m.month for m in later.timeline][-1] == "2026-06"


def test_a_goal_written_after_the_start_counts_from_its_writing() -> None:
    data = with_program()
    goals = [
        g.model_copy(update={"created_at": datetime(2026, 1, 9, tzinfo=UTC)}) if g.id == "g2" else g
        for g in data.goals
    ]
    h = program_health(replace(data, goals=goals), now=NOW)
    assert h.programs[0].median_days_to_match == 2.0  # 9 Jan -> 11 Jan


def test_pairings_without_a_program_have_their_row() -> None:
    _, data = build()
    h = program_health(data, now=NOW)
    assert [r.program for r in h.programs] == [NO_PROGRAM]
    assert h.programs[0].start is None and h.programs[0].matched == 1


def test_stalls_marked_and_found_live() -> None:
    data = with_program()
    (live,) = stalled_pairings(data, now=NOW)
    # p1 was re-activated on 2 Mar and nobody checked in since: 28 days silent
    assert (live.pairing_id, live.detected, live.days_silent) == ("p1", "live", 28)
    assert live.kind == "no check-in for three weeks" and live.recent_ratings == [4, 2, 3]
    assert (live.mentor_name, live.mentee_names) == ("M Two", ["E Two"])
    assert stalled_pairings(data, now=datetime(2026, 3, 10, tzinfo=UTC)) == []
    marked = data.pairings[0].model_copy(
        update={
            "status": S.stalled,
            "history": [
                *data.pairings[0].history,
                PairingEvent(status=S.stalled, at=NOW, reason="ratings falling: 4 > 3 > 2"),
            ],
        }
    )
    (row,) = stalled_pairings(replace(data, pairings=[marked]), now=NOW)
    assert (row.detected, row.kind, row.since) == ("marked", "ratings falling", NOW.date())


def test_stall_kinds() -> None:
    assert stall_kind("no check-in for 24 days (limit 21 days)") == "no check-in for three weeks"
    assert stall_kind("average of the last 3 ratings is 2.00 (below 2.5)") == "low ratings"
    assert (
        stall_kind("no check-in for 30 days; ratings falling: 4 > 3 > 2")
        == "no check-in for three weeks + ratings falling"
    )
    assert stall_kind("mentor on leave") == "marked by hand"


def test_recognition_of_mentors_and_those_who_grew() -> None:
    data = with_program()
    r = recognition(data, now=NOW)
    (m2,) = r.mentors
    assert (m2.mentor_id, m2.mentees_supported, m2.sessions, m2.avg_rating) == ("m2", 1, 3, 3.0)
    # 4 h a month from its activation (2 Mar) to now: 28 days
    assert m2.hours_given == pytest.approx(4 * 28 / (365.25 / 12), abs=0.05)
    assert r.grown == [] and r.total_sessions == 3
    # e2 reaches the goal and mentors e3 later: grown from mentee to mentor
    closed = data.pairings[0].model_copy(
        update={
            "status": S.closed,
            "history": [
                *data.pairings[0].history,
                PairingEvent(status=S.closed, at=datetime(2026, 3, 20, tzinfo=UTC)),
            ],
        }
    )
    later = Pairing(
        id="p3",
        mentor_id="e2",
        mentee_ids=["e3"],
        created_at=datetime(2026, 3, 25, tzinfo=UTC),
        status=S.active,
        history=[
            PairingEvent(status=S.proposed, at=datetime(2026, 3, 25, tzinfo=UTC)),
            PairingEvent(status=S.accepted, at=datetime(2026, 3, 26, tzinfo=UTC)),
            PairingEvent(status=S.active, at=datetime(2026, 3, 27, tzinfo=UTC)),
        ],
    )
    goals = [
        g.model_copy(update={"status": GoalStatus.achieved}) if g.id == "g2" else g
        for g in data.goals
    ]
    r = recognition(replace(data, pairings=[closed, later], goals=goals), now=NOW)
    (grown,) = r.grown
    assert (grown.person_id, grown.was_mentee_in, grown.mentored_by) == ("e2", "p-1", "M Two")
    assert grown.mentees_now == 1 and grown.mentoring_since == date(2026, 3, 26)
    by_id = {m.mentor_id: m for m in r.mentors}
    assert by_id["m2"].goals_reached == 1 and by_id["e2"].grew_from_mentee


def test_cluster_gaps_with_mapping_confidence() -> None:
    _, data = build()
    g = cluster_gaps(data, tier=1)
    assert (g.tier, g.tiers) == (1, [0, 1])
    c1, c2 = g.rows
    # C1: g1 -> s_present 0.9 + s_pitch 0.5, g3 -> C1 0.6: three targets counted by coverage,
    # demand 2.0, mean confidence 2.0 / 3
    assert (c1.cluster_id, c1.goals, c1.demand, c1.mean_confidence) == ("C1", 3, 2.0, 0.6667)
    assert (c1.supply, c1.mentors, c1.gap) == (1, 1, 1.0)
    assert [p.name for p in c1.recruit] == ["H One"] and c1.top_skills == ["present", "pitch"]
    # C2: g2 -> s_sql 1.0 (x opted out); m2 is full: no supply, one mentor
    assert (c2.cluster_id, c2.goals, c2.demand, c2.supply, c2.mentors) == ("C2", 1, 1.0, 0, 1)
    assert c2.low_confidence_goals == 0
    assert cluster_gaps(data).tier == 1  # no tier has 8 clusters: the deepest
    assert cluster_gaps(data, tier=1, top=1).rows == [c1]


def test_cluster_gaps_tiers_hold_only_clusters_on_the_real_esco() -> None:
    """On the real ESCO extract, a skill with narrower skills (e.g. "coordinate marketing plan
    actions", broader of "plan marketing campaign") is an ancestor of skills but never a
    tier: tier 0 lists ESCO's tier-0 groups only (skills, knowledge, transversal, language),
    each with its code, and every tier lists clusters of that tier only."""
    dump = read_esco(bundled_esco_dir())
    h = Hierarchy.from_dump(dump)
    ids = {s.label: s.id for s in dump.skills}
    roots = {c.code: c.id for c in dump.clusters if c.tier == 0}
    # goals on a narrower skill of a broader skill, and on skills under K, T and L
    picked = [ids["plan marketing campaign"]]
    for code in ("K", "T", "L"):
        picked.append(min(h.descendant_skills(roots[code])))
    people = [Person(id=f"e{i}", name=f"E {i}") for i in range(len(picked))]
    goals = [Goal(id=f"g{i}", person_id=f"e{i}", text="grow", created_at=T0) for i in range(4)]
    targets = [GoalTarget(goal_id=f"g{i}", node_id=s, confidence=0.9) for i, s in enumerate(picked)]
    data = OrgData(
        hierarchy=h, people=people, person_skills=[], goals=goals, targets=targets, pairings=[]
    )
    tier0 = cluster_gaps(data, tier=0, top=50)
    assert {r.code for r in tier0.rows} == {"S", "K", "T", "L"}
    assert all(h.kind(r.cluster_id) == "cluster" and r.code for r in tier0.rows)
    assert ids["coordinate marketing plan actions"] not in {r.cluster_id for r in tier0.rows}
    for tier in tier0.tiers:
        rows = cluster_gaps(data, tier=tier, top=500).rows
        assert rows and all(h.node(r.cluster_id).tier == tier for r in rows)  # type: ignore[union-attr]
        assert all(h.kind(r.cluster_id) == "cluster" for r in rows)
