"""Import people (HR exports) from CSV or JSON Lines into the graph.

`import_people(store, path)` validates every record (file:line, column, reason), resolves
skill labels against the taxonomy (id, then label, then alias, compared as `label_key`s, then
optionally the embedding mapper), reads time zones as HR systems write them
(loaders.timezones), checks managers (known, no cycles) and writes everything in ONE
`store.apply`, so a file either lands whole or not at all. `allow_partial=True` imports the
valid records and writes the others to a reject file (same format plus an `error` column).
With a `goal_mapper`, the goals of added and changed people that have no taxonomy targets
yet are mapped in the same apply. `PeopleImportOptions` says how the file is written
(delimiter, column map) and how big it may be. The formats are described in
docs/people-format.md.

`plan_import_people` returns the import unwritten (`graph.store.Planned`), so a caller can
add its audit entry to the same apply; once the ops are committed, `PeopleImport.committed()`
finishes it (marks the report written, writes the reject file).
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import ValidationError
from rich.progress import Progress

from graph.errors import BatchRejected, InvalidInput, RowProblem
from graph.model import (
    Goal,
    GoalStatus,
    NodeStatus,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    milestone_order_problems,
    open_duplicate,
    utcnow,
)
from graph.store import (
    GraphStore,
    Planned,
    RemovePersonSkills,
    StoreOp,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
)
from graph.text import label_key
from loaders.csvutil import (
    DEFAULT_MAX_IMPORT_BYTES,
    FILE_FIELD,
    CsvDialect,
    header_key,
    parse_column_map,
    parse_delimiter,
    read_bounded,
    read_table,
    read_text,
)
from loaders.people_format import (
    KNOWN_CSV_COLUMNS,
    LEFT_STATUSES,
    REQUIRED_COLUMNS,
    FieldError,
    GoalEntry,
    PersonRow,
    SkillEntry,
    column_of,
    csv_values_to_data,
    goal_id_for,
    trusted,
    write_csv_cells,
    write_jsonl,
)
from loaders.timezones import read_timezone
from taxonomy.goal_mapping import TextMapper, mapped_targets
from taxonomy.mapping import MappingResult

FileFormat = Literal["csv", "jsonl"]
Via = Literal["id", "label", "alias", "replacement", "embedding"]

# Below this cosine score an embedding match is not trusted and the label is reported unknown.
DEFAULT_MIN_MAPPER_SCORE = 0.5


class LabelMapper(Protocol):
    """What import_people needs from taxonomy.mapping.GoalMapper: nearest taxonomy nodes.

    `map` may return a MappingResult (`.candidates` with `.id` and `.score`) or a plain
    sequence of (node_id, score) pairs."""

    def map(self, text: str, k: int) -> MappingResult | Sequence[Any]: ...


# --- options --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleImportOptions:
    """How a people file is written and how big it may be.

    dialect: the CSV delimiter (None: detected) and column map (the file's header name ->
    a people column, e.g. {"Employee ID": "id"}; an empty target ignores the column).
    Ignored for JSON Lines. max_bytes: the largest file read (Settings.max_import_bytes)."""

    dialect: CsvDialect = field(default_factory=CsvDialect)
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES

    @classmethod
    def build(
        cls,
        *,
        columns: str | Mapping[str, str] | None = None,
        delimiter: str | None = None,
        max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
    ) -> PeopleImportOptions:
        """From user input: `columns` as `"Employee ID=id,Full Name=name"` or a mapping,
        `delimiter` as one character or tab/comma/semicolon/pipe. Raises InvalidInput naming
        what was found and what was expected (a bad item, a target that is not a column)."""
        try:
            mapping = parse_column_map(columns)
            sep = parse_delimiter(delimiter)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        known = {header_key(c): c for c in KNOWN_CSV_COLUMNS}
        bad = [t for t in mapping.values() if t and header_key(t) not in known]
        if bad:
            raise InvalidInput(
                f"column map target {bad[0]!r} is not a people column: expected one of "
                f"{', '.join(KNOWN_CSV_COLUMNS[:-1])}, or nothing to ignore a column"
            )
        return cls(dialect=CsvDialect(delimiter=sep, columns=mapping), max_bytes=max_bytes)


# --- report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillResolution:
    """How one distinct skill reference of the file was resolved."""

    ref: str
    skill_id: str
    via: Via
    score: float | None = None  # cosine score when via == "embedding"
    label: str = ""


@dataclass
class PeopleImportReport:
    source: str
    format: FileFormat
    dry_run: bool
    records: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skills_written: int = 0
    skills_removed: int = 0
    goals_added: int = 0
    goals_changed: int = 0
    resolutions: list[SkillResolution] = field(default_factory=list)  # non-id resolutions
    problems: list[RowProblem] = field(default_factory=list)
    # imported, but likely wrong (a fixed-offset zone for a place with DST)
    warnings: list[RowProblem] = field(default_factory=list)
    # open pairings of imported people that break a rule after the import (over capacity,
    # paired with a new manager...): graph.lifecycle.pairings.PairingConflict.as_dict()
    conflicts: list[dict[str, object]] = field(default_factory=list)
    # how the file was read where it was not literal (a Windows zone name, a repeated row)
    notes: list[RowProblem] = field(default_factory=list)
    rejected: int = 0
    # people the file marks as leavers (status, left_on) or, with full_export, stored people
    # it leaves out: not imported; the import's use case off-boards them
    leavers: list[str] = field(default_factory=list)
    offboarded: list[str] = field(default_factory=list)  # set by the caller once it has
    reject_file: Path | None = None
    written: bool = False
    goals_mapped: int = 0  # goals given taxonomy targets by the goal mapper

    @property
    def resolved_by(self) -> dict[str, int]:
        return dict(Counter(r.via for r in self.resolutions))

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        parts = [
            f"{self.source}: {self.records} records",
            f"{verb} {len(self.added)}, changed {len(self.changed)}, "
            f"unchanged {len(self.unchanged)}",
            f"{self.skills_written} skills set, {self.skills_removed} removed",
            f"{self.goals_added} goals added, {self.goals_changed} changed",
        ]
        if self.resolutions:
            by = ", ".join(f"{k} {v}" for k, v in sorted(self.resolved_by.items()))
            parts.append(f"skill labels resolved by {by}")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        if self.notes:
            parts.append(f"{len(self.notes)} notes")
        if self.problems:
            parts.append(f"{len(self.problems)} problems in {self.rejected} records")
        if self.conflicts:
            listed = ", ".join(
                f"{c['pairing_id']} ({c['mentor_id']}: "
                + "; ".join(str(p["rule"]) for p in c["problems"])  # type: ignore[attr-defined]
                + ")"
                for c in self.conflicts
            )
            parts.append(f"{len(self.conflicts)} open pairings now break a rule: {listed}")
        if self.leavers:
            gone = f", {len(self.offboarded)} off-boarded" if self.written else ""
            parts.append(f"{len(self.leavers)} leavers{gone}")
        if self.reject_file:
            parts.append(f"rejects written to {self.reject_file}")
        return "; ".join(parts)


# --- progress -------------------------------------------------------------------------------


@contextmanager
def progress_steps(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yield `step(description, total) -> advance(n)`; a rich bar when enabled, else no-op."""
    if not enabled:
        yield lambda _d, _t: lambda _n: None
        return

    with Progress(transient=False) as bar:

        def step(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        yield step


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load.

    A 100k-row import creates millions of small objects and none of them form reference
    cycles; with the collector on, its full passes over the growing heap cost more than the
    import itself (measured 2x on 30k rows). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- reading files --------------------------------------------------------------------------


@dataclass
class _Record:
    index: int
    source: str  # "people.csv:17"
    raw: dict[str, Any]  # CSV values by column or the JSON object
    csv_format: bool = True
    # the record as written (CSV cells in file order, or the JSON line): equal = same bytes
    text: tuple[str, ...] = ()
    row: PersonRow | None = None
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[RowProblem] = field(default_factory=list)

    def problem(self, field_name: str, reason: str) -> None:
        self.problems.append(self._at(field_name, reason))

    def warn(self, field_name: str, reason: str) -> None:
        self.warnings.append(self._at(field_name, reason))

    def note(self, field_name: str, reason: str) -> None:
        self.notes.append(self._at(field_name, reason))

    def _at(self, field_name: str, reason: str) -> RowProblem:
        return RowProblem(row=self.index, field=field_name, reason=reason, source=self.source)


@dataclass(frozen=True)
class _CsvLayout:
    """How a CSV input was written, so a reject file is written the same way."""

    header: list[str]
    delimiter: str


def detect_format(path: Path, text: str) -> FileFormat:
    fmt = _format_by_name(path)
    if fmt is not None:
        return fmt
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def _format_by_name(path: Path) -> FileFormat | None:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return None


def read_people_file(
    path: Path, options: PeopleImportOptions | None = None
) -> tuple[FileFormat, list[_Record], _CsvLayout | None]:
    """Parse a people file into validated `PersonRow`s (per-record problems collected).

    File-level problems (encoding, size, delimiter, header, broken CSV) raise BatchRejected."""
    options = options or PeopleImportOptions()
    fmt = _format_by_name(path)
    if fmt is None:
        head = read_bounded(path, max_bytes=options.max_bytes)[:4096]
        fmt = "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"
    if fmt == "csv":
        return fmt, *_read_csv_records(path, options)
    return fmt, _read_jsonl_records(path, read_text(path, max_bytes=options.max_bytes)), None


def _read_csv_records(path: Path, options: PeopleImportOptions) -> tuple[list[_Record], _CsvLayout]:
    table = read_table(
        path,
        required=REQUIRED_COLUMNS,
        known=KNOWN_CSV_COLUMNS,
        dialect=options.dialect,
        max_bytes=options.max_bytes,
    )
    records: list[_Record] = []
    for r in table.rows:
        rec = _Record(index=r.index, source=r.source, raw=dict(r.values), text=r.cells)
        data, errors = csv_values_to_data(r.values)
        for err in errors:
            rec.problem(err.field, err.reason)
        if not errors:
            _validate(rec, data, csv_format=True)
        records.append(rec)
    return records, _CsvLayout(header=table.header, delimiter=table.delimiter)


def _read_jsonl_records(path: Path, text: str) -> list[_Record]:
    records: list[_Record] = []
    index = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rec = _Record(
            index=index,
            source=f"{path.name}:{lineno}",
            raw={"_line": line},
            csv_format=False,
            text=(line,),
        )
        index += 1
        records.append(rec)
        try:
            obj = json.loads(line)
        except ValueError as exc:
            rec.problem("(json)", f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            rec.problem("(json)", f"expected a JSON object, got {type(obj).__name__}")
            continue
        rec.raw = obj
        for required in REQUIRED_COLUMNS:
            if required not in obj:
                rec.problem(required, "missing required key")
        if not rec.problems:
            # a reject file fed back in: its error key is ignored
            _validate(rec, {k: v for k, v in obj.items() if k != "error"}, csv_format=False)
    if not records:
        raise BatchRejected(
            problems=[RowProblem(row=0, field=FILE_FIELD, reason="no records", source=path.name)],
            what=path.name,
        )
    return records


def _validate(rec: _Record, data: dict[str, Any], *, csv_format: bool) -> None:
    try:
        rec.row = PersonRow.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            rec.problem(column_of(err["loc"], csv_format), err["msg"])


# --- skill resolution -----------------------------------------------------------------------


class SkillIndex:
    """Taxonomy lookups for skill references: id, then preferred label, then alias."""

    def __init__(self, skills: Sequence[Skill], clusters: Sequence[SkillCluster]) -> None:
        self.by_id = {s.id: s for s in skills}
        self.cluster_ids = {c.id for c in clusters}
        self.by_label: dict[str, list[Skill]] = {}
        self.by_alias: dict[str, list[Skill]] = {}
        for s in skills:
            for key in _keys(s.label):
                self.by_label.setdefault(key, []).append(s)
            for a in s.aliases:
                for key in _keys(a):
                    self.by_alias.setdefault(key, []).append(s)
        self.cluster_labels = {label_key(c.label) for c in clusters}

    @classmethod
    def from_store(cls, store: GraphStore) -> SkillIndex:
        dump = store.taxonomy()
        return cls(dump.skills, dump.clusters)

    def resolve(
        self, ref: str, mapper: LabelMapper | None, min_score: float
    ) -> SkillResolution | str:
        """A resolution, or the reason the reference cannot be resolved."""
        skill = self.by_id.get(ref)
        if skill is not None:
            return self._live(ref, skill, "id")
        key = label_key(ref)
        for via, table in (("label", self.by_label), ("alias", self.by_alias)):
            hits = table.get(key, [])
            live = [s for s in hits if s.status == NodeStatus.active] or hits
            if len(live) == 1:
                return self._live(ref, live[0], via)  # type: ignore[arg-type]
            if len(live) > 1:
                ids = ", ".join(s.id for s in live[:5])
                return f"skill {ref!r} is ambiguous ({via} of {ids}); use the id"
        if ref in self.cluster_ids or key in self.cluster_labels:
            return f"{ref!r} is a skill group, not a skill; name a skill"
        if mapper is not None:
            best = _best_mapped(mapper, ref, self.by_id, min_score)
            if best is not None:
                sid, score = best
                return SkillResolution(
                    ref, sid, "embedding", round(score, 4), self.by_id[sid].label
                )
        return f"unknown skill {ref!r} (not an id, label or alias in the taxonomy)"

    def _live(self, ref: str, skill: Skill, via: Via) -> SkillResolution | str:
        if skill.status == NodeStatus.active:
            return SkillResolution(ref, skill.id, via, None, skill.label)
        for rid in skill.replaced_by:
            repl = self.by_id.get(rid)
            if repl is not None and repl.status == NodeStatus.active:
                return SkillResolution(ref, repl.id, "replacement", None, repl.label)
        return f"skill {ref!r} ({skill.id}) is deprecated and has no live replacement"


def _keys(label: str) -> set[str]:
    """Lookup keys of a label: its `label_key` (Unicode-normalised, typographic quotes and
    dashes folded, spaces collapsed, case-folded), and that without trailing separators (real
    ESCO has labels like "pipeline transport regulations;", which a CSV cell cannot carry)."""
    key = label_key(label)
    return {key, key.rstrip(" ;|,.")} - {""}


def _best_mapped(
    mapper: LabelMapper, text: str, skills: dict[str, Skill], min_score: float
) -> tuple[str, float] | None:
    try:
        result = mapper.map(text, 5)
    except InvalidInput:
        return None  # the mapper refuses this text (e.g. too short): stays unknown
    # taxonomy.mapping.GoalMapper returns a MappingResult(candidates=[MappedNode(id, score)])
    hits = getattr(result, "candidates", result)
    for hit in hits:
        if isinstance(hit, tuple | list):
            node_id, score = str(hit[0]), float(hit[1])
        else:
            node_id = str(getattr(hit, "node_id", None) or getattr(hit, "id", ""))
            score = float(getattr(hit, "score", getattr(hit, "confidence", 0.0)))
        skill = skills.get(node_id)
        if skill is not None and skill.status == NodeStatus.active and score >= min_score:
            return node_id, score
    return None


# --- the import -----------------------------------------------------------------------------


@dataclass
class PeopleImport:
    """A planned people import: its report, and what is left to do once its ops are written."""

    report: PeopleImportReport
    _finish: Callable[[], Path | None] = field(default=lambda: None, repr=False)

    def committed(self) -> PeopleImportReport:
        """Call after the plan's ops are committed: the report is marked written and, with
        `allow_partial`, the reject file is written (never before: a refused write leaves
        none). A dry run stays unwritten."""
        if not self.report.dry_run:
            self.report.written = True
            self.report.reject_file = self._finish()
        return self.report


def plan_import_people(
    store: GraphStore,
    path: str | Path,
    *,
    dry_run: bool = False,
    allow_partial: bool = False,
    reject_file: str | Path | None = None,
    mapper: LabelMapper | None = None,
    goal_mapper: TextMapper | None = None,
    map_k: int = 3,
    progress: bool = False,
    min_mapper_score: float = DEFAULT_MIN_MAPPER_SCORE,
    options: PeopleImportOptions | None = None,
    full_export: bool = False,
) -> Planned[PeopleImport]:
    """Upsert the people of a CSV/JSONL file (by id) with their skills and goals.

    - dry_run: compute and report what would change; no ops (problems are returned in the
      report, never raised).
    - default: any bad record -> BatchRejected naming every problem; nothing to write.
    - allow_partial: write the valid records, put the others (plus an `error` column) in
      `reject_file` (default `<name>.rejected<suffix>` beside the file) once committed;
      `report.rejected` counts them (callers exit non-zero when it is not 0).
    - goal_mapper: the goals of added and changed people that have no taxonomy targets get
      the mapper's `map_k` best nodes (source "embedding"), in the same apply.
    - options: delimiter, column map, size limit (`PeopleImportOptions`).
    - leavers: a record whose `status` names a leaver, or whose `left_on` is on or before
      today, is not imported; its id goes to `report.leavers` (a later `left_on`: a warning).
      With `full_export`, so does every stored person (who has not left) the file leaves
      out. Off-boarding them is the caller's (api.usecases.imports).
    File-level problems (encoding, size, header, delimiter) always raise BatchRejected.
    A re-imported person's HAS_SKILL edges become exactly the file's list (when the file has a
    skills column/key); goals are upserted by id and never deleted by an import. Rows repeated
    byte for byte count once (a note in the report); differing rows with one id are an error.
    """
    path = Path(path)
    now = utcnow()
    with paused_gc(), progress_steps(progress) as step:
        fmt, records, layout = read_people_file(path, options)
        report = PeopleImportReport(source=path.name, format=fmt, dry_run=dry_run)
        records, repeats = _drop_repeated_rows(records)
        report.records = len(records)
        report.notes.extend(repeats)
        advance = step(f"checking {path.name}", len(records))

        stored = _StoredPeople(store, [r.row.id for r in records if r.row is not None])
        _check_duplicates(records)
        index = SkillIndex.from_store(store)
        resolved: dict[str, SkillResolution | str] = {}
        plans: dict[int, _Plan] = {}
        for rec in records:
            if rec.row is not None and not rec.problems:
                plan = _plan_record(
                    rec, stored.get(rec.row.id), index, resolved, mapper, min_mapper_score, now
                )
                if plan is not None:
                    plans[rec.index] = plan
            advance(1)
        _check_goal_ids(records, plans)
        _check_goal_twins(store, records, plans, stored)
        _check_managers(records, plans, stored, allow_partial)
        today = now.date()
        leaving = {r.index for r in records if not r.problems and _leaving(r, today)}
        report.leavers = [r.row.id for r in records if r.index in leaving and r.row is not None]
        if full_export:
            report.leavers += _left_out(store, {r.row.id for r in records if r.row is not None})

        bad = [r for r in records if r.problems]
        report.problems = [p for r in bad for p in r.problems]
        report.rejected = len(bad)
        report.warnings = [w for r in records if not r.problems for w in r.warnings]
        report.notes.extend(n for r in records if not r.problems for n in r.notes)
        report.resolutions = sorted(
            (v for v in resolved.values() if isinstance(v, SkillResolution) and v.via != "id"),
            key=lambda r: r.ref,
        )
        if bad and not allow_partial and not dry_run:
            raise BatchRejected(problems=report.problems, what=path.name)
        good = [plans[r.index] for r in records if not r.problems and r.index not in leaving]
        ops, goals = _diff(store, good, stored, report)
        if dry_run:
            return Planned([], PeopleImport(report))
        if goal_mapper is not None:
            todo = _unmapped(store, goals)
            advance = step("mapping goals", len(todo))
            for goal in todo:
                ops.append(mapped_targets(goal_mapper, goal, k=map_k))
                advance(1)
            report.goals_mapped = len(todo)

    def finish() -> Path | None:
        if allow_partial and bad:
            return _write_rejects(path, bad, layout, reject_file)
        return None

    return Planned(ops, PeopleImport(report, finish))


def import_people(
    store: GraphStore,
    path: str | Path,
    *,
    dry_run: bool = False,
    allow_partial: bool = False,
    reject_file: str | Path | None = None,
    mapper: LabelMapper | None = None,
    goal_mapper: TextMapper | None = None,
    progress: bool = False,
    min_mapper_score: float = DEFAULT_MIN_MAPPER_SCORE,
    options: PeopleImportOptions | None = None,
) -> PeopleImportReport:
    """`plan_import_people`, written in ONE `store.apply` (a file lands whole or not at all),
    then finished (`PeopleImport.committed`). Returns the report."""
    planned = plan_import_people(
        store,
        path,
        dry_run=dry_run,
        allow_partial=allow_partial,
        reject_file=reject_file,
        mapper=mapper,
        goal_mapper=goal_mapper,
        progress=progress,
        min_mapper_score=min_mapper_score,
        options=options,
    )
    return planned.apply_to(store).committed()


def _leaving(rec: _Record, today: Any) -> bool:
    """Whether the record marks a leaver (a later `left_on` is a warning, not a leaver)."""
    row = rec.row
    if row is None:
        return False
    if row.left_on is not None and row.left_on > today and row.status not in LEFT_STATUSES:
        rec.warn("left_on", f"leaves on {row.left_on}: imported as present until then")
    return row.leaving(today)


def _left_out(store: GraphStore, in_file: set[str]) -> list[str]:
    """Stored people who have not left and whom a full export does not list."""
    return [p.id for p in store.list_people(include_departed=False) if p.id not in in_file]


@dataclass
class _Plan:
    person: Person
    skills: list[PersonSkill] | None  # None: the file says nothing about skills
    goals: list[tuple[GoalEntry, Goal]]  # as the file gives it, and as a new goal
    source: str
    now: Any


class _StoredPeople:
    """Stored people by id: all read at once for big files, else fetched on demand."""

    def __init__(self, store: GraphStore, file_ids: Sequence[str]) -> None:
        self._store = store
        self._cache: dict[str, Person | None] = {}
        count = store.count_people()
        self._complete = count == 0 or len(file_ids) * 4 >= count
        if count and self._complete:
            self._cache = {p.id: p for p in store.list_people()}

    def get(self, pid: str) -> Person | None:
        if pid not in self._cache:
            if self._complete:
                return None
            self._cache[pid] = self._store.get_person(pid)
        return self._cache[pid]

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, str) and self.get(pid) is not None


def _drop_repeated_rows(records: Sequence[_Record]) -> tuple[list[_Record], list[RowProblem]]:
    """Records without the byte-for-byte repeats of an earlier one, and a note per repeat."""
    first: dict[tuple[str, ...], _Record] = {}
    kept: list[_Record] = []
    notes: list[RowProblem] = []
    for rec in records:
        seen = first.get(rec.text) if rec.text else None
        if seen is None:
            if rec.text:
                first[rec.text] = rec
            kept.append(rec)
            continue
        notes.append(
            RowProblem(
                row=rec.index,
                field="(row)",
                reason=f"repeats {seen.source} exactly: imported once",
                source=rec.source,
            )
        )
    return kept, notes


def _check_duplicates(records: Sequence[_Record]) -> None:
    where: dict[str, list[_Record]] = {}
    for rec in records:
        if rec.row is not None:
            where.setdefault(rec.row.id, []).append(rec)
    for pid, recs in where.items():
        if len(recs) > 1:
            lines = ", ".join(r.source for r in recs)
            for rec in recs:
                rec.problem("id", f"duplicate id {pid!r} (records at {lines})")


def _plan_record(
    rec: _Record,
    stored: Person | None,
    index: SkillIndex,
    resolved: dict[str, SkillResolution | str],
    mapper: LabelMapper | None,
    min_score: float,
    now: Any,
) -> _Plan | None:
    row = rec.row
    assert row is not None
    try:
        given = row.person_fields()
    except FieldError as exc:
        rec.problem(exc.field, exc.reason)
        return None
    base = stored.model_dump() if stored is not None else {}
    if "preferences" in given:
        given["preferences"] = {**base.get("preferences", {}), **given["preferences"]}
    if "timezone" in given and not _read_zone(rec, given, base):
        return None
    try:
        person = Person.model_validate({**base, **given})
    except ValidationError as exc:
        for err in exc.errors():
            rec.problem(column_of(err["loc"], rec.csv_format), err["msg"])
        return None

    skills: list[PersonSkill] | None = None
    if "skills" in row.model_fields_set:
        skills = _resolve_skills(rec, row.skills, index, resolved, mapper, min_score)
        if skills is None:
            return None
    goals: list[GoalEntry] = []
    seen: dict[str, str] = {}
    texts: set[str] = set()  # label_keys of the goals given without an id
    for g in row.goal_entries():
        gid = g.id or goal_id_for(row.id, g.text)
        if gid in seen:
            if seen[gid].casefold() != g.text.casefold():
                rec.problem("goals", f"goal id {gid!r} is used twice with different texts")
                return None
            continue  # the same goal listed twice: once is enough
        if g.id is None and label_key(g.text) in texts:
            continue  # the same text in another spelling (case, spaces, quotes): once
        seen[gid] = g.text
        if g.id is None:
            texts.add(label_key(g.text))
        goals.append(g)
    try:  # validate now so a bad goal is a problem of this record, not of the write
        built = [(g, _goal(row.id, g, now, None)) for g in goals]
    except ValidationError as exc:
        for err in exc.errors():
            rec.problem("goals", f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
        return None
    disordered = [(g.id, f, r) for _e, g in built for f, r in milestone_order_problems(g)]
    for gid, where, reason in disordered:
        rec.problem("goals", f"goal {gid!r} {where}: {reason}")
    if disordered:
        return None
    return _Plan(person=person, skills=skills, goals=built, source=rec.source, now=now)


def _read_zone(rec: _Record, given: dict[str, Any], base: dict[str, Any]) -> bool:
    """Read the record's time zone as HR systems write it (loaders.timezones): store the IANA
    name, note a mapped Windows name, warn about a fixed offset in a place with DST. False
    (a problem on the record) for a name that is none of these."""
    location = str(given.get("location", base.get("location", "")) or "")
    written = rec.raw.get("timezone")
    if rec.csv_format and not (written or "").strip():
        return True  # an empty cell is the documented default, UTC
    try:
        reading = read_timezone(str(given["timezone"]), location)
    except ValueError as exc:
        rec.problem("timezone", str(exc))
        return False
    given["timezone"] = reading.zone
    if reading.note:
        rec.note("timezone", reading.note)
    if reading.warning:
        rec.warn("timezone", reading.warning)
    return True


def _resolve_skills(
    rec: _Record,
    entries: Sequence[SkillEntry],
    index: SkillIndex,
    resolved: dict[str, SkillResolution | str],
    mapper: LabelMapper | None,
    min_score: float,
) -> list[PersonSkill] | None:
    by_skill: dict[str, PersonSkill] = {}
    ok = True
    assert rec.row is not None
    for entry in entries:
        hit = resolved.get(entry.skill)
        if hit is None:
            hit = index.resolve(entry.skill, mapper, min_score)
            resolved[entry.skill] = hit
        if isinstance(hit, str):
            rec.problem("skills", hit)
            ok = False
            continue
        prev = by_skill.get(hit.skill_id)
        if prev is not None:  # two references to one skill: keep the strongest claim
            level, mentor = max(prev.level, entry.level), prev.willing_to_mentor or entry.mentor
        else:
            level, mentor = entry.level, entry.mentor
        # person id validated with the row, skill id from the taxonomy, level checked: trusted
        by_skill[hit.skill_id] = trusted(
            PersonSkill,
            person_id=rec.row.id,
            skill_id=hit.skill_id,
            level=level,
            willing_to_mentor=mentor,
        )
    return sorted(by_skill.values(), key=lambda s: s.skill_id) if ok else None


def _goal(person_id: str, entry: GoalEntry, now: Any, prev: Goal | None) -> Goal:
    """The goal as the file gives it; fields the file leaves out keep the stored values."""
    fields = {k: getattr(entry, k) for k in entry.model_fields_set if k != "id"}
    fields["text"] = entry.text
    gid = entry.id or goal_id_for(person_id, entry.text)
    base = prev.model_dump() if prev is not None else {"created_at": now}
    return Goal.model_validate({**base, "id": gid, "person_id": person_id, **fields})


def _check_goal_ids(records: Sequence[_Record], plans: dict[int, _Plan]) -> None:
    """A goal id given on two records (JSONL ids are free text) is an error on both."""
    where: dict[str, list[_Record]] = {}
    for rec in records:
        plan = plans.get(rec.index)
        if plan is None or rec.row is None:
            continue
        for entry, _goal_row in plan.goals:
            if entry.id is not None:
                where.setdefault(entry.id, []).append(rec)
    for gid, recs in where.items():
        if len(recs) > 1:
            lines = ", ".join(r.source for r in recs)
            for rec in recs:
                rec.problem("goals", f"goal id {gid!r} is given on several records ({lines})")


def _check_goal_twins(
    store: GraphStore,
    records: Sequence[_Record],
    plans: dict[int, _Plan],
    stored: _StoredPeople,
) -> None:
    """A goal given without an id (CSV: always) whose text is that of a stored open goal of
    the person (by `label_key`) is that goal (an update, not a new goal). Any other goal the
    file adds or changes that would be an open twin (same person, same text, both open) of
    another goal, stored or in the file, is a problem naming the other goal's id (never the
    text)."""
    ids = [p.person.id for p in plans.values() if p.person.id in stored]
    old_goals = _stored_goals(store, ids)
    for rec in records:
        plan = plans.get(rec.index)
        if plan is None or not plan.goals:
            continue
        pid = plan.person.id
        before = {g.id: g for g in old_goals.get(pid, [])}
        open_by_text = {
            label_key(g.text): g
            for g in sorted(before.values(), key=lambda g: g.id)
            if g.status == GoalStatus.open
        }
        named: list[tuple[GoalEntry, Goal]] = []
        for entry, fresh in plan.goals:
            known = open_by_text.get(label_key(entry.text)) if entry.id is None else None
            if known is not None and known.id != fresh.id:
                entry = entry.model_copy(update={"id": known.id})
                fresh = fresh.model_copy(update={"id": known.id})
            named.append((entry, fresh))
        plan.goals = list({fresh.id: (e, fresh) for e, fresh in named}.values())
        in_file = {fresh.id for _e, fresh in plan.goals}
        compared = [g for g in before.values() if g.id not in in_file]  # stored, not in file
        for entry, fresh in plan.goals:  # each against the stored ones and those before it
            prev = before.get(fresh.id)
            goal = fresh if prev is None else _goal(pid, entry, plan.now, prev)
            twin = open_duplicate(compared, goal)
            compared.append(goal)
            if twin is not None:
                rec.problem(
                    "goals",
                    f"goal {goal.id!r} has the same text as open goal {twin.id!r} of {pid!r}: "
                    "a person's open goals must differ",
                )
                break


def _check_managers(
    records: Sequence[_Record],
    plans: dict[int, _Plan],
    stored: _StoredPeople,
    allow_partial: bool,
) -> None:
    """Unknown managers and cycles, over the store overlaid with the file.

    With allow_partial, a record whose manager sits on a rejected record is rejected too
    (repeated until nothing changes), so what is written is always consistent."""
    file_ids = {r.row.id: r for r in records if r.row is not None}
    while True:
        live = {
            rec.row.id: plans[rec.index]
            for rec in records
            if rec.row is not None and rec.index in plans and not rec.problems
        }
        newly_bad = False
        for pid, plan in live.items():
            rec = file_ids[pid]
            mid = plan.person.manager_id
            if mid is None or mid in live or mid in stored:
                continue
            if mid in file_ids:
                if not allow_partial:
                    continue  # the manager's own record carries the problem
                reason = f"manager {mid!r} is on a rejected record ({file_ids[mid].source})"
            else:
                reason = f"unknown manager {mid!r} (not in the file nor in the store)"
            rec.problem("manager_id", reason)
            newly_bad = True
        for cycle in _manager_cycles(live, stored):
            if not any(pid in live for pid in cycle):
                continue
            text = " -> ".join([*cycle, cycle[0]])
            for pid in cycle:
                if pid in live:
                    file_ids[pid].problem("manager_id", f"manager cycle: {text}")
                    newly_bad = True
        if not newly_bad or not allow_partial:
            return


def _manager_cycles(live: dict[str, _Plan], stored: _StoredPeople) -> list[list[str]]:
    """Cycles of the manager graph (store overlaid with the file) that pass through the file."""

    def manager(pid: str) -> str | None:
        plan = live.get(pid)
        if plan is not None:
            return plan.person.manager_id
        p = stored.get(pid)
        return p.manager_id if p is not None else None

    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []
    for start in live:
        if start in state:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = manager(node)
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node) :])
        for n in path:
            state[n] = 2
    return cycles


