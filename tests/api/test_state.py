"""AppState: writes keep the snapshot current, a failed plan writes nothing, cohort runs live
in the store, a state follows writes made through another state (another worker)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from api import audit
from api.state import AppState, open_state
from graph.errors import Conflict, NotFound
from graph.model import GoalTarget, MentoringModel, Person, TargetSource
from graph.recommend.cohort import CohortResult, ProposedPairing
from graph.store import (
    AppendAudit,
    GraphStore,
    Planned,
    SetGoalTargets,
    UpsertPeople,
    UpsertSkills,
)
from tests.api.conftest import fake_embedder, make_settings, seed


def result(program: str) -> CohortResult:
    return CohortResult(
        program=program,
        model=MentoringModel.one_to_one,
        proposals=[],
        unmatched=[],
        total_score=0.0,
        greedy_matched=0,
        greedy_total=0.0,
        candidate_edges=0,
        data_version=1,
    )


def test_cohort_runs_live_in_the_store(tmp_path: Path, embedded_store: GraphStore) -> None:
    """A run kept through one state is read through another state on the same store (another
    worker), quoted goal text filled in from the goal, not stored in the run."""
    seed(embedded_store)
    a, b = (
        open_state(make_settings(tmp_path), store=embedded_store, embedder=fake_embedder())
        for _ in range(2)
    )
    res = result("spring")
    proposal = ProposedPairing(
        mentor_id="m1",
        mentee_id="p2",
        score=0.5,
        reasons=['Your goal "present to executives" needs public speaking'],
        goal_ids=["g-p2"],
        hours_per_month=2.0,
        skills=["public speaking"],
    )
    res = dataclasses.replace(res, proposals=[proposal], matched_by_round=(1,))
    run_id = a.cohort_runs.new_id()
    texts = {"g-p2": "present to executives"}
    a.write([a.cohort_runs.record(res, run_id, by="cli", goal_texts=texts)])
    stored = embedded_store.get_cohort_run(run_id)
    assert stored is not None and "present to executives" not in stored.result
    got = b.cohort_runs.get(run_id)
    assert got.result == res and not got.published
    with pytest.raises(NotFound, match="run_nope"):
        b.cohort_runs.get("run_nope")


@pytest.fixture
def state(tmp_path: Path, embedded_store: GraphStore) -> AppState:
    seed(embedded_store)
    return open_state(make_settings(tmp_path), store=embedded_store, embedder=fake_embedder())


def test_writes_are_replayed_on_the_snapshot(state: AppState) -> None:
    snap = state.current_snapshot()
    state.write([UpsertPeople([Person(id="p9", name="Nine")])])
    assert state.snapshot is snap and "p9" in snap.state.people
    assert snap.data_version == state.store.data_version()
    # an audit entry alone keeps the data version: the snapshot stays as it is, fresh
    version = snap.data_version
    state.write([AppendAudit([audit.entry("cli", "test.note")])])
    assert state.store.data_version() == version and state.fresh_snapshot() is snap


def test_a_plan_that_fails_writes_nothing(state: AppState) -> None:
    snap = state.current_snapshot()
    version = state.store.data_version()

    def plan(store: GraphStore) -> Planned[None]:
        if store.get_person("p1") is not None:
            raise Conflict("p1 exists")
        return Planned([UpsertPeople([Person(id="p1", name="again")])], None)

    with pytest.raises(Conflict):
        state.write_plan(plan)
    assert state.store.data_version() == version and state.store.list_audit() == []
    assert state.fresh_snapshot() is snap


def test_lazy_state_builds_nothing_until_asked(tmp_path: Path, embedded_store: GraphStore) -> None:
    seed(embedded_store)
    lazy = open_state(
        make_settings(tmp_path), store=embedded_store, embedder=fake_embedder(), lazy=True
    )
    assert lazy.mapper is None and lazy.snapshot is None
    assert "p1" in lazy.current_snapshot().state.people
    assert lazy.goal_mapper() is lazy.goal_mapper() and lazy.mapper is not None


def test_a_state_follows_writes_of_another_worker(
    tmp_path: Path, embedded_store: GraphStore
) -> None:
    """Two states on one store stand for two workers: an alias added and a mapping corrected
    through one are used by the other after `catch_up` (what the follower thread runs), and
    a state that was not told keeps serving its old snapshot until then."""
    seed(embedded_store)
    settings = make_settings(tmp_path)
    a = open_state(settings, store=embedded_store, embedder=fake_embedder())
    b = open_state(settings, store=embedded_store, embedder=fake_embedder())
    assert b.snapshot is not None
    old_b = b.snapshot.state
    assert b.catch_up() is False  # nothing new
    skill = embedded_store.get_skill("s-python")
    assert skill is not None
    a.write([UpsertSkills([skill.model_copy(update={"aliases": ["snake wrangling"]})])])
    a.refresh_mapper()
    assert a.goal_mapper().map("snake wrangling", 1).candidates[0].id == "s-python"
    assert b.snapshot.state is old_b  # b is stale until it catches up
    assert b.catch_up() is True
    # re-read from the change log: the new State beside the old one
    assert b.snapshot.state is not old_b
    assert b.snapshot.data_version == embedded_store.data_version()
    assert b.goal_mapper().map("snake wrangling", 1).candidates[0].id == "s-python"
    # a steward correction through a: b learns the phrase too
    a.write(
        [
            SetGoalTargets(
                "g-p2",
                [
                    GoalTarget(
                        goal_id="g-p2",
                        node_id="s-python",
                        confidence=1.0,
                        source=TargetSource.steward,
                    )
                ],
            )
        ]
    )
    b.catch_up()
    assert b.goal_mapper().map("present to executives", 1).candidates[0].id == "s-python"
