"""Import a whole taxonomy source (ESCO, a company framework) into a store, idempotently.

`import_taxonomy` compares the incoming `TaxonomyDump` with what the store holds for that
source and writes only the difference, in ONE `store.apply` (atomic: a bad row anywhere
rejects the whole import and nothing is written). Rules, in the words a steward needs:

- A source owns the nodes whose `source` field is its name ("esco", "company", ...). Incoming
  nodes get that source. An incoming id already stored under another source, or as the other
  kind (skill vs cluster), is refused.
- Owned nodes missing from the incoming dump are deprecated (status=deprecated), never
  deleted: people, goals and history may still point at them. Their broader edges are kept,
  so explanations of old references still read right.
- A deprecated node that comes back is reactivated, unless it was replaced (merged or split:
  `replaced_by` is set).
- Aliases are only ever added by an import: stored aliases that the source no longer lists
  stay (a merge survivor keeps the merged node's label as an alias). Removing an alias is a
  steward edit. Aliases are compared by `graph.text.label_key` (case, Unicode form,
  typographic quotes and dashes, spacing). Labels in other languages
  (`aliases_by_language`) are kept the same way.
- Steward edits win: a node whose newest recorded change is a steward edit (anything but an
  import) is left as the steward made it, parents included, and listed in `kept`.
- Broader edges between two nodes of the source are made to match the dump (added/removed).
  Edges between sources (a company skill under an ESCO group, an ESCO skill under a company
  cluster) that the dump lists are added; with `keep_cross_source_edges=True` (the default)
  an import never removes them, with False it removes those touching the dump's own nodes
  that the dump no longer lists (a company framework, whose rows state their full parents).
- One `TaxonomyChange(op="import")` summarises the import; an import that changes nothing
  writes nothing and reports `change_id=None`.

`import_translations` adds the labels of another language to nodes the source already has
(ESCO's `skills_es.csv` onto an English ESCO taxonomy): each node's
`aliases_by_language[lang]` gains them (that language's preferred label first), nothing else
changes, no node is added; ids the taxonomy does not have are listed in `missing`. It is
recorded as an import too (`after["translation"]` names the language), and such a change
does not hide an earlier steward edit from the next import.

`plan_import_taxonomy` returns the import unwritten (`graph.store.Planned`: the ops and the
report), so a caller can add its audit entry to the same apply; `import_taxonomy` plans and
applies at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from graph.errors import BatchRejected, RowProblem
from graph.hierarchy import Hierarchy
from graph.model import (
    Broader,
    NodeStatus,
    Skill,
    SkillCluster,
    TaxonomyChange,
    dedupe_labels,
)
from graph.store import (
    AddBroader,
    GraphStore,
    Planned,
    RemoveBroader,
    StoreOp,
    TaxonomyDump,
    UpsertClusters,
    UpsertSkills,
    UpsertTaxonomyChanges,
    applying,
)

Node = Skill | SkillCluster
Edge = tuple[str, str]  # (child_id, parent_id)

IMPORT_OP = "import"


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with dry_run, would do). Id lists are sorted."""

    source: str
    dry_run: bool
    change_id: str | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)  # no longer present in the source
    kept: list[str] = field(default_factory=list)  # steward-edited, left as the steward made it
    edges_added: list[Edge] = field(default_factory=list)
    edges_removed: list[Edge] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def is_noop(self) -> bool:
        return not (
            self.added or self.changed or self.deprecated or self.edges_added or self.edges_removed
        )

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "deprecated": len(self.deprecated),
            "kept": len(self.kept),
            "edges_added": len(self.edges_added),
            "edges_removed": len(self.edges_removed),
        }


def plan_import_taxonomy(
    store: GraphStore,
    dump: TaxonomyDump,
    *,
    actor: str,
    source: str,
    progress: bool = False,
    dry_run: bool = False,
    reason: str = "",
    keep_cross_source_edges: bool = True,
) -> Planned[ImportReport]:
    """What bringing the store's copy of `source` in line with `dump` writes (no ops for a
    dry run or an import that changes nothing), and its report; see the module doc for rules.
    """
    started = time.perf_counter()
    with _Progress(progress, f"import {source}") as bar:
        bar.step("reading the stored taxonomy")
        stored = store.taxonomy()
        bar.step("comparing")
        plan = _plan(store, stored, dump, source=source, keep_cross=keep_cross_source_edges)
        change = None if plan.is_noop else _change(plan, actor=actor, source=source, reason=reason)
        ops = _ops(plan, change) if change is not None and not dry_run else []
    report = ImportReport(
        source=source,
        dry_run=dry_run,
        change_id=None if change is None or dry_run else change.id,
        added=sorted(plan.added),
        changed=sorted(plan.changed),
        unchanged=sorted(plan.unchanged),
        deprecated=sorted(plan.deprecated),
        kept=sorted(plan.kept),
        edges_added=sorted(plan.edges_added),
        edges_removed=sorted(plan.edges_removed),
        seconds=time.perf_counter() - started,
    )
    return Planned(ops, report)


