"""Cohort matching: run the optimal matcher for a program, review, then publish.

A run may also form groups and peer circles (`formats`, graph.recommend.groups.match_formats)
before matching the rest in pairs; publishing stores pairs, groups and circles as proposals
in one apply. The run's formats and pair model must be ones the program declares
(InvalidInput naming `formats`/`model`, rule program.models).

A run is kept in memory (`state.cohort_runs`, the last few per process) until published;
publishing refuses if the graph changed since the run, so capacities and guardrails are never
stale. Running writes nothing but its audit entry (which leaves the data version as it is).
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
from graph.store import AppendAudit, GraphStore, Planned


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
    formed = Formed()
    if formats:
        result, formed = match_formats(
            state.current_snapshot(),
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
            state.current_snapshot(),
            program,
            now=utcnow(),
            options=options,
            candidates_per_mentee=candidates_per_mentee,
            progress=state.progress,
            mentees_may_mentor=mentees_may_mentor,
        )
    run_id = state.cohort_runs.new_id()
    detail = {
        "run_id": run_id,
        "matched": result.matched,
        "groups": len(formed.groups),
        "circles": len(formed.circles),
    }
    state.write([AppendAudit([audit.entry(who, "cohort.match", program, detail)])])
    run = state.cohort_runs.add(result, run_id, formed)  # kept once its audit entry is written
    return run


def publish(state: AppState, who: Who, run_id: str) -> list[Pairing]:
    """Store the run's proposals as proposed pairings (one apply). NotFound: unknown run.
    Conflict: already published, or the graph changed since the run."""
    run = state.cohort_runs.get(run_id)
    if run.published:
        raise Conflict(f"cohort run {run_id!r} is already published")

    def plan(store: GraphStore) -> Planned[list[Pairing]]:
        planned = plan_publish(store, run.result, by=actor_of(who))
        formed = plan_publish_formed(
            store,
            program_of(store, run.result.program),
            run.formed,
            data_version=run.result.data_version,
            by=actor_of(who),
        )
        both = Planned([*planned.ops, *formed.ops], [*planned.result, *formed.result])
        detail = {
            "run_id": run_id,
            "pairings": len(planned.result),
            "groups": len(run.formed.groups),
            "circles": len(run.formed.circles),
        }
        return audited(both, who, "cohort.publish", run.result.program, detail)

    pairings = state.write_plan(plan)
    state.cohort_runs.mark_published(run_id)
    return pairings
