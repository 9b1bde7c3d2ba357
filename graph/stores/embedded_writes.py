"""How each store op is written to SQLite, inside the caller's open write transaction.

Pure SQL with `?` parameters; validation happens before (graph.stores.validation).
Upserts replace the whole record (`ON CONFLICT DO UPDATE` of every column).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from graph.errors import Conflict, NotFound
from graph.model import CohortRunRecord, Skill, SkillCluster, name_key
from graph.store import (
    CHANGE_LOG_KEEP,
    MAX_BROADER_DEPTH,
    AddBroader,
    AddCheckIns,
    AppendAudit,
    DeleteGoals,
    DeletePeople,
    PublishCohortRun,
    PutApiKeys,
    PutCohortRuns,
    RemoveBroader,
    RemovePersonSkills,
    ReplaceAudit,
    RepointReferences,
    SetGoalTargets,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertPrograms,
    UpsertSkills,
    UpsertTaxonomyChanges,
)
from graph.stores.validation import Kind

TABLE_OF_KIND: dict[Kind, str] = {
    "person": "people",
    "skill": "skills",
    "cluster": "clusters",
    "goal": "goals",
    "pairing": "pairings",
    "audit": "audit",
    "cohort_run": "cohort_runs",
}

# One constant query per kind: table names never come from input.
_EXISTING_SQL: dict[Kind, str] = {
    kind: f"SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
    for kind, table in TABLE_OF_KIND.items()
}


def existing(conn: sqlite3.Connection, kind: Kind, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    return {r[0] for r in conn.execute(_EXISTING_SQL[kind], (json.dumps(wanted),))}


def key_hash_owners(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, str]:
    wanted = list(set(hashes))
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT key_hash, id FROM api_keys WHERE key_hash IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),),
    )
    return {h: i for h, i in rows}


def to_us(at: datetime) -> int:
    """UTC microseconds since the epoch; a naive datetime is taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    delta = at - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _names(node: Skill | SkillCluster) -> list[tuple[str, str, str, int]]:
    """`node_names` rows: the label key of the label (is_label 1), then of every alias and
    every other language's label (0); the table keeps the first row of each key."""
    rows: list[tuple[str, str, str, int]] = [(node.id, node.kind, name_key(node.label), 1)]
    rows += [(node.id, node.kind, name_key(a), 0) for a in node.all_names()[1:]]
    return rows


def rebuild_node_names(conn: sqlite3.Connection) -> int:
    """Recompute every `node_names` row from the stored records (schema 1 -> 2: label keys
    instead of case-folded text). Returns the number of nodes indexed."""
    conn.execute("DELETE FROM node_names")
    count = 0
    for table, model in (("skills", Skill), ("clusters", SkillCluster)):
        rows = conn.execute(f"SELECT data FROM {table}").fetchall()  # noqa: S608 - constant
        nodes = [model.model_validate_json(r[0]) for r in rows]
        conn.executemany(
            "INSERT OR IGNORE INTO node_names(node_id, kind, name_cf, is_label) "
            "VALUES (?, ?, ?, ?)",
            (n for node in nodes for n in _names(node)),
        )
        count += len(nodes)
    return count


def _upsert_nodes(
    conn: sqlite3.Connection, table: str, rows: list[Skill] | list[SkillCluster]
) -> None:
    sql = (
        f"INSERT INTO {table}(id, status, data) VALUES (?, ?, ?) "  # noqa: S608 - constant table
        "ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data"
    )
    conn.executemany(sql, ((r.id, r.status.value, r.model_dump_json()) for r in rows))
    conn.executemany("DELETE FROM node_names WHERE node_id = ?", ((r.id,) for r in rows))
    conn.executemany(
        "INSERT OR IGNORE INTO node_names(node_id, kind, name_cf, is_label) VALUES (?, ?, ?, ?)",
        (n for r in rows for n in _names(r)),
    )


def _upsert_skills(conn: sqlite3.Connection, op: UpsertSkills) -> None:
    _upsert_nodes(conn, "skills", list(op.rows))


def _upsert_clusters(conn: sqlite3.Connection, op: UpsertClusters) -> None:
    _upsert_nodes(conn, "clusters", list(op.rows))


def _add_broader(conn: sqlite3.Connection, op: AddBroader) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO broader(child_id, parent_id) VALUES (?, ?)",
        ((r.child_id, r.parent_id) for r in op.rows),
    )


def _remove_broader(conn: sqlite3.Connection, op: RemoveBroader) -> None:
    conn.executemany(
        "DELETE FROM broader WHERE child_id = ? AND parent_id = ?",
        ((r.child_id, r.parent_id) for r in op.rows),
    )


def _upsert_people(conn: sqlite3.Connection, op: UpsertPeople) -> None:
    conn.executemany(
        "INSERT INTO people(id, manager_id, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
        "SET manager_id = excluded.manager_id, data = excluded.data",
        ((r.id, r.manager_id, r.model_dump_json()) for r in op.rows),
    )


