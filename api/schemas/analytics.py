"""Request/response models of the analytics routes that are not domain reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graph.analytics.program import StalledRow
from graph.analytics.queries import BridgingSkill, PeoplePath
from graph.analytics.viability import UnmatchedMentee


class CypherQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=10_000, description="read-only Cypher")
    params: dict[str, Any] = Field(default_factory=dict, description="query parameters ($name)")
    limit: int = Field(default=100, ge=1, le=1000, description="most rows returned")
    timeout_s: float = Field(default=5.0, gt=0, le=30, description="server-side timeout")


class CypherResult(BaseModel):
    rows: list[dict[str, Any]]
    count: int
    truncated: bool = Field(description="true when more rows existed than `limit`")


class StalledList(BaseModel):
    """`GET /analytics/stalled`: every stalled pairing; `count` = all of them."""

    data: list[StalledRow]
    count: int


class PathsList(BaseModel):
    """`GET /analytics/queries/paths`: every shortest path found; `count` = all of them."""

    data: list[PeoplePath]
    count: int


class BridgingList(BaseModel):
    """`GET /analytics/queries/bridging`: the `top` best; `count` = how many bridge in all."""

    data: list[BridgingSkill]
    count: int


class UnmatchedList(BaseModel):
    """`GET /analytics/queries/unmatched`: every mentee without a viable mentor among the
    first `limit` seekers examined; `count` = all of those (the list is never cut)."""

    data: list[UnmatchedMentee]
    count: int
