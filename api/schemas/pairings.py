"""Pairings, check-ins, recommendations and cohort runs at the API boundary."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import CheckIn, Format, Level, MentoringModel, NodeId, Pairing, PairingStatus
from graph.recommend import Recommendation

Reason = Field(default="", max_length=2000)


class PairingCreate(ApiModel):
    mentor_id: NodeId
    mentee_ids: list[NodeId] = Field(min_length=1, max_length=50)
    program: str | None = Field(default=None, max_length=200)
    model: MentoringModel = MentoringModel.one_to_one
    format: Format = Format.video
    goal_ids: list[NodeId] = Field(default_factory=list, max_length=50)
    hours_per_month: float = Field(default=2.0, ge=0.0, le=200.0)
    reason: str = Reason


class PairingPublic(Pairing):
    """A pairing with its history of status changes."""


class PairingsPublic(ApiModel):
    data: list[PairingPublic]
    count: int


class Accept(ApiModel):
    activate: bool = Field(default=False, description="also mark it started (first session)")
    reason: str = Reason


class Transition(ApiModel):
    reason: str = Reason


class Decline(ApiModel):
    reason: str = Reason
    do_not_pair_again: bool = False


class CheckInCreate(ApiModel):
    on: date
    rating: Level
    note: str = Field(default="", max_length=5000)


class CheckInPublic(CheckIn):
    pass


class CheckInsPublic(ApiModel):
    data: list[CheckInPublic]
    count: int


class RecommendationsPublic(ApiModel):
    mentee_id: str
    data: list[Recommendation]
    count: int
    why_none: list[str] = Field(
        default_factory=list,
        description="when nobody is suggested: why, one line per person holding a skill the "
        "goals reach (no names), e.g. 'The only person holding a skill these goals reach "
        "(\"negotiate supplier arrangements\", level 4) is the mentee's manager'",
    )
    why_few: list[str] = Field(
        default_factory=list,
        description="when fewer than k are suggested (but some are): how many more mentors "
        "holding a skill the goals reach each rule removed (no names), e.g. '74 more mentors "
        "hold related skills but share under 1 h a week with you; try format=async or "
        "min_overlap_hours=0'",
    )


class StalledPublic(ApiModel):
    pairing_id: str
    mentor_id: str
    mentee_ids: list[str]
    program: str | None
    reasons: list[str]
    days_silent: int
    last_check_in: date | None
    recent_ratings: list[int]


class StalledListPublic(ApiModel):
    data: list[StalledPublic]
    count: int


class AlternatesPublic(ApiModel):
    pairing_id: str
    alternates: dict[str, list[Recommendation]] = Field(description="mentee id -> mentors")


class CohortMatch(ApiModel):
    model: MentoringModel | None = Field(
        default=MentoringModel.one_to_one,
        description="the pairs' model; null: no pairs (only the formats below)",
    )
    formats: list[MentoringModel] = Field(
        default_factory=list,
        max_length=2,
        description="circle and/or group: formed first (in this order) among the mentees "
        "who take them; the rest are matched in pairs",
    )
    format: Format | None = None
    asynchronous: bool = False
    candidates_per_mentee: int = Field(default=50, ge=1, le=500)
    mentees_may_mentor: bool = Field(
        default=False,
        description="let a mentee of this run also mentor in it (off: one role per person)",
    )


class ProposedPublic(ApiModel):
    mentor_id: str
    mentee_id: str
    score: float
    reasons: list[str]
    goal_ids: list[str]
    hours_per_month: float


class UnmatchedPublic(ApiModel):
    mentee_id: str
    reason: str


class GroupMemberPublic(ApiModel):
    mentee_id: str
    reasons: list[str] = Field(description="why this mentor, for this member")


class FormedGroupPublic(ApiModel):
    mentor_id: str
    members: list[GroupMemberPublic]
    cluster_id: str | None
    score: float
    hours_per_month: float = Field(description="what the group costs its mentor, once")
    skills: list[str]
    goal_ids: list[str]


class CircleMemberPublic(ApiModel):
    person_id: str
    reasons: list[str]


class FormedCirclePublic(ApiModel):
    members: list[CircleMemberPublic] = Field(description="the first convenes the circle")
    cluster_id: str | None
    hours_per_month: float
    goal_ids: list[str] = Field(default_factory=list, description="members' goals it serves")
    skills: list[str] = Field(default_factory=list, description="skills the circle is about")


class CohortRunPublic(ApiModel):
    run_id: str
    program: str
    model: MentoringModel
    proposals: list[ProposedPublic]
    groups: list[FormedGroupPublic] = Field(default_factory=list)
    circles: list[FormedCirclePublic] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="for each asked format that formed nothing, why"
    )
    unmatched: list[UnmatchedPublic]
    matched: int
    total_score: float
    greedy_matched: int = Field(description="what a greedy matcher gets on the same candidates")
    greedy_total: float
    candidate_edges: int
    data_version: int
    published: bool = False


class RuleProblem(ApiModel):
    rule: str = Field(description="capacity, guardrail, wants_mentoring, mentor or mentee")
    mentee_id: str | None = None
    reason: str


class PairingConflictPublic(ApiModel):
    """An open pairing that breaks a rule now (e.g. after an HR import lowered capacity)."""

    pairing_id: str
    mentor_id: str
    mentee_ids: list[str]
    status: PairingStatus
    problems: list[RuleProblem]


class PairingConflictsPublic(ApiModel):
    data: list[PairingConflictPublic]
    count: int
