"""People: profile, skills with levels, availability, capacity, preferences, consent."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import ApiModel, partial_of
from api.schemas.pairings import PairingConflictPublic
from graph.model import Level, NodeId, Person


class PersonCreate(Person):
    """A new person; `id` is the HR id (stable across imports)."""


# Leaving is off-boarding (DELETE /v1/people/{id}), never a field edit.
PersonUpdate = partial_of(Person, "PersonUpdate", exclude={"id", "left_on", "erased_at"})
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


class PeopleImport(ApiModel):
    """An HR export as text (the same CSV / JSON Lines formats as `mentorgraph import people`)."""

    format: Literal["csv", "jsonl"]
    content: str = Field(min_length=1, description="the file's text")
    dry_run: bool = False
    allow_partial: bool = Field(
        default=False, description="write the valid records; the others come back in `rejected`"
    )
    full_export: bool = Field(
        default=False,
        description="the file lists everyone: stored people it leaves out are off-boarded",
    )
    # how the CSV is written (ignored for JSON Lines); see docs/people-format.md
    delimiter: str | None = Field(
        default=None, max_length=16, description="CSV delimiter (default: detected)"
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        max_length=200,
        description='the file\'s header names -> people columns, e.g. {"Employee ID": "id"}; '
        '"" ignores a column',
    )


class ImportProblem(ApiModel):
    row: int
    field: str
    reason: str
    source: str | None = None


class PeopleImportResult(ApiModel):
    dry_run: bool
    written: bool
    records: int
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    skills_written: int
    skills_removed: int
    goals_added: int
    goals_changed: int
    goals_mapped: int
    problems: list[ImportProblem]
    warnings: list[ImportProblem] = Field(
        default_factory=list, description="imported, but likely wrong (e.g. EST in New York)"
    )
    notes: list[ImportProblem] = Field(
        default_factory=list, description="how the file was read (Windows zone names, repeats)"
    )
    rejected: str | None = Field(description="rejected records in the input format, with `error`")
    conflicts: list[PairingConflictPublic] = Field(
        default_factory=list,
        description="open pairings of imported people that break a rule after the import",
    )
    leavers: list[str] = Field(
        default_factory=list,
        description="people the file marks as leavers (status/left_on) or, with full_export, "
        "leaves out; not imported",
    )
    offboarded: list[str] = Field(
        default_factory=list, description="those of `leavers` this import off-boarded"
    )
    summary: str
