"""Imports: people (a file, or text uploaded to the API), a taxonomy source (ESCO, a company
framework) and availability (iCalendar files). Each is one apply with its audit entry."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from api.audit import actor_of
from api.state import AppState
from api.usecases import leavers as leaving
from api.usecases.base import Who, audited
from graph.lifecycle import pairings as lifecycle
from graph.store import GraphStore, Planned, StoreOp, TaxonomyDump
from loaders import calendar, esco
from loaders.calendar import CalendarImportReport
from loaders.framework import read_framework
from loaders.people import (
    PeopleImport,
    PeopleImportOptions,
    PeopleImportReport,
    plan_import_people,
)
from taxonomy.importer import ImportReport, TranslationReport, plan_import_taxonomy
from taxonomy.mapping import GoalMapper, MappingResult

GOAL_TARGETS_K = 3


class LazyMapper:
    """Stands in for the goal mapper and builds it on first use, so an import that resolves
    every skill by id or label and has no goal to map never loads the embedding model."""

    def __init__(self, build: Callable[[], GoalMapper]) -> None:
        self._build = build

    def map(self, text: str, k: int = 5) -> MappingResult:
        return self._build().map(text, k)


class _Collect:
    """Reads from the store; `apply` keeps the ops instead of writing them, so a loader that
    writes by itself (loaders.esco, loaders.calendar: one apply per file) becomes one apply
    with the audit entry. (A bridge until those loaders plan their change like the others.)"""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.ops: list[StoreOp] = []

    def apply(self, ops: Sequence[StoreOp]) -> None:
        self.ops.extend(ops)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


# --- people ---------------------------------------------------------------------------------


def import_people(
    state: AppState,
    who: Who,
    path: Path,
    *,
    dry_run: bool = False,
    allow_partial: bool = False,
    reject_file: Path | None = None,
    map_goals: bool = True,
    options: PeopleImportOptions | None = None,
    full_export: bool = False,
) -> PeopleImportReport:
    """Import people from a CSV/JSONL file (loaders.people): the records, their skills and
    goals, and (with `map_goals`) taxonomy targets for the goals of added and changed people
    that have none, with the audit entry, in ONE apply; then the reject file (with
    `allow_partial`). A dry run writes nothing, not even an audit entry. BatchRejected (with
    every problem) when a record is bad and `allow_partial` is off. `options`: delimiter,
    column map, size limit (default: the settings' import limit). Leavers the file marks
    (`status`, `left_on`; with `full_export`, stored people it leaves out) are off-boarded
    afterwards, each as its own apply (`api.usecases.leavers.remove_person`); their ids are
    in `report.offboarded` (those already gone or never stored are left out)."""
    if options is None:
        options = PeopleImportOptions(max_bytes=state.settings.max_import_bytes)
    lazy = LazyMapper(state.goal_mapper)

    def plan(store: GraphStore) -> Planned[PeopleImport]:
        planned = plan_import_people(
            store,
            path,
            dry_run=dry_run,
            allow_partial=allow_partial,
            reject_file=reject_file,
            mapper=lazy,
            goal_mapper=lazy if map_goals else None,
            map_k=GOAL_TARGETS_K,
            progress=state.progress,
            options=options,
            full_export=full_export,
        )
        if dry_run:
            return planned
        report = planned.result.report
        detail = {
            "records": report.records,
            "added": len(report.added),
            "changed": len(report.changed),
            "goals_mapped": report.goals_mapped,
        }
        if report.leavers:  # each is off-boarded afterwards with its own entry
            detail["leavers"] = len(report.leavers)
        return audited(planned, who, "people.import", report.source, detail)

    done = state.write_plan(plan).committed()
    if not dry_run:
        for pid in done.leavers:
            stored = state.store.get_person(pid)
            if stored is None or stored.departed:
                continue  # never stored, or already off-boarded (erased: not found)
            leaving.remove_person(state, who, pid)
            done.offboarded.append(pid)
        imported = [*done.added, *done.changed]
        if imported:
            found = lifecycle.find_conflicts(state.current_snapshot().state, imported)
            done.conflicts = [c.as_dict() for c in found]
    return done


@dataclass(frozen=True)
class UploadResult:
    report: PeopleImportReport
    rejected: str | None  # the reject file's text (allow_partial), else None


def import_people_text(
    state: AppState,
    who: Who,
    fmt: str,
    content: str,
    *,
    dry_run: bool = False,
    allow_partial: bool = False,
    options: PeopleImportOptions | None = None,
    full_export: bool = False,
) -> UploadResult:
    """`import_people` on uploaded text. The text goes to a private temp file because the
    importer reads files (line numbers in its errors then name `upload.csv:LINE`)."""
    with tempfile.TemporaryDirectory(prefix="mentorgraph-import-") as tmp:
        path = Path(tmp) / f"upload.{fmt}"
        path.write_text(content, encoding="utf-8")
        rejects = Path(tmp) / f"rejected.{fmt}"
        report = import_people(
            state,
            who,
            path,
            dry_run=dry_run,
            allow_partial=allow_partial,
            reject_file=rejects if allow_partial else None,
            options=options,
            full_export=full_export,
        )
        rejected = rejects.read_text(encoding="utf-8") if rejects.exists() else None
    return UploadResult(report, rejected)


# --- taxonomy sources -----------------------------------------------------------------------


def import_taxonomy(
    state: AppState,
    who: Who,
    read: Callable[[GraphStore], TaxonomyDump],
    *,
    source: str,
    dry_run: bool = False,
    reason: str = "",
) -> ImportReport:
    """Bring the stored copy of `source` in line with `read(store)` (taxonomy.importer),
    with the audit entry (detail: the report's counts), in ONE apply; then re-index the
    goal mapper. A dry run writes nothing."""

    def plan(store: GraphStore) -> Planned[ImportReport]:
        planned = plan_import_taxonomy(
            store,
            read(store),
            actor=actor_of(who),
            source=source,
            progress=state.progress,
            dry_run=dry_run,
            reason=reason,
        )
        if dry_run:
            return planned
        return audited(planned, who, "taxonomy.import", source, planned.result.counts())

    report = state.write_plan(plan)
    if report.change_id is not None:
        state.refresh_mapper()
    return report


def import_esco(
    state: AppState,
    who: Who,
    directory: Path | None = None,
    *,
    language: str = "en",
    dry_run: bool = False,
) -> ImportReport | TranslationReport:
    """An ESCO download (`directory`, default the bundled English copy) as loaders.esco reads
    it: the whole skills pillar, or only the labels of `language` onto a taxonomy stored in
    another language; with the audit entry (detail: the report's counts), in ONE apply; then
    the goal mapper is re-indexed. A dry run writes nothing."""

    def plan(store: GraphStore) -> Planned[ImportReport | TranslationReport]:
        collect = _Collect(store)
        report = esco.import_esco(
            cast(GraphStore, collect),
            directory,
            language=language,
            actor=actor_of(who),
            dry_run=dry_run,
            progress=state.progress,
            max_bytes=state.settings.max_import_bytes,
        )
        planned: Planned[ImportReport | TranslationReport] = Planned(collect.ops, report)
        if dry_run:
            return planned
        return audited(planned, who, "taxonomy.import", "esco", report.counts())

    report = state.write_plan(plan)
    if report.change_id is not None:
        state.refresh_mapper()
    return report


def import_framework(
    state: AppState, who: Who, path: Path, *, source: str = "company", dry_run: bool = False
) -> ImportReport:
    """A company competency framework (.csv/.csv.gz/.json), checked against the stored
    taxonomy (its nodes may hang under ESCO groups)."""
    return import_taxonomy(
        state,
        who,
        lambda store: read_framework(
            path,
            existing=store.taxonomy(),
            source=source,
            max_bytes=state.settings.max_import_bytes,
        ),
        source=source,
        dry_run=dry_run,
    )


# --- availability ---------------------------------------------------------------------------


def import_availability(
    state: AppState, who: Who, path: Path, *, as_of: date | None = None
) -> CalendarImportReport:
    """Weekly free windows and leave from one `.ics` file or a folder of them (one per
    person; loaders.calendar): every calendar read fine is written, with the audit entry
    (detail: files read, failed), in ONE apply; a calendar that fails is reported, not
    written. `as_of`: the first local date read (default: today)."""

    def plan(store: GraphStore) -> Planned[CalendarImportReport]:
        collect = _Collect(store)
        report = calendar.import_availability(
            cast(GraphStore, collect),
            path,
            progress=state.progress,
            as_of=as_of,
            max_bytes=state.settings.max_import_bytes,
        )
        detail = {"files": len(report.files), "failed": len(report.failed)}
        return audited(Planned(collect.ops, report), who, "availability.import", path.name, detail)

    return state.write_plan(plan)
