"""Taxonomy history as people read it: one line per change, diffs row by row, imports summed up.

A steward edit (`taxonomy.editing`) records `before`/`after` snapshots of a few nodes; an
import (`taxonomy.importer`) records one change for the whole source, naming every node it
touched. Shown whole, one ESCO import is megabytes in every node's history. So:

- `summary(change)` is the change in one line of words, with counts for an import;
- `diff_rows(change, node_id=None)` lists what changed, one `DiffRow` per field, parent,
  node or edge (for an import: added / changed / deprecated nodes and added / removed edges),
  optionally only the rows about one node; callers page through them;
- `affected(change)` counts the people and goals whose skills or targets the change moved.

Pure functions over `TaxonomyChange` (no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.model import TaxonomyChange

IMPORT_OP = "import"
NODE_FIELDS = ("label", "description", "aliases", "status", "replaced_by", "code", "tier")
OPS_IN_WORDS = {
    "create": "created",
    "rename": "renamed",
    "describe": "described",
    "add_alias": "alias added",
    "remove_alias": "alias removed",
    "move": "moved",
    "merge": "merged",
    "split": "split",
    "deprecate": "deprecated",
    "revert": "reverted",
    IMPORT_OP: "imported",
}


@dataclass(frozen=True)
class DiffRow:
    """One thing a change changed. `what`: "added", "changed", "deprecated", "field",
    "parent added", "parent removed", "edge added", "edge removed", "holders moved",
    "goals retargeted". `field` names the node field for "field" rows."""

    node_id: str
    what: str
    field: str = ""
    before: Any = None
    after: Any = None


def is_bulk(change: TaxonomyChange) -> bool:
    return change.op == IMPORT_OP


def import_counts(change: TaxonomyChange) -> dict[str, int]:
    """added / changed / deprecated nodes and edges added / removed by an import."""
    after = change.after
    return {
        key: len(after.get(key, []) or [])
        for key in ("added", "changed", "deprecated", "edges_added", "edges_removed")
    }


def summary(change: TaxonomyChange, undone: TaxonomyChange | None = None) -> str:
    """The change in one line: 'import of esco: 13,983 added, 2 changed, ...',
    'merged “a” into “b”', 'alias “consultas SQL” added to “SQL”', 'renamed “old” -> “new”'.
    A revert reads 'reverted: <summary of `undone`>' when the caller passes the change it
    undid (`change.reverts`); without it, the nodes it touched."""
    if change.op == "revert" and undone is not None:
        return f"reverted: {summary(undone)}"
    if is_bulk(change):
        counts = import_counts(change)
        parts = [f"{n:,} {k.replace('_', ' ')}" for k, n in counts.items() if n]
        source = change.after.get("source", "")
        return f"import of {source}: " + (", ".join(parts) or "no change")
    nodes = _nodes(change)

    def label(node_id: str) -> str:
        before, after = nodes.get(node_id, (None, None))
        return f"“{(after or before or {}).get('label', node_id)}”"

    gone = [
        n
        for n, (_, after) in nodes.items()
        if after and after.get("status") == "deprecated" and after.get("replaced_by")
    ]
    if change.op in ("merge", "split", "deprecate") and gone:
        into = ", ".join(label(t) for t in nodes[gone[0]][1].get("replaced_by", []))
        verb = {"merge": "merged", "split": "split", "deprecate": "deprecated"}[change.op]
        link = "replaced by" if change.op == "deprecate" else "into"
        return f"{verb} {label(gone[0])} {link} {into}"
    if len(nodes) == 1:
        line = _one_node_line(change.op, *next(iter(nodes.values())))
        if line:
            return line
    labels = [label(n)[1:-1] for n in nodes]
    verb = OPS_IN_WORDS.get(change.op, change.op)
    shown = ", ".join(f"“{label}”" for label in labels[:3])
    more = f" and {len(labels) - 3} more" if len(labels) > 3 else ""
    return f"{verb}: {shown}{more}" if shown else verb


def _one_node_line(op: str, before: Any, after: Any) -> str:
    """A rename or alias edit of one node in words naming what changed ("" otherwise):
    'renamed “old” -> “new”', 'alias “x” added to “label”', 'alias “x” removed from “label”'."""
    before, after = before or {}, after or {}
    old_label, new_label = before.get("label"), after.get("label")
    if op == "rename" and old_label and new_label:
        return f"renamed “{old_label}” -> “{new_label}”"
    if op in ("add_alias", "remove_alias"):
        old = list(before.get("aliases") or [])
        new = list(after.get("aliases") or [])
        adding = op == "add_alias"
        moved = [a for a in new if a not in old] if adding else [a for a in old if a not in new]
        if moved:
            names = ", ".join(f"“{a}”" for a in moved)
            link = "added to" if adding else "removed from"
            return f"alias {names} {link} “{new_label or old_label}”"
    return ""


def _nodes(change: TaxonomyChange) -> dict[str, tuple[Any, Any]]:
    before = change.before.get("nodes", {}) or {}
    after = change.after.get("nodes", {}) or {}
    return {
        n: (before.get(n), after.get(n)) for n in [*before, *[k for k in after if k not in before]]
    }


def _pairs(change: TaxonomyChange) -> Iterable[tuple[str, tuple[Any, Any]]]:
    return _nodes(change).items()


def diff_rows(change: TaxonomyChange, *, node_id: str | None = None) -> list[DiffRow]:
    """What the change changed, row by row (only rows about `node_id` when given)."""
    rows = _import_rows(change) if is_bulk(change) else _edit_rows(change)
    if node_id is not None:
        rows = [r for r in rows if r.node_id == node_id or _edge_touches(r, node_id)]
    return rows


def _edge_touches(row: DiffRow, node_id: str) -> bool:
    return row.what.startswith(("edge", "parent")) and node_id in (row.before, row.after)


def _import_rows(change: TaxonomyChange) -> list[DiffRow]:
    after = change.after
    before_nodes: Mapping[str, Any] = change.before.get("nodes", {}) or {}
    rows = [DiffRow(n, "added") for n in after.get("added", [])]
    rows += [DiffRow(n, "changed", before=before_nodes.get(n)) for n in after.get("changed", [])]
    rows += [
        DiffRow(n, "deprecated", before=before_nodes.get(n)) for n in after.get("deprecated", [])
    ]
    rows += [DiffRow(c, "edge added", after=p) for c, p in after.get("edges_added", [])]
    rows += [DiffRow(c, "edge removed", before=p) for c, p in after.get("edges_removed", [])]
    return rows


def _edit_rows(change: TaxonomyChange) -> list[DiffRow]:
    rows: list[DiffRow] = []
    for node_id, (old, new) in _pairs(change):
        if old is None and new is not None:
            rows.append(DiffRow(node_id, "added", after=new.get("label")))
            continue
        if new is None:
            continue
        for field in NODE_FIELDS:
            a, b = old.get(field), new.get(field)
            if a == b:
                continue
            if field == "aliases":  # one row per alias, not two long lists
                was = {x.casefold() for x in a or []}
                now = {x.casefold() for x in b or []}
                rows += [
                    DiffRow(node_id, "alias removed", before=x)
                    for x in a or []
                    if x.casefold() not in now
                ]
                rows += [
                    DiffRow(node_id, "alias added", after=x)
                    for x in b or []
                    if x.casefold() not in was
                ]
            else:
                rows.append(DiffRow(node_id, "field", field, a, b))
    parents_before = change.before.get("parents", {}) or {}
    parents_after = change.after.get("parents", {}) or {}
    for node_id in [*parents_before, *[n for n in parents_after if n not in parents_before]]:
        old_p = set(parents_before.get(node_id, []) or [])
        new_p = set(parents_after.get(node_id, []) or [])
        rows += [DiffRow(node_id, "parent removed", before=p) for p in sorted(old_p - new_p)]
        rows += [DiffRow(node_id, "parent added", after=p) for p in sorted(new_p - old_p)]
    holders_before = change.before.get("holders", {}) or {}
    holders_after = change.after.get("holders", {}) or {}
    for skill in [*holders_before, *[s for s in holders_after if s not in holders_before]]:
        a, b = holders_before.get(skill, {}) or {}, holders_after.get(skill, {}) or {}
        if a != b:
            rows.append(DiffRow(skill, "holders moved", before=len(a), after=len(b)))
    targets_before = change.before.get("targets", {}) or {}
    targets_after = change.after.get("targets", {}) or {}
    moved = [g for g in targets_before if targets_before.get(g) != targets_after.get(g)]
    if moved:
        first = next(iter(_nodes(change)), "")
        rows.append(DiffRow(first, "goals retargeted", before=len(moved), after=len(moved)))
    return rows


def affected(change: TaxonomyChange) -> dict[str, int]:
    """People whose skills and goals whose targets the change moves (a rename or alias moves
    none: people keep their skill, it only reads differently)."""
    people: set[str] = set()
    for skill, rows in (change.before.get("holders", {}) or {}).items():
        after = (change.after.get("holders", {}) or {}).get(skill, {}) or {}
        people |= {p for p in {*(rows or {}), *after} if (rows or {}).get(p) != after.get(p)}
    targets_before = change.before.get("targets", {}) or {}
    targets_after = change.after.get("targets", {}) or {}
    goals = {
        g
        for g in {*targets_before, *targets_after}
        if targets_before.get(g) != targets_after.get(g)
    }
    return {"people": len(people), "goals": len(goals)}
