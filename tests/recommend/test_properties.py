"""Invariants of the ranking on random orgs: guardrails hold, capacity is never exceeded,
results are ordered and bounded, and a snapshot kept current by refresh() equals a fresh one."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.model import PairingStatus
from graph.recommend import Snapshot, recommend
from graph.recommend.scoring import OPEN_STATUSES
from graph.store import (
    AddCheckIns,
    SetGoalTargets,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
)
from tests.conftest import make_embedded_store
from tests.recommend.orgs import NOW, random_options, random_org, stored, write


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14))
def test_guardrails_and_capacity_hold(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    parts = random_org(rnd, n)
    snap = Snapshot.from_parts(**parts)
    options = random_options(rnd)
    try:
        recs = recommend(snap, "p0", k=n, options=options, now=NOW)
    except InvalidInput:
        return
    people = {p.id: p for p in parts["people"]}
    mentee = people["p0"]

    def chain(pid: str) -> set[str]:
        out, cur = set(), people[pid]
        for _ in range(2):
            if cur.manager_id is None:
                break
            out.add(cur.manager_id)
            cur = people[cur.manager_id]
        return out

    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)
    for r in recs:
        m = people[r.mentor_id]
        assert 0 <= r.score <= 1 and all(0 <= v <= 1 for v in r.components.values())
        assert m.id != "p0" and m.is_mentor and not m.opt_out_recommend
        assert m.id not in chain("p0") and "p0" not in chain(m.id)
        mine = [p for p in parts["pairings"] if p.mentor_id == m.id]
        live = [p for p in mine if p.status in OPEN_STATUSES]
        assert sum(len(p.mentee_ids) for p in live) + 1 <= m.max_mentees
        hours = sum(p.hours_per_month for p in live)
        assert hours + mentee.hours_wanted_per_month <= m.max_hours_per_month + 1e-9
        assert r.capacity_left >= 1
        for p in parts["pairings"]:
            both = {"p0", m.id} <= {p.mentor_id, *p.mentee_ids}
            assert not (both and p.do_not_pair_again)
            assert not (p.mentor_id == m.id and "p0" in p.mentee_ids and p.status in OPEN_STATUSES)
        if not options.asynchronous:
            assert r.overlap_hours_per_week >= options.min_overlap_hours - 1e-9
        assert r.skill_paths


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_refresh_matches_a_fresh_build(seed: int) -> None:
    rnd = random.Random(seed)
    first, second = random_org(rnd, 8), random_org(rnd, 10)
    with tempfile.TemporaryDirectory() as tmp:
        store = make_embedded_store(Path(tmp))
        try:
            snap = stored(store, first)
            # second's rows replace or extend first's, written as store ops in several applies
            by_goal: dict[str, list] = {}
            for t in second["targets"]:
                by_goal.setdefault(t.goal_id, []).append(t)
            write(
                store,
                snap,
                [UpsertPeople(second["people"]), UpsertPersonSkills(second["person_skills"])],
            )
            write(
                store,
                snap,
                [
                    UpsertGoals(second["goals"]),
                    *(SetGoalTargets(g, ts) for g, ts in by_goal.items()),
                ],
            )
            write(
                store,
                snap,
                [UpsertPairings(second["pairings"]), AddCheckIns(second["checkins"])],
            )
        finally:
            store.close()

    def merged(key: str, ident) -> list:  # type: ignore[no-untyped-def]
        rows = {ident(r): r for r in first[key]}
        rows.update({ident(r): r for r in second[key]})
        return list(rows.values())

    targets = {t.goal_id: [] for t in first["targets"]}
    for t in first["targets"]:
        targets[t.goal_id].append(t)
    targets.update(by_goal)
    fresh = Snapshot.from_parts(
        taxonomy=first["taxonomy"],
        people=merged("people", lambda r: r.id),
        person_skills=merged("person_skills", lambda r: (r.person_id, r.skill_id)),
        goals=merged("goals", lambda r: r.id),
        targets=[t for ts in targets.values() for t in ts],
        pairings=merged("pairings", lambda r: r.id),
        checkins=merged("checkins", lambda r: r.id),
    )
    options = random_options(rnd)
    for mentee in ("p0", "p3"):
        try:
            want = recommend(fresh, mentee, k=10, options=options, now=NOW)
        except InvalidInput:
            continue
        got = recommend(snap, mentee, k=10, options=options, now=NOW)
        assert [(r.mentor_id, r.score) for r in got] == [(r.mentor_id, r.score) for r in want]
    assert PairingStatus.active in OPEN_STATUSES
