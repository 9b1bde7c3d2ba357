"""The embedded store: one SQLite file in WAL mode, the durable system of record, no server.

One writer at a time (a lock around a dedicated write connection, `BEGIN IMMEDIATE`), any
number of concurrent readers (one connection per thread). WAL readers see the last committed
state and never wait for the writer; multi-query reads run in one read transaction, so they
see a single snapshot.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from graph.errors import BatchRejected, RowProblem, StoreUnavailable
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
    TargetSource,
    TaxonomyChange,
)
from graph.store import (
    DeletePeople,
    PairingFilter,
    ReplaceAudit,
    StoreOp,
    TaxonomyDump,
    Touched,
    changes_graph,
    forgets_people,
    touched_by,
    touched_from_json,
    touched_to_json,
)
from graph.stores import embedded_writes as writes
from graph.stores.embedded_schema import DDL, PRAGMAS, SCHEMA_VERSION
from graph.stores.validation import (
    SKIP_WHEN_BAD,
    Kind,
    check_op,
    cycle_problems,
    normalise_op,
)
from graph.text import label_key

Node = Skill | SkillCluster


class _TxLookup:
    """Existence checks inside the open write transaction (sees earlier ops of the batch)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def existing(self, kind: Kind, ids: object) -> set[str]:
        return writes.existing(self.conn, kind, ids)  # type: ignore[arg-type]

    def key_hash_owners(self, hashes: Iterable[str]) -> dict[str, str]:
        return writes.key_hash_owners(self.conn, hashes)


def _node(kind: str, data: str) -> Node:
    return (
        Skill.model_validate_json(data)
        if kind == "skill"
        else SkillCluster.model_validate_json(data)
    )


# Edge rows were validated when written; rebuilding them unvalidated is ~10x faster, which
# matters for iter_person_skills over a million rows.
def _ps(row: tuple[str, str, int, int]) -> PersonSkill:
    return PersonSkill.model_construct(
        person_id=row[0], skill_id=row[1], level=row[2], willing_to_mentor=bool(row[3])
    )


def _gt(row: tuple[str, str, float, str]) -> GoalTarget:
    return GoalTarget.model_construct(
        goal_id=row[0], node_id=row[1], confidence=row[2], source=TargetSource(row[3])
    )


# People who have not left (Person.left_on unset): listings leave leavers out.
_PEOPLE_PAGE = "SELECT data FROM people ORDER BY id LIMIT ? OFFSET ?"
_PRESENT_PEOPLE_PAGE = (
    "SELECT data FROM people WHERE json_extract(data, '$.left_on') IS NULL "
    "ORDER BY id LIMIT ? OFFSET ?"
)
_COUNT_PEOPLE = "SELECT count(*) FROM people"
_COUNT_PRESENT_PEOPLE = "SELECT count(*) FROM people WHERE json_extract(data, '$.left_on') IS NULL"

_NODES_BY_IDS = (
    "SELECT 'skill', data, id FROM skills WHERE id IN (SELECT value FROM json_each(?1)) "
    "UNION ALL SELECT 'cluster', data, id FROM clusters "
    "WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY 3"
)


