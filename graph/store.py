"""The GraphStore contract: what every store (embedded SQLite, Neo4j) must do, identically.

Writes go through `apply(ops)`: a list of plain-data operations executed as ONE transaction.
If any row of any op is invalid (unknown id, dangling relation, duplicate key in the batch)
the store raises `BatchRejected` naming the op, row and field, and nothing is written.
Domain code composes ops (e.g. a steward merge = upsert survivor + repoint + deprecate +
history entry) so that a multi-step change is atomic on both stores.

Semantics shared by both stores (the contract tests pin them down):
- Upserts replace the whole stored record for that key (no partial patch); re-upserting the
  same rows is a no-op apart from `data_version`.
- References are checked against what is stored plus what earlier ops of the same `apply`
  (and earlier rows of the same op) create, so a batch may bring a manager after their report.
- `RepointReferences(source, targets)` moves everything that points at `source` onto each
  target: HAS_SKILL (level = max, willing = any), TARGETS (confidence = max, source kept from
  the strongest), BROADER edges of `source`'s children (only onto cluster targets). It does
  not touch `source` itself; the caller deprecates it in the same `apply`.
- Reads return models; lists come back in a stable order (by id unless said otherwise).

Every op also says, in `touches()`, which records the recommender's in-memory snapshot must
read again once the op is committed (`Touched`: people, a person's skills, goals, a goal's
targets, pairings, a pairing's check-ins, the taxonomy, and nodes whose references moved).
The snapshot (graph/recommend/snapshot.py) re-reads exactly those records from the store, so
an op's meaning is written once per store and never a third time in memory. Ops that change
nothing the recommender reads (history, audit, keys) return an empty `Touched()`.

Adding an op: the op here with its `touches()`, its validation (graph/stores/validation.py),
its SQL (graph/stores/embedded_writes.py), its Cypher (graph/stores/neo4j_store.py), and a
contract test (tests/contract/). Nothing else: the snapshot follows by re-reading.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Concatenate, Generic, ParamSpec, Protocol, TypeVar, runtime_checkable

from graph.model import (
    ApiKey,
    AuditEntry,
    Broader,
    CheckIn,
    CohortRunRecord,
    Goal,
    GoalTarget,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    Program,
    Skill,
    SkillCluster,
    TaxonomyChange,
)

# --- what an op touches ------------------------------------------------------------------


_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Touched:
    """The records an op (or a batch) changed that the recommender's snapshot reads, by key.

    The snapshot re-reads each named record from the store after the commit (a record the
    store no longer has is gone). Sets of ids; `|` merges two (union), `touched_by(ops)` a batch.
    """

    people: frozenset[str] = _NONE  # Person records (get_person)
    person_skills: frozenset[str] = _NONE  # person ids whose HAS_SKILL rows changed
    goals: frozenset[str] = _NONE  # Goal records (get_goal; None = deleted)
    goal_targets: frozenset[str] = _NONE  # goal ids whose TARGETS changed
    pairings: frozenset[str] = _NONE  # Pairing records (get_pairing)
    checkins: frozenset[str] = _NONE  # pairing ids whose check-ins changed
    # check-in ids written: one may have moved, so the pairing that held it before is re-read
    checkin_ids: frozenset[str] = _NONE
    taxonomy: bool = False  # skills, clusters or BROADER edges changed
    # nodes whose references moved: every HAS_SKILL, TARGETS and BROADER (child) row that
    # pointed at one of them before the write must be re-read
    referenced_nodes: frozenset[str] = _NONE

    def __or__(self, other: Touched) -> Touched:
        return Touched(
            people=self.people | other.people,
            person_skills=self.person_skills | other.person_skills,
            goals=self.goals | other.goals,
            goal_targets=self.goal_targets | other.goal_targets,
            pairings=self.pairings | other.pairings,
            checkins=self.checkins | other.checkins,
            checkin_ids=self.checkin_ids | other.checkin_ids,
            taxonomy=self.taxonomy or other.taxonomy,
            referenced_nodes=self.referenced_nodes | other.referenced_nodes,
        )


_SET_FIELDS = (
    "people",
    "person_skills",
    "goals",
    "goal_targets",
    "pairings",
    "checkins",
    "checkin_ids",
    "referenced_nodes",
)


def touched_to_json(touched: Touched) -> str:
    """The change log's form of a Touched: JSON `{"people": [ids...], ..., "taxonomy": bool}`
    (empty sets left out, ids sorted)."""
    data: dict[str, object] = {
        name: sorted(getattr(touched, name)) for name in _SET_FIELDS if getattr(touched, name)
    }
    if touched.taxonomy:
        data["taxonomy"] = True
    return json.dumps(data, separators=(",", ":"))


def touched_from_json(text: str) -> Touched:
    """The Touched `touched_to_json` wrote (unknown keys ignored)."""
    data = json.loads(text)
    sets = {name: frozenset(data.get(name, ())) for name in _SET_FIELDS}
    return Touched(taxonomy=bool(data.get("taxonomy", False)), **sets)


# How many versions the change log keeps (`GraphStore.changes_since`); older ones are pruned.
CHANGE_LOG_KEEP = 1000


def touched_by(ops: Iterable[StoreOp]) -> Touched:
    """The union of the ops' `touches()` (the empty Touched for no ops)."""
    out = Touched()
    for op in ops:
        out = out | op.touches()
    return out