def _diff(
    store: GraphStore,
    plans: Sequence[_Plan],
    stored: _StoredPeople,
    report: PeopleImportReport,
) -> tuple[list[StoreOp], list[Goal]]:
    """The ops of the import, and every goal of the people it adds or changes (as they will
    be after it: written goals as written, the others as stored)."""
    people: list[Person] = []
    add_skills: list[PersonSkill] = []
    remove_skills: list[tuple[str, str]] = []
    goals: list[Goal] = []
    old_skills = _stored_skills(store, [p.person.id for p in plans if p.person.id in stored])
    old_goals = _stored_goals(store, [p.person.id for p in plans if p.person.id in stored])
    goals_of_changed: list[Goal] = []
    for plan in plans:
        pid = plan.person.id
        before = stored.get(pid)
        changed = before is None or before != plan.person
        if changed:
            people.append(plan.person)
        if plan.skills is not None:
            old = {s.skill_id: s for s in old_skills.get(pid, [])}
            new = {s.skill_id: s for s in plan.skills}
            for sid in sorted(old.keys() - new.keys()):
                remove_skills.append((pid, sid))
            fresh = [s for sid, s in new.items() if old.get(sid) != s]
            add_skills.extend(fresh)
            changed = changed or bool(fresh) or old.keys() != new.keys()
        stored_goals = {g.id: g for g in old_goals.get(pid, [])}
        now_goals = dict(stored_goals)
        for entry, fresh_goal in plan.goals:
            prev = stored_goals.get(fresh_goal.id)
            goal = fresh_goal if prev is None else _goal(pid, entry, plan.now, prev)
            now_goals[goal.id] = goal
            if prev is None:
                goals.append(goal)
                report.goals_added += 1
                changed = True
            elif goal != prev:
                goals.append(goal)
                report.goals_changed += 1
                changed = True
        if before is None:
            report.added.append(pid)
        elif changed:
            report.changed.append(pid)
        else:
            report.unchanged.append(pid)
        if changed:
            goals_of_changed.extend(now_goals.values())
    report.skills_written = len(add_skills)
    report.skills_removed = len(remove_skills)
    ops: list[StoreOp] = []
    if people:
        ops.append(UpsertPeople(people))
    if remove_skills:
        ops.append(RemovePersonSkills(remove_skills))
    if add_skills:
        ops.append(UpsertPersonSkills(add_skills))
    if goals:
        ops.append(UpsertGoals(goals))
    return ops, goals_of_changed