import_taxonomy = applying(plan_import_taxonomy)


# --- labels in another language ----------------------------------------------------------------


@dataclass(frozen=True)
class TranslationReport:
    """What `import_translations` did (or, with dry_run, would do). Id lists are sorted."""

    source: str
    language: str
    dry_run: bool
    change_id: str | None
    changed: list[str] = field(default_factory=list)  # nodes that gained labels
    unchanged: list[str] = field(default_factory=list)  # already had every label given
    missing: list[str] = field(default_factory=list)  # ids the source's taxonomy lacks
    seconds: float = 0.0

    @property
    def is_noop(self) -> bool:
        return not self.changed

    def counts(self) -> dict[str, int]:
        return {
            "labelled": len(self.changed),
            "unchanged": len(self.unchanged),
            "not_in_taxonomy": len(self.missing),
        }


def stored_language(store: GraphStore, source: str) -> str | None:
    """The language of `source`'s stored nodes (the most common among its active nodes,
    ties to the smallest code), or None when the store holds none of them."""
    counts: dict[str, int] = {}
    nodes: Iterable[Node] = store.list_clusters(include_deprecated=False)
    for attempt in range(2):
        for node in nodes:
            if node.source == source:
                counts[node.language] = counts.get(node.language, 0) + 1
        if counts or attempt:
            break
        nodes = store.list_skills(include_deprecated=False)  # a source without clusters
    if not counts:
        return None
    return min(counts, key=lambda lang: (-counts[lang], lang))


def import_translations(
    store: GraphStore,
    labels: Mapping[str, Sequence[str]],
    *,
    language: str,
    source: str,
    actor: str,
    dry_run: bool = False,
    progress: bool = False,
    reason: str = "",
) -> TranslationReport:
    """Add `labels` (node id -> [preferred label, *alternative labels] in `language`) to the
    stored nodes of `source` as `aliases_by_language[language]`, in ONE `store.apply`.

    Labels are only ever added (those stored before stay, after the new ones); a node whose
    own language is `language` is left alone (listed as unchanged); ids that are not nodes of
    `source` are listed in `missing`, never created. Nothing else of a node changes.
    """
    started = time.perf_counter()
    with _Progress(progress, f"import {source} labels ({language})") as bar:
        bar.step("reading the stored taxonomy")
        stored = store.taxonomy()
        nodes: dict[str, Node] = {s.id: s for s in stored.skills}
        nodes.update((c.id, c) for c in stored.clusters)
        bar.step("comparing")
        changed: list[Node] = []
        before: dict[str, list[str]] = {}
        unchanged: list[str] = []
        missing: list[str] = []
        problems: list[RowProblem] = []
        for node_id, names in labels.items():
            node = nodes.get(node_id)
            if node is None or node.source != source:
                missing.append(node_id)
                continue
            if node.language == language:
                unchanged.append(node_id)
                continue
            prior = node.aliases_by_language.get(language, [])
            merged = dedupe_labels([*names, *prior])
            if merged == prior or not merged:
                unchanged.append(node_id)
                continue
            before[node_id] = prior
            record = {
                **node.model_dump(),
                "aliases_by_language": {**node.aliases_by_language, language: merged},
            }
            try:
                changed.append(type(node).model_validate(record))
            except ValidationError as exc:
                problems += [
                    RowProblem(len(changed), f"aliases_by_language.{language}", e["msg"], node_id)
                    for e in exc.errors()
                ]
        if problems:
            raise BatchRejected(problems=problems, what=f"{source} labels in {language}")
        change = None
        if changed:
            change = TaxonomyChange(
                id=f"chg-{uuid.uuid4().hex}",
                actor=actor,
                op=IMPORT_OP,
                node_ids=sorted(n.id for n in changed),
                before={"aliases_by_language": {language: before}},
                after={
                    "source": source,
                    "translation": language,
                    "labelled": sorted(n.id for n in changed),
                },
                reason=reason or f"labels in {language} for {source}",
            )
        if change is not None and not dry_run:
            bar.step(f"writing labels of {len(changed)} nodes")
            clusters = [n for n in changed if isinstance(n, SkillCluster)]
            skills = [n for n in changed if isinstance(n, Skill)]
            ops: list[StoreOp] = []
            if clusters:
                ops.append(UpsertClusters(rows=clusters))
            if skills:
                ops.append(UpsertSkills(rows=skills))
            store.apply([*ops, UpsertTaxonomyChanges(rows=[change])])
    return TranslationReport(
        source=source,
        language=language,
        dry_run=dry_run,
        change_id=None if change is None or dry_run else change.id,
        changed=sorted(n.id for n in changed),
        unchanged=sorted(unchanged),
        missing=sorted(missing),
        seconds=time.perf_counter() - started,
    )


