"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run is kept in the store (`state.cohort_runs`: `PutCohortRuns`, with its audit entry, in one
apply that leaves the data version as it is), so any API worker shows and publishes it.
Publishing is a conditional update in the store (`PublishCohortRun`, in the same apply as the
pairings): of concurrent publishes exactly one goes through, the others, and any publish after
the graph changed since the run (capacities and guardrails would be stale), get Conflict.
"""

from __future__ import annotations

from api import audit
from api.audit import actor_of
from api.state import AppState, CohortRun
from api.usecases.base import Who, audited
from graph.errors import Conflict
from graph.lifecycle.cohorts import plan_publish
from graph.model import Format, MentoringModel, Pairing, utcnow
from graph.recommend import RecommendOptions, Weights
from graph.recommend.cohort import match_cohort
from graph.store import AppendAudit, GraphStore, Planned, PublishCohortRun


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
        weights=Weights.with_overrides(state.settings.ranking_weights),
    )
    snapshot = state.current_snapshot()
    result = match_cohort(
        snapshot,
        program,
        now=utcnow(),
        options=options,
        candidates_per_mentee=candidates_per_mentee,
        progress=state.progress,
        mentees_may_mentor=mentees_may_mentor,
    )
    run_id = state.cohort_runs.new_id()
    st = snapshot.state
    mentees = {p.mentee_id for p in result.proposals}
    goal_texts = {gid: st.goals[gid].text for m in mentees for gid in st.goals_of.get(m, ())}
    keep = state.cohort_runs.record(result, run_id, by=actor_of(who), goal_texts=goal_texts)
    detail = {"run_id": run_id, "matched": result.matched}
    # The run and its audit entry land together (the data version stays as it is).
    state.write([keep, AppendAudit([audit.entry(who, "cohort.match", program, detail)])])
    return CohortRun(run_id=run_id, result=result)


def publish(state: AppState, who: Who, run_id: str) -> list[Pairing]:
    """Store the run's proposals as proposed pairings (one apply). NotFound: unknown run.
    Conflict: already published, or the graph changed since the run."""
    run = state.cohort_runs.get(run_id)
    if run.published:
        raise Conflict(f"cohort run {run_id!r} is already published")

    def plan(store: GraphStore) -> Planned[list[Pairing]]:
        by = actor_of(who)
        planned = plan_publish(store, run.result, by=by)
        # The store's guard: the run unpublished and the graph at the run's version, checked
        # in the apply's own transaction (another worker may publish or write meanwhile).
        guard = PublishCohortRun(run_id, run.result.data_version, at=utcnow(), by=by)
        guarded = Planned([guard, *planned.ops], planned.result)
        detail = {"run_id": run_id, "pairings": len(planned.result)}
        return audited(guarded, who, "cohort.publish", run.result.program, detail)

    return state.write_plan(plan)
