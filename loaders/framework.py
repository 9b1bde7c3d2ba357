"""Read a company's own competency framework (CSV or JSON) into a `TaxonomyDump`.

Format: docs/taxonomy-format.md. One row per node: kind (skill|cluster), id, label, tier,
parents (ids separated by ';', may name existing nodes such as ESCO groups), aliases (';'),
description. A row with an EMPTY label whose id is an existing node of another source is a
link row: it only adds parents to that node (e.g. hangs an ESCO skill under a company
cluster). Every problem is reported with its place ("framework.csv:12", or
"framework.json#/nodes/3" for JSON) and nothing is returned unless the whole file is good.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.errors import BatchRejected, RowProblem
from graph.hierarchy import Hierarchy
from graph.model import Broader, Skill, SkillCluster
from graph.store import TaxonomyDump
from loaders.csvutil import DEFAULT_MAX_IMPORT_BYTES, read_csv, read_text, reject_if, split_list

COLUMNS = ("kind", "id", "label", "tier", "parents", "aliases", "description")
SEPARATOR = ";"


def read_framework(
    path: Path,
    *,
    existing: TaxonomyDump | None = None,
    source: str = "company",
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> TaxonomyDump:
    """Parse `path` (.csv, .csv.gz or .json, at most `max_bytes`: the caller's
    Settings.max_import_bytes) and check it against `existing` (the stored taxonomy) for
    unknown parents, id clashes and cycles."""
    path = Path(path)
    if path.suffix == ".json":
        rows = _json_rows(path, max_bytes)
    else:
        table = read_csv(path, required=("kind", "id"), max_bytes=max_bytes)
        rows = [(r.source, r.index, r.values) for r in table]
    return _build(rows, existing or TaxonomyDump(), source, path.name)


def _json_rows(path: Path, max_bytes: int) -> list[tuple[str, int, dict[str, Any]]]:
    name = path.name
    try:
        data = json.loads(read_text(path, max_bytes=max_bytes))
    except json.JSONDecodeError as exc:
        raise BatchRejected(
            problems=[RowProblem(0, "(json)", exc.msg, f"{name}:{exc.lineno}")], what=name
        ) from None
    items = data.get("nodes") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise BatchRejected(
            problems=[RowProblem(0, "nodes", "expected a list of nodes", name)], what=name
        )
    out: list[tuple[str, int, dict[str, Any]]] = []
    for i, item in enumerate(items):
        where = f"{name}#/nodes/{i}" if isinstance(data, Mapping) else f"{name}#/{i}"
        if not isinstance(item, Mapping):
            raise BatchRejected(
                problems=[RowProblem(i, "(row)", "not an object", where)], what=name
            )
        row = {k: v for k, v in item.items()}
        for key in ("parents", "aliases"):
            if isinstance(row.get(key), list):
                row[key] = SEPARATOR.join(str(v) for v in row[key])
        if isinstance(row.get("tier"), int):
            row["tier"] = str(row["tier"])
        out.append((where, i, {k: ("" if v is None else v) for k, v in row.items()}))
    return out


def _build(
    rows: list[tuple[str, int, dict[str, Any]]],
    existing: TaxonomyDump,
    source: str,
    name: str,
) -> TaxonomyDump:
    existing_nodes: list[Skill | SkillCluster] = [*existing.skills, *existing.clusters]
    stored = {n.id: n for n in existing_nodes}
    problems: list[RowProblem] = []
    first: dict[str, str] = {}
    nodes: dict[str, dict[str, Any]] = {}
    parents_of: dict[str, tuple[list[str], str, int]] = {}
    links: set[str] = set()
    for where, i, row in rows:
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            problems.append(RowProblem(i, unknown[0], "unknown field", where))
        kind, node_id = str(row.get("kind", "")).strip(), str(row.get("id", "")).strip()
        label = str(row.get("label", "")).strip()
        if kind not in ("skill", "cluster"):
            problems.append(RowProblem(i, "kind", f"must be skill or cluster, not {kind!r}", where))
            continue
        if not node_id:
            problems.append(RowProblem(i, "id", "empty", where))
            continue
        if node_id in first:
            problems.append(RowProblem(i, "id", f"duplicate id, first at {first[node_id]}", where))
            continue
        first[node_id] = where
        prior = stored.get(node_id)
        parents = split_list(str(row.get("parents", "")), SEPARATOR)
        parents_of[node_id] = (parents, where, i)
        if prior is not None and prior.kind != kind:
            problems.append(RowProblem(i, "kind", f"{node_id!r} exists as a {prior.kind}", where))
            continue
        if not label:
            if prior is None:
                problems.append(
                    RowProblem(i, "label", "empty (and the id is not an existing node)", where)
                )
            links.add(node_id)
            continue
        if prior is not None and prior.source != source:
            problems.append(
                RowProblem(
                    i,
                    "id",
                    f"{node_id!r} already exists from source {prior.source!r}; "
                    "leave label empty to only add parents to it",
                    where,
                )
            )
            continue
        nodes[node_id] = {
            "kind": kind,
            "id": node_id,
            "label": label,
            "tier": str(row.get("tier", "")).strip(),
            "aliases": split_list(str(row.get("aliases", "")), SEPARATOR),
            "description": str(row.get("description", "")),
            "source": source,
            "_where": where,
            "_index": i,
        }
    # parents must be known clusters
    kinds = {n: v.kind for n, v in stored.items()} | {n: v["kind"] for n, v in nodes.items()}
    edges: list[Broader] = []
    for child, (parents, where, i) in parents_of.items():
        if child not in nodes and child not in links:
            continue
        for parent in parents:
            if parent not in kinds:
                problems.append(RowProblem(i, "parents", f"unknown node {parent!r}", where))
            elif kinds[parent] != "cluster":
                problems.append(RowProblem(i, "parents", f"{parent!r} is a skill", where))
            elif parent == child:
                problems.append(RowProblem(i, "parents", "a node cannot be its own parent", where))
            else:
                edges.append(Broader(child_id=child, parent_id=parent))
    reject_if(problems, name)

    skills, clusters = _models(nodes, stored, edges, problems)
    reject_if(problems, name)
    hierarchy = Hierarchy.from_dump(existing).with_changes(
        nodes=[*skills, *clusters], add_edges=[(e.child_id, e.parent_id) for e in edges]
    )
    cycle = hierarchy.find_cycle()
    if cycle is not None:
        where = next((parents_of[n][1] for n in cycle if n in parents_of), name)
        loop = " -> ".join([*cycle, cycle[0]])
        reject_if([RowProblem(0, "parents", f"cycle: {loop}", where)], name)
    return TaxonomyDump(skills=skills, clusters=clusters, broader=edges)


def _models(
    nodes: dict[str, dict[str, Any]],
    stored: Mapping[str, Skill | SkillCluster],
    edges: list[Broader],
    problems: list[RowProblem],
) -> tuple[list[Skill], list[SkillCluster]]:
    """Validate rows into models. A cluster without a tier gets 1 + its parents' smallest
    tier (0 for a top cluster)."""
    parents: dict[str, list[str]] = {}
    for e in edges:
        parents.setdefault(e.child_id, []).append(e.parent_id)

    def tier(node_id: str, seen: frozenset[str] = frozenset()) -> int:
        row = nodes.get(node_id)
        if row is None:
            prior = stored.get(node_id)
            return prior.tier if isinstance(prior, SkillCluster) else 0
        if row["tier"].isdigit():
            return int(row["tier"])
        ups = [p for p in parents.get(node_id, []) if p not in seen]
        return min(1 + min((tier(p, seen | {node_id}) for p in ups), default=-1), 10)

    skills: list[Skill] = []
    clusters: list[SkillCluster] = []
    for node_id, row in nodes.items():
        data = {k: v for k, v in row.items() if not k.startswith("_")}
        try:
            if row["kind"] == "skill":
                data.pop("tier")
                skills.append(Skill.model_validate(data))
            else:
                if row["tier"] and not row["tier"].isdigit():
                    raise ValueError(f"tier must be a whole number, not {row['tier']!r}")
                clusters.append(SkillCluster.model_validate({**data, "tier": tier(node_id)}))
        except ValueError as exc:
            problems.append(RowProblem(row["_index"], "(row)", str(exc), row["_where"]))
    return skills, clusters
