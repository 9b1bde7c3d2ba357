"""The Neo4j store: the GraphStore contract over Bolt (Neo4j 5, or ArcadeDB's Bolt endpoint).

The store is handed a driver (`make_driver(settings)` builds one for the app); it never
creates one at import and, unless told it owns it, never closes it. Reads run with read
routing (`execute_read`); every `apply` is ONE explicit write transaction that validates each
op against the transaction's own view (so earlier ops of the batch count), writes it with
batched `UNWIND $rows` statements, bumps the data version, and commits, or rolls everything
back and raises `BatchRejected`. Row validation is shared with the embedded store
(`graph.stores.validation`); all Cypher lives in `graph.stores.cypher`.

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
import random
import threading
import time
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
    QueryTimeout,
    RowProblem,
    StoreUnavailable,
)
from graph.model import (
    ApiKey,
    AuditEntry,
    Broader,
    CheckIn,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    TaxonomyChange,
    name_key,
)
from graph.store import (
    AddBroader,
    AddCheckIns,
    DeleteGoals,
    PairingFilter,
    RemoveBroader,
    RemovePersonSkills,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
)
from graph.stores import cypher as q
from graph.stores.cypher_guard import check_read_only, jsonable
from graph.stores.validation import Kind, check_op, cycle_problems, normalise_op
from graph.text import label_key

if TYPE_CHECKING:
    import neo4j

    from graph.settings import Settings

Node = Skill | SkillCluster
M = TypeVar("M", bound=BaseModel)

# Attempts of one apply when the server reports a transient failure (deadlock, conflict).
WRITE_ATTEMPTS = 5

# Rows per UNWIND statement: big imports stay in one transaction without one huge message.
CHUNK = 5_000

# Fields stored as JSON strings (nested values a property cannot hold).
JSON_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Person: ("windows", "exceptions", "preferences", "attributes"),
    Goal: ("milestones",),
    Pairing: ("history",),
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
}


def make_driver(settings: Settings) -> neo4j.Driver:
    """A driver for the configured server (imported lazily: only the Neo4j store needs it)."""

    return neo4j.GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
    )


# --- row shaping (pure) ---------------------------------------------------------------------


def at_key(at: datetime) -> int:
    """Microseconds since the epoch, UTC (sortable across offsets); naive means UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_props(record: BaseModel) -> dict[str, Any]:
    """The property map stored for one record (None values are simply left out)."""
    props = record.model_dump(mode="json")
    for name in JSON_FIELDS.get(type(record), ()):
        props[name] = json.dumps(props[name], sort_keys=True, separators=(",", ":"))
    if isinstance(record, Skill | SkillCluster):
        props.update(label_keys(record))
    if isinstance(record, TaxonomyChange | AuditEntry):
        props["at_key"] = at_key(record.at)
    return {k: v for k, v in props.items() if v is not None}


def label_keys(node: Skill | SkillCluster) -> dict[str, Any]:
    """The derived lookup properties of a taxonomy node: `label_key` (its label's key) and
    `search_keys` (the keys of every name it is found by, label first, no repeats)."""
    keys = [name_key(name) for name in node.all_names()]
    return {"label_key": keys[0], "search_keys": list(dict.fromkeys(keys))}


def from_props(model: type[M], props: dict[str, Any]) -> M:
    """The record a stored property map holds (derived properties dropped)."""
    data = {k: v for k, v in props.items() if k in model.model_fields}
    for name in JSON_FIELDS.get(model, ()):
        if isinstance(data.get(name), str):
            data[name] = json.loads(data[name])
    return model.model_validate(data)


def node_from_props(props: dict[str, Any]) -> Node:
    if props.get("kind") == "cluster":
        return from_props(SkillCluster, props)
    return from_props(Skill, props)


def person_skill(row: dict[str, Any]) -> PersonSkill:
    return PersonSkill(
        person_id=row["person_id"],
        skill_id=row["skill_id"],
        level=row["level"],
        willing_to_mentor=bool(row["willing_to_mentor"]),
    )


def goal_target(row: dict[str, Any]) -> GoalTarget:
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


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
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


# Ad-hoc analyst queries run here, so one that overruns can be abandoned at its deadline.
_ADHOC_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cypher-adhoc")


