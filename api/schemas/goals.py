"""Goals: free text plus SMART fields, and the taxonomy nodes they map to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from api.schemas.common import ApiModel
from graph.errors import InvalidInput
from graph.model import GoalStatus, Milestone, NodeId, ProposedMentorSharing, TargetSource
from taxonomy.goal_text import check_text


def _mappable(text: str) -> str:
    """Refuse what no goal can be (whitespace only, control/binary characters, no letter at
    all: emoji-only): a 422 naming the field, with taxonomy.goal_text.check_text's reason."""
    try:
        check_text(text, "text")
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return text


GoalText = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_mappable)]


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


class GoalMappingPublic(ApiModel):
    """How well the goal's text mapped (create, update of the text, remap). `fell_back`: no
    skill was confident enough, the targets are broad clusters; `vague`: the goal names no
    specific skill; `choose`: the targets are choices the mentee should pick from (either of
    those); `reason`: the mapper's words, with a hint when the goal's language has no labels
    in the taxonomy; `language`: the goal's language as guessed ("en", "de", "es", "fr")."""

    fell_back: bool
    vague: bool
    choose: bool
    reason: str
    language: str


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
    mapping: GoalMappingPublic | None = Field(
        default=None,
        description="the verdict on the mapping, on the answer to a create, a text update or "
        "a remap; null otherwise and for a caller who may not read the goal's text",
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


class MappedTargetPublic(ApiModel):
    """What one skill named in the goal maps to (a goal naming two skills has two)."""

    text: str
    candidates: list[MappedNodePublic]
    confidence: float
    fell_back: bool
    reason: str = ""


class MapResult(ApiModel):
    """`candidates`: all targets merged, best first (at most k); `targets`: one per skill the
    goal names; `vague`: the goal names no specific skill, the candidates are areas to choose
    from."""

    candidates: list[MappedNodePublic]
    targets: list[MappedTargetPublic] = Field(default_factory=list)
    fell_back: bool
    vague: bool = False
    reason: str = ""
    language: str | None = Field(
        default=None,
        description="the goal's language as the mapper read it (en, de, es, fr): by its "
        "function words, else by the taxonomy labels its words come from",
    )
