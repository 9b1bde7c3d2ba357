"""Taxonomy: browse, search, a node's neighbourhood and history; steward edits.

Node ids are URIs for ESCO (http://data.europa.eu/esco/skill/...), so routes take them as
`{node_id:path}`; every edit answers with the history entry it wrote.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api import limits
from api.deps import Allow, PrincipalDep, StateDep
from api.schemas.taxonomy import (
    AliasIn,
    ChangePublic,
    ChangesPublic,
    ClusterCreate,
    Deprecate,
    Describe,
    Merge,
    Move,
    Neighbourhood,
    NodePublic,
    NodesPublic,
    Rename,
    Revert,
    SkillCreate,
    Split,
)
from api.usecases import taxonomy as edits
from graph.errors import NotFound
from graph.model import Role, Skill, SkillCluster, TaxonomyChange
from graph.store import GraphStore
from taxonomy import history as taxonomy_history

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])

READ = Allow(*Role)
STEWARD = Allow(Role.steward)
MAX_SIBLINGS = 100


def node_public(node: Skill | SkillCluster) -> NodePublic:
    return NodePublic.model_validate(node.model_dump())


def change_public(change: TaxonomyChange) -> ChangePublic:
    """An edit as recorded; an import summed up (its full diff is megabytes: counts, the first
    ids and where to page through the diff instead, see taxonomy.history)."""
    data = change.model_dump()
    if taxonomy_history.is_bulk(change):
        data["node_ids"] = change.node_ids[:20]
        data["before"] = {}
        data["after"] = {
            "source": change.after.get("source", ""),
            "counts": taxonomy_history.import_counts(change),
            "nodes": len(change.node_ids),
            "diff_url": f"/v1/taxonomy/changes/{change.id}/diff",
        }
    return ChangePublic.model_validate(data)


def _paged(store: GraphStore, node_id: str | None, offset: int, limit: int) -> list[TaxonomyChange]:
    return store.taxonomy_changes(node_id=node_id, limit=offset + limit)[offset:]


def get_node(store: GraphStore, node_id: str) -> Skill | SkillCluster:
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(f"taxonomy node {node_id!r} not found")
    return node


# --- reads ----------------------------------------------------------------------------------


@router.get("/roots", response_model=NodesPublic, dependencies=[READ])
def roots(state: StateDep) -> NodesPublic:
    """The top clusters (no broader node)."""
    store = state.store
    tops = [c for c in store.list_clusters(include_deprecated=False) if not store.parents(c.id)]
    return NodesPublic(data=[node_public(c) for c in tops], count=len(tops))


@router.get("/search", response_model=NodesPublic, dependencies=[READ])
def search(
    state: StateDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=limits.SEARCH_Q_MAX,
            description="words of a label or alias (any order, accents and case ignored), "
            "an ESCO code (S1.1.1, K0413) or a concept URI",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=limits.SEARCH_LIMIT_MAX)] = 20,
    offset: Annotated[int, Query(ge=0, le=limits.OFFSET_MAX)] = 0,
) -> NodesPublic:
    """Nodes matching `q`, best first (id or code, exact label, exact alias, code prefix,
    label, alias: taxonomy.search); `count` is how many match in all."""
    found = edits.search(state, q, limit=limit, offset=offset)
    return NodesPublic(data=[node_public(h.node) for h in found.hits], count=found.total)


Skip = Annotated[int, Query(ge=0, le=10_000, description="changes to skip (newest first)")]


@router.get("/changes", response_model=ChangesPublic, dependencies=[READ])
def changes(
    state: StateDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Skip = 0
) -> ChangesPublic:
    """Recent taxonomy versions (steward edits and imports, summed up), newest first;
    `count`: how many there are in all."""
    rows = _paged(state.store, None, offset, limit)
    total = state.store.count_taxonomy_changes()
    return ChangesPublic(data=[change_public(c) for c in rows], count=total)


@router.get(
    "/nodes/{node_id:path}/neighbourhood", response_model=Neighbourhood, dependencies=[READ]
)
def neighbourhood(node_id: str, state: StateDep) -> Neighbourhood:
    """The node with its path to the top, parents, children, siblings and usage counts."""
    store = state.store
    node = get_node(store, node_id)
    parents = store.parents(node_id)
    path: list[Skill | SkillCluster] = []
    seen = {node_id}
    step = parents[0] if parents else None
    while step is not None and step.id not in seen and len(path) < 50:
        path.append(step)
        seen.add(step.id)
        ups = store.parents(step.id)
        step = ups[0] if ups else None
    children = store.children(node_id)  # a skill may have narrower skills (ESCO)
    siblings: dict[str, Skill | SkillCluster] = {}
    for p in parents:
        for c in store.children(p.id):
            if c.id != node_id and len(siblings) < MAX_SIBLINGS:
                siblings.setdefault(c.id, c)
    holders = store.holders_of(node_id) if node.kind == "skill" else []
    return Neighbourhood(
        node=node_public(node),
        path_to_root=[node_public(n) for n in path],
        parents=[node_public(n) for n in parents],
        children=[node_public(n) for n in children],
        siblings=[node_public(n) for n in siblings.values()],
        holders=len(holders),
        mentors=sum(1 for h in holders if h.willing_to_mentor),
        goals=len(store.targets_of_node(node_id)),
    )


@router.get("/nodes/{node_id:path}/history", response_model=ChangesPublic, dependencies=[READ])
def history(
    node_id: str,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Skip = 0,
) -> ChangesPublic:
    """Every change that touched the node, newest first (imports summed up); `count`: how
    many in all."""
    get_node(state.store, node_id)
    rows = _paged(state.store, node_id, offset, limit)
    total = state.store.count_taxonomy_changes(node_id=node_id)
    return ChangesPublic(data=[change_public(c) for c in rows], count=total)


# --- steward edits --------------------------------------------------------------------------

EDIT: dict[str, Any] = {
    "status_code": status.HTTP_201_CREATED,
    "response_model": ChangePublic,
    "dependencies": [STEWARD],
}


@router.post("/skills", **EDIT)
def create_skill(body: SkillCreate, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Add a skill under the given clusters."""
    skill = Skill.model_validate(body.model_dump(exclude={"parents", "reason"}, exclude_unset=True))
    return change_public(
        edits.create_skill(state, principal, skill, parents=body.parents, reason=body.reason)
    )


