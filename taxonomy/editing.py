"""Steward edits of the taxonomy, each ONE atomic `store.apply` with its history record.

`plan_<edit>` (plan_rename, plan_merge, ...) works the edit out against the store and returns
it unwritten (`graph.store.Planned`: the ops, and the `TaxonomyChange` as its result), so a
caller can add its audit entry to the same apply; `<edit>` (rename, merge, ...) plans and
applies at once.

Every edit returns the `TaxonomyChange` it recorded: who (`actor`), when, `op`, the nodes it
touched, why (`reason`), and `before`/`after` snapshots of everything it changed:

    {"nodes":   {id: node record, or None when the node did not exist},
     "parents": {id: [parent ids]},
     "holders": {skill id: {person id: {"level": n, "willing_to_mentor": b}}},
     "targets": {goal id: [{"node_id", "confidence", "source"}, ...]}}

`revert` restores `before` from those snapshots (see its doc for when it refuses).

Rules worth knowing:
- Nodes are never deleted. merge/split/deprecate set status=deprecated and `replaced_by`.
- merge and split move people's skills and goals' targets with `RepointReferences` in the
  same transaction, so no mentor ever loses a skill and no goal points at a dead node.
- deprecate without a replacement is refused while people hold the skill, goals target the
  node, or active nodes sit under it (InvalidInput): give `replacement_id` so they move.
- move refuses a parent that is not a cluster, a node as its own parent, and any cycle.
- Nodes created by a steward get `source="steward"` unless given one, so a later company
  framework or ESCO import never deprecates them.
- Labels and aliases are compared by `graph.text.label_key`: "customers' needs" and
  "customers’ needs" are one alias, so add_alias refuses the second and remove_alias takes
  either spelling.
- Live labels are unique per kind: a create, rename or split whose label, or an added alias,
  equals (by `label_key`) the label of another live (non-deprecated) node of the same kind
  is refused (Conflict naming that node), because every later lookup by label would have
  two answers. The source of a split may share a label with one of its parts (it is
  deprecated in the same change).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import (
    Broader,
    GoalTarget,
    NodeStatus,
    PersonSkill,
    Skill,
    SkillCluster,
    TaxonomyChange,
)
from graph.store import (
    AddBroader,
    GraphStore,
    Planned,
    RemoveBroader,
    RemovePersonSkills,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    UpsertClusters,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
    applying,
)
from graph.text import label_key

Node = Skill | SkillCluster
STEWARD_SOURCE = "steward"
Snapshot = dict[str, Any]


# --- creating ---------------------------------------------------------------------------------


def plan_create_skill(
    store: GraphStore,
    skill: Skill,
    *,
    parents: Sequence[str] = (),
    actor: str,
    reason: str = "",
) -> Planned[TaxonomyChange]:
    return _create(store, skill, parents, actor=actor, reason=reason)


def plan_create_cluster(
    store: GraphStore,
    cluster: SkillCluster,
    *,
    parents: Sequence[str] = (),
    actor: str,
    reason: str = "",
) -> Planned[TaxonomyChange]:
    return _create(store, cluster, parents, actor=actor, reason=reason)


def _create(
    store: GraphStore, node: Node, parents: Sequence[str], *, actor: str, reason: str
) -> Planned[TaxonomyChange]:
    if store.get_node(node.id) is not None:
        raise Conflict(f"taxonomy node {node.id!r} already exists")
    _refuse_label_clash(store, node, node.label, "label")
    _check_parents(store, node.id, parents)
    if "source" not in node.model_fields_set:
        node = node.model_copy(update={"source": STEWARD_SOURCE})
    node = node.model_copy(update={"status": NodeStatus.active, "replaced_by": []})
    before = {"nodes": {node.id: None}, "parents": {node.id: []}}
    after = {"nodes": {node.id: _dump(node)}, "parents": {node.id: sorted(set(parents))}}
    ops = [_upsert(node), *_edge_ops(node.id, [], parents)]
    return _recorded(store, ops, "create", [node.id, *parents], before, after, actor, reason)


# --- editing one node ---------------------------------------------------------------------------


def plan_rename(
    store: GraphStore,
    node_id: str,
    label: str,
    *,
    actor: str,
    reason: str = "",
    keep_old_as_alias: bool = True,
) -> Planned[TaxonomyChange]:
    """New label; the old one stays findable as an alias unless told otherwise."""
    node = _get(store, node_id)
    _refuse_label_clash(store, node, label, "label")
    aliases = [a for a in node.aliases if label_key(a) != label_key(label)]
    if keep_old_as_alias and label_key(node.label) != label_key(label):
        aliases.append(node.label)
    new = _revalidate(node, label=label, aliases=aliases)
    return _edit_node(store, node, new, "rename", actor, reason)


def plan_describe(
    store: GraphStore, node_id: str, description: str, *, actor: str, reason: str = ""
) -> Planned[TaxonomyChange]:
    node = _get(store, node_id)
    return _edit_node(
        store, node, _revalidate(node, description=description), "describe", actor, reason
    )


def plan_add_alias(
    store: GraphStore, node_id: str, alias: str, *, actor: str, reason: str = ""
) -> Planned[TaxonomyChange]:
    node = _get(store, node_id)
    if label_key(alias) in {label_key(a) for a in [node.label, *node.aliases]}:
        raise Conflict(f"{node_id!r} already has the label or alias {alias!r}")
    _refuse_label_clash(store, node, alias, "alias")
    new = _revalidate(node, aliases=[*node.aliases, alias])
    return _edit_node(store, node, new, "add_alias", actor, reason)


def plan_remove_alias(
    store: GraphStore, node_id: str, alias: str, *, actor: str, reason: str = ""
) -> Planned[TaxonomyChange]:
    node = _get(store, node_id)
    kept = [a for a in node.aliases if label_key(a) != label_key(alias)]
    if len(kept) == len(node.aliases):
        raise NotFound(f"{node_id!r} has no alias {alias!r}")
    return _edit_node(store, node, _revalidate(node, aliases=kept), "remove_alias", actor, reason)


def _edit_node(
    store: GraphStore, old: Node, new: Node, op: str, actor: str, reason: str
) -> Planned[TaxonomyChange]:
    before = {"nodes": {old.id: _dump(old)}}
    after = {"nodes": {new.id: _dump(new)}}
    return _recorded(store, [_upsert(new)], op, [old.id], before, after, actor, reason)


def plan_move(
    store: GraphStore,
    node_id: str,
    parent_ids: Sequence[str],
    *,
    actor: str,
    reason: str = "",
) -> Planned[TaxonomyChange]:
    """Re-parent: `parent_ids` replace all current parents (an empty list makes a root)."""
    _get(store, node_id)
    _check_parents(store, node_id, parent_ids)
    current = _parent_ids(store, node_id)
    wanted = sorted(set(parent_ids))
    before = {"parents": {node_id: current}}
    after = {"parents": {node_id: wanted}}
    ops = _edge_ops(node_id, current, wanted)
    touched = [node_id, *sorted(set(current) | set(wanted))]
    return _recorded(store, ops, "move", touched, before, after, actor, reason)


# --- merge, split, deprecate -----------------------------------------------------------------


def plan_merge(
    store: GraphStore, source_id: str, survivor_id: str, *, actor: str, reason: str = ""
) -> Planned[TaxonomyChange]:
    """Fold `source_id` into `survivor_id`: the survivor gains the source's label and aliases
    as aliases, takes over its holders, goal targets and (clusters) children; the source is
    deprecated with replaced_by=[survivor]."""
    if source_id == survivor_id:
        raise InvalidInput("cannot merge a node into itself")
    source, survivor = _get(store, source_id), _get(store, survivor_id)
    _check_same_kind(source, [survivor])
    _check_active(source, survivor)
    own = {label_key(survivor.label)}
    aliases = [*survivor.aliases, source.label, *source.aliases]
    new_survivor = _revalidate(survivor, aliases=[a for a in aliases if label_key(a) not in own])
    return _replace(store, source, [new_survivor], "merge", actor, reason, extra_before=[survivor])


def plan_split(
    store: GraphStore,
    source_id: str,
    new_nodes: Sequence[Node],
    *,
    actor: str,
    reason: str = "",
) -> Planned[TaxonomyChange]:
    """Replace `source_id` by several new nodes of the same kind, each placed under the
    source's parents; every holder and goal target of the source moves to all of them."""
    source = _get(store, source_id)
    if len(new_nodes) < 2:
        raise InvalidInput("a split needs at least two new nodes")
    _check_active(source)
    _check_same_kind(source, new_nodes)
    ids = [n.id for n in new_nodes]
    if len(set(ids)) != len(ids):
        raise InvalidInput("split: new node ids repeat")
    for node_id in ids:
        if store.get_node(node_id) is not None:
            raise Conflict(f"taxonomy node {node_id!r} already exists")
    keys = [label_key(n.label) for n in new_nodes]
    if len(set(keys)) != len(keys):
        raise Conflict("split: two new nodes have the same label")
    for n in new_nodes:
        _refuse_label_clash(store, n, n.label, "label", ignore=(source_id,))
    parents = _parent_ids(store, source_id)
    created = [
        n.model_copy(
            update={
                "status": NodeStatus.active,
                "replaced_by": [],
                **({} if "source" in n.model_fields_set else {"source": STEWARD_SOURCE}),
            }
        )
        for n in new_nodes
    ]
    return _replace(store, source, created, "split", actor, reason, new_parents=parents)


