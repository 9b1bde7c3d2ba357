"""The demo's nine months of program life (loaders.demo_history) on the 1,000-person demo org
over the bundled ESCO taxonomy: deterministic by seed, the lifecycle's rules hold in it, and
every state, reason and kind of record the dashboard shows is there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from graph.analytics import OrgData
from graph.analytics.growth import MENTOR_LEVEL, suggested_mentors
from graph.analytics.program import recognition, stall_kind
from graph.analytics.ranking_fit import MIN_OUTCOMES, fit_weights, outcome_rows
from graph.analytics.recognition import recognition_report
from graph.hierarchy import Hierarchy
from graph.lifecycle.formats import format_problems
from graph.lifecycle.pairings import find_conflicts
from graph.model import (
    GoalStatus,
    GoalTarget,
    MentoringModel,
    PairingStatus,
    TargetSource,
)
from graph.recommend import Snapshot
from graph.recommend.scoring import Weights
from graph.recommend.stalls import find_stalled
from graph.store import GraphStore, TaxonomyDump
from graph.stores.embedded import EmbeddedStore
from loaders.demo_history import (
    DETECTOR,
    check_history,
    cohorts_for,
    generate_history,
    season,
)
from loaders.demo_org import generate_org, load_demo
from loaders.esco import bundled_esco_dir, read_esco
from tests.loaders.demo_seed import DEMO_TODAY, KeywordMapper, demo_copy

S = PairingStatus
NOW = datetime.combine(DEMO_TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = demo_copy(tmp_path_factory.mktemp("demo-history"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def esco() -> TaxonomyDump:
    return read_esco(bundled_esco_dir())


def _inputs(esco: TaxonomyDump, size: int) -> dict[str, object]:
    org = generate_org(esco, size=size, seed=7)
    mapper = KeywordMapper(esco)
    targets = [
        GoalTarget(goal_id=g.id, node_id=node, confidence=score, source=TargetSource.embedding)
        for g in org.goals
        for node, score in mapper.map(g.text, 3)
    ]
    return {
        "hierarchy": Hierarchy.from_dump(esco),
        "people": org.people,
        "person_skills": org.person_skills,
        "goals": org.goals,
        "targets": targets,
    }


def test_same_seed_same_history_other_seed_other_history(esco: TaxonomyDump) -> None:
    inputs = _inputs(esco, 300)
    a = generate_history(**inputs, seed=3, today=DEMO_TODAY)  # type: ignore[arg-type]
    b = generate_history(**inputs, seed=3, today=DEMO_TODAY)  # type: ignore[arg-type]
    assert a.pairings == b.pairings and a.checkins == b.checkins
    assert a.goals == b.goals and a.people == b.people and a.person_skills == b.person_skills
    assert len(a.pairings) > 50
    c = generate_history(**inputs, seed=4, today=DEMO_TODAY)  # type: ignore[arg-type]
    assert [(p.mentor_id, p.mentee_ids) for p in c.pairings] != [
        (p.mentor_id, p.mentee_ids) for p in a.pairings
    ]
    # the calendar is counted back from `today`: two past cohorts and an open one
    names = [c.name for c in a.cohorts]
    assert names == [c.name for c in cohorts_for(DEMO_TODAY)] and len(set(names)) == 3
    fixed = date(2026, 11, 20)
    assert [c.name for c in cohorts_for(fixed)] == ["2026-winter", "2026-summer", "2026-autumn"]
    assert [c.name for c in cohorts_for(fixed + timedelta(days=120))] == [
        "2026-summer",
        "2026-autumn",
        "2027-winter",
    ]
    assert {p.program for p in a.pairings} >= set(names)


def test_season_names() -> None:
    assert season(date(2026, 12, 1)) == "2027-winter"
    assert season(date(2027, 2, 28)) == "2027-winter"
    assert season(date(2026, 3, 1)) == "2026-spring"
    assert season(date(2026, 9, 30)) == "2026-autumn"


def _org(store: GraphStore) -> dict[str, object]:
    return {
        "pairings": store.list_pairings(),
        "checkins": store.all_checkins(),
        "people": store.list_people(),
        "person_skills": [r for chunk in store.iter_person_skills() for r in chunk],
        "hierarchy": Hierarchy.from_dump(store.taxonomy()),
    }


def test_lifecycle_rules_hold_in_the_demo(demo: EmbeddedStore) -> None:
    """Legal transitions only, capacity at every moment, guardrails, do-not-pair-again."""
    assert check_history(**_org(demo)) == []  # type: ignore[arg-type]


def test_lifecycle_check_catches_what_it_promises(demo: EmbeddedStore) -> None:
    org = _org(demo)
    pairings = list(org["pairings"])  # type: ignore[call-overload]
    closed = next(p for p in pairings if p.status == S.closed)
    active = next(p for p in pairings if p.status == S.active and p.model == "one_to_one")
    people = {p.id: p for p in org["people"]}  # type: ignore[attr-defined]
    mentee = people[active.mentee_ids[0]]
    bad = [
        # closed -> active is not a legal move
        closed.model_copy(
            update={
                "status": S.active,
                "history": [
                    *closed.history,
                    closed.history[-1].model_copy(update={"status": S.active}),
                ],
            }
        ),
        # the mentee's own manager as mentor
        active.model_copy(update={"id": "bad-manager", "mentor_id": mentee.manager_id}),
    ]
    problems = check_history(**{**org, "pairings": [*pairings, *bad]})  # type: ignore[arg-type]
    assert any("illegal move closed -> active" in p for p in problems)
    assert any("bad-manager: guardrail" in p for p in problems)
    # a mentor squeezed below the places they hold
    mentor = people[active.mentor_id]
    shrunk = [*(p for p in people.values() if p.id != mentor.id)]
    shrunk.append(mentor.model_copy(update={"max_mentees": 0}))
    problems = check_history(**{**org, "people": shrunk})  # type: ignore[arg-type]
    assert any(f"mentor {mentor.id} holds" in p for p in problems)


def test_every_pairing_state_and_outcome_is_there(demo: EmbeddedStore) -> None:
    pairings = demo.list_pairings()
    status = Counter(p.status for p in pairings)
    assert status[S.proposed] >= 10 and status[S.accepted] >= 5
    assert status[S.active] >= 50 and status[S.stalled] >= 5
    assert status[S.declined] >= 10 and status[S.closed] >= 100
    # declined with reasons, some do-not-pair-again, most re-proposed to someone else
    declined = [p for p in pairings if p.status == S.declined]
    assert all(p.close_reason for p in declined)
    assert len({p.close_reason for p in declined}) >= 4
    assert any(p.do_not_pair_again for p in declined)
    by_mentee = Counter(m for p in pairings for m in p.mentee_ids)
    assert sum(by_mentee[p.mentee_ids[0]] > 1 for p in declined) >= len(declined) // 3
    # closed with the goal reached, and not
    goals = {g.id: g for g in demo.list_goals()}
    closed = [p for p in pairings if p.status == S.closed]
    reached = [p for p in closed if p.close_reason.startswith("goal achieved")]
    assert len(reached) >= 60 and len(closed) - len(reached) >= 30
    assert all(goals[g].status == GoalStatus.achieved for p in reached for g in p.goal_ids)
    assert Counter(g.status for g in goals.values())[GoalStatus.dropped] >= 5
    # groups and a peer circle
    models = Counter(p.model for p in pairings)
    assert models[MentoringModel.group] >= 2 and models[MentoringModel.peer] >= 1
    assert all(3 <= len(p.mentee_ids) <= 4 for p in pairings if p.model == MentoringModel.group)
    # two past cohorts (all ended) and an open one (still running)
    programs = {c.name: c for c in cohorts_for(DEMO_TODAY)}
    for name, cohort in programs.items():
        mine = [p for p in pairings if p.program == name]
        assert len(mine) >= 60, name
        still_open = [p for p in mine if p.status in (S.proposed, S.accepted, S.active, S.stalled)]
        assert bool(still_open) == cohort.is_open, name


def test_check_ins_ratings_and_notes(demo: EmbeddedStore) -> None:
    checkins = demo.all_checkins()
    assert len(checkins) >= 800
    assert set(Counter(c.rating for c in checkins)) == {1, 2, 3, 4, 5}
    assert all(c.note for c in checkins) and len({c.note for c in checkins}) >= 10
    assert max(c.on for c in checkins) < DEMO_TODAY  # nothing in the future


def test_stalls_for_every_reason_marked_and_live(demo: EmbeddedStore) -> None:
    pairings = demo.list_pairings()
    marked = Counter(
        stall_kind(e.reason) for p in pairings for e in p.history if e.status == S.stalled
    )
    assert {"no check-in for three weeks", "ratings falling", "low ratings"} <= set(marked)
    assert marked["marked by hand"] >= 1
    detector = [
        e for p in pairings for e in p.history if e.status == S.stalled and e.by == DETECTOR
    ]
    assert len(detector) >= 20
    # a stalled pairing that someone checked in on again (stalled -> active "check-in")
    assert any(
        a.status == S.stalled and b.status == S.active and b.reason == "check-in"
        for p in pairings
        for a, b in zip(p.history, p.history[1:], strict=False)
    )
    # and the detector finds active pairings going quiet or sliding right now
    live = find_stalled(Snapshot.load(demo), now=NOW)
    kinds = Counter(stall_kind(r.reason) for r in live)
    assert {"no check-in for three weeks", "ratings falling", "low ratings"} <= set(kinds)
    active = sum(p.status == S.active for p in pairings)
    assert len(live) < active / 2  # most active pairings are healthy


def test_goals_are_dated_to_their_program(demo: EmbeddedStore) -> None:
    """A goal in a cohort carries the start of a cohort its owner joined, the latest one it
    went into (days to match count from there), and was written down before that."""
    starts = {c.name: c.start for c in cohorts_for(DEMO_TODAY)}
    goals = {g.id: g for g in demo.list_goals()}
    people = {p.id: p for p in demo.list_people()}
    cohort_of: dict[str, list[date]] = {}
    for p in demo.list_pairings():
        if p.program in starts:
            for g in p.goal_ids:
                cohort_of.setdefault(g, []).append(starts[p.program])
    assert len(cohort_of) >= 300
    for gid, in_cohorts in cohort_of.items():
        goal = goals[gid]
        joined = {starts[c] for c in people[goal.person_id].programs if c in starts}
        assert goal.start_date in joined and goal.start_date >= max(in_cohorts), gid
        assert goal.created_at.date() <= goal.start_date, gid


def test_people_who_grew_from_mentee_to_mentor(demo: EmbeddedStore) -> None:
    data = OrgData.from_store(demo)
    grown = recognition(data, now=NOW).grown
    assert len(grown) >= 2
    assert all(g.was_mentee_in == cohorts_for(DEMO_TODAY)[0].name for g in grown)
    assert sum(g.mentees_now for g in grown) >= 2
    people = {p.id: p for p in data.people}
    assert all(people[g.person_id].is_mentor for g in grown)


def test_demo_shows_growth_recognition_and_outcomes(demo: EmbeddedStore) -> None:
    """Issue 14 in the demo: pairings keep their mentees' baseline levels, mentees who reached
    their goal learned its skills (skills transferred; some now at the mentoring level are
    suggested as mentors, not offered), and enough closed pairings to fit the weights on."""
    snap = Snapshot.load(demo)
    pairings = list(snap.state.pairings.values())
    assert sum(bool(p.baseline_levels) for p in pairings) >= 0.8 * len(pairings)
    report = recognition_report(OrgData.from_snapshot(snap.state), now=NOW)
    assert report.grown_count >= 2
    assert sum(r.skills_transferred for r in report.by_program) >= 50
    assert all(r.levels_gained >= r.skills_transferred for r in report.by_program)
    suggested = suggested_mentors(snap.state)
    assert len(suggested) >= 3
    for s in suggested:
        held = snap.state.skills_of[s.person_id][s.skill_id]
        assert held.level >= MENTOR_LEVEL and not held.willing_to_mentor
    rows = outcome_rows(snap)
    assert len(rows) >= MIN_OUTCOMES and 0 < sum(r.success for r in rows) < len(rows)
    fit = fit_weights(rows, Weights())
    assert fit.enough and fit.auc_current is not None and fit.auc_proposed is not None


def test_steward_edits_with_history(demo: EmbeddedStore) -> None:
    changes = demo.taxonomy_changes(limit=100)
    ops = Counter(c.op for c in changes)
    for op in ("describe", "add_alias", "rename", "move", "merge", "create", "split", "revert"):
        assert ops[op] >= 1, op
    assert ops["deprecate"] + ops["import"] >= 1
    steward = [c for c in changes if c.op != "import"]
    assert all(c.reason and c.actor.startswith("person:demo-") for c in steward)
    # spread over the program's months, after the import that set the map up
    dates = sorted(c.at for c in steward)
    assert (dates[-1] - dates[0]).days >= 200
    imports = [c for c in changes if c.op == "import"]
    assert imports and max(c.at for c in imports) < dates[0]
    reverted = [c for c in changes if c.reverted_by]
    assert reverted and all(demo.get_taxonomy_change(c.reverted_by) for c in reverted)


def test_load_demo_again_writes_nothing(demo: EmbeddedStore) -> None:
    version = demo.data_version()
    report = load_demo(demo, size=1000, seed=7, today=DEMO_TODAY)
    assert not report.loaded and demo.data_version() == version


def test_history_on_a_small_company_framework(tmp_path: Path) -> None:
    """A small taxonomy without ESCO's groups: no steward edits to make, still a history."""
    from tests.loaders.test_demo_org import FakeMapper, tiny_store

    store = EmbeddedStore(tmp_path / "g.sqlite3")
    store.init_schema()
    try:
        tiny_store(store)
        report = load_demo(store, size=120, seed=2, mapper=FakeMapper(), map_k=2, today=DEMO_TODAY)
        assert report.loaded and report.pairings >= 5 and report.steward_edits == 0
        assert check_history(**_org(store)) == []  # type: ignore[arg-type]
    finally:
        store.close()


