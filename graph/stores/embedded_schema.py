"""SQLite schema of the embedded store: normalised tables, keys and lookup indexes.

Nested fields (windows, preferences, aliases, milestones, history ...) live in each row's
`data` column as the model's JSON; the columns beside it are the ones reads filter, join or
sort on. `node_names` holds the `graph.text.label_key` of every label and alias (other
languages' labels included), for find_by_label/search. Times that reads sort on are stored
as integer UTC microseconds (`at_us`).

Versions (`meta.schema_version`): 1 kept plain case-folded names in `node_names`; 2 keeps
label keys and the labels of other languages. A file of an older version is brought up to
date when the store opens (`MIGRATIONS`, in one write transaction).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # In WAL mode NORMAL keeps every committed transaction across a process crash; only an
    # OS crash / power loss may lose the last commits, never corrupt the file.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=OFF",  # references are checked by graph.stores.validation
    # Erasure and retention overwrite text: freed space is zeroed, so a deleted name or note
    # is not left readable in the file's free pages.
    "PRAGMA secure_delete=ON",
)

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(key, value) VALUES ('data_version', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 2);

CREATE TABLE IF NOT EXISTS skills (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_names (
    node_id TEXT NOT NULL,
    kind TEXT NOT NULL,          -- 'skill' | 'cluster'
    name_cf TEXT NOT NULL,       -- graph.text.label_key of a label or alias
    is_label INTEGER NOT NULL,
    PRIMARY KEY (node_id, name_cf)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_names_by_name ON node_names(name_cf);

CREATE TABLE IF NOT EXISTS broader (
    child_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    PRIMARY KEY (child_id, parent_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS broader_by_parent ON broader(parent_id, child_id);

CREATE TABLE IF NOT EXISTS people (
    id TEXT PRIMARY KEY,
    manager_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS people_by_manager ON people(manager_id);

CREATE TABLE IF NOT EXISTS person_skills (
    person_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    willing INTEGER NOT NULL,
    PRIMARY KEY (person_id, skill_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS person_skills_by_skill ON person_skills(skill_id, person_id);

CREATE TABLE IF NOT EXISTS goals (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS goals_by_person ON goals(person_id);

CREATE TABLE IF NOT EXISTS goal_targets (
    goal_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    confidence REAL NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (goal_id, node_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS goal_targets_by_node ON goal_targets(node_id, goal_id);

CREATE TABLE IF NOT EXISTS pairings (
    id TEXT PRIMARY KEY,
    mentor_id TEXT NOT NULL,
    program TEXT,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pairings_by_mentor ON pairings(mentor_id);
CREATE TABLE IF NOT EXISTS pairing_mentees (
    pairing_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (pairing_id, person_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairing_mentees_by_person ON pairing_mentees(person_id);

CREATE TABLE IF NOT EXISTS programs (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS checkins (
    id TEXT PRIMARY KEY,
    pairing_id TEXT NOT NULL,
    on_date TEXT NOT NULL,       -- ISO date, sorts as text
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_by_pairing ON checkins(pairing_id, on_date, id);

CREATE TABLE IF NOT EXISTS taxonomy_changes (
    id TEXT PRIMARY KEY,
    at_us INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS taxonomy_changes_by_time ON taxonomy_changes(at_us, id);
CREATE TABLE IF NOT EXISTS taxonomy_change_nodes (
    change_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    PRIMARY KEY (change_id, node_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS taxonomy_change_nodes_by_node ON taxonomy_change_nodes(node_id);

CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit (
    id TEXT PRIMARY KEY,
    at_us INTEGER NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit(at_us, id);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit(actor, at_us, id);

CREATE TABLE IF NOT EXISTS changes (
    version INTEGER PRIMARY KEY, -- the data_version the apply left
    touched TEXT NOT NULL        -- graph.store.touched_to_json of its ops
);

CREATE TABLE IF NOT EXISTS cohort_runs (
    id TEXT PRIMARY KEY,
    published_at_us INTEGER,     -- NULL until published (the conditional update's guard)
    data TEXT NOT NULL
);
"""