def plan_deprecate(
    store: GraphStore,
    node_id: str,
    *,
    replacement_id: str | None = None,
    actor: str,
    reason: str = "",
) -> Planned[TaxonomyChange]:
    """Retire a node. With `replacement_id`, references move to the replacement (like a merge
    without alias changes). Without one, refused while anything still points at the node."""
    node = _get(store, node_id)
    _check_active(node)
    if replacement_id is None:
        holders = store.holders_of(node_id) if node.kind == "skill" else []
        goals = store.targets_of_node(node_id)
        kids = [c.id for c in store.children(node_id) if c.status == NodeStatus.active]
        if holders or goals or kids:
            raise InvalidInput(
                f"{node_id!r} is still used by {len(holders)} people, {len(goals)} goals and "
                f"{len(kids)} active child nodes; deprecate it with a replacement_id so they move"
            )
        new = node.model_copy(update={"status": NodeStatus.deprecated})
        return _edit_node(store, node, new, "deprecate", actor, reason)
    if replacement_id == node_id:
        raise InvalidInput("a node cannot replace itself")
    replacement = _get(store, replacement_id)
    _check_same_kind(node, [replacement])
    _check_active(replacement)
    return _replace(store, node, [replacement], "deprecate", actor, reason)


def _replace(
    store: GraphStore,
    source: Node,
    targets: Sequence[Node],
    op: str,
    actor: str,
    reason: str,
    *,
    extra_before: Sequence[Node] = (),
    new_parents: Sequence[str] | None = None,
) -> Planned[TaxonomyChange]:
    """Shared core of merge/split/deprecate-with-replacement, as one apply:
    upsert targets (+ their parents for new nodes), repoint, deprecate source, record."""
    target_ids = [t.id for t in targets]
    stored_targets = {n.id: n for n in extra_before}
    for t in targets:
        if t.id not in stored_targets:
            stored_targets[t.id] = store.get_node(t.id)  # type: ignore[assignment]
    children = [c.id for c in store.children(source.id)] if source.kind == "cluster" else []

    before = _snapshot(store, [source.id, *target_ids], children, [source.id, *target_ids])
    for t in targets:
        before["nodes"][t.id] = _dump(stored_targets[t.id]) if stored_targets[t.id] else None
        if stored_targets[t.id] is None:
            before["parents"][t.id] = []

    deprecated = source.model_copy(
        update={"status": NodeStatus.deprecated, "replaced_by": target_ids}
    )
    ops: list[StoreOp] = []
    for t in targets:
        if stored_targets[t.id] is None or _dump(t) != _dump(stored_targets[t.id]):
            ops.append(_upsert(t))
        if new_parents is not None:
            ops.extend(_edge_ops(t.id, before["parents"][t.id], new_parents))
    ops.append(RepointReferences(source_id=source.id, target_ids=target_ids))
    ops.append(_upsert(deprecated))

    after = _simulate(before, source, targets, deprecated, children, new_parents)
    touched = [source.id, *target_ids, *children]
    return _recorded(store, ops, op, touched, before, after, actor, reason)


