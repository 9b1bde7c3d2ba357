"""Read the ESCO skills pillar from the CSV files of an ESCO download into a `TaxonomyDump`.

Any ESCO CSV download (the v1.0.x and the v1.1+ layouts) in any of its languages. Three
files, each plain `.csv` or `.csv.gz`, found by name in the folder (`<lang>` is
`--language`, default `en`):

- skills: `skills_<lang>.csv`, or `skills.csv`
- groups: `skillGroups_<lang>.csv`, or `skillGroups.csv`
- relations: `broaderRelationsSkillPillar_<lang>.csv`, or `broaderRelationsSkillPillar.csv`
  (v1.0.x downloads name it without the language)

Columns are read by name (case, spaces and underscores ignored); every other column is
ignored, so 4-column (v1.0.x) and 6-column (v1.1+) relation files both read:
- skills: conceptUri, preferredLabel required; altLabels (one per line), description,
  skillType, reuseLevel (transversal, cross-sector, sector-specific, occupation-specific,
  or the ESCO URI ending in one of them; empty allowed) optional
- groups: conceptUri, preferredLabel required; altLabels, description, code optional
- relations: conceptUri -> broaderUri. conceptType/broaderType are not read: the skills and
  groups files say what each concept is (a v1.0.x download lists 155 skill -> group
  relations a second time with conceptType "SkillGroup").

Skill and group ids are their conceptUri; groups become `SkillCluster(source="esco")`, every
node gets `language=<lang>`. A skill may sit under groups and under broader skills (a
skill -> skill BROADER edge, 6,753 in v1.1.1); a group sits under groups only.

A group's code is its `code` column; without one (v1.1 downloads have no such column) it is
read from the URI: `.../skill/S1.0` -> "S1.0" (a pillar letter S, K, T, A or L with
optional dotted numbers), `.../isced-f/0413` -> "K0413" (ESCO's knowledge pillar K, ISCED-F
field 0413, as in the bundled copy). A group by UUID (`.../skill/25a26ff6-...`) has no code.

Tier of a group (0 = top), from its code:
- a lone letter ("S", "K", "T", "A", "L") is a pillar root: tier 0;
- dotted codes "S1", "S1.4", "S1.4.0", "T4.4", "A1.12.2": tier = 1 + number of dots;
- ISCED-F knowledge fields "K00"/"00", "K003"/"003", "K0031"/"0031": broad field (2 digits)
  = tier 1, narrow (3) = 2, detailed (4) = 3, i.e. digits - 1;
- a group without a recognisable code: 1 + the smallest tier among its broader groups
  (0 when it has none).

Malformed input raises `BatchRejected` naming "file.csv:LINE", the column, what was found and
what was expected, for every problem: a missing file or column, a duplicate id, an unknown
reuse level, a relation naming an unknown concept or putting a group under a skill, a cycle.
One quirk of the real data is tolerated: a group listed as its own broader group (ESCO v1.1.1
has `isced-f/051 -> isced-f/051`); such self-references are dropped and counted in
`EscoRead.self_references`, never stored. A relation listed twice counts once.

`import_esco` puts a download into a store: the first import, or a newer download of the same
language, goes through `taxonomy.importer.import_taxonomy` (an update with a diff: ids are
conceptUris); a download in another language than the stored ESCO taxonomy adds its labels
to the existing nodes as aliases tagged with that language (`import_translations`), never
new nodes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from rich.console import Console

from graph.errors import BatchRejected, RowProblem
from graph.hierarchy import Hierarchy
from graph.model import Broader, ReuseLevel, Skill, SkillCluster, parse_rows
from graph.store import GraphStore, TaxonomyDump
from loaders.csvutil import (
    DEFAULT_MAX_IMPORT_BYTES,
    FILE_FIELD,
    CsvRow,
    read_csv,
    read_text,
    reject_if,
    split_list,
)
from taxonomy.importer import (
    ImportReport,
    TranslationReport,
    import_taxonomy,
    import_translations,
    stored_language,
)

SKILLS = "skills"
GROUPS = "skillGroups"
RELATIONS = "broaderRelationsSkillPillar"
DEFAULT_LANGUAGE = "en"
SKILLS_FILE = f"{SKILLS}_{DEFAULT_LANGUAGE}.csv"
GROUPS_FILE = f"{GROUPS}_{DEFAULT_LANGUAGE}.csv"
BROADER_FILE = f"{RELATIONS}_{DEFAULT_LANGUAGE}.csv"
ESCO_FILES = (SKILLS_FILE, GROUPS_FILE, BROADER_FILE)
SOURCE = "esco"
MAX_LABEL = 500  # graph.model.Label

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ROOT_CODE = re.compile(r"^[A-Z]$")
_DOTTED_CODE = re.compile(r"^[A-Z]\d+(\.\d+)*$")
_ISCED_CODE = re.compile(r"^K?(\d{2,4})$")
_ISCED_URI = re.compile(r"/isced-f/(\d{2,4})$")
# ESCO's pillars: S skills, K knowledge, T transversal, A attitudes and values, L language.
_CODE_URI = re.compile(r"/skill/([SKTAL](\d+(\.\d+)*)?)$")
_LANG_SUFFIX = re.compile(r"_([a-z]{2,3}(?:-[A-Za-z0-9]+)*)\.csv(?:\.gz)?$")
_REUSE_LEVELS = ", ".join(level.value for level in ReuseLevel)


@dataclass(frozen=True)
class EscoRead:
    """What `read_esco_detailed` found: the dump plus where each id and edge came from."""

    dump: TaxonomyDump
    language: str = DEFAULT_LANGUAGE
    files: dict[str, str] = field(default_factory=dict)  # "skills" ... -> file name read
    sources: dict[str, str] = field(default_factory=dict)  # node id -> "file.csv:LINE"
    self_references: list[str] = field(default_factory=list)  # "file.csv:LINE" dropped
    relation_rows: int = 0  # data rows in the broader file, self-references included
    duplicate_relations: int = 0  # rows repeating an earlier relation (counted once)


@dataclass(frozen=True)
class EscoLabels:
    """Labels of one language, by concept id: [preferredLabel, *altLabels] (`read_labels`)."""

    language: str
    labels: dict[str, list[str]]
    files: list[str] = field(default_factory=list)


def bundled_esco_dir() -> Path:
    """The ESCO v1.1.1 copy shipped inside the package (gzip CSVs; see its README.md)."""
    return Path(__file__).resolve().parent.parent / "taxonomy" / "data" / "esco"


def check_language(language: str) -> str:
    """`language` as an ESCO language code, lower case ("en", "de", "pt", "nb" ...; "DE"
    reads as "de"), else BatchRejected naming what was found and what is expected."""
    code = language.strip().lower()
    if not _LANGUAGE.match(code):
        raise BatchRejected(
            problems=[
                RowProblem(
                    0,
                    "language",
                    f"found {language!r}; expected an ESCO language code such as en, de, fr, "
                    "es, pt (lower case, as in the file names skills_de.csv ...)",
                )
            ],
            what="ESCO import",
        )
    return code


def read_esco(
    directory: Path,
    *,
    language: str = DEFAULT_LANGUAGE,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> TaxonomyDump:
    """Read the three ESCO CSV files in `directory`, each at most `max_bytes` (the caller's
    Settings.max_import_bytes); BatchRejected on any malformed input."""
    return read_esco_detailed(
        directory, language=language, progress=progress, max_bytes=max_bytes
    ).dump


def read_esco_detailed(
    directory: Path,
    *,
    language: str = DEFAULT_LANGUAGE,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> EscoRead:
    directory = Path(directory)
    language = check_language(language)
    paths = {
        SKILLS: find_esco_file(directory, SKILLS, language),
        GROUPS: find_esco_file(directory, GROUPS, language),
        RELATIONS: find_esco_file(directory, RELATIONS, language),
    }
    with _steps(progress) as step:
        step(f"reading {paths[SKILLS].name}")
        skill_rows = _read(
            paths[SKILLS], ("conceptUri", "preferredLabel"), _SKILL_COLUMNS, max_bytes
        )
        step(f"reading {paths[GROUPS].name}")
        group_rows = _read(
            paths[GROUPS], ("conceptUri", "preferredLabel"), _GROUP_COLUMNS, max_bytes
        )
        step(f"reading {paths[RELATIONS].name}")
        edge_rows = _read(
            paths[RELATIONS], ("conceptUri", "broaderUri"), _RELATION_COLUMNS, max_bytes
        )
        step("checking ids and relations")
        skills = _skills(skill_rows, paths[SKILLS].name, language)
        sources = {r.get("conceptUri"): r.source for r in (*skill_rows, *group_rows)}
        _check_unique_ids(skill_rows, group_rows)
        group_ids = {r.get("conceptUri") for r in group_rows}
        found = _edges(edge_rows, set(sources), group_ids, paths[RELATIONS].name)
        clusters = _clusters(group_rows, found.edges, paths[GROUPS].name, language)
        step("checking for cycles")
        hierarchy = Hierarchy.from_parts(skills, clusters, found.edges)
        cycle = hierarchy.find_cycle()
        if cycle is not None:
            loop = [*cycle, cycle[0]]
            reject_if(
                [
                    RowProblem(
                        row=0,
                        field="broaderUri",
                        reason="cycle in broader relations: " + " -> ".join(loop),
                        source=found.where[(cycle[0], loop[1])],
                    )
                ],
                "ESCO import",
            )
    return EscoRead(
        dump=TaxonomyDump(skills=skills, clusters=clusters, broader=found.edges),
        language=language,
        files={kind: path.name for kind, path in paths.items()},
        sources=sources,
        self_references=found.self_references,
        relation_rows=len(edge_rows),
        duplicate_relations=found.duplicates,
    )


def read_labels(
    directory: Path, language: str, *, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES
) -> EscoLabels:
    """The labels of `language` in `directory`: skills_<lang>.csv and skillGroups_<lang>.csv
    (or the names without the language), at least one of them; the relations file is not
    needed. BatchRejected on a missing file or column, an empty label or a repeated id."""
    directory = Path(directory)
    language = check_language(language)
    paths = [
        p
        for p in (
            find_esco_file(directory, SKILLS, language, required=False),
            find_esco_file(directory, GROUPS, language, required=False),
        )
        if p is not None
    ]
    if not paths:
        find_esco_file(directory, SKILLS, language)  # raises, naming what the folder holds
    labels: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    problems: list[RowProblem] = []
    for path in paths:
        for r in _read(path, ("conceptUri", "preferredLabel"), _GROUP_COLUMNS, max_bytes):
            concept, label = r.get("conceptUri"), r.get("preferredLabel")
            if not concept or not label:
                column = "conceptUri" if not concept else "preferredLabel"
                problems.append(RowProblem(r.index, column, "found an empty value", r.source))
            elif concept in first:
                problems.append(
                    RowProblem(
                        r.index, "conceptUri", f"duplicate id, first at {first[concept]}", r.source
                    )
                )
            else:
                first[concept] = r.source
                names = [label, *split_list(r.get("altLabels"), "\n")]
                long = [n for n in names if len(n) > MAX_LABEL]
                column = "preferredLabel" if label in long else "altLabels"
                if long:
                    problems.append(
                        RowProblem(
                            r.index,
                            column,
                            f"found a label of {len(long[0])} characters; expected at most "
                            f"{MAX_LABEL}",
                            r.source,
                        )
                    )
                labels[concept] = names
    reject_if(problems, f"ESCO {language} labels")
    return EscoLabels(language=language, labels=labels, files=[p.name for p in paths])


def import_esco(
    store: GraphStore,
    directory: Path | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    actor: str,
    dry_run: bool = False,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> ImportReport | TranslationReport:
    """Import an ESCO download (`directory`, default the bundled English copy) into `store`.

    When the store holds no ESCO taxonomy yet, or one in `language`: the whole download is
    read (`read_esco`) and imported as an update with a diff (`import_taxonomy`: new ids
    added, changed ones updated, missing ones deprecated, steward edits kept). When the
    stored ESCO taxonomy is in another language: only the labels of `language` are read
    (`read_labels`) and added to the existing nodes (`import_translations`). Nothing is
    written on any error (BatchRejected) or with `dry_run`.
    """
    language = check_language(language)
    if directory is None:
        if language != DEFAULT_LANGUAGE:
            raise BatchRejected(
                problems=[
                    RowProblem(
                        0,
                        "language",
                        f"found {language!r}; the bundled ESCO copy is English (en) only: "
                        "give the folder of an ESCO download in that language",
                    )
                ],
                what="ESCO import",
            )
        directory = bundled_esco_dir()
    current = stored_language(store, SOURCE)
    if current is not None and current != language:
        labels = read_labels(directory, language, max_bytes=max_bytes)
        return import_translations(
            store,
            labels.labels,
            language=language,
            source=SOURCE,
            actor=actor,
            dry_run=dry_run,
            progress=progress,
            reason=f"ESCO labels in {language} from {', '.join(labels.files)}",
        )
    dump = read_esco(directory, language=language, progress=progress, max_bytes=max_bytes)
    return import_taxonomy(
        store, dump, actor=actor, source=SOURCE, progress=progress, dry_run=dry_run
    )


def esco_tier_from_code(code: str) -> int | None:
    """The tier a group code implies (see module doc), or None when the code says nothing."""
    code = code.strip()
    if _ROOT_CODE.match(code):
        return 0
    isced = _ISCED_CODE.match(code)
    if isced:
        return len(isced.group(1)) - 1
    if _DOTTED_CODE.match(code):
        return 1 + code.count(".")
    return None


def esco_code_from_uri(uri: str) -> str:
    """The group code a conceptUri spells ("S1.0", "K0413"), or "" (a UUID URI)."""
    isced = _ISCED_URI.search(uri)
    if isced:
        return "K" + isced.group(1)
    by_code = _CODE_URI.search(uri)
    return by_code.group(1) if by_code else ""


@overload
def find_esco_file(
    directory: Path, base: str, language: str, *, required: Literal[True] = True
) -> Path: ...
@overload
def find_esco_file(directory: Path, base: str, language: str, *, required: bool) -> Path | None: ...
def find_esco_file(
    directory: Path, base: str, language: str, *, required: bool = True
) -> Path | None:
    """`<base>_<language>.csv` or `<base>.csv` (each also as `.gz`) in `directory`, the first
    that exists. Missing and `required`: BatchRejected naming the names looked for and the
    ESCO files the folder does hold (e.g. another language's); else None."""
    names = (f"{base}_{language}.csv", f"{base}.csv")
    for name in names:
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    if not required:
        return None
    if not directory.is_dir():
        reason = f"found no folder {directory}; expected an ESCO download folder"
    else:
        present = sorted(
            p.name
            for p in directory.iterdir()
            if p.name.lower().endswith((".csv", ".csv.gz"))
            and p.name.startswith((SKILLS, GROUPS, RELATIONS))
        )
        found = ", ".join(present) if present else "no ESCO CSV files"
        reason = f"missing file {names[0]} (or {names[1]}, either may be .gz); found: {found}"
        others = sorted({m.group(1) for p in present if (m := _LANG_SUFFIX.search(p))})
        if others and language not in others:
            reason += f" (a download in {', '.join(others)}: use --language {others[0]})"
    raise BatchRejected(
        problems=[RowProblem(row=0, field=FILE_FIELD, reason=reason, source=names[0])],
        what=f"ESCO import from {directory}",
    )


# --- reading with columns by name ------------------------------------------------------------

_SKILL_COLUMNS = (
    "conceptUri",
    "preferredLabel",
    "altLabels",
    "description",
    "skillType",
    "reuseLevel",
)
_GROUP_COLUMNS = ("conceptUri", "preferredLabel", "altLabels", "description", "code")
_RELATION_COLUMNS = ("conceptUri", "broaderUri")


def _column_key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).casefold()


