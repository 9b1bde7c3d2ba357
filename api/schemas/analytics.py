"""Request/response models of the analytics routes that are not domain reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
