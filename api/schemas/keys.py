"""API keys as the API shows them: never the hash, the secret only once at creation."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import NodeId, Role


class KeyCreate(ApiModel):
    roles: list[Role] = Field(min_length=1, max_length=5)
    person_id: NodeId | None = None
    label: str = Field(default="", max_length=200)
    expires_at: datetime | None = None


class KeyPublic(ApiModel):
    id: str
    roles: list[Role]
    person_id: str | None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    token: str = Field(description="the secret, shown only now: send as 'Bearer <token>'")


class KeysPublic(ApiModel):
    data: list[KeyPublic]
    count: int


class WhoAmI(ApiModel):
    key_id: str
    person_id: str | None
    roles: list[Role]