def _read(
    path: Path, required: Sequence[str], known: Sequence[str], max_bytes: int
) -> list[CsvRow]:
    """Rows of `path` with the `known` columns under their ESCO names (a header "Preferred
    Label" or "preferredlabel" reads as preferredLabel); a missing required column is
    BatchRejected naming the header line and the columns it does have."""
    text = read_text(path, max_bytes=max_bytes)
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error:
        header = []  # read_csv reports the unreadable header
    wanted = {_column_key(c): c for c in known}
    rename = {h: wanted[_column_key(h)] for h in header if _column_key(h) in wanted}
    have = set(rename.values())
    if len(have) < len(rename):
        same = sorted(
            (c, [h for h in rename if rename[h] == c])
            for c in have
            if list(rename.values()).count(c) > 1
        )
        column, names = same[0]
        raise BatchRejected(
            problems=[
                RowProblem(
                    row=0,
                    field=column,
                    reason=f"found the columns {', '.join(map(repr, names))}, which all read "
                    f"as {column!r}; expected one",
                    source=f"{path.name}:1",
                )
            ],
            what=path.name,
        )
    missing = [c for c in required if c not in have]
    if header and missing:
        shown = ", ".join(h for h in header if h) or "(no names)"
        raise BatchRejected(
            problems=[
                RowProblem(
                    row=0,
                    field=c,
                    reason=f"missing column {c!r}; found columns: {shown}",
                    source=f"{path.name}:1",
                )
                for c in missing
            ],
            what=path.name,
        )
    rows = read_csv(path, text=text)
    if all(k == v for k, v in rename.items()):
        return rows
    return [
        CsvRow(
            index=r.index,
            line=r.line,
            source=r.source,
            values={rename.get(k, k): v for k, v in r.values.items()},
        )
        for r in rows
    ]