# --- planning (reads the store only for history of steward-edited nodes) ----------------------


@dataclass
class _Plan:
    upserts: list[Node] = field(default_factory=list)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    edges_added: list[Edge] = field(default_factory=list)
    edges_removed: list[Edge] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        return not (self.upserts or self.edges_added or self.edges_removed)


def _plan(
    store: GraphStore, stored: TaxonomyDump, dump: TaxonomyDump, *, source: str, keep_cross: bool
) -> _Plan:
    plan = _Plan()
    stored_nodes: list[Node] = [*stored.skills, *stored.clusters]
    incoming_nodes: list[Node] = [*dump.skills, *dump.clusters]
    old: dict[str, Node] = {n.id: n for n in stored_nodes}
    new: dict[str, Node] = {}
    problems: list[RowProblem] = []
    for i, node in enumerate(incoming_nodes):
        if node.id in new:
            problems.append(RowProblem(i, "id", f"duplicate id {node.id!r} in the import"))
            continue
        prior = old.get(node.id)
        if prior is not None and prior.source != source:
            problems.append(
                RowProblem(i, "id", f"{node.id!r} already exists from source {prior.source!r}")
            )
        elif prior is not None and prior.kind != node.kind:
            problems.append(RowProblem(i, "kind", f"{node.id!r} is stored as a {prior.kind}"))
        new[node.id] = node.model_copy(update={"source": source})
    known = set(old) | set(new)
    wanted: set[Edge] = set()
    for i, edge in enumerate(dump.broader):
        for fld, ref in (("child_id", edge.child_id), ("parent_id", edge.parent_id)):
            if ref not in known:
                problems.append(RowProblem(i, f"broader.{fld}", f"unknown node {ref!r}"))
        wanted.add((edge.child_id, edge.parent_id))
    if problems:
        raise BatchRejected(problems=problems, what=f"{source} import")

    steward_kept = _steward_edited(store, old, new, source)
    plan.kept = sorted(steward_kept)

    for node_id, incoming in new.items():
        prior = old.get(node_id)
        if prior is None:
            plan.added.append(node_id)
            plan.upserts.append(incoming)
            continue
        if node_id in steward_kept:
            continue
        merged = _merge(prior, incoming)
        if merged.model_dump() == prior.model_dump():
            plan.unchanged.append(node_id)
        else:
            plan.changed.append(node_id)
            plan.before[node_id] = prior.model_dump(mode="json")
            plan.upserts.append(merged)

    for node_id, prior in old.items():
        if (
            prior.source == source
            and node_id not in new
            and prior.status == NodeStatus.active
            and node_id not in steward_kept
        ):
            plan.deprecated.append(node_id)
            plan.before[node_id] = prior.model_dump(mode="json")
            plan.upserts.append(prior.model_copy(update={"status": NodeStatus.deprecated}))

    current = {(e.child_id, e.parent_id) for e in stored.broader}
    # Parent edges of steward-kept nodes and of nodes gone from the source stay as they are.
    gone = {n for n, prior in old.items() if prior.source == source and n not in new}
    frozen = steward_kept | gone
    plan.edges_added = sorted(e for e in wanted - current if e[0] not in frozen)

    def owned(edge: Edge) -> bool:
        child, parent = old.get(edge[0]), old.get(edge[1])
        if child is None or parent is None:
            return False
        if child.source == source and parent.source == source:
            return True
        if keep_cross:
            return False
        return edge[0] in new or edge[1] in new

    plan.edges_removed = sorted(e for e in current - wanted if e[0] not in frozen and owned(e))
    _check_acyclic(stored, plan)
    return plan


