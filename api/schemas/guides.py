"""Bodies and answers of the guide, skill-gap, growth and ranking-weights routes."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import ApiModel
from graph.analytics.growth import SuggestedMentor
from graph.model import NodeId, Person, PersonSkill


class SuggestedMentorsPublic(ApiModel):
    data: list[SuggestedMentor]
    count: int
    grown_from_mentees: int = Field(description="mentors so far who were mentees before")
    threshold: int = Field(description="the level a skill must reach to be suggested")


class MentorOptIn(ApiModel):
    skill_ids: list[NodeId] = Field(min_length=1, max_length=50)
    max_mentees: int = Field(default=1, ge=1, le=50)
    max_hours_per_month: float = Field(default=2.0, gt=0.0, le=200.0)


class MentorOptInResult(ApiModel):
    person: Person
    skills: list[PersonSkill]


class WeightsIn(ApiModel):
    """Weights set by hand: every component, each 0-1, summing to 1 (within 0.01)."""

    weights: dict[str, float] = Field(
        description="skill_fit, availability, capacity, preferences, feedback"
    )


class WeightsOut(ApiModel):
    weights: dict[str, float]
