"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run is kept in memory (`state.cohort_runs`, the last few per process) until published;
publishing refuses if the graph changed since the run, so capacities and guardrails are never
stale. Running writes nothing but its audit entry (which leaves the data version as it is).
"""

from __future__ import annotations

from api import audit
from api.audit import actor_of
from api.state import AppState, CohortRun
from api.usecases.base import Who, audited
from api.usecases.ranking import current_weights
from graph.errors import Conflict
from graph.lifecycle.cohorts import plan_publish
from graph.model import Format, MentoringModel, Pairing, utcnow
from graph.recommend import RecommendOptions
from graph.recommend.cohort import match_cohort
from graph.store import AppendAudit, GraphStore, Planned


def match(
    state: AppState,
    who: Who,
    program: str,
    *,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format | None = None,
    asynchronous: bool = False,
    candidates_per_mentee: int = 50,
    mentees_may_mentor: bool = False,
) -> CohortRun:
    """Match every open mentee of the program at once, on the current snapshot, with the
    configured ranking weights; the run is kept for review (nothing else is stored).
    A mentee of the run never mentors in it unless `mentees_may_mentor`."""
    options = RecommendOptions(
        model=model,
        format=format,
        asynchronous=asynchronous,
        weights=current_weights(state),
    )
    result = match_cohort(
        state.current_snapshot(),
        program,
        now=utcnow(),
        options=options,
        candidates_per_mentee=candidates_per_mentee,
        progress=state.progress,
        mentees_may_mentor=mentees_may_mentor,
    )
    run_id = state.cohort_runs.new_id()
    detail = {"run_id": run_id, "matched": result.matched}
    state.write([AppendAudit([audit.entry(who, "cohort.match", program, detail)])])
    run = state.cohort_runs.add(result, run_id)  # kept once its audit entry is written
    return run


def publish(state: AppState, who: Who, run_id: str) -> list[Pairing]:
    """Store the run's proposals as proposed pairings (one apply). NotFound: unknown run.
    Conflict: already published, or the graph changed since the run."""
    run = state.cohort_runs.get(run_id)
    if run.published:
        raise Conflict(f"cohort run {run_id!r} is already published")

    def plan(store: GraphStore) -> Planned[list[Pairing]]:
        planned = plan_publish(store, run.result, by=actor_of(who))
        detail = {"run_id": run_id, "pairings": len(planned.result)}
        return audited(planned, who, "cohort.publish", run.result.program, detail)

    pairings = state.write_plan(plan)
    state.cohort_runs.mark_published(run_id)
    return pairings