# --- row shaping ------------------------------------------------------------------------------


def _reuse_level(value: str) -> str | None:
    """ESCO's reuseLevel as a ReuseLevel value ("" -> None); the ESCO URI form
    (.../skill-reuse-level/sector-specific) reads as its last segment."""
    value = value.strip().rstrip("/").rsplit("/", 1)[-1].strip().lower()
    return value or None


def _skills(rows: list[CsvRow], file_name: str, language: str) -> list[Skill]:
    payload = []
    problems: list[RowProblem] = []
    for r in rows:
        label = r.get("preferredLabel")
        reuse = _reuse_level(r.get("reuseLevel"))
        if reuse is not None and reuse not in {level.value for level in ReuseLevel}:
            problems.append(
                RowProblem(
                    r.index,
                    "reuseLevel",
                    f"found {r.get('reuseLevel')!r}; expected one of {_REUSE_LEVELS} or empty",
                    r.source,
                )
            )
            reuse = None
        payload.append(
            {
                "id": r.get("conceptUri"),
                "label": label,
                "aliases": split_list(r.get("altLabels"), "\n"),
                "description": r.get("description"),
                "skill_type": r.get("skillType"),
                "reuse_level": reuse,
                "language": language,
                "source": SOURCE,
            }
        )
    reject_if(problems, file_name)
    return parse_rows(Skill, payload, what=file_name, sources=[r.source for r in rows])


