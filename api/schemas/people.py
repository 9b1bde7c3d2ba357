"""People: profile, skills with levels, availability, capacity, preferences, consent."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import ApiModel, partial_of
from graph.model import Level, NodeId, Person


class PersonCreate(Person):
    """A new person; `id` is the HR id (stable across imports)."""


PersonUpdate = partial_of(Person, "PersonUpdate", exclude={"id"})
PersonUpdate.__doc__ = "Fields to change; omitted fields keep their value."


class PersonPublic(Person):
    """A person as the caller may see them (`attributes` only for self and coordinators)."""


class PeoplePublic(ApiModel):
    data: list[PersonPublic]
    count: int = Field(description="total number of people (all pages)")


class PersonSkillIn(ApiModel):
    skill_id: NodeId
    level: Level
    willing_to_mentor: bool = False


class PersonSkillPublic(PersonSkillIn):
    label: str | None = None


class PersonSkillsPublic(ApiModel):
    data: list[PersonSkillPublic]
    count: int


class PersonSkillsReplace(ApiModel):
    skills: list[PersonSkillIn] = Field(max_length=2000)
