"""Off-boarding, erasure, one's own data: response shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import PairingStatus


class EndedPairing(ApiModel):
    id: str
    status: PairingStatus = Field(description="declined (was proposed) or closed")
    mentor_id: str
    mentee_ids: list[str]
    close_reason: str


class PersonRemoval(ApiModel):
    """What off-boarding did. `erased`: the personal data is gone already (`?erase=now`, or
    an earlier erasure); otherwise it is erased on `erase_after` (the grace period)."""

    person_id: str
    left_on: date
    already_left: bool = Field(description="they had been off-boarded before: nothing new")
    ended_pairings: list[EndedPairing]
    left_pairings: list[str] = Field(
        default_factory=list,
        description="groups and circles they left that carry on without them (ids)",
    )
    keys_revoked: list[str]
    alternates: dict[str, list[str]] = Field(
        description="mentee id -> other mentors (ids, best first) for the pairings they led"
    )
    erased: bool
    erase_after: date | None
    erased_counts: dict[str, int] = Field(
        default_factory=dict, description="records rewritten by the erasure, per kind"
    )


class PersonDataExport(ApiModel):
    """Everything stored about one person (GDPR Art. 15)."""

    exported_at: str
    person: dict[str, Any]
    skills: list[dict[str, Any]]
    goals: list[dict[str, Any]] = Field(description="with text, milestones and targets")
    pairings: list[dict[str, Any]]
    checkins: list[dict[str, Any]] = Field(description="the check-ins they wrote")
    api_keys: list[dict[str, Any]] = Field(description="their keys (never the secret or hash)")
    audit: list[dict[str, Any]] = Field(description="entries by or about them, newest first")
