"""Goals: free text plus SMART fields, and the taxonomy nodes they map to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import GoalStatus, Milestone, NodeId, ProposedMentorSharing, TargetSource

GoalText = Annotated[str, Field(min_length=1, max_length=2000)]


class GoalCreate(ApiModel):
    id: NodeId | None = Field(default=None, description="default: generated")
    text: GoalText
    measurable_outcome: str = Field(default="", max_length=2000)
    start_date: date | None = None
    target_date: date | None = None
    milestones: list[Milestone] = Field(default_factory=list, max_length=50)
    share_with_proposed_mentor: ProposedMentorSharing = Field(
        default_factory=ProposedMentorSharing,
        description="what a proposed (not yet accepted) mentor sees: skills (default on), "
        "text (default off)",
    )


class GoalUpdate(ApiModel):
    text: GoalText | None = None
    measurable_outcome: str | None = Field(default=None, max_length=2000)
    start_date: date | None = None
    target_date: date | None = None
    milestones: list[Milestone] | None = Field(default=None, max_length=50)
    status: GoalStatus | None = None
    share_with_proposed_mentor: ProposedMentorSharing | None = None


class GoalTargetPublic(ApiModel):
    node_id: str
    label: str | None
    kind: Literal["skill", "cluster"] | None
    confidence: float
    source: TargetSource


class GoalPublic(ApiModel):
    id: str
    person_id: str
    text: str | None = Field(description="null when the caller may not read the goal's text")
    measurable_outcome: str | None
    start_date: date | None
    target_date: date | None
    milestones: list[Milestone]
    status: GoalStatus
    created_at: datetime
    targets: list[GoalTargetPublic]
    share_with_proposed_mentor: ProposedMentorSharing | None = Field(
        default=None, description="null unless the caller may read the goal's text"
    )


class GoalsPublic(ApiModel):
    data: list[GoalPublic]
    count: int


class GoalCorrection(ApiModel):
    """A steward's correction: the goal maps to exactly these nodes (best first), and its
    wording is taught to the mapper for the first one, privately (never published). `alias`:
    wording the steward types that becomes an alias of the first node (a versioned edit)."""

    node_ids: list[NodeId] = Field(min_length=1, max_length=20)
    reason: str = Field(default="", max_length=2000)
    alias: str | None = Field(default=None, min_length=1, max_length=500)


class MapRequest(ApiModel):
    text: GoalText
    k: int = Field(default=5, ge=1, le=100)


class MappedNodePublic(ApiModel):
    id: str
    label: str
    kind: Literal["skill", "cluster"]
    score: float


class MapResult(ApiModel):
    candidates: list[MappedNodePublic]
    fell_back: bool
    reason: str = ""
