"""Read the ESCO skills pillar from its official CSV layout into a `TaxonomyDump`.

Three files, each plain `.csv` or `.csv.gz` (other columns are ignored):
- skills_en.csv: conceptUri, preferredLabel, altLabels (newline-separated), description,
  skillType
- skillGroups_en.csv: conceptUri, preferredLabel, code (altLabels, description optional)
- broaderRelationsSkillPillar_en.csv: conceptUri -> broaderUri

Skill and group ids are their conceptUri; groups become `SkillCluster(source="esco")`.

Tier of a group (0 = top), from its code:
- a lone letter ("S", "K", "T", "A", "L") is a pillar root: tier 0;
- dotted codes "S1", "S1.4", "S1.4.0", "T4.4", "A1.12.2": tier = 1 + number of dots;
- ISCED-F knowledge fields "K00", "K003", "K0031" (ESCO prefixes the ISCED-F code with K):
  broad field (2 digits) = tier 1, narrow (3) = 2, detailed (4) = 3, i.e. digits - 1;
- a group without a recognisable code: 1 + the smallest tier among its broader groups
  (0 when it has none).
This matches the broader chain in ESCO v1.1.1 (every group is one tier below its parent).

Malformed input raises `BatchRejected` naming "file.csv:LINE" for every problem: missing
column, duplicate id, a relation naming an unknown concept or pointing at a skill, a cycle.
One quirk of the real data is tolerated: a group listed as its own broader group (ESCO v1.1.1
has `isced-f/051 -> isced-f/051`); such self-references are dropped and counted in
`EscoRead.self_references`, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from graph.errors import RowProblem
from graph.hierarchy import Hierarchy
from graph.model import Broader, Skill, SkillCluster, parse_rows
from graph.store import TaxonomyDump
from loaders.csvutil import (
    DEFAULT_MAX_IMPORT_BYTES,
    CsvRow,
    find_file,
    read_csv,
    reject_if,
    split_list,
)

SKILLS_FILE = "skills_en.csv"
GROUPS_FILE = "skillGroups_en.csv"
BROADER_FILE = "broaderRelationsSkillPillar_en.csv"
ESCO_FILES = (SKILLS_FILE, GROUPS_FILE, BROADER_FILE)
SOURCE = "esco"

_ROOT_CODE = re.compile(r"^[A-Z]$")
_DOTTED_CODE = re.compile(r"^[A-Z]\d+(\.\d+)*$")
_ISCED_CODE = re.compile(r"^K(\d{2,4})$")


@dataclass(frozen=True)
class EscoRead:
    """What `read_esco_detailed` found: the dump plus where each id and edge came from."""

    dump: TaxonomyDump
    sources: dict[str, str] = field(default_factory=dict)  # node id -> "file.csv:LINE"
    self_references: list[str] = field(default_factory=list)  # "file.csv:LINE" dropped
    relation_rows: int = 0  # data rows in the broader file, self-references included


def bundled_esco_dir() -> Path:
    """The ESCO v1.1.1 copy shipped inside the package (gzip CSVs; see its README.md)."""
    return Path(__file__).resolve().parent.parent / "taxonomy" / "data" / "esco"


def read_esco(
    directory: Path, *, progress: bool = False, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES
) -> TaxonomyDump:
    """Read the three ESCO CSV files in `directory`, each at most `max_bytes` (the caller's
    Settings.max_import_bytes); BatchRejected on any malformed input."""
    return read_esco_detailed(directory, progress=progress, max_bytes=max_bytes).dump


def read_esco_detailed(
    directory: Path, *, progress: bool = False, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES
) -> EscoRead:
    directory = Path(directory)
    paths = {name: find_file(directory, name) for name in ESCO_FILES}
    with _steps(progress) as step:
        step(f"reading {paths[SKILLS_FILE].name}")
        skill_rows = read_csv(
            paths[SKILLS_FILE], required=("conceptUri", "preferredLabel"), max_bytes=max_bytes
        )
        step(f"reading {paths[GROUPS_FILE].name}")
        group_rows = read_csv(
            paths[GROUPS_FILE],
            required=("conceptUri", "preferredLabel", "code"),
            max_bytes=max_bytes,
        )
        step(f"reading {paths[BROADER_FILE].name}")
        edge_rows = read_csv(
            paths[BROADER_FILE], required=("conceptUri", "broaderUri"), max_bytes=max_bytes
        )
        step("checking ids and relations")
        skills = _skills(skill_rows)
        sources = {r.get("conceptUri"): r.source for r in (*skill_rows, *group_rows)}
        _check_unique_ids(skill_rows, group_rows)
        group_ids = {r.get("conceptUri") for r in group_rows}
        broader, edge_source, self_refs = _edges(edge_rows, set(sources), group_ids)
        clusters = _clusters(group_rows, broader)
        step("checking for cycles")
        hierarchy = Hierarchy.from_parts(skills, clusters, broader)
        cycle = hierarchy.find_cycle()
        if cycle is not None:
            loop = [*cycle, cycle[0]]
            reject_if(
                [
                    RowProblem(
                        row=0,
                        field="broaderUri",
                        reason="cycle in broader relations: " + " -> ".join(loop),
                        source=edge_source[(cycle[0], loop[1])],
                    )
                ],
                "ESCO import",
            )
    return EscoRead(
        dump=TaxonomyDump(skills=skills, clusters=clusters, broader=broader),
        sources=sources,
        self_references=self_refs,
        relation_rows=len(edge_rows),
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


# --- row shaping ------------------------------------------------------------------------------


def _skills(rows: list[CsvRow]) -> list[Skill]:
    payload = []
    for r in rows:
        label = r.get("preferredLabel")
        payload.append(
            {
                "id": r.get("conceptUri"),
                "label": label,
                "aliases": _aliases(r.get("altLabels"), label),
                "description": r.get("description"),
                "skill_type": r.get("skillType"),
                "source": SOURCE,
            }
        )
    return parse_rows(Skill, payload, what=SKILLS_FILE, sources=[r.source for r in rows])


def _clusters(rows: list[CsvRow], broader: list[Broader]) -> list[SkillCluster]:
    parents: dict[str, list[str]] = {}
    for edge in broader:
        parents.setdefault(edge.child_id, []).append(edge.parent_id)
    codes = {r.get("conceptUri"): r.get("code") for r in rows}
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
        label = r.get("preferredLabel")
        payload.append(
            {
                "id": r.get("conceptUri"),
                "label": label,
                "aliases": _aliases(r.get("altLabels"), label),
                "description": r.get("description"),
                "code": r.get("code"),
                "tier": tier_of(r.get("conceptUri")),
                "source": SOURCE,
            }
        )
    return parse_rows(SkillCluster, payload, what=GROUPS_FILE, sources=[r.source for r in rows])


def _aliases(alt_labels: str, label: str) -> list[str]:
    own = label.casefold()
    return [a for a in split_list(alt_labels, "\n") if a.casefold() != own]


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


def _edges(
    rows: list[CsvRow], known: set[str], group_ids: set[str]
) -> tuple[list[Broader], dict[tuple[str, str], str], list[str]]:
    problems: list[RowProblem] = []
    edges: list[Broader] = []
    where: dict[tuple[str, str], str] = {}
    self_refs: list[str] = []
    for r in rows:
        child, parent = r.get("conceptUri"), r.get("broaderUri")
        bad = False
        for column, value in (("conceptUri", child), ("broaderUri", parent)):
            if not value:
                problems.append(RowProblem(r.index, column, "empty", r.source))
                bad = True
            elif value not in known:
                problems.append(RowProblem(r.index, column, f"unknown concept {value!r}", r.source))
                bad = True
        if bad:
            continue
        if parent not in group_ids:
            problems.append(
                RowProblem(
                    r.index, "broaderUri", f"{parent!r} is a skill, not a skill group", r.source
                )
            )
            continue
        if child == parent:
            self_refs.append(r.source)
            continue
        if (child, parent) in where:
            continue  # the same relation twice says nothing new
        where[(child, parent)] = r.source
        edges.append(Broader(child_id=child, parent_id=parent))
    reject_if(problems, BROADER_FILE)
    return edges, where, self_refs


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