def _upsert_person_skills(conn: sqlite3.Connection, op: UpsertPersonSkills) -> None:
    conn.executemany(
        "INSERT INTO person_skills(person_id, skill_id, level, willing) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(person_id, skill_id) DO UPDATE "
        "SET level = excluded.level, willing = excluded.willing",
        ((r.person_id, r.skill_id, r.level, int(r.willing_to_mentor)) for r in op.rows),
    )


def _remove_person_skills(conn: sqlite3.Connection, op: RemovePersonSkills) -> None:
    conn.executemany(
        "DELETE FROM person_skills WHERE person_id = ? AND skill_id = ?",
        ((p, s) for p, s in op.keys),
    )


def _upsert_goals(conn: sqlite3.Connection, op: UpsertGoals) -> None:
    conn.executemany(
        "INSERT INTO goals(id, person_id, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
        "SET person_id = excluded.person_id, data = excluded.data",
        ((r.id, r.person_id, r.model_dump_json()) for r in op.rows),
    )


def _delete_goals(conn: sqlite3.Connection, op: DeleteGoals) -> None:
    ids = [(i,) for i in op.ids]
    conn.executemany("DELETE FROM goal_targets WHERE goal_id = ?", ids)
    conn.executemany("DELETE FROM goals WHERE id = ?", ids)


def _set_goal_targets(conn: sqlite3.Connection, op: SetGoalTargets) -> None:
    conn.execute("DELETE FROM goal_targets WHERE goal_id = ?", (op.goal_id,))
    conn.executemany(
        "INSERT INTO goal_targets(goal_id, node_id, confidence, source) VALUES (?, ?, ?, ?)",
        ((op.goal_id, t.node_id, t.confidence, t.source.value) for t in op.targets),
    )


def _upsert_pairings(conn: sqlite3.Connection, op: UpsertPairings) -> None:
    conn.executemany(
        "INSERT INTO pairings(id, mentor_id, program, status, data) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET mentor_id = excluded.mentor_id, "
        "program = excluded.program, status = excluded.status, data = excluded.data",
        ((r.id, r.mentor_id, r.program, r.status.value, r.model_dump_json()) for r in op.rows),
    )
    conn.executemany("DELETE FROM pairing_mentees WHERE pairing_id = ?", ((r.id,) for r in op.rows))
    conn.executemany(
        "INSERT INTO pairing_mentees(pairing_id, person_id) VALUES (?, ?)",
        ((r.id, m) for r in op.rows for m in r.mentee_ids),
    )


def _upsert_programs(conn: sqlite3.Connection, op: UpsertPrograms) -> None:
    conn.executemany(
        "INSERT INTO programs(id, data) VALUES (?, ?) "
        "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
        ((r.id, r.model_dump_json()) for r in op.rows),
    )


def _add_checkins(conn: sqlite3.Connection, op: AddCheckIns) -> None:
    conn.executemany(
        "INSERT INTO checkins(id, pairing_id, on_date, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET pairing_id = excluded.pairing_id, "
        "on_date = excluded.on_date, data = excluded.data",
        ((r.id, r.pairing_id, r.on.isoformat(), r.model_dump_json()) for r in op.rows),
    )


def _upsert_changes(conn: sqlite3.Connection, op: UpsertTaxonomyChanges) -> None:
    conn.executemany(
        "INSERT INTO taxonomy_changes(id, at_us, data) VALUES (?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET at_us = excluded.at_us, data = excluded.data",
        ((r.id, to_us(r.at), r.model_dump_json()) for r in op.rows),
    )
    conn.executemany(
        "DELETE FROM taxonomy_change_nodes WHERE change_id = ?", ((r.id,) for r in op.rows)
    )
    conn.executemany(
        "INSERT OR IGNORE INTO taxonomy_change_nodes(change_id, node_id) VALUES (?, ?)",
        ((r.id, n) for r in op.rows for n in r.node_ids),
    )


def _append_audit(conn: sqlite3.Connection, op: AppendAudit) -> None:
    conn.executemany(
        "INSERT INTO audit(id, at_us, actor, data) VALUES (?, ?, ?, ?)",
        ((r.id, to_us(r.at), r.actor, r.model_dump_json()) for r in op.rows),
    )


def _delete_people(conn: sqlite3.Connection, op: DeletePeople) -> None:
    ids = [(i,) for i in op.ids]
    conn.executemany("DELETE FROM person_skills WHERE person_id = ?", ids)
    conn.executemany("DELETE FROM people WHERE id = ?", ids)
    conn.execute("DELETE FROM cohort_runs")  # see DeletePeople: no run outlives an erasure


def _replace_audit(conn: sqlite3.Connection, op: ReplaceAudit) -> None:
    conn.executemany(
        "UPDATE audit SET at_us = ?, actor = ?, data = ? WHERE id = ?",
        ((to_us(r.at), r.actor, r.model_dump_json(), r.id) for r in op.rows),
    )


def _put_api_keys(conn: sqlite3.Connection, op: PutApiKeys) -> None:
    conn.executemany(
        "INSERT INTO api_keys(id, key_hash, data) VALUES (?, ?, ?) ON CONFLICT(id) "
        "DO UPDATE SET key_hash = excluded.key_hash, data = excluded.data",
        ((r.id, r.key_hash, r.model_dump_json()) for r in op.rows),
    )