def _unmapped(store: GraphStore, goals: Sequence[Goal]) -> list[Goal]:
    """Those of `goals` with no stored TARGETS (one pass over all targets for many goals)."""
    if len(goals) > 200:
        targeted = {t.goal_id for t in store.all_goal_targets()}
    else:
        targeted = {g.id for g in goals if store.goal_targets(g.id)}
    return [g for g in goals if g.id not in targeted]


def _stored_skills(store: GraphStore, ids: Sequence[str]) -> dict[str, list[PersonSkill]]:
    out: dict[str, list[PersonSkill]] = {}
    if not ids:
        return out
    if len(ids) > 200:  # one streamed pass beats thousands of point reads
        wanted = set(ids)
        for batch in store.iter_person_skills():
            for s in batch:
                if s.person_id in wanted:
                    out.setdefault(s.person_id, []).append(s)
        return out
    return {pid: store.person_skills(pid) for pid in ids}


def _stored_goals(store: GraphStore, ids: Sequence[str]) -> dict[str, list[Goal]]:
    out: dict[str, list[Goal]] = {}
    if not ids:
        return out
    if len(ids) > 200:
        wanted = set(ids)
        for g in store.list_goals():
            if g.person_id in wanted:
                out.setdefault(g.person_id, []).append(g)
        return out
    return {pid: store.goals_of(pid) for pid in ids}


def _write_rejects(
    path: Path,
    bad: Sequence[_Record],
    layout: _CsvLayout | None,
    target: str | Path | None,
) -> Path:
    """The rejected records in the input's own format (CSV: its header names, delimiter and
    cells as written, so the same options read it back) plus an `error` column/key."""
    out = Path(target) if target else path.with_name(f"{path.stem}.rejected{path.suffix}")
    if out.suffix == ".gz":
        raise InvalidInput(f"reject file {out} must not be compressed")

    def reason(rec: _Record) -> str:
        return "; ".join(f"{p.field}: {p.reason}" for p in rec.problems)

    if layout is not None:
        keep = [i for i, h in enumerate(layout.header) if header_key(h) != "error"]
        header = [layout.header[i] for i in keep] + ["error"]
        rows = ([r.text[i] for i in keep] + [reason(r)] for r in bad)
        write_csv_cells(out, header, rows, layout.delimiter)
    else:

        def record(rec: _Record) -> dict[str, Any]:
            if "_line" in rec.raw:  # a line that was not a JSON object: keep it as text
                return {"line": rec.raw["_line"], "error": reason(rec)}
            return {**rec.raw, "error": reason(rec)}

        write_jsonl(out, (record(r) for r in bad))
    return out