class EmbeddedStore:
    kind = "embedded"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._writer = self._connect()
        self.init_schema()

    # --- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreUnavailable(f"embedded store {self.path} is closed")
        # Autocommit mode: transactions are opened explicitly. A connection is used by one
        # thread only; check_same_thread is off so close() may close it from another thread.
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10.0
        )
        for pragma in PRAGMAS:
            conn.execute(pragma)
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """This thread's reader, inside one read transaction (a consistent snapshot)."""
        if self._closed:
            raise StoreUnavailable(f"embedded store {self.path} is closed")
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = self._connect()
            local.depth = 0
        if local.depth:
            local.depth += 1
            try:
                yield conn
            finally:
                local.depth -= 1
            return
        local.depth = 1
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            local.depth = 0
            conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise StoreUnavailable(f"embedded store {self.path} is closed")
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- lifecycle --------------------------------------------------------------------------

    def init_schema(self) -> None:
        """Create the tables (idempotent) and bring an older file up to `SCHEMA_VERSION`."""
        with self._lock:
            self._writer.executescript(DDL)
        self._migrate()

    def _migrate(self) -> None:
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else SCHEMA_VERSION
            if version >= SCHEMA_VERSION:
                return
            # 1 -> 2: node_names holds graph.text.label_key of every name, not casefold().
            writes.rebuild_node_names(conn)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,)
            )
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")

    def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it to nothing, so old page images (text an
        erasure overwrote) do not linger there. Best effort: if a reader still holds an old
        snapshot, SQLite leaves the WAL as is and the next checkpoint finishes the job."""
        with self._lock:
            if not self._closed:
                self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def ping(self) -> bool:
        try:
            with self._read() as c:
                return bool(c.execute("SELECT 1").fetchone() == (1,))
        except (sqlite3.Error, StoreUnavailable):
            return False

    def close(self) -> None:
        with self._lock, self._conns_lock:
            self._closed = True
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def data_version(self) -> int:
        with self._read() as c:
            return int(c.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])

    def changes_since(self, version: int) -> list[Touched] | None:
        with self._read() as c:
            current = int(
                c.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
            )
            rows = c.execute(
                "SELECT version, touched FROM changes WHERE version > ? ORDER BY version",
                (version,),
            ).fetchall()
        if [r[0] for r in rows] != list(range(version + 1, current + 1)):
            return None
        return [touched_from_json(r[1]) for r in rows]

    # --- writes -----------------------------------------------------------------------------

    def apply(self, ops: Sequence[StoreOp]) -> None:
        if not ops:
            return
        what = f"apply of {len(ops)} op(s) ({', '.join(sorted({type(o).__name__ for o in ops}))})"
        problems: list[RowProblem] = []
        with self._write() as conn:
            lookup = _TxLookup(conn)
            for i, raw in enumerate(ops):
                op, found = normalise_op(i, raw)
                if op is None:
                    problems += found
                    continue
                found += check_op(i, op, lookup)
                problems += sorted(found, key=lambda p: p.row)
                if found and isinstance(op, SKIP_WHEN_BAD):
                    continue
                writes.WRITERS[type(op)](conn, op)
                problems += cycle_problems(
                    i, op, lookup, lambda ids: writes.broader_cycles(conn, ids)
                )
            if problems:
                raise BatchRejected(problems=problems, what=what)
            if changes_graph(ops):
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
                touched = touched_to_json(touched_by(ops))
                writes.log_change(conn, touched, forget=forgets_people(ops))
        if any(isinstance(op, DeletePeople | ReplaceAudit) for op in ops):
            self.checkpoint()  # erasure, retention: no copy of the old pages stays in the WAL

    # --- taxonomy reads ---------------------------------------------------------------------

    def get_skill(self, skill_id: str) -> Skill | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM skills WHERE id = ?", (skill_id,)).fetchone()
        return Skill.model_validate_json(row[0]) if row else None

    def get_cluster(self, cluster_id: str) -> SkillCluster | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
        return SkillCluster.model_validate_json(row[0]) if row else None

    def get_node(self, node_id: str) -> Node | None:
        with self._read():
            return self.get_skill(node_id) or self.get_cluster(node_id)

    def list_skills(
        self, *, offset: int = 0, limit: int | None = None, include_deprecated: bool = True
    ) -> list[Skill]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM skills WHERE ?1 OR status = 'active' ORDER BY id "
                "LIMIT ?2 OFFSET ?3",
                (int(include_deprecated), -1 if limit is None else limit, offset),
            ).fetchall()
        return [Skill.model_validate_json(r[0]) for r in rows]

    def list_clusters(self, *, include_deprecated: bool = True) -> list[SkillCluster]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM clusters WHERE ?1 OR status = 'active' ORDER BY id",
                (int(include_deprecated),),
            ).fetchall()
        return [SkillCluster.model_validate_json(r[0]) for r in rows]

    def count_skills(self) -> int:
        with self._read() as c:
            return int(c.execute("SELECT count(*) FROM skills").fetchone()[0])

    def parents(self, node_id: str) -> list[Node]:
        with self._read() as c:
            rows = c.execute(
                "SELECT 'cluster', k.data, k.id FROM broader b JOIN clusters k "
                "ON k.id = b.parent_id WHERE b.child_id = ?1 UNION ALL "
                "SELECT 'skill', s.data, s.id FROM broader b JOIN skills s ON s.id = b.parent_id "
                "WHERE b.child_id = ?1 ORDER BY 3",
                (node_id,),
            ).fetchall()
        return [_node(k, d) for k, d, _ in rows]

    def children(self, cluster_id: str) -> list[Node]:
        with self._read() as c:
            rows = c.execute(
                "SELECT 'skill', s.data, s.id FROM broader b JOIN skills s ON s.id = b.child_id "
                "WHERE b.parent_id = ?1 UNION ALL "
                "SELECT 'cluster', k.data, k.id FROM broader b JOIN clusters k "
                "ON k.id = b.child_id WHERE b.parent_id = ?1 ORDER BY 3",
                (cluster_id,),
            ).fetchall()
        return [_node(k, d) for k, d, _ in rows]

    def taxonomy(self) -> TaxonomyDump:
        with self._read() as c:
            skills = c.execute("SELECT data FROM skills ORDER BY id").fetchall()
            clusters = c.execute("SELECT data FROM clusters ORDER BY id").fetchall()
            edges = c.execute(
                "SELECT child_id, parent_id FROM broader ORDER BY child_id, parent_id"
            ).fetchall()
        return TaxonomyDump(
            skills=[Skill.model_validate_json(r[0]) for r in skills],
            clusters=[SkillCluster.model_validate_json(r[0]) for r in clusters],
            broader=[Broader(child_id=a, parent_id=b) for a, b in edges],
        )

    def _nodes(self, c: sqlite3.Connection, ids: list[str]) -> dict[str, Node]:
        rows = c.execute(_NODES_BY_IDS, (json.dumps(ids),)).fetchall()
        return {i: _node(k, d) for k, d, i in rows}

    def find_by_label(self, text: str) -> list[Node]:
        with self._read() as c:
            ids = [
                r[0]
                for r in c.execute(
                    "SELECT DISTINCT node_id FROM node_names WHERE name_cf = ? ORDER BY node_id",
                    (label_key(text),),
                )
            ]
            nodes = self._nodes(c, ids)
        return [nodes[i] for i in ids if i in nodes]

    def search_taxonomy(self, text: str, *, limit: int = 20) -> list[Node]:
        needle = label_key(text)
        if not needle or limit <= 0:
            return []
        with self._read() as c:
            ids = [
                r[0]
                for r in c.execute(
                    "SELECT node_id, max(is_label) AS lab FROM node_names "
                    "WHERE instr(name_cf, ?) > 0 GROUP BY node_id "
                    "ORDER BY lab DESC, node_id LIMIT ?",
                    (needle, limit),
                )
            ]
            nodes = self._nodes(c, ids)
        return [nodes[i] for i in ids if i in nodes]

    # --- people -----------------------------------------------------------------------------

    def get_person(self, person_id: str) -> Person | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM people WHERE id = ?", (person_id,)).fetchone()
        return Person.model_validate_json(row[0]) if row else None

    def list_people(
        self, *, offset: int = 0, limit: int | None = None, include_departed: bool = True
    ) -> list[Person]:
        sql = _PEOPLE_PAGE if include_departed else _PRESENT_PEOPLE_PAGE
        with self._read() as c:
            rows = c.execute(sql, (-1 if limit is None else limit, offset)).fetchall()
        return [Person.model_validate_json(r[0]) for r in rows]

    def count_people(self, *, include_departed: bool = True) -> int:
        sql = _COUNT_PEOPLE if include_departed else _COUNT_PRESENT_PEOPLE
        with self._read() as c:
            return int(c.execute(sql).fetchone()[0])

    def reports_of(self, manager_id: str) -> list[str]:
        with self._read() as c:
            rows = c.execute(
                "SELECT id FROM people WHERE manager_id = ? ORDER BY id", (manager_id,)
            ).fetchall()
        return [r[0] for r in rows]

    def person_skills(self, person_id: str) -> list[PersonSkill]:
        with self._read() as c:
            rows = c.execute(
                "SELECT person_id, skill_id, level, willing FROM person_skills "
                "WHERE person_id = ? ORDER BY skill_id",
                (person_id,),
            ).fetchall()
        return [_ps(r) for r in rows]

    def holders_of(self, skill_id: str) -> list[PersonSkill]:
        with self._read() as c:
            rows = c.execute(
                "SELECT person_id, skill_id, level, willing FROM person_skills "
                "WHERE skill_id = ? ORDER BY person_id",
                (skill_id,),
            ).fetchall()
        return [_ps(r) for r in rows]

    def iter_person_skills(self, *, batch_size: int = 10_000) -> Iterator[list[PersonSkill]]:
        after = ("", "")
        while True:
            with self._read() as c:
                rows = c.execute(
                    "SELECT person_id, skill_id, level, willing FROM person_skills "
                    "WHERE (person_id, skill_id) > (?, ?) ORDER BY person_id, skill_id LIMIT ?",
                    (*after, batch_size),
                ).fetchall()
            if not rows:
                return
            yield [_ps(r) for r in rows]
            after = (rows[-1][0], rows[-1][1])
            if len(rows) < batch_size:
                return

    # --- goals ------------------------------------------------------------------------------

    def get_goal(self, goal_id: str) -> Goal | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM goals WHERE id = ?", (goal_id,)).fetchone()
        return Goal.model_validate_json(row[0]) if row else None

    def goals_of(self, person_id: str) -> list[Goal]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM goals WHERE person_id = ? ORDER BY id", (person_id,)
            ).fetchall()
        return [Goal.model_validate_json(r[0]) for r in rows]

    def list_goals(self, *, offset: int = 0, limit: int | None = None) -> list[Goal]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM goals ORDER BY id LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [Goal.model_validate_json(r[0]) for r in rows]

    def goal_targets(self, goal_id: str) -> list[GoalTarget]:
        with self._read() as c:
            rows = c.execute(
                "SELECT goal_id, node_id, confidence, source FROM goal_targets "
                "WHERE goal_id = ? ORDER BY confidence DESC, node_id",
                (goal_id,),
            ).fetchall()
        return [_gt(r) for r in rows]

    def targets_of_node(self, node_id: str) -> list[GoalTarget]:
        with self._read() as c:
            rows = c.execute(
                "SELECT goal_id, node_id, confidence, source FROM goal_targets "
                "WHERE node_id = ? ORDER BY goal_id",
                (node_id,),
            ).fetchall()
        return [_gt(r) for r in rows]

    def all_goal_targets(self) -> list[GoalTarget]:
        with self._read() as c:
            rows = c.execute(
                "SELECT goal_id, node_id, confidence, source FROM goal_targets "
                "ORDER BY goal_id, node_id"
            ).fetchall()
        return [_gt(r) for r in rows]

    # --- pairings ---------------------------------------------------------------------------

    def get_pairing(self, pairing_id: str) -> Pairing | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM pairings WHERE id = ?", (pairing_id,)).fetchone()
        return Pairing.model_validate_json(row[0]) if row else None

    def list_pairings(self, flt: PairingFilter | None = None) -> list[Pairing]:
        f = flt or PairingFilter()
        statuses = None if f.statuses is None else json.dumps([str(s) for s in f.statuses])
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM pairings WHERE (?1 IS NULL OR mentor_id = ?1) "
                "AND (?2 IS NULL OR id IN (SELECT pairing_id FROM pairing_mentees "
                "WHERE person_id = ?2)) "
                "AND (?3 IS NULL OR mentor_id = ?3 OR id IN (SELECT pairing_id "
                "FROM pairing_mentees WHERE person_id = ?3)) "
                "AND (?4 IS NULL OR program = ?4) "
                "AND (?5 IS NULL OR status IN (SELECT value FROM json_each(?5))) ORDER BY id",
                (f.mentor_id, f.mentee_id, f.person_id, f.program, statuses),
            ).fetchall()
        return [Pairing.model_validate_json(r[0]) for r in rows]

    def checkins(self, pairing_id: str) -> list[CheckIn]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM checkins WHERE pairing_id = ? ORDER BY on_date, id",
                (pairing_id,),
            ).fetchall()
        return [CheckIn.model_validate_json(r[0]) for r in rows]

    def all_checkins(self) -> list[CheckIn]:
        with self._read() as c:
            rows = c.execute("SELECT data FROM checkins ORDER BY id").fetchall()
        return [CheckIn.model_validate_json(r[0]) for r in rows]

    # --- programs ---------------------------------------------------------------------------

    def get_program(self, program_id: str) -> Program | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM programs WHERE id = ?", (program_id,)).fetchone()
        return Program.model_validate_json(row[0]) if row else None

    def list_programs(self) -> list[Program]:
        with self._read() as c:
            rows = c.execute("SELECT data FROM programs ORDER BY id").fetchall()
        return [Program.model_validate_json(r[0]) for r in rows]

    # --- taxonomy history -------------------------------------------------------------------

    def get_taxonomy_change(self, change_id: str) -> TaxonomyChange | None:
        with self._read() as c:
            row = c.execute(
                "SELECT data FROM taxonomy_changes WHERE id = ?", (change_id,)
            ).fetchone()
        return TaxonomyChange.model_validate_json(row[0]) if row else None

    def taxonomy_changes(
        self, *, node_id: str | None = None, limit: int = 100
    ) -> list[TaxonomyChange]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM taxonomy_changes WHERE ?1 IS NULL OR id IN "
                "(SELECT change_id FROM taxonomy_change_nodes WHERE node_id = ?1) "
                "ORDER BY at_us DESC, id DESC LIMIT ?2",
                (node_id, limit),
            ).fetchall()
        return [TaxonomyChange.model_validate_json(r[0]) for r in rows]

    def count_taxonomy_changes(self, *, node_id: str | None = None) -> int:
        with self._read() as c:
            row = c.execute(
                "SELECT count(*) FROM taxonomy_changes WHERE ?1 IS NULL OR id IN "
                "(SELECT change_id FROM taxonomy_change_nodes WHERE node_id = ?1)",
                (node_id,),
            ).fetchone()
        return int(row[0])

    # --- access and audit -------------------------------------------------------------------

    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM api_keys WHERE key_hash = ?", (key_hash,)).fetchone()
        return ApiKey.model_validate_json(row[0]) if row else None

    def list_api_keys(self) -> list[ApiKey]:
        with self._read() as c:
            rows = c.execute("SELECT data FROM api_keys ORDER BY id").fetchall()
        return [ApiKey.model_validate_json(r[0]) for r in rows]

    def list_audit(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM audit WHERE ?1 IS NULL OR actor = ?1 "
                "ORDER BY at_us DESC, id DESC LIMIT ?2",
                (actor, limit),
            ).fetchall()
        return [AuditEntry.model_validate_json(r[0]) for r in rows]

    def audit_page(self, *, after: str = "", limit: int = 1000) -> list[AuditEntry]:
        with self._read() as c:
            rows = c.execute(
                "SELECT data FROM audit WHERE id > ? ORDER BY id LIMIT ?", (after, max(limit, 0))
            ).fetchall()
        return [AuditEntry.model_validate_json(r[0]) for r in rows]

    # --- cohort runs ------------------------------------------------------------------------

    def get_cohort_run(self, run_id: str) -> CohortRunRecord | None:
        with self._read() as c:
            row = c.execute("SELECT data FROM cohort_runs WHERE id = ?", (run_id,)).fetchone()
        return CohortRunRecord.model_validate_json(row[0]) if row else None