# --- write operations -----------------------------------------------------------------------
# Each op's `touches()` is the one statement of what it changes for the in-memory snapshot.


@dataclass(frozen=True)
class UpsertSkills:
    rows: Sequence[Skill]

    def touches(self) -> Touched:
        return Touched(taxonomy=True)


@dataclass(frozen=True)
class UpsertClusters:
    rows: Sequence[SkillCluster]

    def touches(self) -> Touched:
        return Touched(taxonomy=True)


@dataclass(frozen=True)
class AddBroader:
    """Add child -> parent edges (idempotent). Parent: a cluster, or a skill under a skill."""

    rows: Sequence[Broader]

    def touches(self) -> Touched:
        return Touched(taxonomy=True)


@dataclass(frozen=True)
class RemoveBroader:
    rows: Sequence[Broader]

    def touches(self) -> Touched:
        return Touched(taxonomy=True)


@dataclass(frozen=True)
class UpsertPeople:
    rows: Sequence[Person]

    def touches(self) -> Touched:
        return Touched(people=frozenset(r.id for r in self.rows))


@dataclass(frozen=True)
class UpsertPersonSkills:
    rows: Sequence[PersonSkill]

    def touches(self) -> Touched:
        return Touched(person_skills=frozenset(r.person_id for r in self.rows))


@dataclass(frozen=True)
class RemovePersonSkills:
    keys: Sequence[tuple[str, str]]  # (person_id, skill_id); missing ones are ignored

    def touches(self) -> Touched:
        return Touched(person_skills=frozenset(p for p, _ in self.keys))


@dataclass(frozen=True)
class UpsertGoals:
    rows: Sequence[Goal]

    def touches(self) -> Touched:
        return Touched(goals=frozenset(r.id for r in self.rows))


@dataclass(frozen=True)
class DeleteGoals:
    ids: Sequence[str]  # also removes their TARGETS; missing ids are ignored

    def touches(self) -> Touched:
        ids = frozenset(self.ids)
        return Touched(goals=ids, goal_targets=ids)


@dataclass(frozen=True)
class SetGoalTargets:
    """Replace all TARGETS of one goal."""

    goal_id: str
    targets: Sequence[GoalTarget]

    def touches(self) -> Touched:
        return Touched(goal_targets=frozenset([self.goal_id]))


@dataclass(frozen=True)
class UpsertPairings:
    rows: Sequence[Pairing]

    def touches(self) -> Touched:
        return Touched(pairings=frozenset(r.id for r in self.rows))


@dataclass(frozen=True)
class UpsertPrograms:
    """Create or replace program declarations by id (formats and intensity)."""

    rows: Sequence[Program]

    def touches(self) -> Touched:
        return Touched()  # the ranking reads no declarations: use cases read them from the store


