"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run may also form groups and peer circles (`formats`, graph.recommend.groups.match_formats)
before matching the rest in pairs; publishing stores pairs, groups and circles as proposals
in one apply. The run's formats and pair model must be ones the program declares
(InvalidInput naming `formats`/`model`, rule program.models).

A run is kept in the store (`state.cohort_runs`: `PutCohortRuns`, with its audit entry, in one
apply that leaves the data version as it is), so any API worker shows and publishes it.
Publishing is a conditional update in the store (`PublishCohortRun`, in the same apply as the
pairings): of concurrent publishes exactly one goes through, the others, and any publish after
the graph changed since the run (capacities and guardrails would be stale), get Conflict.
"""

from __future__ import annotations

from collections.abc import Sequence

from api import audit
from api.audit import actor_of
from api.state import AppState, CohortRun
from api.usecases.base import Who, audited
from api.usecases.ranking import current_weights
from graph.errors import Conflict, InvalidInput
from graph.lifecycle.cohorts import plan_publish
from graph.lifecycle.formats import program_of
from graph.lifecycle.programs import plan_publish_formed
from graph.model import Format, MentoringModel, Pairing, utcnow
from graph.recommend import RecommendOptions
from graph.recommend.cohort import match_cohort
from graph.recommend.groups import FORMED_FORMATS, Formed, match_formats
from graph.store import AppendAudit, GraphStore, Planned, PublishCohortRun


def match(
    state: AppState,
    who: Who,
    program: str,
    *,
    model: MentoringModel | None = MentoringModel.one_to_one,
    format: Format | None = None,
    asynchronous: bool = False,
    candidates_per_mentee: int = 50,
    mentees_may_mentor: bool = False,
    formats: Sequence[MentoringModel] = (),
) -> CohortRun:
    """Match every open mentee of the program at once, on the current snapshot, with the
    configured ranking weights; the run is kept for review (nothing else is stored).
    A mentee of the run never mentors in it unless `mentees_may_mentor`.

    `formats` (circle, group): form those first, from the mentees who take them, then match
    the rest in pairs of `model` (None: no pairs). InvalidInput (field `formats` or `model`,
    rule program.models) for a format the program does not declare, or neither given."""
    declared = program_of(state.store, program)
    problems = [
        {"field": "formats", "reason": f"program.models: {f.value} is not a format to form"}
        for f in formats
        if f not in FORMED_FORMATS
    ] + [
        {"field": "formats", "reason": f"program.models: {program!r} does not run {f.value}"}
        for f in formats
        if f not in declared.models
    ]
    if model is not None and model not in declared.models:
        problems.append(
            {"field": "model", "reason": f"program.models: {program!r} does not run {model.value}"}
        )
    if model is None and not formats:
        problems.append({"field": "model", "reason": "give a pair model or formats to form"})
    if problems:
        raise InvalidInput(f"{problems[0]['field']}: {problems[0]['reason']}", details=problems)
    options = RecommendOptions(
        model=model or MentoringModel.one_to_one,
        format=format,
        asynchronous=asynchronous,
        weights=current_weights(state),
    )
    snapshot = state.current_snapshot()
    formed = Formed()
    if formats:
        result, formed = match_formats(
            snapshot,
            declared,
            now=utcnow(),
            formats=formats,
            pairs_model=model,
            options=options,
            candidates_per_mentee=candidates_per_mentee,
            mentees_may_mentor=mentees_may_mentor,
            progress=state.progress,
        )
    else:
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
    members = {p.mentee_id for p in result.proposals} | formed.members
    goal_texts = {gid: st.goals[gid].text for m in members for gid in st.goals_of.get(m, ())}
    keep = state.cohort_runs.record(
        result, run_id, by=actor_of(who), goal_texts=goal_texts, formed=formed
    )
    detail = {
        "run_id": run_id,
        "matched": result.matched,
        "groups": len(formed.groups),
        "circles": len(formed.circles),
    }
    # The run and its audit entry land together (the data version stays as it is).
    state.write([keep, AppendAudit([audit.entry(who, "cohort.match", program, detail)])])
    return CohortRun(run_id=run_id, result=result, formed=formed)


def publish(state: AppState, who: Who, run_id: str) -> list[Pairing]:
    """Store the run's proposals as proposed pairings (one apply). NotFound: unknown run.
    Conflict: already published, or the graph changed since the run."""
    run = state.cohort_runs.get(run_id)
    if run.published:
        raise Conflict(f"cohort run {run_id!r} is already published")

    def plan(store: GraphStore) -> Planned[list[Pairing]]:
        by = actor_of(who)
        planned = plan_publish(store, run.result, by=by)
        formed = plan_publish_formed(
            store,
            program_of(store, run.result.program),
            run.formed,
            data_version=run.result.data_version,
            by=by,
        )
        # The store's guard: the run unpublished and the graph at the run's version, checked
        # in the apply's own transaction (another worker may publish or write meanwhile).
        guard = PublishCohortRun(run_id, run.result.data_version, at=utcnow(), by=by)
        guarded = Planned([guard, *planned.ops, *formed.ops], [*planned.result, *formed.result])
        detail = {
            "run_id": run_id,
            "pairings": len(planned.result),
            "groups": len(run.formed.groups),
            "circles": len(run.formed.circles),
        }
        return audited(guarded, who, "cohort.publish", run.result.program, detail)

    return state.write_plan(plan)
