"""AppState: writes keep the snapshot current, a failed plan writes nothing, cohort runs are a
typed registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import audit
from api.state import AppState, CohortRuns, open_state
from graph.errors import Conflict, NotFound
from graph.model import MentoringModel, Person
from graph.recommend.cohort import CohortResult
from graph.store import AppendAudit, GraphStore, Planned, UpsertPeople
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


def test_cohort_runs_keep_the_last_few() -> None:
    runs = CohortRuns(keep=2)
    first, second, third = (runs.add(result(p)) for p in ("a", "b", "c"))
    assert len(runs) == 2 and first.run_id != second.run_id
    with pytest.raises(NotFound, match=f"{first.run_id}.*last 2"):
        runs.get(first.run_id)
    assert runs.get(third.run_id).result.program == "c" and not third.published
    assert runs.mark_published(second.run_id).published
    assert runs.get(second.run_id).published and not runs.get(third.run_id).published


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