@dataclass(frozen=True)
class AddCheckIns:
    """Upsert check-ins by id (a check-in written again with another pairing_id moves)."""

    rows: Sequence[CheckIn]

    def touches(self) -> Touched:
        return Touched(
            checkins=frozenset(r.pairing_id for r in self.rows),
            checkin_ids=frozenset(r.id for r in self.rows),
        )


@dataclass(frozen=True)
class RepointReferences:
    source_id: str
    target_ids: Sequence[str]

    def touches(self) -> Touched:
        return Touched(referenced_nodes=frozenset([self.source_id]))


@dataclass(frozen=True)
class UpsertTaxonomyChanges:
    rows: Sequence[TaxonomyChange]

    def touches(self) -> Touched:
        return Touched()  # history only: nothing the recommender reads


@dataclass(frozen=True)
class AppendAudit:
    """Add audit entries (an append-only log: an id already stored is refused). Put it in the
    same `apply` as the change it records, so the change and its entry land together."""

    rows: Sequence[AuditEntry]

    def touches(self) -> Touched:
        return Touched()  # audit: nothing the recommender reads


@dataclass(frozen=True)
class PutApiKeys:
    """Create or replace API keys by id (revoking is putting the key with `revoked_at` set).
    A `key_hash` held by another key is refused."""

    rows: Sequence[ApiKey]

    def touches(self) -> Touched:
        return Touched()  # keys: nothing the recommender reads


@dataclass(frozen=True)
class DeletePeople:
    """Remove people: their record, their HAS_SKILL rows and REPORTS_TO links (missing ids
    are ignored). Used by erasure, which re-keys every record that referred to them (goals,
    pairings, check-ins, reports, keys) onto a pseudonymous person in the same apply; nothing
    else is removed, so a reference left behind dangles. It also drops every stored cohort
    run: each was matched on a graph this apply changes, so none could be published any
    more, and their proposals and reasons name people."""

    ids: Sequence[str]

    def touches(self) -> Touched:
        ids = frozenset(self.ids)
        return Touched(people=ids, person_skills=ids)


@dataclass(frozen=True)
class ReplaceAudit:
    """Replace stored audit entries by id (whole entries). The log is append-only for every
    change; only erasure (pseudonymising an entry about a leaver) and retention (dropping an
    old entry's details) rewrite it. An id not stored is refused."""

    rows: Sequence[AuditEntry]

    def touches(self) -> Touched:
        return Touched()  # audit: nothing the recommender reads


@dataclass(frozen=True)
class PutCohortRuns:
    """Keep new cohort runs for review (an id already stored is refused: runs are never
    rewritten, only marked published by `PublishCohortRun`)."""

    rows: Sequence[CohortRunRecord]

    def touches(self) -> Touched:
        return Touched()  # runs: nothing the recommender reads


@dataclass(frozen=True)
class PublishCohortRun:
    """Mark stored run `run_id` published, at `at` by `by` — a conditional update: only if
    the run exists, is not published yet, and the store's data_version before this apply is
    `data_version` (the run's). Otherwise the store raises `graph.errors.Conflict` (NotFound
    for an unknown run) and the whole apply is rolled back, so of concurrent publishes of one
    run exactly one writes its pairings. Put it in the same apply as those pairings. It
    moves data_version (so it takes the store's write lock like any graph change)."""

    run_id: str
    data_version: int
    at: datetime
    by: str | None = None

    def touches(self) -> Touched:
        return Touched()  # the pairings it goes with say what they touch


StoreOp = (
    UpsertSkills
    | UpsertClusters
    | AddBroader
    | RemoveBroader
    | UpsertPeople
    | UpsertPersonSkills
    | RemovePersonSkills
    | UpsertGoals
    | DeleteGoals
    | SetGoalTargets
    | UpsertPairings
    | UpsertPrograms
    | AddCheckIns
    | RepointReferences
    | UpsertTaxonomyChanges
    | AppendAudit
    | PutApiKeys
    | DeletePeople
    | ReplaceAudit
    | PutCohortRuns
    | PublishCohortRun
)