def _clusters(
    rows: list[CsvRow], broader: list[Broader], file_name: str, language: str
) -> list[SkillCluster]:
    parents: dict[str, list[str]] = {}
    for edge in broader:
        parents.setdefault(edge.child_id, []).append(edge.parent_id)
    codes = {
        r.get("conceptUri"): r.get("code") or esco_code_from_uri(r.get("conceptUri")) for r in rows
    }
    tiers: dict[str, int] = {}

    def tier_of(group_id: str, seen: frozenset[str] = frozenset()) -> int:
        if group_id in tiers:
            return tiers[group_id]
        from_code = esco_tier_from_code(codes.get(group_id, ""))
        if from_code is None:
            ups = [p for p in parents.get(group_id, []) if p in codes and p not in seen]
            from_code = 1 + min((tier_of(p, seen | {group_id}) for p in ups), default=-1)
        tiers[group_id] = min(from_code, 10)
        return tiers[group_id]

    payload = []
    for r in rows:
        concept = r.get("conceptUri")
        payload.append(
            {
                "id": concept,
                "label": r.get("preferredLabel"),
                "aliases": split_list(r.get("altLabels"), "\n"),
                "description": r.get("description"),
                "code": codes[concept],
                "tier": tier_of(concept),
                "language": language,
                "source": SOURCE,
            }
        )
    return parse_rows(SkillCluster, payload, what=file_name, sources=[r.source for r in rows])