@router.post("/clusters", **EDIT)
def create_cluster(body: ClusterCreate, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Add a cluster (a tier of the taxonomy) under the given clusters."""
    cluster = SkillCluster.model_validate(
        body.model_dump(exclude={"parents", "reason"}, exclude_unset=True)
    )
    return change_public(
        edits.create_cluster(state, principal, cluster, parents=body.parents, reason=body.reason)
    )


@router.post("/nodes/{node_id:path}/rename", **EDIT)
def rename(node_id: str, body: Rename, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    return change_public(
        edits.rename(
            state,
            principal,
            node_id,
            body.label,
            reason=body.reason,
            keep_old_as_alias=body.keep_old_as_alias,
        )
    )


@router.post("/nodes/{node_id:path}/describe", **EDIT)
def describe(
    node_id: str, body: Describe, state: StateDep, principal: PrincipalDep
) -> ChangePublic:
    return change_public(
        edits.describe(state, principal, node_id, body.description, reason=body.reason)
    )


@router.post("/nodes/{node_id:path}/aliases", **EDIT)
def add_alias(
    node_id: str, body: AliasIn, state: StateDep, principal: PrincipalDep
) -> ChangePublic:
    return change_public(edits.add_alias(state, principal, node_id, body.alias, reason=body.reason))


@router.post("/nodes/{node_id:path}/aliases/remove", **EDIT)
def remove_alias(
    node_id: str, body: AliasIn, state: StateDep, principal: PrincipalDep
) -> ChangePublic:
    return change_public(
        edits.remove_alias(state, principal, node_id, body.alias, reason=body.reason)
    )


@router.post("/nodes/{node_id:path}/move", **EDIT)
def move(node_id: str, body: Move, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Put the node under exactly these parent clusters."""
    return change_public(edits.move(state, principal, node_id, body.parent_ids, reason=body.reason))


@router.post("/nodes/{node_id:path}/merge", **EDIT)
def merge(node_id: str, body: Merge, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Merge the node into `into`: holders, goal targets and aliases move to the survivor."""
    return change_public(edits.merge(state, principal, node_id, body.into, reason=body.reason))


@router.post("/nodes/{node_id:path}/split", **EDIT)
def split(node_id: str, body: Split, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Replace the node by several new ones of the same kind."""
    into = [n.model_dump() for n in body.into]
    return change_public(edits.split(state, principal, node_id, into, reason=body.reason))


@router.post("/nodes/{node_id:path}/deprecate", **EDIT)
def deprecate(
    node_id: str, body: Deprecate, state: StateDep, principal: PrincipalDep
) -> ChangePublic:
    return change_public(
        edits.deprecate(
            state, principal, node_id, replacement_id=body.replacement_id, reason=body.reason
        )
    )


@router.post("/changes/{change_id}/revert", **EDIT)
def revert(change_id: str, body: Revert, state: StateDep, principal: PrincipalDep) -> ChangePublic:
    """Undo a steward change (as a new change); refused if later changes touched its nodes."""
    return change_public(edits.revert(state, principal, change_id, reason=body.reason))


# Registered last: a bare `{node_id:path}` would otherwise swallow the suffixed routes above.
@router.get("/nodes/{node_id:path}", response_model=NodePublic, dependencies=[READ])
def read_node(node_id: str, state: StateDep) -> NodePublic:
    return node_public(get_node(state.store, node_id))