def test_the_demo_runs_every_format_its_programs_declare(demo: EmbeddedStore) -> None:
    """Issue 14: the demo's programs declare their formats; the history holds a group, a
    peer circle of 3-6 equals and a micro session held (so closed, nothing held after), and
    every pairing keeps its program's declaration."""
    pairings = demo.list_pairings()
    declared = {p.id: p for p in demo.list_programs()}
    assert {c.name for c in cohorts_for(DEMO_TODAY)} <= set(declared)
    for p in pairings:
        assert p.program in declared, p.id
        assert format_problems(declared[p.program], p) == [], p.id
    circles = [p for p in pairings if p.model == MentoringModel.circle]
    assert len(circles) == 1 and 3 <= len(circles[0].members) <= 5
    assert circles[0].status == S.active and demo.checkins(circles[0].id)
    people = {p.id: p for p in demo.list_people()}
    sens = [people[m].seniority for m in circles[0].members]
    assert max(sens) - min(sens) <= 2  # equals
    micro = [p for p in pairings if p.model == MentoringModel.micro]
    assert len(micro) == 1
    session = micro[0]
    assert session.status == S.closed and session.close_reason == "micro session held"
    assert session.session_minutes == 45 and session.skill_id is not None
    assert people[session.mentor_id].micro_mentor
    assert len(demo.checkins(session.id)) == 1
    assert (session.places_held, session.hours_held) == (0, 0.75)
    assert any(p.model == MentoringModel.group and p.status == S.active for p in pairings)


def test_the_demo_starts_with_no_guardrail_conflict(demo: EmbeddedStore) -> None:
    """docs/dashboard.md: the seeded history breaks no guardrail. What GET /v1/pairings/conflicts
    lists (`find_conflicts` on the current snapshot) is empty on a fresh demo; in particular
    every peer paired wants mentoring (hours_wanted_per_month > 0)."""
    state = Snapshot.load(demo).state
    found = find_conflicts(state)
    assert [c.as_dict() for c in found] == []
    peers = [p for p in state.pairings.values() if p.model == MentoringModel.peer]
    assert peers, "the demo has peer pairings"
    for p in peers:
        for pid in p.members:
            assert state.people[pid].hours_wanted_per_month > 0, (p.id, pid)