def _simulate(
    before: Snapshot,
    source: Node,
    targets: Sequence[Node],
    deprecated: Node,
    children: Sequence[str],
    new_parents: Sequence[str] | None,
) -> Snapshot:
    """The snapshot `RepointReferences` leaves behind (store contract: level = max,
    willing = any; confidence = max, source from the strongest, a tie keeps the existing)."""
    after: Snapshot = {
        "nodes": {source.id: _dump(deprecated), **{t.id: _dump(t) for t in targets}},
        "parents": {k: list(v) for k, v in before["parents"].items()},
        "holders": {k: {p: dict(r) for p, r in v.items()} for k, v in before["holders"].items()},
        "targets": {},
    }
    ids = [t.id for t in targets]
    if new_parents is not None:
        for t in ids:
            after["parents"][t] = sorted(set(new_parents))
    cluster_targets = [t.id for t in targets if t.kind == "cluster"]
    if cluster_targets:
        for child in children:
            moved = set(after["parents"][child]) - {source.id}
            moved |= {t for t in cluster_targets if t != child}
            after["parents"][child] = sorted(moved)
    if source.kind == "skill":
        moved_from = after["holders"].pop(source.id, {})
        after["holders"][source.id] = {}
        for t in ids:
            rows = after["holders"].setdefault(t, {})
            for person, row in moved_from.items():
                if person in rows:
                    rows[person] = {
                        "level": max(rows[person]["level"], row["level"]),
                        "willing_to_mentor": rows[person]["willing_to_mentor"]
                        or row["willing_to_mentor"],
                    }
                else:
                    rows[person] = dict(row)
    for goal_id, rows in before["targets"].items():
        by_node = {r["node_id"]: dict(r) for r in rows}
        moving = by_node.pop(source.id, None)
        if moving is not None:
            for t in ids:
                have = by_node.get(t)
                if have is None or moving["confidence"] > have["confidence"]:
                    by_node[t] = {**moving, "node_id": t}
        after["targets"][goal_id] = _sorted_targets(by_node.values())
    return after


