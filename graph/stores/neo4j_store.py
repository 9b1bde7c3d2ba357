"""The Neo4j store: the GraphStore contract over Bolt (Neo4j 5, or ArcadeDB's Bolt endpoint).

The store is handed a driver (`make_driver(settings)` builds one for the app); it never
creates one at import and, unless told it owns it, never closes it. Reads run with read
routing (`execute_read`, retried by the driver); writes run in explicit transactions with
the write timeout, rerun on errors the driver calls retryable (`exc.is_retryable()`:
deadlocks, leader switches, SessionExpired, ServiceUnavailable).

An `apply` of at most `batch_rows` rows is ONE write transaction that validates each op
against the transaction's own view (so earlier ops of the batch count), writes it with
`UNWIND $rows` statements, bumps the data version, and commits, or rolls everything back and
raises `BatchRejected`. A larger apply (people imports, the demo org, an ESCO import) is
validated whole first (read transactions plus what the batch itself creates; BROADER cycles
in memory), so a bad row still means nothing is written; it is then written in transactions
of at most `batch_rows` rows, each an idempotent upsert, between a `PendingApply` marker
(first transaction) and the data-version bump that deletes it (last transaction). While it
runs, readers may see part of it; the data version, which caches and snapshots follow, moves
once, at the end. An interrupted one leaves its marker (`pending_applies()`) and is finished
by running the same apply again. See docs/neo4j.md. Row validation is shared with the
embedded store (`graph.stores.validation`); all Cypher lives in `graph.stores.cypher`.

Records are stored as node properties: scalars and lists of strings as themselves, nested
values (availability windows, preferences, milestones, history, before/after...) as JSON
strings. A few derived properties support queries: `label_key` and `search_keys`
(`graph.text.label_key` of the label, and of the label, aliases and other languages' labels)
on taxonomy nodes and `at_key` (UTC, fixed width, sortable) on history and audit records.
They are dropped again when a record is read back. A store written before label keys were
`label_key` (the Meta node's `label_key_version` is below `cypher.LABEL_KEYS`) has them
recomputed by `init_schema`.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import neo4j
from pydantic import BaseModel

from graph.errors import (
    BatchRejected,
    Conflict,
    InvalidInput,
    MentorgraphError,
    NotFound,
    QueryTimeout,
    RowProblem,
    StoreOverloaded,
    StoreTimeout,
    StoreUnavailable,
)
from graph.model import (
    ApiKey,
    AuditEntry,
    Broader,
    CheckIn,
    CohortRunRecord,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Program,
    Skill,
    SkillCluster,
    TaxonomyChange,
    name_key,
)
from graph.store import (
    CHANGE_LOG_KEEP,
    MAX_BROADER_DEPTH,
    AddBroader,
    AddCheckIns,
    AppendAudit,
    DeleteGoals,
    DeletePeople,
    PairingFilter,
    PublishCohortRun,
    PutApiKeys,
    PutCohortRuns,
    RemoveBroader,
    RemovePersonSkills,
    ReplaceAudit,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    Touched,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertPrograms,
    UpsertSkills,
    UpsertTaxonomyChanges,
    changes_graph,
    forgets_people,
    touched_by,
    touched_from_json,
    touched_to_json,
)
from graph.stores import cypher as q
from graph.stores.cypher_guard import check_read_only, jsonable
from graph.stores.validation import (
    SKIP_WHEN_BAD,
    Kind,
    Lookup,
    check_op,
    cycle_problems,
    normalise_op,
)
from graph.text import label_key

if TYPE_CHECKING:
    import neo4j

    from graph.settings import Settings

Node = Skill | SkillCluster
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
# A node's property map, a Bolt record or query parameters, as plain JSON-like data: open by
# nature (the values are whatever the statement returns or takes).
Props = dict[str, Any]

# Attempts of one write transaction when the driver calls the failure retryable.
WRITE_ATTEMPTS = 5

# Rows per UNWIND statement (a transaction may run several).
CHUNK = 5_000

# Rows per keyset page when a list is read whole.
READ_PAGE = 10_000

# Defaults when the store is built without settings (tests, benchmarks).
WRITE_TIMEOUT_S = 120.0
BATCH_ROWS = 10_000
CONNECT_TIMEOUT_S = 5.0

# Fields stored as JSON strings (nested values a property cannot hold).
JSON_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Person: ("windows", "exceptions", "preferences", "attributes"),
    Goal: ("milestones", "share_with_proposed_mentor"),
    Pairing: ("history", "baseline_levels"),
    TaxonomyChange: ("before", "after"),
    AuditEntry: ("detail",),
    Skill: ("aliases_by_language",),
    SkillCluster: ("aliases_by_language",),
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_KIND_LABEL: dict[Kind, str] = {
    "person": q.PERSON,
    "skill": q.SKILL,
    "cluster": q.CLUSTER,
    "goal": q.GOAL,
    "pairing": q.PAIRING,
    "audit": q.AUDIT_ENTRY,
    "cohort_run": q.COHORT_RUN,
}


def make_driver(settings: Settings, *, reader: bool = False) -> neo4j.Driver:
    """A driver for the configured server; with `reader`, logged in as the reader-only user
    (settings.neo4j_reader_user, which must be set). Connection set-up and pool waits are
    bounded by `neo4j_connect_timeout_s`, so a down server is reported in seconds."""

    if reader:
        if settings.neo4j_reader_user is None or settings.neo4j_reader_password is None:
            raise ValueError("no reader user configured (MENTORGRAPH_NEO4J_READER_USER)")
        auth = (settings.neo4j_reader_user, settings.neo4j_reader_password.get_secret_value())
    else:
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    return neo4j.GraphDatabase.driver(
        settings.neo4j_uri,
        auth=auth,
        connection_timeout=settings.neo4j_connect_timeout_s,
        connection_acquisition_timeout=settings.neo4j_pool_acquire_timeout_s,
        max_connection_pool_size=settings.neo4j_max_pool_size,
        max_transaction_retry_time=settings.neo4j_retry_time_s,
    )


def store_error(exc: Exception) -> MentorgraphError | None:
    """The mentorgraph error a driver/server failure of a store transaction stands for, or
    None when it is not one the store explains (it then propagates as it is)."""
    if isinstance(exc, neo4j.exceptions.ConstraintError):
        return Conflict(f"write refused by a uniqueness constraint: {exc.message}")
    if isinstance(exc, neo4j.exceptions.ServiceUnavailable | neo4j.exceptions.SessionExpired):
        return StoreUnavailable(f"Neo4j store unavailable: {exc}")
    if isinstance(exc, neo4j.exceptions.Neo4jError):
        code = exc.code or ""
        if "TimedOut" in code:
            return StoreTimeout(
                f"the Neo4j transaction ran past its time limit and was rolled back ({code}); "
                "raise MENTORGRAPH_NEO4J_WRITE_TIMEOUT_S / _QUERY_TIMEOUT_S or lower "
                "MENTORGRAPH_NEO4J_WRITE_BATCH_ROWS"
            )
        if "OutOfMemory" in code or "MemoryLimit" in code:
            return StoreOverloaded(
                f"Neo4j refused the transaction for lack of memory ({code}); lower "
                "MENTORGRAPH_NEO4J_WRITE_BATCH_ROWS or give the server more heap"
            )
    return None


class _NoBoltWireDebug(logging.Filter):
    """Drops the driver's DEBUG wire log: it prints every statement with its parameters, and
    parameters carry goal text and check-in notes, which may reach only the mentee, their
    mentor and coordinators (never a log file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_WIRE_FILTER = _NoBoltWireDebug()


def quiet_bolt_wire_log() -> None:
    """Install the filter on the driver's wire loggers (idempotent)."""
    for name in ("neo4j.io", "neo4j.pool"):
        logger = logging.getLogger(name)
        if _WIRE_FILTER not in logger.filters:
            logger.addFilter(_WIRE_FILTER)


# --- row shaping (pure) ---------------------------------------------------------------------


def at_key(at: datetime) -> int:
    """Microseconds since the epoch, UTC (sortable across offsets); naive means UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_props(record: BaseModel) -> Props:
    """The property map stored for one record (None values are simply left out)."""
    props = record.model_dump(mode="json")
    for name in JSON_FIELDS.get(type(record), ()):
        props[name] = json.dumps(props[name], sort_keys=True, separators=(",", ":"))
    if isinstance(record, Skill | SkillCluster):
        props.update(label_keys(record))
    if isinstance(record, TaxonomyChange | AuditEntry):
        props["at_key"] = at_key(record.at)
    return {k: v for k, v in props.items() if v is not None}


def label_keys(node: Skill | SkillCluster) -> Props:
    """The derived lookup properties of a taxonomy node: `label_key` (its label's key) and
    `search_keys` (the keys of every name it is found by, label first, no repeats)."""
    keys = [name_key(name) for name in node.all_names()]
    return {"label_key": keys[0], "search_keys": list(dict.fromkeys(keys))}


def from_props(model: type[M], props: Props) -> M:
    """The record a stored property map holds (derived properties dropped)."""
    data = {k: v for k, v in props.items() if k in model.model_fields}
    for name in JSON_FIELDS.get(model, ()):
        if isinstance(data.get(name), str):
            data[name] = json.loads(data[name])
    return model.model_validate(data)


def node_from_props(props: Props) -> Node:
    if props.get("kind") == "cluster":
        return from_props(SkillCluster, props)
    return from_props(Skill, props)


def person_skill(row: Props) -> PersonSkill:
    return PersonSkill(
        person_id=row["person_id"],
        skill_id=row["skill_id"],
        level=row["level"],
        willing_to_mentor=bool(row["willing_to_mentor"]),
    )


def goal_target(row: Props) -> GoalTarget:
    return GoalTarget(
        goal_id=row["goal_id"],
        node_id=row["node_id"],
        confidence=row["confidence"],
        source=row["source"],
    )


def repointed_skills(
    edges: Iterable[PersonSkill], source_id: str, skill_targets: Sequence[str]
) -> list[PersonSkill]:
    """HAS_SKILL rows to write when `source_id` moves onto each skill target.

    `edges` are the current rows on the source and the targets. Level = max, willing = any.
    """
    by_key = {(e.person_id, e.skill_id): e for e in edges}
    out: list[PersonSkill] = []
    for e in (e for e in by_key.values() if e.skill_id == source_id):
        for t in skill_targets:
            old = by_key.get((e.person_id, t))
            out.append(
                PersonSkill(
                    person_id=e.person_id,
                    skill_id=t,
                    level=max(e.level, old.level) if old else e.level,
                    willing_to_mentor=e.willing_to_mentor or bool(old and old.willing_to_mentor),
                )
            )
    return out


def repointed_targets(
    edges: Iterable[GoalTarget], source_id: str, target_ids: Sequence[str]
) -> list[GoalTarget]:
    """TARGETS rows to write: confidence = max, source from the strongest (a tie keeps the
    target's existing source)."""
    by_key = {(e.goal_id, e.node_id): e for e in edges}
    out: list[GoalTarget] = []
    for e in (e for e in by_key.values() if e.node_id == source_id):
        for t in target_ids:
            old = by_key.get((e.goal_id, t))
            best = e if old is None or e.confidence > old.confidence else old
            out.append(
                GoalTarget(
                    goal_id=e.goal_id,
                    node_id=t,
                    confidence=max(e.confidence, old.confidence) if old else e.confidence,
                    source=best.source,
                )
            )
    return out


def repointed_broader(
    children_of_source: Iterable[str], cluster_targets: Sequence[str]
) -> list[Broader]:
    return [
        Broader(child_id=c, parent_id=t)
        for t in cluster_targets
        for c in children_of_source
        if c != t
    ]


def _chunks(rows: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- the store ------------------------------------------------------------------------------


class _TxLookup:
    """Existence checks inside the open write transaction (sees earlier ops of the batch)."""

    def __init__(self, tx: neo4j.Transaction) -> None:
        self.tx = tx

    def existing(self, kind: Kind, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        result = self.tx.run(q.existing_ids(_KIND_LABEL[kind]), ids=wanted)
        return {r["id"] for r in result}

    def key_hash_owners(self, hashes: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        return {r["key_hash"]: r["id"] for r in self.tx.run(q.API_KEY_HASH_OWNERS, hashes=wanted)}


class _PlannedLookup:
    """Existence checks for a batched apply, before anything is written: what is stored
    (read transactions) plus what the batch's earlier ops create, less what they delete."""

    def __init__(
        self,
        stored: Callable[[Kind, list[str]], set[str]],
        stored_hashes: Callable[[list[str]], dict[str, str]],
    ) -> None:
        self._stored = stored
        self._stored_hashes = stored_hashes
        self.added: dict[Kind, set[str]] = {k: set() for k in _KIND_LABEL}
        self.removed: dict[Kind, set[str]] = {k: set() for k in _KIND_LABEL}
        self.hashes: dict[str, str] = {}  # key_hash -> API key id, put by earlier ops

    def key_hash_owners(self, hashes: Iterable[str]) -> dict[str, str]:
        wanted = set(hashes)
        ask = sorted(wanted - self.hashes.keys())
        owners = self._stored_hashes(ask) if ask else {}
        owners.update({h: self.hashes[h] for h in wanted & self.hashes.keys()})
        return owners

    def existing(self, kind: Kind, ids: Iterable[str]) -> set[str]:
        wanted = set(ids)
        added = wanted & self.added[kind]
        ask = sorted(wanted - added - self.removed[kind])
        return added | (self._stored(kind, ask) if ask else set())

    def record(self, op: StoreOp) -> None:
        """Count the ids `op` creates (or deletes) for the ops after it."""
        made: dict[type, Kind] = {
            UpsertSkills: "skill",
            UpsertClusters: "cluster",
            UpsertPeople: "person",
            UpsertGoals: "goal",
            UpsertPairings: "pairing",
        }
        kind = made.get(type(op))
        if kind is not None:
            ids = {r.id for r in op.rows}  # type: ignore[union-attr]
            self.added[kind] |= ids
            self.removed[kind] -= ids
        elif isinstance(op, DeleteGoals):
            self.removed["goal"] |= set(op.ids)
            self.added["goal"] -= set(op.ids)
        elif isinstance(op, DeletePeople):
            self.removed["person"] |= set(op.ids)
            self.added["person"] -= set(op.ids)
        elif isinstance(op, AppendAudit):
            self.added["audit"] |= {r.id for r in op.rows}
        elif isinstance(op, PutApiKeys):
            self.hashes.update({r.key_hash: r.id for r in op.rows})


class _PlannedBroader:
    """The BROADER edges as a batched apply will leave them, op by op, for its cycle check
    (child id -> parent ids; every stored edge, then each op's changes)."""

    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.parents: dict[str, set[str]] = {}
        for child, parent in edges:
            self.parents.setdefault(child, set()).add(parent)

    def change(self, op: StoreOp, lookup: Lookup) -> None:
        if isinstance(op, RemoveBroader):
            for r in op.rows:
                self.parents.get(r.child_id, set()).discard(r.parent_id)
        elif isinstance(op, AddBroader):
            for r in op.rows:
                self.parents.setdefault(r.child_id, set()).add(r.parent_id)
        elif isinstance(op, RepointReferences):
            targets = sorted(lookup.existing("cluster", op.target_ids))
            children = [c for c, ps in self.parents.items() if op.source_id in ps]
            for child in children:
                moved = {t for t in targets if t != child}
                if moved:  # as the writer does: only onto cluster targets
                    self.parents[child] = (self.parents[child] - {op.source_id}) | moved

    def cycles(self, ids: set[str]) -> set[str]:
        """Those of `ids` that are their own ancestor, or have a chain of MAX_BROADER_DEPTH
        edges above them (refused alike, as the bounded query does)."""
        out: set[str] = set()
        for start in ids:
            level = set(self.parents.get(start, ()))
            for _ in range(MAX_BROADER_DEPTH - 1):
                if not level or start in level:
                    break
                level = {p for node in level for p in self.parents.get(node, ())}
            if level:
                out.add(start)
        return out


class Neo4jStore:
    """GraphStore over a Bolt driver; thread-safe (a session per call, the driver is shared)."""

    kind = "neo4j"

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str,
        query_timeout_s: float | None = None,
        write_timeout_s: float = WRITE_TIMEOUT_S,
        batch_rows: int = BATCH_ROWS,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        reader_driver: neo4j.Driver | None = None,
        owns_driver: bool = False,
    ) -> None:
        """`query_timeout_s` bounds each read transaction, `write_timeout_s` each write
        transaction (seconds; None: the server's default); an apply of more than
        `batch_rows` rows is written in transactions of at most that many rows.
        `reader_driver` (logged in as a reader-only user) runs the ad-hoc queries; with
        `owns_driver` the store closes both drivers on `close()`."""
        self._driver = driver
        self._reader = reader_driver or driver
        self._database = database
        self._timeout = query_timeout_s
        self._write_timeout = write_timeout_s
        self._batch_rows = max(int(batch_rows), 1)
        self._connect_timeout = connect_timeout_s
        self._owns_driver = owns_driver
        # Sessions share the driver's bookmark manager, so a read after a write sees it even
        # on a cluster (causal consistency across sessions).
        self._bookmarks = driver.execute_query_bookmark_manager
        # Writers of this process take turns here (re-entrant: a batched apply holds it over
        # its transactions); across processes the write lock on the Meta node (Neo4j) or
        # optimistic conflicts plus retries (ArcadeDB) serialise single-transaction applies.
        self._write_lock = threading.RLock()
        # Ad-hoc analyst queries (and health pings) run here, so one that overruns can be
        # abandoned at its deadline; owned by this store and shut down with it.
        self._adhoc_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cypher-adhoc")
        quiet_bolt_wire_log()
        # Where offset pages ended: (statement, offset) -> the last id before that offset,
        # so reading a list page after page continues by keyset instead of skipping.
        self._cursors: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._cursor_lock = threading.Lock()
        # Committed write transactions since the store was made (benchmarks report it).
        self.write_transactions = 0

    @property
    def database(self) -> str:
        return self._database

    # --- plumbing ---------------------------------------------------------------------------

    def _session(self, *, read: bool, driver: neo4j.Driver | None = None) -> neo4j.Session:
        return (driver or self._driver).session(
            database=self._database,
            default_access_mode=neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS,
            bookmark_manager=self._bookmarks,
        )

    def _read_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        try:
            with self._session(read=True) as session:
                return session.execute_read(neo4j.unit_of_work(timeout=self._timeout)(work))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            mapped = store_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def _leader_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """A read-only transaction routed to the leader (`execute_write` routes there), under
        the process's bookmark manager: it sees every committed write, whichever worker or
        replica made it, and its bookmark makes this process's later follower reads wait
        until they have caught up with it (causal consistency across workers)."""
        try:
            with self._session(read=False) as session:
                return session.execute_write(neo4j.unit_of_work(timeout=self._timeout)(work))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            mapped = store_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def _rows(self, query: str, **params: Any) -> list[Props]:
        return self._read_tx(lambda tx: tx.run(query, params).data())

    def _records(self, model: type[M], query: str, **params: Any) -> list[M]:
        return [from_props(model, r["p"]) for r in self._rows(query, **params)]

    def _one(self, model: type[M], query: str, **params: Any) -> M | None:
        rows = self._rows(query, **params)
        return from_props(model, rows[0]["p"]) if rows else None

    def _write_tx(self, work: Callable[[neo4j.Transaction], T]) -> T:
        """Run `work` in one explicit transaction: commit if it returns, roll back if not.

        A failure the driver calls retryable (`is_retryable()`: deadlock, leader switch,
        SessionExpired, ServiceUnavailable) reruns the whole transaction, a few times, with
        backoff; `work` must therefore only touch the transaction. Memory-limit errors are
        not retried. Failures become Conflict / StoreTimeout / StoreOverloaded /
        StoreUnavailable (see `store_error`).
        """

        try:
            with self._write_lock:
                for attempt in range(1, WRITE_ATTEMPTS + 1):
                    try:
                        return self._write_once(work)
                    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
                        if attempt == WRITE_ATTEMPTS or not _retry(exc):
                            raise
                        time.sleep(0.05 * 2**attempt * (1 + random.random()))
                raise AssertionError("unreachable: the last attempt returns or raises")
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            mapped = store_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def _write_once(self, work: Callable[[neo4j.Transaction], T]) -> T:
        with self._session(read=False) as session:
            tx = session.begin_transaction(timeout=self._write_timeout)
            try:
                result = work(tx)
            except BaseException:
                if not tx.closed():
                    tx.rollback()
                raise
            tx.commit()
            self.write_transactions += 1
            return result

    # --- lifecycle --------------------------------------------------------------------------

    def init_schema(self) -> None:
        """Uniqueness constraints (which also index the ids) and lookup indexes, then waits
        until every index is online (`db.awaitIndexes`, where the server has it); idempotent."""
        with self._session(read=False) as session:
            for statement in (*q.CONSTRAINTS, *q.INDEXES):
                session.run(statement).consume()
            try:
                session.run(q.AWAIT_INDEXES).consume()
            except neo4j.exceptions.Neo4jError as exc:
                # ArcadeDB has no db.awaitIndexes: its CREATE INDEX returns once the index
                # is built. Anything else (an index that failed, a timeout) is real.
                if "awaitIndexes" not in (exc.message or ""):
                    raise
        # The counter node exists before any apply: concurrent first applies then update one
        # node instead of racing to create it (ArcadeDB's MERGE is not atomic across writers).
        self._write_tx(lambda tx: tx.run(q.ENSURE_META, label_keys=q.LABEL_KEYS).consume())
        self._migrate_label_keys()

    def _migrate_label_keys(self) -> None:
        """Recompute every taxonomy node's label_key/search_keys when the store was written
        with older keys (one write transaction; a no-op once done)."""

        def work(tx: neo4j.Transaction) -> None:
            version = tx.run(q.LABEL_KEY_VERSION).single()
            if version is None or version["v"] >= q.LABEL_KEYS:
                return
            nodes = tx.run(q.all_nodes(q.TAXONOMY_NODE)).data()
            rows = [{"id": n.id, **label_keys(n)} for n in (node_from_props(r["p"]) for r in nodes)]
            _run_rows(tx, q.SET_LABEL_KEYS, rows)
            tx.run(q.SET_LABEL_KEY_VERSION, v=q.LABEL_KEYS).consume()

        self._write_tx(work)

    def schema(self) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """(label, property) pairs the server reports under SHOW CONSTRAINTS / SHOW INDEXES.

        Pairs rather than names: IF NOT EXISTS keeps an equivalent object under another name.
        """

        def pairs(rows: Iterable[Any]) -> set[tuple[str, str]]:
            return {
                (label, prop)
                for r in rows
                for label in r["labelsOrTypes"] or ()
                for prop in r["properties"] or ()
            }

        with self._session(read=True) as session:
            constraints = pairs(session.run(q.SHOW_CONSTRAINTS))
            indexes = pairs(session.run(q.SHOW_INDEXES))
        return constraints, indexes

    def ping(self) -> bool:
        """True if the server answers within the connect timeout: the driver's own
        connectivity check, then one auto-commit `RETURN 1` on the configured database
        (never retried, so a down server answers False in seconds, not after the driver's
        30 s of retries)."""

        def check() -> bool:
            self._driver.verify_connectivity()
            with self._session(read=True) as session:
                query = neo4j.Query(q.PING, timeout=self._connect_timeout)
                record = session.run(query).single()
            return record is not None and record["one"] == 1

        try:
            return self._adhoc_pool.submit(check).result(timeout=self._connect_timeout + 1)
        except Exception:  # any failure, or no answer in time, means "does not answer"
            return False

    def pending_applies(self) -> list[Props]:
        """Batched applies that started and did not finish, oldest first: [{id, what,
        started}] (`what` names the ops; re-running the same apply finishes it)."""
        return self._rows(q.PENDING_APPLIES)

    def run_read_query(
        self, query: str, params: Props, *, row_limit: int, timeout_s: float
    ) -> tuple[list[Props], bool]:
        """Run an ad-hoc, read-only Cypher query (L&D analysts): refused if it could write,
        run in a READ-access transaction (as the reader-only user when one is configured)
        with a server-side timeout, at most `row_limit` rows, and always rolled back.
        Returns (rows as JSON-able dicts, whether more rows existed)."""

        check_read_only(query)
        return self._run_adhoc(query, params, row_limit=row_limit, timeout_s=timeout_s)

    def _run_adhoc(
        self, query: str, params: Props, *, row_limit: int, timeout_s: float
    ) -> tuple[list[Props], bool]:
        """`run_read_query` past the guard (tests call it to prove the rollback holds)."""

        def work(tx: neo4j.Transaction) -> tuple[list[Props], bool]:
            rows: list[Props] = []
            for record in tx.run(query, params):
                if len(rows) == row_limit:
                    return rows, True
                keys, values = record.keys(), record.values()
                rows.append({k: jsonable(v) for k, v in zip(keys, values, strict=True)})
            return rows, False

        def run() -> tuple[list[Props], bool]:
            # One explicit read transaction, never retried (a query that failed or ran out of
            # time must not run again behind the caller's back), never committed: it is
            # rolled back explicitly, so even a write the server let through is undone.
            with self._session(read=True, driver=self._reader) as session:
                tx = session.begin_transaction(timeout=timeout_s)
                try:
                    return work(tx)
                finally:
                    if not tx.closed():
                        tx.rollback()

        timed_out = QueryTimeout(
            f"query stopped after its {timeout_s:g} s time limit",
            details=[{"field": "body.timeout_s", "reason": "time limit reached"}],
        )
        try:
            # Neo4j stops the transaction at its timeout itself; Bolt servers that ignore
            # transaction timeouts (ArcadeDB) are held to the limit here, on our side.
            return self._adhoc_pool.submit(run).result(timeout=timeout_s + 0.5)
        except FutureTimeout as exc:
            raise timed_out from exc
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j store unavailable: {exc}") from exc
        except neo4j.exceptions.Neo4jError as exc:
            code = exc.code or ""
            if "TimedOut" in code or "Terminated" in code or "timeout" in (exc.message or ""):
                raise timed_out from exc
            if "OutOfMemory" in code or "MemoryLimit" in code:
                raise store_error(exc) or StoreOverloaded(code) from exc
            if "AccessMode" in code or "Forbidden" in code:
                raise InvalidInput(
                    "read-only queries only: the server refused a write",
                    details=[{"field": "body.query", "reason": "writes are not allowed"}],
                ) from exc
            raise InvalidInput(
                f"query failed: {exc.message or code}",
                details=[{"field": "body.query", "reason": exc.message or code}],
            ) from exc

    def close(self) -> None:
        self._adhoc_pool.shutdown(wait=False, cancel_futures=True)
        if self._owns_driver:
            if self._reader is not self._driver:
                self._reader.close()
            self._driver.close()

    def data_version(self) -> int:
        # From the leader: a follower may lag, and other workers decide from this number
        # whether their caches are current (read-your-own-writes across workers).
        rows = self._leader_tx(lambda tx: tx.run(q.DATA_VERSION).data())
        return int(rows[0]["v"]) if rows else 0

    def changes_since(self, version: int) -> list[Touched] | None:
        def work(tx: neo4j.ManagedTransaction) -> tuple[int, list[Props]]:
            current = tx.run(q.DATA_VERSION).single()
            rows = tx.run(q.CHANGES_SINCE, version=version).data()
            return (int(current["v"]) if current else 0), rows

        current, rows = self._leader_tx(work)  # as data_version: the leader, then the bookmark
        if [int(r["version"]) for r in rows] != list(range(version + 1, current + 1)):
            return None
        return [touched_from_json(r["touched"]) for r in rows]

    def wipe_for_tests(self) -> None:
        """Delete every node and relationship in the configured database (tests only)."""

        def work(tx: neo4j.Transaction) -> None:
            tx.run(q.WIPE).consume()
            tx.run(q.ENSURE_META, label_keys=q.LABEL_KEYS).consume()

        self._write_tx(work)
        with self._cursor_lock:
            self._cursors.clear()

    # --- writes -----------------------------------------------------------------------------

    def apply(self, ops: Sequence[StoreOp]) -> None:
        """All ops, atomically for validation: BatchRejected (nothing written) on any bad row.
        Up to `batch_rows` rows: one transaction. More: validated whole, then written in
        bounded transactions (see the module doc and docs/neo4j.md)."""
        if not ops:
            return
        names = ", ".join(sorted({type(o).__name__ for o in ops}))
        what = f"apply of {len(ops)} op(s) ({names})"
        # A publish is a conditional update: it and its pairings stay one transaction.
        conditional = any(isinstance(op, PublishCohortRun) for op in ops)
        if not conditional and sum(_op_rows(op) for op in ops) > self._batch_rows:
            self._apply_batched(ops, what)
            return

        bump = changes_graph(ops)

        def work(tx: neo4j.Transaction) -> None:
            # Bump first: the write lock on the Meta node serialises concurrent applies, so
            # validation and writes of one batch never interleave with another's. An apply of
            # only audit entries and API keys keeps the version (and takes no lock: their ids
            # and key hashes are guarded by the server's uniqueness constraints).
            version = int(tx.run(q.BUMP_DATA_VERSION).single(strict=True)["v"]) if bump else 0
            lookup = _TxLookup(tx)
            problems: list[RowProblem] = []
            for i, raw in enumerate(ops):
                op, found = normalise_op(i, raw)
                if op is None:
                    problems += found
                    continue
                found += check_op(i, op, lookup)
                problems += sorted(found, key=lambda p: p.row)
                if found and isinstance(op, SKIP_WHEN_BAD):
                    continue
                _WRITERS[type(op)](tx, lookup, op)
                problems += cycle_problems(i, op, lookup, lambda ids: _cycles(tx, ids))
            if problems:
                raise BatchRejected(problems=problems, what=what)
            if bump:
                _log_change(tx, version, ops)

        self._write_tx(work)

    def _stored_ids(self, kind: Kind, ids: list[str]) -> set[str]:
        label = q.existing_ids(_KIND_LABEL[kind])
        found: set[str] = set()
        for chunk in _chunks(ids):
            found |= {r["id"] for r in self._rows(label, ids=list(chunk))}
        return found

    def _stored_key_hashes(self, hashes: list[str]) -> dict[str, str]:
        owners: dict[str, str] = {}
        for chunk in _chunks(hashes):
            rows = self._rows(q.API_KEY_HASH_OWNERS, hashes=list(chunk))
            owners.update({r["key_hash"]: r["id"] for r in rows})
        return owners

    def _apply_batched(self, ops: Sequence[StoreOp], what: str) -> None:
        with self._write_lock:
            lookup = _PlannedLookup(self._stored_ids, self._stored_key_hashes)
            broader: _PlannedBroader | None = None
            problems: list[RowProblem] = []
            checked: list[StoreOp] = []
            for i, raw in enumerate(ops):
                op, found = normalise_op(i, raw)
                if op is None:
                    problems += found
                    continue
                found += check_op(i, op, lookup)
                problems += sorted(found, key=lambda p: p.row)
                if isinstance(op, AddBroader | RemoveBroader | RepointReferences):
                    if broader is None:
                        edges = self._rows(q.ALL_BROADER)
                        broader = _PlannedBroader((r["child_id"], r["parent_id"]) for r in edges)
                    if not found:
                        broader.change(op, lookup)
                        problems += cycle_problems(i, op, lookup, broader.cycles)
                lookup.record(op)
                checked.append(op)
            if problems:
                raise BatchRejected(problems=problems, what=what)

            apply_id = uuid.uuid4().hex
            started = datetime.now(UTC).isoformat()
            self._write_tx(
                lambda tx: tx.run(
                    q.START_PENDING_APPLY, id=apply_id, what=what, started=started, ops=len(ops)
                ).consume()
            )
            for group in _groups(_pieces(checked, self._batch_rows), self._batch_rows):
                self._write_tx(lambda tx, group=group: _write_pieces(tx, group))  # type: ignore[misc]
            # the version moves once, at the end; not for audit entries and keys alone
            bump = int(changes_graph(ops))

            def finish(tx: neo4j.Transaction) -> None:
                row = tx.run(q.FINISH_PENDING_APPLY, what=what, bump=bump).single(strict=True)
                if bump:
                    _log_change(tx, int(row["v"]), ops)

            self._write_tx(finish)

    # --- paged reads ------------------------------------------------------------------------

    def _list(
        self,
        model: type[M],
        page_q: str,
        offset_q: str,
        *,
        offset: int,
        limit: int | None,
        **params: Any,
    ) -> list[M]:
        """Records of a list read by keyset pages on the id index, from `offset`, at most
        `limit` (None: all). An offset where an earlier page ended continues from that page's
        last id; another offset takes one index-ordered SKIP, then keyset again."""
        offset = max(offset, 0)
        if limit is not None and limit <= 0:
            return []
        with self._cursor_lock:
            after = self._cursors.get((page_q, offset)) if offset else ""

        def work(tx: neo4j.ManagedTransaction) -> list[Props]:
            out: list[Props] = []
            last = after

            def want() -> int:
                return READ_PAGE if limit is None else min(READ_PAGE, limit - len(out))

            if last is None:
                n = want()
                out += tx.run(offset_q, params, offset=offset, limit=n).data()
                if len(out) < n:
                    return out
                last = out[-1]["p"]["id"]
            while limit is None or len(out) < limit:
                n = want()
                rows = tx.run(page_q, params, after=last, limit=n).data()
                out += rows
                if len(rows) < n:
                    break
                last = rows[-1]["p"]["id"]
            return out

        rows: list[Props] = self._read_tx(work)
        if rows and limit is not None:
            with self._cursor_lock:
                self._cursors[(page_q, offset + len(rows))] = rows[-1]["p"]["id"]
                while len(self._cursors) > 1024:
                    self._cursors.popitem(last=False)
        return [from_props(model, r["p"]) for r in rows]

    # --- taxonomy reads ---------------------------------------------------------------------

    def get_skill(self, skill_id: str) -> Skill | None:
        return self._one(Skill, q.get_node(q.SKILL), id=skill_id)

    def get_cluster(self, cluster_id: str) -> SkillCluster | None:
        return self._one(SkillCluster, q.get_node(q.CLUSTER), id=cluster_id)

    def get_node(self, node_id: str) -> Node | None:
        rows = self._rows(q.get_node(q.TAXONOMY_NODE), id=node_id)
        return node_from_props(rows[0]["p"]) if rows else None

    def list_skills(
        self, *, offset: int = 0, limit: int | None = None, include_deprecated: bool = True
    ) -> list[Skill]:
        active_only = not include_deprecated
        return self._list(
            Skill,
            q.page_skills(active_only=active_only),
            q.offset_skills(active_only=active_only),
            offset=offset,
            limit=limit,
        )

    def list_clusters(self, *, include_deprecated: bool = True) -> list[SkillCluster]:
        return self._records(SkillCluster, q.LIST_CLUSTERS, include_deprecated=include_deprecated)

    def count_skills(self) -> int:
        return int(self._rows(q.count_nodes(q.SKILL))[0]["c"])

    def parents(self, node_id: str) -> list[Node]:
        return [node_from_props(r["p"]) for r in self._rows(q.PARENTS, id=node_id)]

    def children(self, cluster_id: str) -> list[Node]:
        return [node_from_props(r["p"]) for r in self._rows(q.CHILDREN, id=cluster_id)]

    def taxonomy(self) -> TaxonomyDump:
        def work(tx: neo4j.ManagedTransaction) -> TaxonomyDump:
            skills = tx.run(q.all_nodes(q.SKILL)).data()
            clusters = tx.run(q.all_nodes(q.CLUSTER)).data()
            broader = tx.run(q.ALL_BROADER).data()
            return TaxonomyDump(
                skills=[from_props(Skill, r["p"]) for r in skills],
                clusters=[from_props(SkillCluster, r["p"]) for r in clusters],
                broader=[
                    Broader(child_id=r["child_id"], parent_id=r["parent_id"]) for r in broader
                ],
            )

        return self._read_tx(work)

    def find_by_label(self, text: str) -> list[Node]:
        rows = self._rows(q.FIND_BY_LABEL, key=label_key(text))
        return [node_from_props(r["p"]) for r in rows]

    def search_taxonomy(self, text: str, *, limit: int = 20) -> list[Node]:
        needle = label_key(text)
        if not needle or limit <= 0:
            return []
        rows = self._rows(q.SEARCH_TAXONOMY, key=needle, limit=limit)
        return [node_from_props(r["p"]) for r in rows]

    # --- people -----------------------------------------------------------------------------

    def get_person(self, person_id: str) -> Person | None:
        return self._one(Person, q.get_node(q.PERSON), id=person_id)

    def list_people(
        self, *, offset: int = 0, limit: int | None = None, include_departed: bool = True
    ) -> list[Person]:
        if not include_departed:
            return self._list(
                Person, q.PRESENT_PEOPLE_PAGE, q.PRESENT_PEOPLE_OFFSET, offset=offset, limit=limit
            )
        return self._list(
            Person, q.page_nodes(q.PERSON), q.offset_page(q.PERSON), offset=offset, limit=limit
        )

    def count_people(self, *, include_departed: bool = True) -> int:
        query = q.count_nodes(q.PERSON) if include_departed else q.COUNT_PRESENT_PEOPLE
        return int(self._rows(query)[0]["c"])

    def reports_of(self, manager_id: str) -> list[str]:
        return [r["id"] for r in self._rows(q.REPORTS_OF, id=manager_id)]

    def person_skills(self, person_id: str) -> list[PersonSkill]:
        return [person_skill(r) for r in self._rows(q.PERSON_SKILLS, id=person_id)]

    def holders_of(self, skill_id: str) -> list[PersonSkill]:
        return [person_skill(r) for r in self._rows(q.HOLDERS_OF, id=skill_id)]

    def iter_person_skills(self, *, batch_size: int = 10_000) -> Iterator[list[PersonSkill]]:
        size = max(batch_size, 1)
        after = ("", "")

        def page(tx: neo4j.ManagedTransaction) -> list[Props]:
            rows: list[Props] = []
            if after[1]:  # the rest of the person the last page ended inside
                rows = tx.run(
                    q.PERSON_SKILLS_REST, after_person=after[0], after_skill=after[1], limit=size
                ).data()
            if len(rows) < size:
                rows += tx.run(
                    q.PERSON_SKILLS_AFTER, after_person=after[0], limit=size - len(rows)
                ).data()
            return rows

        while True:
            rows = self._read_tx(page)
            if not rows:
                return
            batch = [person_skill(r) for r in rows]
            yield batch
            if len(batch) < size:
                return
            after = (batch[-1].person_id, batch[-1].skill_id)

    # --- goals ------------------------------------------------------------------------------

    def get_goal(self, goal_id: str) -> Goal | None:
        return self._one(Goal, q.get_node(q.GOAL), id=goal_id)

    def goals_of(self, person_id: str) -> list[Goal]:
        return self._records(Goal, q.GOALS_OF, id=person_id)

    def list_goals(self, *, offset: int = 0, limit: int | None = None) -> list[Goal]:
        return self._list(
            Goal, q.page_nodes(q.GOAL), q.offset_page(q.GOAL), offset=offset, limit=limit
        )

    def goal_targets(self, goal_id: str) -> list[GoalTarget]:
        return [goal_target(r) for r in self._rows(q.GOAL_TARGETS, id=goal_id)]

    def targets_of_node(self, node_id: str) -> list[GoalTarget]:
        return [goal_target(r) for r in self._rows(q.TARGETS_OF_NODE, id=node_id)]

    def all_goal_targets(self) -> list[GoalTarget]:
        return [goal_target(r) for r in self._rows(q.ALL_GOAL_TARGETS)]

    # --- pairings ---------------------------------------------------------------------------

    def get_pairing(self, pairing_id: str) -> Pairing | None:
        return self._one(Pairing, q.get_node(q.PAIRING), id=pairing_id)

    def list_pairings(self, flt: PairingFilter | None = None) -> list[Pairing]:
        f = flt or PairingFilter()
        params: Props = {
            "mentor_id": f.mentor_id,
            "mentee_id": f.mentee_id,
            "person_id": f.person_id,
            "program": f.program,
            "statuses": None if f.statuses is None else [str(s) for s in f.statuses],
        }
        given = {k: v for k, v in params.items() if v is not None}
        return self._records(Pairing, q.list_pairings(frozenset(given)), **given)

    def checkins(self, pairing_id: str) -> list[CheckIn]:
        return self._records(CheckIn, q.CHECKINS, id=pairing_id)

    def all_checkins(self) -> list[CheckIn]:
        return self._records(CheckIn, q.ALL_CHECKINS)

    # --- programs ---------------------------------------------------------------------------

    def get_program(self, program_id: str) -> Program | None:
        return self._one(Program, q.get_node(q.PROGRAM), id=program_id)

    def list_programs(self) -> list[Program]:
        return self._records(Program, q.all_nodes(q.PROGRAM))

    # --- taxonomy history -------------------------------------------------------------------

    def get_taxonomy_change(self, change_id: str) -> TaxonomyChange | None:
        return self._one(TaxonomyChange, q.get_node(q.TAXONOMY_CHANGE), id=change_id)

    def taxonomy_changes(
        self, *, node_id: str | None = None, limit: int = 100
    ) -> list[TaxonomyChange]:
        if limit <= 0:
            return []
        if node_id is None:
            return self._records(TaxonomyChange, q.TAXONOMY_CHANGES, limit=limit)
        return self._records(
            TaxonomyChange, q.TAXONOMY_CHANGES_OF_NODE, node_id=node_id, limit=limit
        )

    def count_taxonomy_changes(self, *, node_id: str | None = None) -> int:
        if node_id is None:
            return int(self._rows(q.COUNT_TAXONOMY_CHANGES)[0]["c"])
        return int(self._rows(q.COUNT_TAXONOMY_CHANGES_OF_NODE, node_id=node_id)[0]["c"])

    # --- access and audit -------------------------------------------------------------------

    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self._one(ApiKey, q.API_KEY_BY_HASH, key_hash=key_hash)

    def list_api_keys(self) -> list[ApiKey]:
        return self._records(ApiKey, q.all_nodes(q.API_KEY))

    def get_cohort_run(self, run_id: str) -> CohortRunRecord | None:
        return self._one(CohortRunRecord, q.GET_COHORT_RUN, id=run_id)

    def list_audit(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        if limit <= 0:
            return []
        if actor is None:
            return self._records(AuditEntry, q.LIST_AUDIT, limit=limit)
        return self._records(AuditEntry, q.LIST_AUDIT_BY_ACTOR, actor=actor, limit=limit)

    def audit_page(self, *, after: str = "", limit: int = 1000) -> list[AuditEntry]:
        if limit <= 0:
            return []
        return self._records(AuditEntry, q.AUDIT_PAGE, after=after, limit=limit)


def _log_change(tx: neo4j.Transaction, version: int, ops: Sequence[StoreOp]) -> None:
    """The change log entry of the apply that left `version` (see GraphStore.changes_since)."""
    if forgets_people(ops):  # an erasure: no old id may outlive it in the log
        tx.run(q.CLEAR_CHANGES).consume()
        return
    touched = touched_to_json(touched_by(ops))
    tx.run(q.LOG_CHANGE, version=version, touched=touched, keep=CHANGE_LOG_KEEP).consume()


def _retry(exc: Exception) -> bool:
    """Whether a failed write transaction is worth running again: the driver's verdict,
    except memory limits (the same transaction would need the same memory again)."""
    if isinstance(exc, neo4j.exceptions.Neo4jError):
        code = exc.code or ""
        if "OutOfMemory" in code or "MemoryLimit" in code:
            return False
    return isinstance(exc, neo4j.exceptions.Neo4jError | neo4j.exceptions.DriverError) and bool(
        exc.is_retryable()
    )


# --- batched applies ------------------------------------------------------------------------


def _op_rows(op: StoreOp) -> int:
    """How many rows an op writes (what the batch bound counts)."""
    if isinstance(op, SetGoalTargets):
        return len(op.targets) + 1
    if isinstance(op, RemovePersonSkills):
        return len(op.keys)
    if isinstance(op, DeleteGoals | DeletePeople):
        return len(op.ids)
    rows = getattr(op, "rows", None)
    return len(rows) if isinstance(rows, Sequence) else 1


# A piece of a batched apply: (rows it writes, the writer for an open transaction).
Piece = tuple[int, Callable[[neo4j.Transaction], None]]


def _piece(op: StoreOp) -> Piece:
    return _op_rows(op), lambda tx: _WRITERS[type(op)](tx, _TxLookup(tx), op)


def _pieces(ops: Sequence[StoreOp], size: int) -> Iterator[Piece]:
    """The ops as pieces of at most `size` rows, in order. People come in two passes (all
    nodes, then all REPORTS_TO links), so a manager in a later piece is linked too; a
    repoint is a piece of its own (its size is only known inside the transaction)."""
    for op in ops:
        if isinstance(op, UpsertPeople):
            for chunk in _chunks(op.rows, size):
                rows = list(chunk)
                yield len(rows), lambda tx, rows=rows: _write_people(tx, rows)  # type: ignore[misc]
            for chunk in _chunks(op.rows, size):
                rows = list(chunk)
                yield len(rows), lambda tx, rows=rows: _link_managers(tx, rows)  # type: ignore[misc]
        elif isinstance(op, RemovePersonSkills):
            for keys in _chunks(op.keys, size):
                yield _piece(RemovePersonSkills(keys=list(keys)))
        elif isinstance(op, DeleteGoals):
            for ids in _chunks(op.ids, size):
                yield _piece(DeleteGoals(ids=list(ids)))
        elif isinstance(op, DeletePeople):
            for ids in _chunks(op.ids, size):
                yield _piece(DeletePeople(ids=list(ids)))
        elif isinstance(op, RepointReferences):
            yield size, _piece(op)[1]
        elif isinstance(op, SetGoalTargets | PublishCohortRun):
            yield _piece(op)  # (an apply with a publish is never batched: see `apply`)
        else:
            rows_of: Sequence[Any] = op.rows
            for part in _chunks(rows_of, size):
                yield _piece(type(op)(rows=list(part)))


def _groups(pieces: Iterable[Piece], size: int) -> Iterator[list[Piece]]:
    """Pieces gathered into transactions of at most `size` rows (a bigger piece alone)."""
    group: list[Piece] = []
    rows = 0
    for piece in pieces:
        if group and rows + piece[0] > size:
            yield group
            group, rows = [], 0
        group.append(piece)
        rows += piece[0]
    if group:
        yield group


def _write_pieces(tx: neo4j.Transaction, group: Sequence[Piece]) -> None:
    for _, write in group:
        write(tx)


# --- op writers (inside the open apply transaction) -----------------------------------------


def _run_rows(tx: neo4j.Transaction, query: str, rows: Sequence[Any], **params: Any) -> None:
    for chunk in _chunks(rows):
        tx.run(query, params, rows=list(chunk)).consume()


def _run_ids(tx: neo4j.Transaction, query: str, ids: Sequence[str]) -> None:
    for chunk in _chunks(ids):
        tx.run(query, ids=list(chunk)).consume()


def _write_nodes(tx: neo4j.Transaction, label: str, rows: Sequence[BaseModel]) -> None:
    _run_rows(tx, q.upsert_nodes(label), [to_props(r) for r in rows])


def _upsert_skills(tx: neo4j.Transaction, _: _TxLookup, op: UpsertSkills) -> None:
    _write_nodes(tx, f"{q.SKILL}:{q.TAXONOMY_NODE}", op.rows)


def _upsert_clusters(tx: neo4j.Transaction, _: _TxLookup, op: UpsertClusters) -> None:
    _write_nodes(tx, f"{q.CLUSTER}:{q.TAXONOMY_NODE}", op.rows)


def _add_broader(tx: neo4j.Transaction, _: _TxLookup, op: AddBroader) -> None:
    _run_rows(tx, q.ADD_BROADER, [r.model_dump() for r in op.rows])


def _remove_broader(tx: neo4j.Transaction, _: _TxLookup, op: RemoveBroader) -> None:
    _run_rows(tx, q.REMOVE_BROADER, [r.model_dump() for r in op.rows])


def _write_people(tx: neo4j.Transaction, rows: Sequence[Person]) -> None:
    _write_nodes(tx, q.PERSON, rows)
    _run_ids(tx, q.CLEAR_REPORTS_TO, [r.id for r in rows])


def _link_managers(tx: neo4j.Transaction, rows: Sequence[Person]) -> None:
    links = [{"id": r.id, "manager_id": r.manager_id} for r in rows if r.manager_id]
    _run_rows(tx, q.LINK_REPORTS_TO, links)


def _upsert_people(tx: neo4j.Transaction, _: _TxLookup, op: UpsertPeople) -> None:
    _write_people(tx, op.rows)
    _link_managers(tx, op.rows)


def _upsert_person_skills(tx: neo4j.Transaction, _: _TxLookup, op: UpsertPersonSkills) -> None:
    _run_rows(tx, q.UPSERT_PERSON_SKILLS, [r.model_dump() for r in op.rows])


def _remove_person_skills(tx: neo4j.Transaction, _: _TxLookup, op: RemovePersonSkills) -> None:
    rows = [{"person_id": p, "skill_id": s} for p, s in op.keys]
    _run_rows(tx, q.REMOVE_PERSON_SKILLS, rows)


def _upsert_goals(tx: neo4j.Transaction, _: _TxLookup, op: UpsertGoals) -> None:
    _write_nodes(tx, q.GOAL, op.rows)
    _run_ids(tx, q.CLEAR_HAS_GOAL, [r.id for r in op.rows])
    _run_rows(tx, q.LINK_HAS_GOAL, [{"id": r.id, "person_id": r.person_id} for r in op.rows])


def _delete_goals(tx: neo4j.Transaction, _: _TxLookup, op: DeleteGoals) -> None:
    _run_ids(tx, q.DELETE_GOALS, list(op.ids))


def _target_rows(targets: Iterable[GoalTarget]) -> list[Props]:
    return [t.model_dump(mode="json") for t in targets]


def _set_goal_targets(tx: neo4j.Transaction, _: _TxLookup, op: SetGoalTargets) -> None:
    tx.run(q.CLEAR_TARGETS, goal_id=op.goal_id).consume()
    _run_rows(tx, q.UPSERT_TARGETS, _target_rows(op.targets))


def _upsert_pairings(tx: neo4j.Transaction, _: _TxLookup, op: UpsertPairings) -> None:
    _write_nodes(tx, q.PAIRING, op.rows)
    ids = [r.id for r in op.rows]
    _run_ids(tx, q.CLEAR_PAIRING_PEOPLE, ids)
    _run_ids(tx, q.CLEAR_PAIRING_GOALS, ids)
    links = [
        {"id": r.id, "mentor_id": r.mentor_id, "mentee_ids": r.mentee_ids, "goal_ids": r.goal_ids}
        for r in op.rows
    ]
    _run_rows(tx, q.LINK_PAIRINGS, links)
    _run_rows(tx, q.LINK_PAIRING_GOALS, links)


def _upsert_programs(tx: neo4j.Transaction, _: _TxLookup, op: UpsertPrograms) -> None:
    _write_nodes(tx, q.PROGRAM, op.rows)


def _add_checkins(tx: neo4j.Transaction, _: _TxLookup, op: AddCheckIns) -> None:
    _write_nodes(tx, q.CHECKIN, op.rows)
    _run_ids(tx, q.CLEAR_CHECKIN_LINKS, [r.id for r in op.rows])
    _run_rows(tx, q.LINK_CHECKINS, [{"id": r.id, "pairing_id": r.pairing_id} for r in op.rows])


def _upsert_changes(tx: neo4j.Transaction, _: _TxLookup, op: UpsertTaxonomyChanges) -> None:
    _write_nodes(tx, q.TAXONOMY_CHANGE, op.rows)


def _append_audit(tx: neo4j.Transaction, _: _TxLookup, op: AppendAudit) -> None:
    _run_rows(tx, q.APPEND_AUDIT, [to_props(r) for r in op.rows])


def _put_api_keys(tx: neo4j.Transaction, _: _TxLookup, op: PutApiKeys) -> None:
    _write_nodes(tx, q.API_KEY, op.rows)


def _delete_people(tx: neo4j.Transaction, _: _TxLookup, op: DeletePeople) -> None:
    _run_ids(tx, q.DELETE_PEOPLE, list(op.ids))
    tx.run(q.DELETE_COHORT_RUNS).consume()  # see DeletePeople: no run outlives an erasure


def _replace_audit(tx: neo4j.Transaction, _: _TxLookup, op: ReplaceAudit) -> None:
    _run_rows(tx, q.REPLACE_AUDIT, [to_props(r) for r in op.rows])


def _put_cohort_runs(tx: neo4j.Transaction, _: _TxLookup, op: PutCohortRuns) -> None:
    _run_rows(tx, q.PUT_COHORT_RUNS, [to_props(r) for r in op.rows])


def _publish_cohort_run(tx: neo4j.Transaction, _: _TxLookup, op: PublishCohortRun) -> None:
    """The conditional update. The apply bumped the data version first (holding the Meta
    node's write lock until commit; on ArcadeDB a concurrent commit fails and is retried), so
    what is read here is the last committed state: version - 1 is the version before this
    apply. Conflict / NotFound roll the whole apply back."""
    rows = tx.run(q.GET_COHORT_RUN, id=op.run_id).data()
    if not rows:
        raise NotFound(f"cohort run {op.run_id!r} not found")
    run = from_props(CohortRunRecord, rows[0]["p"])
    if run.published_at is not None:
        raise Conflict(f"cohort run {op.run_id!r} is already published")
    before = int(tx.run(q.DATA_VERSION).single(strict=True)["v"]) - 1
    if before != op.data_version:
        raise Conflict(
            f"the graph changed since this cohort was matched (data version "
            f"{op.data_version} -> {before}); match it again"
        )
    at = op.at.isoformat().replace("+00:00", "Z") if op.at.tzinfo else op.at.isoformat()
    marked = tx.run(q.MARK_COHORT_RUN_PUBLISHED, id=op.run_id, at=at, by=op.by).data()
    if not marked:
        raise Conflict(f"cohort run {op.run_id!r} is already published")


def _repoint(tx: neo4j.Transaction, lookup: _TxLookup, op: RepointReferences) -> None:
    src = op.source_id
    targets = list(dict.fromkeys(op.target_ids))
    skills = lookup.existing("skill", targets)
    clusters = lookup.existing("cluster", targets)
    skill_targets = [t for t in targets if t in skills]
    cluster_targets = [t for t in targets if t in clusters]
    ids = [src, *targets]
    if skill_targets:
        edges = [person_skill(r) for r in tx.run(q.HOLDERS_OF_ANY, ids=ids).data()]
        moved = repointed_skills(edges, src, skill_targets)
        _run_rows(tx, q.UPSERT_PERSON_SKILLS, [m.model_dump() for m in moved])
        gone = [{"person_id": e.person_id, "skill_id": src} for e in edges if e.skill_id == src]
        _run_rows(tx, q.REMOVE_PERSON_SKILLS, gone)
    goal_edges = [goal_target(r) for r in tx.run(q.TARGETS_OF_ANY, ids=ids).data()]
    _run_rows(tx, q.UPSERT_TARGETS, _target_rows(repointed_targets(goal_edges, src, targets)))
    tx.run(q.REMOVE_TARGETS_TO, id=src).consume()
    if cluster_targets:
        children = [r["child_id"] for r in tx.run(q.BROADER_AROUND, ids=[src]).data()]
        moved_edges = repointed_broader(children, cluster_targets)
        _run_rows(tx, q.ADD_BROADER, [b.model_dump() for b in moved_edges])
        _run_rows(tx, q.REMOVE_BROADER, [{"child_id": c, "parent_id": src} for c in children])


_WRITERS: dict[type, Callable[[Any, _TxLookup, Any], None]] = {
    UpsertSkills: _upsert_skills,
    UpsertClusters: _upsert_clusters,
    AddBroader: _add_broader,
    RemoveBroader: _remove_broader,
    UpsertPeople: _upsert_people,
    UpsertPersonSkills: _upsert_person_skills,
    RemovePersonSkills: _remove_person_skills,
    UpsertGoals: _upsert_goals,
    DeleteGoals: _delete_goals,
    SetGoalTargets: _set_goal_targets,
    UpsertPairings: _upsert_pairings,
    UpsertPrograms: _upsert_programs,
    AddCheckIns: _add_checkins,
    RepointReferences: _repoint,
    UpsertTaxonomyChanges: _upsert_changes,
    AppendAudit: _append_audit,
    PutApiKeys: _put_api_keys,
    DeletePeople: _delete_people,
    ReplaceAudit: _replace_audit,
    PutCohortRuns: _put_cohort_runs,
    PublishCohortRun: _publish_cohort_run,
}


def _cycles(tx: neo4j.Transaction, cluster_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(cluster_ids))
    if not ids:
        return set()
    # A chain of MAX_BROADER_DEPTH edges above a changed node is refused like a cycle (the
    # bounded expansion cannot tell the two apart).
    found = {r["id"] for r in tx.run(q.BROADER_CYCLES, ids=ids)}
    return found | {r["id"] for r in tx.run(q.BROADER_TOO_DEEP, ids=ids)}