def _merge(prior: Node, incoming: Node) -> Node:
    """The incoming record, keeping stored aliases (of every language) and a replaced
    node's deprecation."""
    aliases = dedupe_labels([*incoming.aliases, *prior.aliases], besides=incoming.label)
    by_language = {
        lang: dedupe_labels([*incoming.aliases_by_language.get(lang, []), *labels])
        for lang, labels in prior.aliases_by_language.items()
    }
    by_language = {
        **incoming.aliases_by_language,
        **{lang: v for lang, v in by_language.items() if v},
    }
    by_language.pop(incoming.language, None)
    update: dict[str, Any] = {
        "aliases": aliases,
        "aliases_by_language": dict(sorted(by_language.items())),
        "replaced_by": list(prior.replaced_by),
    }
    if prior.status == NodeStatus.deprecated and prior.replaced_by:
        update["status"] = NodeStatus.deprecated
    return incoming.model_copy(update=update)


def _steward_edited(
    store: GraphStore, old: dict[str, Node], new: dict[str, Node], source: str
) -> set[str]:
    """Owned stored nodes this import would touch whose newest change is a steward edit.

    Only nodes that differ from the incoming record (or are about to be deprecated) are
    looked up, so an unchanged re-import costs no history reads.
    """
    candidates: list[str] = []
    for node_id, prior in old.items():
        if prior.source != source:
            continue
        incoming = new.get(node_id)
        if incoming is None:
            if prior.status == NodeStatus.active:
                candidates.append(node_id)
        elif _merge(prior, incoming).model_dump() != prior.model_dump():
            candidates.append(node_id)
    kept: set[str] = set()
    for node_id in candidates:
        latest = _latest_change(store, node_id)
        if latest is not None and latest.op != IMPORT_OP:
            kept.add(node_id)
    return kept


def _latest_change(store: GraphStore, node_id: str) -> TaxonomyChange | None:
    """The node's newest change that is not a translation (labels in another language touch
    nothing a steward edits, so they never hide a steward edit)."""
    limit = 8
    while True:
        changes = store.taxonomy_changes(node_id=node_id, limit=limit)
        for change in changes:
            if not (change.op == IMPORT_OP and change.after.get("translation")):
                return change
        if len(changes) < limit:
            return None
        limit *= 4


def _check_acyclic(stored: TaxonomyDump, plan: _Plan) -> None:
    hierarchy = Hierarchy.from_dump(stored).with_changes(
        nodes=plan.upserts, add_edges=plan.edges_added, remove_edges=plan.edges_removed
    )
    cycle = hierarchy.find_cycle()
    if cycle is not None:
        loop = " -> ".join([*cycle, cycle[0]])
        raise BatchRejected(
            problems=[RowProblem(0, "broader", f"the import would create a cycle: {loop}")],
            what="import",
        )


# --- writing ---------------------------------------------------------------------------------


def _change(plan: _Plan, *, actor: str, source: str, reason: str) -> TaxonomyChange:
    touched = sorted(
        {*plan.added, *plan.changed, *plan.deprecated}
        | {c for c, _ in plan.edges_added}
        | {c for c, _ in plan.edges_removed}
    )
    return TaxonomyChange(
        id=f"chg-{uuid.uuid4().hex}",
        actor=actor,
        op=IMPORT_OP,
        node_ids=touched,
        before={"nodes": plan.before},
        after={
            "source": source,
            "added": sorted(plan.added),
            "changed": sorted(plan.changed),
            "deprecated": sorted(plan.deprecated),
            "edges_added": [list(e) for e in plan.edges_added],
            "edges_removed": [list(e) for e in plan.edges_removed],
        },
        reason=reason or f"import of {source}",
    )


def _ops(plan: _Plan, change: TaxonomyChange) -> list[StoreOp]:
    clusters = [n for n in plan.upserts if isinstance(n, SkillCluster)]
    skills = [n for n in plan.upserts if isinstance(n, Skill)]
    ops: list[StoreOp] = []
    if clusters:
        ops.append(UpsertClusters(rows=clusters))
    if skills:
        ops.append(UpsertSkills(rows=skills))
    if plan.edges_removed:
        ops.append(RemoveBroader(rows=_edges(plan.edges_removed)))
    if plan.edges_added:
        ops.append(AddBroader(rows=_edges(plan.edges_added)))
    ops.append(UpsertTaxonomyChanges(rows=[change]))
    return ops


def _edges(edges: Iterable[Edge]) -> Sequence[Broader]:
    return [Broader(child_id=c, parent_id=p) for c, p in edges]


class _Progress:
    """A rich status line for long imports; silent when disabled."""

    def __init__(self, enabled: bool, title: str) -> None:
        self.enabled = enabled
        self.title = title
        self._status: Any = None
        self._console: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._console = Console(stderr=True)
            self._status = self._console.status(self.title)
            self._status.__enter__()
        return self

    def step(self, message: str) -> None:
        if self._status is not None:
            self._status.update(f"{self.title}: {message}")
            self._console.log(f"{self.title}: {message}")

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)