class Neo4jStore:
    """GraphStore over a Bolt driver; thread-safe (a session per call, the driver is shared)."""

    kind = "neo4j"

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str,
        query_timeout_s: float | None = None,
        owns_driver: bool = False,
    ) -> None:
        self._driver = driver
        self._database = database
        self._timeout = query_timeout_s
        self._owns_driver = owns_driver
        # Sessions share the driver's bookmark manager, so a read after a write sees it even
        # on a cluster (causal consistency across sessions).
        self._bookmarks = driver.execute_query_bookmark_manager
        # Writers of this process take turns here; across processes the write lock on the
        # Meta node (Neo4j) or optimistic conflicts plus retries (ArcadeDB) do it.
        self._write_lock = threading.Lock()

    @property
    def database(self) -> str:
        return self._database

    # --- plumbing ---------------------------------------------------------------------------

    def _session(self, *, read: bool) -> neo4j.Session:

        return self._driver.session(
            database=self._database,
            default_access_mode=neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS,
            bookmark_manager=self._bookmarks,
        )

    def _read_tx(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:

        try:
            with self._session(read=True) as session:
                return session.execute_read(neo4j.unit_of_work(timeout=self._timeout)(work))
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j store unavailable: {exc}") from exc

    def _rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._read_tx(lambda tx: tx.run(query, params).data())  # type: ignore[no-any-return]

    def _records(self, model: type[M], query: str, **params: Any) -> list[M]:
        return [from_props(model, r["p"]) for r in self._rows(query, **params)]

    def _one(self, model: type[M], query: str, **params: Any) -> M | None:
        rows = self._rows(query, **params)
        return from_props(model, rows[0]["p"]) if rows else None

    def _write_tx(self, work: Callable[[neo4j.Transaction], Any]) -> Any:
        """Run `work` in one explicit transaction: commit if it returns, roll back if not.

        A transient server failure (deadlock, concurrent modification) reruns the whole
        transaction, a few times; `work` must therefore only touch the transaction.
        """

        try:
            with self._write_lock:
                for attempt in range(1, WRITE_ATTEMPTS + 1):
                    try:
                        return self._write_once(work)
                    except neo4j.exceptions.TransientError:
                        if attempt == WRITE_ATTEMPTS:
                            raise
                        time.sleep(0.05 * 2**attempt * (1 + random.random()))
        except neo4j.exceptions.ConstraintError as exc:
            raise Conflict(f"write refused by a uniqueness constraint: {exc.message}") from exc
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j store unavailable: {exc}") from exc

    def _write_once(self, work: Callable[[neo4j.Transaction], Any]) -> Any:
        with self._session(read=False) as session:
            tx = session.begin_transaction(timeout=self._timeout)
            try:
                result = work(tx)
            except BaseException:
                if not tx.closed():
                    tx.rollback()
                raise
            tx.commit()
            return result

    # --- lifecycle --------------------------------------------------------------------------

    def init_schema(self) -> None:
        """Uniqueness constraints (which also index the ids) and lookup indexes; idempotent."""
        with self._session(read=False) as session:
            for statement in (*q.CONSTRAINTS, *q.INDEXES):
                session.run(statement).consume()
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
            nodes = tx.run(q.list_nodes(q.TAXONOMY_NODE), offset=0).data()
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
        try:
            return bool(self._rows(q.PING)[0]["one"] == 1)
        except Exception:  # any failure means "does not answer"
            return False

    def run_read_query(
        self, query: str, params: dict[str, Any], *, row_limit: int, timeout_s: float
    ) -> tuple[list[dict[str, Any]], bool]:
        """Run an ad-hoc, read-only Cypher query (L&D analysts): refused if it could write,
        run in a READ-access transaction with a server-side timeout, at most `row_limit` rows.
        Returns (rows as JSON-able dicts, whether more rows existed)."""

        check_read_only(query)

        def work(tx: neo4j.Transaction) -> tuple[list[dict[str, Any]], bool]:
            rows: list[dict[str, Any]] = []
            for record in tx.run(query, params):
                if len(rows) == row_limit:
                    return rows, True
                rows.append({k: jsonable(v) for k, v in record.items()})
            return rows, False

        def run() -> tuple[list[dict[str, Any]], bool]:
            # One explicit read transaction, never retried: a query that failed or ran out of
            # time must not run again behind the caller's back. Leaving it uncommitted rolls
            # it back.
            with (
                self._session(read=True) as session,
                session.begin_transaction(timeout=timeout_s) as tx,
            ):
                return work(tx)

        timed_out = QueryTimeout(
            f"query stopped after its {timeout_s:g} s time limit",
            details=[{"field": "body.timeout_s", "reason": "time limit reached"}],
        )
        try:
            # Neo4j stops the transaction at its timeout itself; Bolt servers that ignore
            # transaction timeouts (ArcadeDB) are held to the limit here, on our side.
            return _ADHOC_POOL.submit(run).result(timeout=timeout_s + 0.5)
        except FutureTimeout as exc:
            raise timed_out from exc
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j store unavailable: {exc}") from exc
        except neo4j.exceptions.Neo4jError as exc:
            code = exc.code or ""
            if "TimedOut" in code or "Terminated" in code or "timeout" in (exc.message or ""):
                raise timed_out from exc
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
        if self._owns_driver:
            self._driver.close()

    def data_version(self) -> int:
        rows = self._rows(q.DATA_VERSION)
        return int(rows[0]["v"]) if rows else 0

    def wipe_for_tests(self) -> None:
        """Delete every node and relationship in the configured database (tests only)."""

        def work(tx: neo4j.Transaction) -> None:
            tx.run(q.WIPE).consume()
            tx.run(q.ENSURE_META, label_keys=q.LABEL_KEYS).consume()

        self._write_tx(work)

    # --- writes -----------------------------------------------------------------------------

    def apply(self, ops: Sequence[StoreOp]) -> None:
        if not ops:
            return
        names = ", ".join(sorted({type(o).__name__ for o in ops}))
        what = f"apply of {len(ops)} op(s) ({names})"

        def work(tx: neo4j.Transaction) -> None:
            # Bump first: the write lock on the Meta node serialises concurrent applies, so
            # validation and writes of one batch never interleave with another's.
            tx.run(q.BUMP_DATA_VERSION).consume()
            lookup = _TxLookup(tx)
            problems: list[RowProblem] = []
            for i, raw in enumerate(ops):
                op, found = normalise_op(i, raw)
                if op is None:
                    problems += found
                    continue
                found += check_op(i, op, lookup)
                problems += sorted(found, key=lambda p: p.row)
                # Rows of a bad op are still written (the batch is rolled back anyway), so
                # later ops that refer to its good rows are not reported as dangling too.
                if found and isinstance(op, RepointReferences):
                    continue
                _WRITERS[type(op)](tx, lookup, op)
                problems += cycle_problems(i, op, lookup, lambda ids: _cycles(tx, ids))
            if problems:
                raise BatchRejected(problems=problems, what=what)

        self._write_tx(work)

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
        return self._records(
            Skill,
            q.list_skills(limited=limit is not None),
            include_deprecated=include_deprecated,
            offset=max(offset, 0),
            limit=_limit(limit),
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
            skills = tx.run(q.list_nodes(q.SKILL), offset=0).data()
            clusters = tx.run(q.list_nodes(q.CLUSTER), offset=0).data()
            broader = tx.run(q.ALL_BROADER).data()
            return TaxonomyDump(
                skills=[from_props(Skill, r["p"]) for r in skills],
                clusters=[from_props(SkillCluster, r["p"]) for r in clusters],
                broader=[
                    Broader(child_id=r["child_id"], parent_id=r["parent_id"]) for r in broader
                ],
            )

        return self._read_tx(work)  # type: ignore[no-any-return]

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

    def list_people(self, *, offset: int = 0, limit: int | None = None) -> list[Person]:
        return self._records(
            Person,
            q.list_nodes(q.PERSON, limited=limit is not None),
            offset=max(offset, 0),
            limit=_limit(limit),
        )

    def count_people(self) -> int:
        return int(self._rows(q.count_nodes(q.PERSON))[0]["c"])

    def reports_of(self, manager_id: str) -> list[str]:
        return [r["id"] for r in self._rows(q.REPORTS_OF, id=manager_id)]

    def person_skills(self, person_id: str) -> list[PersonSkill]:
        return [person_skill(r) for r in self._rows(q.PERSON_SKILLS, id=person_id)]

    def holders_of(self, skill_id: str) -> list[PersonSkill]:
        return [person_skill(r) for r in self._rows(q.HOLDERS_OF, id=skill_id)]

    def iter_person_skills(self, *, batch_size: int = 10_000) -> Iterator[list[PersonSkill]]:
        after = ("", "")
        while True:
            rows = self._rows(
                q.PERSON_SKILLS_PAGE,
                after_person=after[0],
                after_skill=after[1],
                limit=max(batch_size, 1),
            )
            if not rows:
                return
            batch = [person_skill(r) for r in rows]
            yield batch
            if len(batch) < batch_size:
                return
            after = (batch[-1].person_id, batch[-1].skill_id)

    # --- goals ------------------------------------------------------------------------------

    def get_goal(self, goal_id: str) -> Goal | None:
        return self._one(Goal, q.get_node(q.GOAL), id=goal_id)

    def goals_of(self, person_id: str) -> list[Goal]:
        return self._records(Goal, q.GOALS_OF, id=person_id)

    def list_goals(self, *, offset: int = 0, limit: int | None = None) -> list[Goal]:
        return self._records(
            Goal,
            q.list_nodes(q.GOAL, limited=limit is not None),
            offset=max(offset, 0),
            limit=_limit(limit),
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
        return self._records(
            Pairing,
            q.LIST_PAIRINGS,
            mentor_id=f.mentor_id,
            mentee_id=f.mentee_id,
            person_id=f.person_id,
            program=f.program,
            statuses=None if f.statuses is None else [str(s) for s in f.statuses],
        )

    def checkins(self, pairing_id: str) -> list[CheckIn]:
        return self._records(CheckIn, q.CHECKINS, id=pairing_id)

    def all_checkins(self) -> list[CheckIn]:
        return self._records(CheckIn, q.ALL_CHECKINS)

    # --- taxonomy history -------------------------------------------------------------------

    def get_taxonomy_change(self, change_id: str) -> TaxonomyChange | None:
        return self._one(TaxonomyChange, q.get_node(q.TAXONOMY_CHANGE), id=change_id)

    def taxonomy_changes(
        self, *, node_id: str | None = None, limit: int = 100
    ) -> list[TaxonomyChange]:
        if limit <= 0:
            return []
        return self._records(TaxonomyChange, q.TAXONOMY_CHANGES, node_id=node_id, limit=limit)

    # --- access and audit -------------------------------------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        key = ApiKey.model_validate(key.model_dump())

        def work(tx: neo4j.Transaction) -> None:
            owner = tx.run(q.API_KEY_HASH_OWNER, key_hash=key.key_hash).single()
            if owner is not None and owner["id"] != key.id:
                raise Conflict(f"api key {key.id!r}: key_hash already used by {owner['id']!r}")
            tx.run(q.upsert_nodes(q.API_KEY), rows=[to_props(key)]).consume()

        self._write_tx(work)

    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self._one(ApiKey, q.API_KEY_BY_HASH, key_hash=key_hash)

    def list_api_keys(self) -> list[ApiKey]:
        return self._records(ApiKey, q.list_nodes(q.API_KEY), offset=0)

    def append_audit(self, entry: AuditEntry) -> None:
        entry = AuditEntry.model_validate(entry.model_dump())

        def work(tx: neo4j.Transaction) -> None:
            if tx.run(q.existing_ids(q.AUDIT_ENTRY), ids=[entry.id]).single() is not None:
                raise Conflict(f"audit entry {entry.id!r} already exists")
            tx.run(q.CREATE_AUDIT, row=to_props(entry)).consume()

        self._write_tx(work)

    def list_audit(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        if limit <= 0:
            return []
        return self._records(AuditEntry, q.LIST_AUDIT, actor=actor, limit=limit)


def _limit(limit: int | None) -> int:
    # Only sent when the statement has a LIMIT; ArcadeDB reads it as a 32-bit int.
    return 0 if limit is None else min(max(limit, 0), 2**31 - 1)


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


def _upsert_people(tx: neo4j.Transaction, _: _TxLookup, op: UpsertPeople) -> None:
    _write_nodes(tx, q.PERSON, op.rows)
    _run_ids(tx, q.CLEAR_REPORTS_TO, [r.id for r in op.rows])
    links = [{"id": r.id, "manager_id": r.manager_id} for r in op.rows if r.manager_id]
    _run_rows(tx, q.LINK_REPORTS_TO, links)


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


def _target_rows(targets: Iterable[GoalTarget]) -> list[dict[str, Any]]:
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


def _add_checkins(tx: neo4j.Transaction, _: _TxLookup, op: AddCheckIns) -> None:
    _write_nodes(tx, q.CHECKIN, op.rows)
    _run_ids(tx, q.CLEAR_CHECKIN_LINKS, [r.id for r in op.rows])
    _run_rows(tx, q.LINK_CHECKINS, [{"id": r.id, "pairing_id": r.pairing_id} for r in op.rows])


def _upsert_changes(tx: neo4j.Transaction, _: _TxLookup, op: UpsertTaxonomyChanges) -> None:
    _write_nodes(tx, q.TAXONOMY_CHANGE, op.rows)


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
    AddCheckIns: _add_checkins,
    RepointReferences: _repoint,
    UpsertTaxonomyChanges: _upsert_changes,
}


def _cycles(tx: neo4j.Transaction, cluster_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(cluster_ids))
    if not ids:
        return set()
    return {r["id"] for r in tx.run(q.BROADER_CYCLES, ids=ids)}
