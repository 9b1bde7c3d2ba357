"""Publishing a matched cohort: its proposals become proposed pairings in one apply."""

from __future__ import annotations

from datetime import datetime

from graph.errors import Conflict
from graph.lifecycle.pairings import build_proposal
from graph.model import Pairing
from graph.recommend.cohort import CohortResult
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, UpsertPairings, touched_by


def publish(
    store: GraphStore,
    result: CohortResult,
    *,
    by: str | None,
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
) -> list[Pairing]:
    """Store the result's proposals as proposed pairings in ONE apply.

    Refuses (Conflict, nothing written) if the store changed since the snapshot the result was
    computed on: capacities and guardrails would have to be checked again. With `snapshot`,
    it re-reads the new pairings from the store so it stays current.
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
            reason="cohort match: " + "; ".join(p.reasons[:3]),
            now=now,
        )
        for p in result.proposals
    ]
    if not pairings:
        return []
    ops = [UpsertPairings(pairings)]
    store.apply(ops)
    if snapshot is not None:
        snapshot.refresh(store, touched_by(ops))
    return pairings
