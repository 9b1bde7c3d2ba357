"""The competency map as the API shows it, and the bodies of steward edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from api.schemas.common import ApiModel
from graph.model import Label, NodeId, NodeStatus, Skill, SkillCluster

Reason = Annotated[str, Field(default="", max_length=2000, description="why (kept in history)")]


class NodePublic(ApiModel):
    id: str
    kind: Literal["skill", "cluster"]
    label: str
    description: str
    aliases: list[str]
    source: str
    status: NodeStatus
    replaced_by: list[str]
    skill_type: str | None = None
    code: str | None = None
    tier: int | None = None
    language: str = Field(default="en", description="language of label and aliases")
    aliases_by_language: dict[str, list[str]] = Field(
        default_factory=dict, description="labels in other languages, preferred label first"
    )
    reuse_level: str | None = Field(default=None, description="ESCO reuse level of a skill")


class NodesPublic(ApiModel):
    data: list[NodePublic]
    count: int


class Neighbourhood(ApiModel):
    node: NodePublic
    path_to_root: list[NodePublic] = Field(description="parents up to a top cluster, nearest first")
    parents: list[NodePublic]
    children: list[NodePublic]
    siblings: list[NodePublic]
    holders: int = Field(description="people who have this skill")
    mentors: int = Field(description="holders willing to mentor in it")
    goals: int = Field(description="goals that target this node")


class ChangePublic(ApiModel):
    id: str
    at: datetime
    actor: str
    op: str
    node_ids: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    reverts: str | None
    reverted_by: str | None


class ChangesPublic(ApiModel):
    data: list[ChangePublic]
    count: int


class SkillCreate(Skill):
    parents: list[NodeId] = Field(default_factory=list, max_length=20)
    reason: Reason


class ClusterCreate(SkillCluster):
    parents: list[NodeId] = Field(default_factory=list, max_length=20)
    reason: Reason


class Rename(ApiModel):
    label: Label
    keep_old_as_alias: bool = True
    reason: Reason


class Describe(ApiModel):
    description: str = Field(max_length=10_000)
    reason: Reason


class AliasIn(ApiModel):
    alias: Label
    reason: Reason


class Move(ApiModel):
    parent_ids: list[NodeId] = Field(max_length=20)
    reason: Reason


class Merge(ApiModel):
    into: NodeId = Field(description="the surviving node")
    reason: Reason


class NewNode(ApiModel):
    id: NodeId
    label: Label
    description: str = Field(default="", max_length=10_000)
    aliases: list[Label] = Field(default_factory=list, max_length=100)


class Split(ApiModel):
    into: list[NewNode] = Field(min_length=2, max_length=20)
    reason: Reason


class Deprecate(ApiModel):
    replacement_id: NodeId | None = None
    reason: Reason


class Revert(ApiModel):
    reason: Reason
