"""Programs and their formats at the API boundary: declarations, group / circle / micro
proposals, micro-session mentors."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import (
    CIRCLE_MAX,
    CIRCLE_MIN,
    GROUP_MIN,
    MICRO_MINUTES,
    Format,
    MentoringModel,
    NodeId,
    Program,
)

Reason = Field(default="", max_length=2000)


class ProgramDeclare(ApiModel):
    """A program's formats and intensity (the id is the path's `program`)."""

    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    models: list[MentoringModel] = Field(
        min_length=1,
        max_length=6,
        description="formats offered: one_to_one, group, peer, "
        "circle (peer circles), reverse, micro",
    )
    hours_per_month: float = Field(
        default=2.0, gt=0.0, le=200.0, description="how long a pairing, group or circle meets"
    )
    months: int | None = Field(default=None, ge=1, le=60, description="duration; none = open")
    max_group_size: int = Field(
        default=5, ge=GROUP_MIN, le=50, description="most mentees in one group (N of 2-N)"
    )
    max_circle_size: int = Field(
        default=CIRCLE_MAX, ge=CIRCLE_MIN, le=CIRCLE_MAX, description="most members of a circle"
    )
    micro_session_minutes: int = Field(
        default=45, ge=MICRO_MINUTES[0], le=MICRO_MINUTES[1], description="a micro session"
    )


class ProgramPublic(Program):
    """A program's declaration; `declared` is false for a program nobody declared (what it
    allows: every format at default intensity)."""

    declared: bool = True


class ProgramsPublic(ApiModel):
    data: list[ProgramPublic]
    count: int


class GroupCreate(ApiModel):
    mentor_id: NodeId
    mentee_ids: list[NodeId] = Field(
        min_length=1, max_length=50, description="2..the program's max_group_size mentees"
    )
    format: Format = Format.video
    goal_ids: list[NodeId] = Field(default_factory=list, max_length=50)
    hours_per_month: float | None = Field(
        default=None, gt=0.0, le=200.0, description="default: the program's hours_per_month"
    )
    reason: str = Reason


class CircleCreate(ApiModel):
    member_ids: list[NodeId] = Field(
        min_length=1,
        max_length=50,
        description="3..the program's max_circle_size (at most 6) equals; the first convenes",
    )
    format: Format = Format.video
    hours_per_month: float | None = Field(default=None, gt=0.0, le=200.0)
    reason: str = Reason


class MicroCreate(ApiModel):
    mentor_id: NodeId
    mentee_id: NodeId
    skill_id: NodeId
    session_minutes: int | None = Field(
        default=None,
        ge=MICRO_MINUTES[0],
        le=MICRO_MINUTES[1],
        description="30-60; default: the program's micro_session_minutes",
    )
    format: Format = Format.video
    reason: str = Reason


class MicroCandidatePublic(ApiModel):
    mentor_id: str
    skill_id: str
    level: int
    hours_free: float
    reasons: list[str]


class MicroCandidatesPublic(ApiModel):
    program: str
    mentee_id: str
    skill_id: str
    session_minutes: int
    data: list[MicroCandidatePublic]
    count: int