# --- history and revert -----------------------------------------------------------------------


def history(store: GraphStore, node_id: str, *, limit: int = 100) -> list[TaxonomyChange]:
    """Changes that touched `node_id`, newest first."""
    return store.taxonomy_changes(node_id=node_id, limit=limit)


def plan_revert(
    store: GraphStore, change_id: str, *, actor: str, reason: str = ""
) -> Planned[TaxonomyChange]:
    """Undo a steward change by restoring its `before` snapshot, as a new change
    (op="revert", reverts=change_id); the old change is marked reverted_by.

    Refused (Conflict) when the change was already reverted, or when the nodes and parents
    it touched no longer look like its `after` snapshot, i.e. a later change touched them;
    revert the later change first. People's skills and goals' targets are restored row by
    row, only where they still look like the change left them: a level a person changed
    since is theirs to keep. Imports are not reverted here (InvalidInput): re-import the
    previous version of the source instead.
    """
    change = store.get_taxonomy_change(change_id)
    if change is None:
        raise NotFound(f"unknown taxonomy change {change_id!r}")
    if change.reverted_by:
        raise Conflict(f"change {change_id!r} was already reverted by {change.reverted_by!r}")
    if change.op == "import":
        raise InvalidInput("an import is undone by importing the previous version of its source")
    before, after = change.before, change.after
    now = _snapshot(
        store,
        list(after.get("nodes", {})),
        list(after.get("parents", {})),
        list(after.get("holders", {})),
        goal_ids=list(after.get("targets", {})),
    )
    # Records are compared as the model reads them today, so a change recorded before a field
    # was added to the model (language, reuse_level ...) still matches the stored node.
    stale = [
        n
        for n, rec in after.get("nodes", {}).items()
        if now["nodes"].get(n) != (rec and _dump(_load(rec)))
    ] + [n for n, ps in after.get("parents", {}).items() if now["parents"].get(n) != ps]
    if stale:
        later = [
            c.id
            for n in sorted(set(stale))
            for c in store.taxonomy_changes(node_id=n, limit=20)
            if c.at > change.at and c.id != change.id
        ]
        raise Conflict(
            f"cannot revert {change_id!r}: {', '.join(sorted(set(stale)))} changed since"
            + (f" (by {', '.join(dict.fromkeys(later))})" if later else "")
            + "; revert the later changes first"
        )
    ops: list[StoreOp] = []
    for node_id, record in before.get("nodes", {}).items():
        if record is None:  # created by the change: retire it (nodes are never deleted)
            current = _get(store, node_id)
            ops.append(_upsert(current.model_copy(update={"status": NodeStatus.deprecated})))
        else:
            ops.append(_upsert(_load(record)))
    for node_id, parents in before.get("parents", {}).items():
        ops.extend(_edge_ops(node_id, now["parents"].get(node_id, []), parents))
    for skill_id, rows_before in before.get("holders", {}).items():
        rows_after = after.get("holders", {}).get(skill_id, {})
        rows_now = now["holders"].get(skill_id, {})
        upserts: list[PersonSkill] = []
        removals: list[tuple[str, str]] = []
        for person in sorted(set(rows_before) | set(rows_after)):
            if rows_now.get(person) != rows_after.get(person):
                continue  # changed since by the person: theirs to keep
            if person in rows_before:
                upserts.append(
                    PersonSkill(person_id=person, skill_id=skill_id, **rows_before[person])
                )
            elif person in rows_now:
                removals.append((person, skill_id))
        if removals:
            ops.append(RemovePersonSkills(keys=removals))
        if upserts:
            ops.append(UpsertPersonSkills(rows=upserts))
    for goal_id, rows in before.get("targets", {}).items():
        if now["targets"].get(goal_id) == after.get("targets", {}).get(goal_id):
            ops.append(
                SetGoalTargets(
                    goal_id=goal_id,
                    targets=[GoalTarget(goal_id=goal_id, **r) for r in rows],
                )
            )
    undo = TaxonomyChange(
        id=_new_id(),
        actor=actor,
        op="revert",
        node_ids=change.node_ids,
        before=after,
        after=before,
        reason=reason or f"revert {change.op} {change_id}",
        reverts=change_id,
    )
    marked = change.model_copy(update={"reverted_by": undo.id})
    return Planned([*ops, UpsertTaxonomyChanges(rows=[undo, marked])], undo)