# Operational records: no cache reads them, so an apply of nothing else keeps data_version.
OPERATIONAL_OPS: tuple[type, ...] = (AppendAudit, PutApiKeys, ReplaceAudit, PutCohortRuns)


def forgets_people(ops: Sequence[object]) -> bool:
    """Whether the apply erases people (`DeletePeople`): the change log, which names the ids
    every apply touched, is then emptied instead of extended, so no old id outlives the
    erasure there (other workers see the gap and reload the whole graph once)."""
    return any(isinstance(op, DeletePeople) for op in ops)


def changes_graph(ops: Sequence[object]) -> bool:
    """Whether an apply of `ops` changes graph data and so moves `data_version`: any op but
    audit entries, API keys and cohort runs does (an apply of only those leaves caches valid)."""
    return any(not isinstance(op, OPERATIONAL_OPS) for op in ops)


# --- read shapes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxonomyDump:
    """The whole competency map in one read, for building in-memory indexes."""

    skills: list[Skill] = field(default_factory=list)
    clusters: list[SkillCluster] = field(default_factory=list)
    broader: list[Broader] = field(default_factory=list)


@dataclass(frozen=True)
class PairingFilter:
    mentor_id: str | None = None
    mentee_id: str | None = None
    person_id: str | None = None  # mentor or mentee
    program: str | None = None
    statuses: Sequence[PairingStatus] | None = None