def _check_unique_ids(skill_rows: list[CsvRow], group_rows: list[CsvRow]) -> None:
    first: dict[str, str] = {}
    problems: list[RowProblem] = []
    for r in (*skill_rows, *group_rows):
        concept = r.get("conceptUri")
        if concept in first:
            problems.append(
                RowProblem(
                    r.index, "conceptUri", f"duplicate id, first at {first[concept]}", r.source
                )
            )
        else:
            first[concept] = r.source
    reject_if(problems, "ESCO import")


@dataclass
class _Edges:
    edges: list[Broader] = field(default_factory=list)
    where: dict[tuple[str, str], str] = field(default_factory=dict)
    self_references: list[str] = field(default_factory=list)
    duplicates: int = 0


def _edges(rows: list[CsvRow], known: set[str], group_ids: set[str], file_name: str) -> _Edges:
    problems: list[RowProblem] = []
    out = _Edges()
    for r in rows:
        child, parent = r.get("conceptUri"), r.get("broaderUri")
        bad = False
        for column, value in (("conceptUri", child), ("broaderUri", parent)):
            if not value:
                problems.append(
                    RowProblem(r.index, column, "found an empty value; expected a URI", r.source)
                )
                bad = True
            elif value not in known:
                problems.append(
                    RowProblem(
                        r.index,
                        column,
                        f"unknown concept {value!r}: found in neither the skills nor the "
                        "groups file",
                        r.source,
                    )
                )
                bad = True
        if bad:
            continue
        if child in group_ids and parent not in group_ids:
            problems.append(
                RowProblem(
                    r.index,
                    "broaderUri",
                    f"found the skill {parent!r} as the broader concept of the skill group "
                    f"{child!r}; expected a skill group (a group sits under groups only)",
                    r.source,
                )
            )
            continue
        if child == parent:
            out.self_references.append(r.source)
            continue
        if (child, parent) in out.where:
            out.duplicates += 1  # the same relation twice says nothing new
            continue
        out.where[(child, parent)] = r.source
        out.edges.append(Broader(child_id=child, parent_id=parent))
    reject_if(problems, file_name)
    return out


@contextmanager
def _steps(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A rich status line naming the current step (no-op when disabled)."""
    if not enabled:
        yield lambda _msg: None
        return

    console = Console(stderr=True)
    with console.status("ESCO") as status:

        def step(message: str) -> None:
            status.update(f"ESCO: {message}")
            console.log(message)

        yield step
