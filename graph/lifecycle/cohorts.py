"""Publishing a matched cohort: its proposals become proposed pairings in one apply."""

from __future__ import annotations

from datetime import datetime

from graph.errors import Conflict
from graph.lifecycle.pairings import build_proposal, with_baseline
from graph.model import Pairing
from graph.recommend.cohort import CohortResult, ProposedPairing
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, Planned, UpsertPairings, touched_by


def cohort_reason(proposal: ProposedPairing) -> str:
    """The pairing-history reason of a published proposal: the skill names it rests on, never
    the recommendation's reasons (they quote the mentee's goal text, which the proposed
    mentor may not read)."""
    if not proposal.skills:
        return "cohort match"
    return "cohort match on skills: " + ", ".join(proposal.skills[:3])


def plan_publish(
    store: GraphStore,
    result: CohortResult,
    *,
    by: str | None,
    now: datetime | None = None,
) -> Planned[list[Pairing]]:
    """The result's proposals as proposed pairings: the ops of ONE apply (none when the
    result has no proposals).

    Refuses (Conflict) if the store changed since the snapshot the result was computed on:
    capacities and guardrails would have to be checked again. Call it where no other write
    can come between the check and the apply (the app's write lock).
    """
    if store.data_version() != result.data_version:
        raise Conflict(
            f"the graph changed since this cohort was matched (data version "
            f"{result.data_version} -> {store.data_version()}); match it again"
        )
    pairings = [
        build_proposal(
            mentor_id=p.mentor_id,
            mentee_ids=[p.mentee_id],
            program=result.program,
            model=result.model,
            goal_ids=p.goal_ids,
            hours_per_month=p.hours_per_month,
            score=p.score,
            by=by,
            reason=cohort_reason(p),
            now=now,
        )
        for p in result.proposals
    ]
    pairings = [with_baseline(store, p) for p in pairings]
    return Planned([UpsertPairings(pairings)] if pairings else [], pairings)


def publish(
    store: GraphStore,
    result: CohortResult,
    *,
    by: str | None,
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
) -> list[Pairing]:
    """Store the result's proposals as proposed pairings in ONE apply (see `plan_publish`).
    With `snapshot`, it re-reads the new pairings from the store so it stays current."""
    planned = plan_publish(store, result, by=by, now=now)
    planned.apply_to(store)
    if snapshot is not None and planned.ops:
        snapshot.refresh(store, touched_by(planned.ops))
    return planned.result