@runtime_checkable
class GraphStore(Protocol):
    """The storage contract both stores implement. All methods are thread-safe."""

    kind: str  # "embedded" | "neo4j"

    # lifecycle
    def init_schema(self) -> None:
        """Create tables/constraints/indexes; idempotent."""

    def ping(self) -> bool:
        """True if the store answers a trivial query."""

    def close(self) -> None: ...

    def data_version(self) -> int:
        """A number that grows with every committed `apply` that changes graph data
        (`changes_graph`); caches compare it."""

    def changes_since(self, version: int) -> list[Touched] | None:
        """What each apply after `version` touched (`touched_by(ops)`), oldest first, one per
        version up to the current `data_version` (the change log another process follows to
        refresh its snapshot without reading the whole graph); [] when `version` is current;
        None when the log lacks one of them (pruned: the last `CHANGE_LOG_KEEP` versions are
        kept; or written before the log existed): the caller then reads the whole graph."""

    # writes
    def apply(self, ops: Sequence[StoreOp]) -> None:
        """Run all ops in one transaction; BatchRejected (nothing written) on any bad row."""

    # taxonomy reads
    def get_skill(self, skill_id: str) -> Skill | None: ...
    def get_cluster(self, cluster_id: str) -> SkillCluster | None: ...
    def get_node(self, node_id: str) -> Skill | SkillCluster | None: ...
    def list_skills(
        self, *, offset: int = 0, limit: int | None = None, include_deprecated: bool = True
    ) -> list[Skill]: ...
    def list_clusters(self, *, include_deprecated: bool = True) -> list[SkillCluster]: ...
    def count_skills(self) -> int: ...
    def parents(self, node_id: str) -> list[Skill | SkillCluster]: ...
    def children(self, cluster_id: str) -> list[Skill | SkillCluster]: ...
    def taxonomy(self) -> TaxonomyDump: ...
    def find_by_label(self, text: str) -> list[Skill | SkillCluster]:
        """Nodes whose label or an alias equals `text` by `graph.text.label_key`."""

    def search_taxonomy(self, text: str, *, limit: int = 20) -> list[Skill | SkillCluster]:
        """Nodes with a label or alias whose label_key contains text's; label hits first."""

    # people
    def get_person(self, person_id: str) -> Person | None: ...
    def list_people(
        self, *, offset: int = 0, limit: int | None = None, include_departed: bool = True
    ) -> list[Person]:
        """By id; without `include_departed`, only people with no `left_on`."""

    def count_people(self, *, include_departed: bool = True) -> int: ...
    def reports_of(self, manager_id: str) -> list[str]:
        """Ids of people whose manager_id is `manager_id`."""

    def person_skills(self, person_id: str) -> list[PersonSkill]: ...
    def holders_of(self, skill_id: str) -> list[PersonSkill]: ...
    def iter_person_skills(self, *, batch_size: int = 10_000) -> Iterator[list[PersonSkill]]:
        """All HAS_SKILL rows, in batches, ordered by (person_id, skill_id)."""

    # goals
    def get_goal(self, goal_id: str) -> Goal | None: ...
    def goals_of(self, person_id: str) -> list[Goal]: ...
    def list_goals(self, *, offset: int = 0, limit: int | None = None) -> list[Goal]: ...
    def goal_targets(self, goal_id: str) -> list[GoalTarget]:
        """Ordered by confidence, highest first."""

    def targets_of_node(self, node_id: str) -> list[GoalTarget]: ...
    def all_goal_targets(self) -> list[GoalTarget]: ...

    # pairings
    def get_pairing(self, pairing_id: str) -> Pairing | None: ...
    def list_pairings(self, flt: PairingFilter | None = None) -> list[Pairing]: ...
    def checkins(self, pairing_id: str) -> list[CheckIn]:
        """Ordered by date, then id."""

    def all_checkins(self) -> list[CheckIn]: ...

    # programs (declarations written with UpsertPrograms)
    def get_program(self, program_id: str) -> Program | None: ...
    def list_programs(self) -> list[Program]:
        """Ordered by id."""

    # taxonomy history
    def get_taxonomy_change(self, change_id: str) -> TaxonomyChange | None: ...
    def taxonomy_changes(
        self, *, node_id: str | None = None, limit: int = 100
    ) -> list[TaxonomyChange]:
        """Newest first; with node_id, only changes that touched that node."""

    def count_taxonomy_changes(self, *, node_id: str | None = None) -> int:
        """How many changes `taxonomy_changes` would list without a limit."""

    # access and audit (operational records, kept in the same store for one backup; written
    # with the PutApiKeys and AppendAudit ops)
    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...
    def list_api_keys(self) -> list[ApiKey]: ...
    def list_audit(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        """Newest first."""

    def audit_page(self, *, after: str = "", limit: int = 1000) -> list[AuditEntry]:
        """Every audit entry in id order, a page at a time: at most `limit` with id > `after`
        (erasure and retention walk the whole log with it)."""

    # cohort runs (operational: kept for review, written with PutCohortRuns and
    # PublishCohortRun)
    def get_cohort_run(self, run_id: str) -> CohortRunRecord | None: ...


# --- planned changes ------------------------------------------------------------------------

# The deepest BROADER chain above a changed node that an apply may leave (both stores): a
# deeper one is refused like a cycle, which keeps the Neo4j store's cycle check a bounded
# expansion. Real ESCO's longest chain is 10 edges.
MAX_BROADER_DEPTH = 50

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class Planned(Generic[T]):
    """A change worked out but not written: the ops of ONE `apply`, and what the caller gets
    back once they are committed (the new pairing, the taxonomy change, the import report).

    Domain functions return one; the caller may add ops (the audit entry) with `plus` and
    applies the whole list at once, so the change and what goes with it are both or neither.
    """

    ops: list[StoreOp]
    result: T

    def plus(self, *ops: StoreOp) -> Planned[T]:
        """The same change with `ops` appended (written in the same apply)."""
        return Planned([*self.ops, *ops], self.result)

    def apply_to(self, store: GraphStore) -> T:
        """Write the ops in one apply (none: nothing written) and return the result."""
        if self.ops:
            store.apply(self.ops)
        return self.result


def applying(
    plan: Callable[Concatenate[GraphStore, P], Planned[T]],
) -> Callable[Concatenate[GraphStore, P], T]:
    """The store-applying form of a planning function: plan against `store`, then apply.

    `rename = applying(plan_rename)` gives `rename(store, ...) -> TaxonomyChange`."""

    @functools.wraps(plan)
    def run(store: GraphStore, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return plan(store, *args, **kwargs).apply_to(store)

    return run