def log_change(conn: sqlite3.Connection, touched: str, *, forget: bool = False) -> None:
    """Record what the apply that just moved data_version touched (the change log), and
    prune the log to the last `CHANGE_LOG_KEEP` versions; `forget` (an erasure,
    graph.store.forgets_people): empty the log instead."""
    if forget:
        conn.execute("DELETE FROM changes")
        return
    version = int(conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
    conn.execute(
        "INSERT OR REPLACE INTO changes(version, touched) VALUES (?, ?)", (version, touched)
    )
    conn.execute("DELETE FROM changes WHERE version <= ?", (version - CHANGE_LOG_KEEP,))


def _put_cohort_runs(conn: sqlite3.Connection, op: PutCohortRuns) -> None:
    conn.executemany(
        "INSERT INTO cohort_runs(id, published_at_us, data) VALUES (?, ?, ?)",
        (
            (r.id, to_us(r.published_at) if r.published_at else None, r.model_dump_json())
            for r in op.rows
        ),
    )


def _publish_cohort_run(conn: sqlite3.Connection, op: PublishCohortRun) -> None:
    """The conditional update: the caller holds the write transaction (`BEGIN IMMEDIATE`,
    one writer across processes), so the checks and the update cannot interleave with
    another publish. Conflict / NotFound roll the whole apply back."""
    row = conn.execute("SELECT data FROM cohort_runs WHERE id = ?", (op.run_id,)).fetchone()
    if row is None:
        raise NotFound(f"cohort run {op.run_id!r} not found")
    run = CohortRunRecord.model_validate_json(row[0])
    if run.published_at is not None:
        raise Conflict(f"cohort run {op.run_id!r} is already published")
    version = int(conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
    if version != op.data_version:
        raise Conflict(
            f"the graph changed since this cohort was matched (data version "
            f"{op.data_version} -> {version}); match it again"
        )
    done = run.model_copy(update={"published_at": op.at, "published_by": op.by})
    conn.execute(
        "UPDATE cohort_runs SET published_at_us = ?, data = ? "
        "WHERE id = ? AND published_at_us IS NULL",
        (to_us(op.at), done.model_dump_json(), op.run_id),
    )


def _repoint(conn: sqlite3.Connection, op: RepointReferences) -> None:
    src = op.source_id
    targets = list(dict.fromkeys(op.target_ids))
    skill_targets = existing(conn, "skill", targets)
    cluster_targets = existing(conn, "cluster", targets)
    for t in targets:
        if t in skill_targets:
            # HAS_SKILL: level = max, willing = any.
            conn.execute(
                "INSERT INTO person_skills(person_id, skill_id, level, willing) "
                "SELECT person_id, ?, level, willing FROM person_skills WHERE skill_id = ? "
                "ON CONFLICT(person_id, skill_id) DO UPDATE "
                "SET level = max(level, excluded.level), willing = max(willing, excluded.willing)",
                (t, src),
            )
        # TARGETS: confidence = max, source from the strongest (a tie keeps the existing one).
        conn.execute(
            "INSERT INTO goal_targets(goal_id, node_id, confidence, source) "
            "SELECT goal_id, ?, confidence, source FROM goal_targets WHERE node_id = ? "
            "ON CONFLICT(goal_id, node_id) DO UPDATE SET "
            "source = CASE WHEN excluded.confidence > confidence THEN excluded.source "
            "ELSE source END, confidence = max(confidence, excluded.confidence)",
            (t, src),
        )
        if t in cluster_targets:
            conn.execute(
                "INSERT OR IGNORE INTO broader(child_id, parent_id) "
                "SELECT child_id, ? FROM broader WHERE parent_id = ? AND child_id <> ?",
                (t, src, t),
            )
    if skill_targets:
        conn.execute("DELETE FROM person_skills WHERE skill_id = ?", (src,))
    conn.execute("DELETE FROM goal_targets WHERE node_id = ?", (src,))
    if cluster_targets:
        conn.execute("DELETE FROM broader WHERE parent_id = ?", (src,))


WRITERS: dict[type, Callable[[sqlite3.Connection, Any], None]] = {
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


def broader_cycles(conn: sqlite3.Connection, child_ids: Iterable[str]) -> set[str]:
    """Those of `child_ids` (skills or clusters) that are now their own ancestor (a BROADER
    cycle)."""
    found: set[str] = set()
    for cid in set(child_ids):
        row = conn.execute(
            "WITH RECURSIVE up(id, depth) AS ("
            " SELECT parent_id, 1 FROM broader WHERE child_id = ?1"
            " UNION SELECT b.parent_id, up.depth + 1 FROM broader b JOIN up"
            " ON b.child_id = up.id WHERE up.depth < ?2)"
            " SELECT 1 FROM up WHERE id = ?1 OR depth >= ?2 LIMIT 1",
            (cid, MAX_BROADER_DEPTH),
        ).fetchone()
        if row:
            found.add(cid)
    return found
