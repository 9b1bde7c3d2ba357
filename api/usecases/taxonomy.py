"""Steward edits of the taxonomy: each one apply with its history record and audit entry,
then the goal mapper is re-indexed. (Importing a whole source is in api.usecases.imports.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from api.audit import actor_of
from api.state import AppState
from api.usecases.base import Who, audited
from graph.errors import NotFound
from graph.model import Skill, SkillCluster, TaxonomyChange
from graph.store import GraphStore, Planned
from taxonomy import editing
from taxonomy.search import SearchPage, for_hierarchy

Node = Skill | SkillCluster
Edit = Callable[[GraphStore, str], Planned[TaxonomyChange]]  # (store, actor) -> the change


def _edit(state: AppState, who: Who, op: str, edit: Edit) -> TaxonomyChange:
    """Plan one steward edit, write it with its audit entry (action `taxonomy.<op>`, target
    the touched node ids, detail the change id) in one apply, re-index the mapper."""

    def plan(store: GraphStore) -> Planned[TaxonomyChange]:
        planned = edit(store, actor_of(who))
        change = planned.result
        target = ",".join(change.node_ids)
        return audited(planned, who, f"taxonomy.{op}", target, {"change_id": change.id})

    change = state.write_plan(plan)
    state.refresh_mapper()
    return change


def create_skill(
    state: AppState, who: Who, skill: Skill, *, parents: Sequence[str] = (), reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "create",
        lambda s, actor: editing.plan_create_skill(
            s, skill, parents=parents, actor=actor, reason=reason
        ),
    )


def create_cluster(
    state: AppState,
    who: Who,
    cluster: SkillCluster,
    *,
    parents: Sequence[str] = (),
    reason: str = "",
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "create",
        lambda s, actor: editing.plan_create_cluster(
            s, cluster, parents=parents, actor=actor, reason=reason
        ),
    )


def rename(
    state: AppState,
    who: Who,
    node_id: str,
    label: str,
    *,
    reason: str = "",
    keep_old_as_alias: bool = True,
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "rename",
        lambda s, actor: editing.plan_rename(
            s, node_id, label, actor=actor, reason=reason, keep_old_as_alias=keep_old_as_alias
        ),
    )


def describe(
    state: AppState, who: Who, node_id: str, description: str, *, reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "describe",
        lambda s, actor: editing.plan_describe(s, node_id, description, actor=actor, reason=reason),
    )


def add_alias(
    state: AppState, who: Who, node_id: str, alias: str, *, reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "add_alias",
        lambda s, actor: editing.plan_add_alias(s, node_id, alias, actor=actor, reason=reason),
    )


def remove_alias(
    state: AppState, who: Who, node_id: str, alias: str, *, reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "remove_alias",
        lambda s, actor: editing.plan_remove_alias(s, node_id, alias, actor=actor, reason=reason),
    )


def move(
    state: AppState, who: Who, node_id: str, parent_ids: Sequence[str], *, reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "move",
        lambda s, actor: editing.plan_move(s, node_id, parent_ids, actor=actor, reason=reason),
    )


def merge(
    state: AppState, who: Who, node_id: str, into: str, *, reason: str = ""
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "merge",
        lambda s, actor: editing.plan_merge(s, node_id, into, actor=actor, reason=reason),
    )


def split(
    state: AppState,
    who: Who,
    node_id: str,
    into: Sequence[Mapping[str, Any]],
    *,
    reason: str = "",
) -> TaxonomyChange:
    """Replace the node by new nodes of its kind, built from `into` (id, label, ...; a new
    cluster takes the source's tier). NotFound for an unknown node."""

    def edit(s: GraphStore, actor: str) -> Planned[TaxonomyChange]:
        source = s.get_node(node_id)
        if source is None:
            raise NotFound(f"taxonomy node {node_id!r} not found")
        new: list[Node]
        if isinstance(source, SkillCluster):
            new = [SkillCluster.model_validate({"tier": source.tier, **n}) for n in into]
        else:
            new = [Skill.model_validate(dict(n)) for n in into]
        return editing.plan_split(s, node_id, new, actor=actor, reason=reason)

    return _edit(state, who, "split", edit)


def deprecate(
    state: AppState,
    who: Who,
    node_id: str,
    *,
    replacement_id: str | None = None,
    reason: str = "",
) -> TaxonomyChange:
    return _edit(
        state,
        who,
        "deprecate",
        lambda s, actor: editing.plan_deprecate(
            s, node_id, replacement_id=replacement_id, actor=actor, reason=reason
        ),
    )


def revert(state: AppState, who: Who, change_id: str, *, reason: str = "") -> TaxonomyChange:
    return _edit(
        state,
        who,
        "revert",
        lambda s, actor: editing.plan_revert(s, change_id, actor=actor, reason=reason),
    )


# --- reads ----------------------------------------------------------------------------------


def search(state: AppState, query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Taxonomy nodes matching `query` (words in any order, aliases in every language, codes,
    concept URIs, accent/case variants; exact hits first: `taxonomy.search`), over the
    current snapshot's taxonomy: the same answer on every store. `total` beside the page."""
    hierarchy = state.current_snapshot().state.hierarchy
    return for_hierarchy(hierarchy).search(query, limit=limit, offset=offset)
