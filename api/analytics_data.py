"""The analytics' view of the org: read from the recommender's snapshot, which the service
keeps current on every write, so analytics never cost a second full read of the store."""

from __future__ import annotations

from datetime import UTC, datetime

from api.state import AppState
from graph.analytics import OrgData
from graph.analytics.viability import (
    UnmatchedMentee,
    mentees_without_viable_mentor,
)
from graph.analytics.viability import (
    recommendation_exposures as _exposures,
)
from taxonomy.mapping import MappingConfig
from taxonomy.rerank import RerankModel


def mapping_threshold(state: AppState) -> float:
    """The confidence the running goal mapper trusts a skill at (coverage counts only targets
    at or above it); the default mapper's when none is running."""
    if state.mapper is not None:
        return state.mapper.threshold
    configured = MappingConfig().threshold
    return RerankModel.load().threshold if configured is None else configured


def org_data(state: AppState) -> OrgData:
    return OrgData.from_snapshot(state.current_snapshot().state)


def recommendation_exposures(state: AppState, *, sample: int = 200, k: int = 10) -> dict[str, int]:
    """How often each mentor appears in the top-k of (an even sample of) mentees."""
    return _exposures(state.current_snapshot(), now=datetime.now(UTC), sample=sample, k=k)


def unmatched_mentees(state: AppState, *, limit: int) -> list[UnmatchedMentee]:
    return mentees_without_viable_mentor(
        state.current_snapshot(), now=datetime.now(UTC), limit=limit
    )