# --- the same, planned and applied at once -----------------------------------------------------

create_skill = applying(plan_create_skill)
create_cluster = applying(plan_create_cluster)
rename = applying(plan_rename)
describe = applying(plan_describe)
add_alias = applying(plan_add_alias)
remove_alias = applying(plan_remove_alias)
move = applying(plan_move)
merge = applying(plan_merge)
split = applying(plan_split)
deprecate = applying(plan_deprecate)
revert = applying(plan_revert)


# --- helpers ----------------------------------------------------------------------------------


def _new_id() -> str:
    return f"chg-{uuid.uuid4().hex}"


def _recorded(
    store: GraphStore,
    ops: Sequence[StoreOp],
    op: str,
    node_ids: Iterable[str],
    before: Snapshot,
    after: Snapshot,
    actor: str,
    reason: str,
) -> Planned[TaxonomyChange]:
    change = TaxonomyChange(
        id=_new_id(),
        actor=actor,
        op=op,
        node_ids=list(dict.fromkeys(node_ids)),
        before=before,
        after=after,
        reason=reason,
    )
    return Planned([*ops, UpsertTaxonomyChanges(rows=[change])], change)


def _refuse_label_clash(
    store: GraphStore, node: Node, text: str, what: str, *, ignore: Sequence[str] = ()
) -> None:
    """Conflict when `text` (the new label or alias of `node`) equals by `label_key` the
    label of another live node of the same kind (not `node`, not one in `ignore`)."""
    key = label_key(text)
    for other in store.find_by_label(text):
        if (
            other.id != node.id
            and other.id not in ignore
            and type(other) is type(node)
            and other.status != NodeStatus.deprecated
            and label_key(other.label) == key
        ):
            kind = "skill" if isinstance(node, Skill) else "cluster"
            raise Conflict(
                f"{what} {text!r} is already the label of live {kind} {other.id!r} "
                f"({other.label!r}); live labels are unique",
                details=[{"field": what, "node_id": other.id}],
            )


def _get(store: GraphStore, node_id: str) -> Node:
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(f"unknown taxonomy node {node_id!r}")
    return node


def _dump(node: Node) -> dict[str, Any]:
    return node.model_dump(mode="json")


