"""Viability and exposure run the real recommender over a snapshot of the tiny org."""

from __future__ import annotations

from datetime import UTC, datetime, time

from graph.analytics.viability import mentees_without_viable_mentor, recommendation_exposures
from graph.model import WeeklyWindow
from graph.recommend import Snapshot
from tests.analytics.tiny_org import build

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def snapshot_with_windows(*ids: str) -> Snapshot:
    dump, data = build()
    weekday_mornings = [WeeklyWindow(weekday=d, start=time(9), end=time(12)) for d in range(5)]
    for p in data.people:
        if p.id in ids:
            p.windows = weekday_mornings
    return Snapshot.from_parts(
        taxonomy=dump,
        people=data.people,
        person_skills=data.person_skills,
        goals=data.goals,
        targets=data.targets,
        pairings=data.pairings,
        checkins=data.checkins,
    )


def test_only_mentees_with_a_reachable_mentor_are_viable() -> None:
    snap = snapshot_with_windows("m1", "e1")
    unmatched = {u.person_id: u for u in mentees_without_viable_mentor(snap, now=NOW)}
    # e1: m1 holds s_present at level 4, willing, has a place and shares mornings -> viable.
    # e2: m2 is already their mentor, nobody else teaches SQL. e3: no free time in common.
    # x opted out of analytics and is not listed at all.
    assert set(unmatched) == {"e2", "e3"}
    assert unmatched["e2"].open_goals == 1
    # the recommender's own reasons, without names: m2 (sql, the goal's skill) mentors e2
    # already; h1 and m1 hold present, 4 steps away through the root C: h1 is no mentor, m1
    # shares no hours with e2 (who gave none)
    assert unmatched["e2"].reason == (
        "3 people hold a skill these goals reach; none can be suggested: "
        "someone holding \"sql\" (level 5) is already in active pairing 'p1'; "
        'someone holding "present" (level 4) is not a mentor; '
        'someone holding "present" (level 4) has 0.0 h/week in common with the mentee, '
        "fewer than the 1 asked for"
    )


def test_without_shared_time_nobody_is_viable() -> None:
    snap = snapshot_with_windows()
    assert {u.person_id for u in mentees_without_viable_mentor(snap, now=NOW)} == {
        "e1",
        "e2",
        "e3",
    }


def test_exposures_count_appearances_in_top_k() -> None:
    assert recommendation_exposures(snapshot_with_windows("m1", "e1"), now=NOW) == {"m1": 1}
    assert recommendation_exposures(snapshot_with_windows(), now=NOW) == {}