def _load(record: dict[str, Any]) -> Node:
    return (
        Skill.model_validate(record)
        if record["kind"] == "skill"
        else SkillCluster.model_validate(record)
    )


def _revalidate(node: Node, **changes: Any) -> Node:
    """A copy with `changes`, validated like fresh input (model_copy alone would not)."""
    try:
        return type(node).model_validate({**node.model_dump(), **changes})
    except ValueError as exc:
        raise InvalidInput(f"invalid change to {node.id!r}: {exc}") from None


def _upsert(node: Node) -> StoreOp:
    return UpsertSkills(rows=[node]) if isinstance(node, Skill) else UpsertClusters(rows=[node])


def _parent_ids(store: GraphStore, node_id: str) -> list[str]:
    return sorted(p.id for p in store.parents(node_id))


def _edge_ops(node_id: str, current: Sequence[str], wanted: Sequence[str]) -> list[StoreOp]:
    gone = sorted(set(current) - set(wanted))
    new = sorted(set(wanted) - set(current))
    ops: list[StoreOp] = []
    if gone:
        ops.append(RemoveBroader(rows=[Broader(child_id=node_id, parent_id=p) for p in gone]))
    if new:
        ops.append(AddBroader(rows=[Broader(child_id=node_id, parent_id=p) for p in new]))
    return ops


def _check_parents(store: GraphStore, node_id: str, parent_ids: Sequence[str]) -> None:
    for parent_id in parent_ids:
        if parent_id == node_id:
            raise InvalidInput(f"{node_id!r} cannot be its own parent")
        parent = store.get_node(parent_id)
        if parent is None:
            raise NotFound(f"unknown parent {parent_id!r}")
        if parent.kind != "cluster":
            raise InvalidInput(f"parent {parent_id!r} is a skill; parents must be clusters")
        if _reaches(store, parent_id, node_id):
            raise InvalidInput(
                f"moving {node_id!r} under {parent_id!r} would create a cycle "
                f"({parent_id!r} already sits under {node_id!r})"
            )


def _reaches(store: GraphStore, start: str, goal: str) -> bool:
    """True if `goal` is `start` or one of its ancestors (walks up through the store)."""
    seen = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        if current == goal:
            return True
        for parent in store.parents(current):
            if parent.id not in seen:
                seen.add(parent.id)
                frontier.append(parent.id)
    return False


def _check_same_kind(source: Node, others: Sequence[Node]) -> None:
    for other in others:
        if other.kind != source.kind:
            raise InvalidInput(
                f"{source.id!r} is a {source.kind} but {other.id!r} is a {other.kind}"
            )


def _check_active(*nodes: Node) -> None:
    for node in nodes:
        if node.status != NodeStatus.active:
            raise InvalidInput(f"{node.id!r} is deprecated")


def _sorted_targets(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r["node_id"])


def _snapshot(
    store: GraphStore,
    node_ids: Sequence[str],
    parent_ids_of: Sequence[str],
    holder_skill_ids: Sequence[str],
    *,
    goal_ids: Sequence[str] | None = None,
) -> Snapshot:
    """Current records of the given nodes, parents, holders and goal targets. Without
    `goal_ids`, the goals are those targeting any of `holder_skill_ids`."""
    nodes: dict[str, Any] = {}
    for n in node_ids:
        node = store.get_node(n)
        nodes[n] = _dump(node) if node is not None else None
    parents = {n: _parent_ids(store, n) for n in [*node_ids, *parent_ids_of]}
    holders: dict[str, dict[str, dict[str, Any]]] = {}
    goals: set[str] = set(goal_ids or [])
    for n in holder_skill_ids:
        kind = nodes.get(n, {}) or {}
        if kind.get("kind", "skill") == "skill":
            holders[n] = {
                ps.person_id: {"level": ps.level, "willing_to_mentor": ps.willing_to_mentor}
                for ps in store.holders_of(n)
            }
        if goal_ids is None:
            goals |= {gt.goal_id for gt in store.targets_of_node(n)}
    targets = {
        g: _sorted_targets(
            {"node_id": t.node_id, "confidence": t.confidence, "source": t.source.value}
            for t in store.goal_targets(g)
        )
        for g in sorted(goals)
    }
    return {"nodes": nodes, "parents": parents, "holders": holders, "targets": targets}
