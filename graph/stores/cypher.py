"""Every Cypher statement the Neo4j store runs, as named, parameterised constants.

Values always travel as `$parameters`, never by string formatting. The few builders below
splice in only names and fragments fixed in this module (labels, WHERE fragments), never
user input. Statements keep to the subset of Cypher that both Neo4j 5 and ArcadeDB's Bolt
endpoint (Neo4j 5.26-compatible) accept; `tests/neo4j` and the contract suite run them on
ArcadeDB in CI, and `tests/test_cypher_lint.py` runs every one through Neo4j's own Cypher 5
parser and semantic checker. Patterns begin at the node an id binds
(`(:Goal {id: $id})<-[r]-(:Person)`, not `(:Person)-[r]->(:Goal {id: $id})`): ArcadeDB
expands from the leftmost node, so the other way round scans every node of the first label.

Index use (docs/neo4j.md): lists page by keyset on the indexed `id` (`n.id > $after ...
ORDER BY n.id LIMIT`), never `a > x OR (a = x AND ...)`; an optional filter gets its own
statement variant rather than `$x IS NULL OR n.p = $x` (which hides the index from the
planner); `IS NOT NULL` on the ordering key lets the index supply the order.

Graph shape:
    (:Skill:TaxonomyNode), (:SkillCluster:TaxonomyNode)  -- one id space for both kinds
    (child:TaxonomyNode)-[:BROADER]->(parent:TaxonomyNode)  -- skill or cluster under a
        cluster, or a skill under a broader skill (never a cluster under a skill)
    (:Person)-[:HAS_SKILL {level, willing_to_mentor}]->(:Skill)
    (:Person)-[:REPORTS_TO]->(:Person)
    (:Person)-[:HAS_GOAL]->(:Goal)-[:TARGETS {confidence, source}]->(:TaxonomyNode)
    (:Person)-[:MENTOR]->(:Pairing)<-[:MENTEE]-(:Person), (:Pairing)-[:FOR_GOAL]->(:Goal)
    (:Pairing)-[:HAS_CHECKIN]->(:CheckIn)
    (:TaxonomyChange), (:ApiKey), (:AuditEntry), (:Meta {id: 'meta', data_version})
"""

from __future__ import annotations

from typing import Final

# --- labels (the only names ever spliced into statements) -----------------------------------

SKILL: Final = "Skill"
CLUSTER: Final = "SkillCluster"
TAXONOMY_NODE: Final = "TaxonomyNode"
PERSON: Final = "Person"
GOAL: Final = "Goal"
PAIRING: Final = "Pairing"
CHECKIN: Final = "CheckIn"
PROGRAM: Final = "Program"
TAXONOMY_CHANGE: Final = "TaxonomyChange"
API_KEY: Final = "ApiKey"
AUDIT_ENTRY: Final = "AuditEntry"
META: Final = "Meta"
COHORT_RUN: Final = "CohortRun"
CHANGE: Final = "Change"

ID_LABELS: Final = (
    SKILL,
    CLUSTER,
    TAXONOMY_NODE,
    PERSON,
    GOAL,
    PAIRING,
    CHECKIN,
    PROGRAM,
    TAXONOMY_CHANGE,
    API_KEY,
    AUDIT_ENTRY,
    META,
    COHORT_RUN,
)
_NODE_LABELS: Final = frozenset(
    {*ID_LABELS, f"{SKILL}:{TAXONOMY_NODE}", f"{CLUSTER}:{TAXONOMY_NODE}"}
)


def _label(label: str) -> str:
    if label not in _NODE_LABELS:
        raise ValueError(f"not a mentorgraph label: {label!r}")
    return label


# --- schema ---------------------------------------------------------------------------------


def _unique(label: str, prop: str = "id") -> str:
    name = f"{label.lower()}_{prop}_unique"
    return f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"


def _index(label: str, prop: str) -> str:
    name = f"{label.lower()}_{prop}"
    return f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"


CONSTRAINTS: Final = (*(_unique(label) for label in ID_LABELS), _unique(API_KEY, "key_hash"))
INDEXES: Final = (
    _index(GOAL, "person_id"),
    _index(PAIRING, "mentor_id"),
    _index(PAIRING, "program"),
    _index(PAIRING, "status"),
    _index(CHECKIN, "pairing_id"),
    _index(TAXONOMY_CHANGE, "at_key"),
    _index(AUDIT_ENTRY, "at_key"),
    _index(AUDIT_ENTRY, "actor"),
    _index(CHANGE, "version"),  # the change log, keyed by data version
)
SHOW_CONSTRAINTS: Final = "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN *"
SHOW_INDEXES: Final = "SHOW INDEXES YIELD name, labelsOrTypes, properties, state RETURN *"
# Waits (at most 300 s) until every index is ONLINE. Neo4j builds new indexes in the
# background; ArcadeDB builds them inside CREATE INDEX and has no such procedure.
AWAIT_INDEXES: Final = "CALL db.awaitIndexes(300)"

PING: Final = "RETURN 1 AS one"
WIPE: Final = "MATCH (n) DETACH DELETE n"

# --- meta -----------------------------------------------------------------------------------

BUMP_DATA_VERSION: Final = (
    "MERGE (m:Meta {id: 'meta'}) "
    "ON CREATE SET m.data_version = 1 "
    "ON MATCH SET m.data_version = coalesce(m.data_version, 0) + 1 "
    "RETURN m.data_version AS v"
)
# The kind of label keys taxonomy nodes carry (label_key, search_keys): 1 = graph.text.label_key
# (stores written before kept casefold() and have no label_key_version on Meta). ENSURE_META
# takes it as $label_keys: a new store starts with current keys.
LABEL_KEYS: Final = 1
ENSURE_META: Final = (
    "MERGE (m:Meta {id: 'meta'}) "
    "ON CREATE SET m.data_version = 0, m.label_key_version = $label_keys "
    "RETURN m.data_version AS v"
)
DATA_VERSION: Final = "MATCH (m:Meta {id: 'meta'}) RETURN m.data_version AS v"

# A batched apply (more rows than one write transaction takes) is recorded while it runs:
# created in its first small transaction, deleted in its last (with the version bump). One
# left behind means an apply was interrupted; re-running the same command finishes it.
START_PENDING_APPLY: Final = (
    "MERGE (a:PendingApply {id: $id}) SET a.what = $what, a.started = $started, a.ops = $ops"
)
FINISH_PENDING_APPLY: Final = (  # $bump: 1, or 0 for an apply of audit entries/keys alone
    "MATCH (a:PendingApply) WHERE a.what = $what DELETE a "
    "WITH count(*) AS done "
    "MERGE (m:Meta {id: 'meta'}) "
    "ON CREATE SET m.data_version = $bump "
    "ON MATCH SET m.data_version = coalesce(m.data_version, 0) + $bump "
    "RETURN m.data_version AS v, done"
)
PENDING_APPLIES: Final = (
    "MATCH (a:PendingApply) RETURN a.id AS id, a.what AS what, a.started AS started "
    "ORDER BY started, id"
)

# --- generic node statements ----------------------------------------------------------------


def existing_ids(label: str) -> str:
    """Rows {id} for the ids in $ids that exist under `label`."""
    return f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) RETURN n.id AS id"


def upsert_nodes(label: str) -> str:
    """Replace the whole property map of each node in $rows (created if missing)."""
    return f"UNWIND $rows AS row MERGE (n:{_label(label)} {{id: row.id}}) SET n = row"


def get_node(label: str) -> str:
    return f"MATCH (n:{_label(label)} {{id: $id}}) RETURN properties(n) AS p"


def page_nodes(label: str) -> str:
    """Keyset page: at most $limit nodes of `label` with id > $after, by id (index range)."""
    return (
        f"MATCH (n:{_label(label)}) WHERE n.id > $after "
        "RETURN properties(n) AS p ORDER BY n.id LIMIT $limit"
    )


def all_nodes(label: str) -> str:
    """Every node of `label`, by id (the id index supplies the order)."""
    return (
        f"MATCH (n:{_label(label)}) WHERE n.id IS NOT NULL RETURN properties(n) AS p ORDER BY n.id"
    )


def offset_page(label: str) -> str:
    """The page at $offset (only for a jump to an offset no earlier page ended at): the id
    index supplies the order, so SKIP passes over index entries, not a sorted label scan."""
    return (
        f"MATCH (n:{_label(label)}) WHERE n.id IS NOT NULL "
        "WITH n ORDER BY n.id SKIP $offset LIMIT $limit RETURN properties(n) AS p"
    )


def count_nodes(label: str) -> str:
    return f"MATCH (n:{_label(label)}) RETURN count(n) AS c"


# --- taxonomy -------------------------------------------------------------------------------

TAXONOMY_KINDS: Final = (
    "UNWIND $ids AS id MATCH (n:TaxonomyNode {id: id}) RETURN n.id AS id, n.kind AS kind"
)


def page_skills(*, active_only: bool) -> str:
    """Keyset page of skills (id > $after, at most $limit), only active ones if asked."""
    active = " AND n.status = 'active'" if active_only else ""
    return (
        f"MATCH (n:Skill) WHERE n.id > $after{active} "
        "RETURN properties(n) AS p ORDER BY n.id LIMIT $limit"
    )


def offset_skills(*, active_only: bool) -> str:
    """The skills page at $offset (see `offset_page`)."""
    active = " AND n.status = 'active'" if active_only else ""
    return (
        f"MATCH (n:Skill) WHERE n.id IS NOT NULL{active} "
        "WITH n ORDER BY n.id SKIP $offset LIMIT $limit RETURN properties(n) AS p"
    )


LIST_CLUSTERS: Final = (
    "MATCH (n:SkillCluster) WHERE $include_deprecated OR n.status = 'active' "
    "RETURN properties(n) AS p ORDER BY n.id"
)
PARENTS: Final = (
    "MATCH (:TaxonomyNode {id: $id})-[:BROADER]->(p:TaxonomyNode) "
    "RETURN properties(p) AS p ORDER BY p.id"
)
CHILDREN: Final = (
    "MATCH (:TaxonomyNode {id: $id})<-[:BROADER]-(c:TaxonomyNode) "
    "RETURN properties(c) AS p ORDER BY c.id"
)
ALL_BROADER: Final = (
    "MATCH (c:TaxonomyNode)-[:BROADER]->(p:TaxonomyNode) "
    "RETURN c.id AS child_id, p.id AS parent_id ORDER BY child_id, parent_id"
)
BROADER_AROUND: Final = (
    "MATCH (c:TaxonomyNode)-[:BROADER]->(p:TaxonomyNode) WHERE p.id IN $ids "
    "RETURN c.id AS child_id, p.id AS parent_id ORDER BY child_id, parent_id"
)
# The cycle check, bounded: every cycle an apply closes runs through a changed child, so a
# cycle of up to MAX_BROADER_DEPTH edges is found by BROADER_CYCLES and a longer one leaves
# a MAX_BROADER_DEPTH-edge walk upwards from that child, found by BROADER_TOO_DEEP. (The
# bound is written out, as Cypher takes no parameter there; a test holds it equal to
# graph.store.MAX_BROADER_DEPTH.)
BROADER_CYCLES: Final = (
    "UNWIND $ids AS id MATCH (c:TaxonomyNode {id: id})-[:BROADER*1..50]->(c) "
    "RETURN DISTINCT c.id AS id"
)
BROADER_TOO_DEEP: Final = (
    "UNWIND $ids AS id MATCH (c:TaxonomyNode {id: id})-[:BROADER*50]->"
    "(:TaxonomyNode) RETURN DISTINCT c.id AS id"
)
FIND_BY_LABEL: Final = (
    "MATCH (n:TaxonomyNode) WHERE $key IN n.search_keys RETURN properties(n) AS p ORDER BY n.id"
)
SEARCH_TAXONOMY: Final = (
    "MATCH (n:TaxonomyNode) WHERE any(k IN n.search_keys WHERE k CONTAINS $key) "
    "WITH n, CASE WHEN n.label_key CONTAINS $key THEN 0 ELSE 1 END AS rank "
    "RETURN properties(n) AS p, rank, n.id AS id ORDER BY rank, id LIMIT $limit"
)
ADD_BROADER: Final = (
    "UNWIND $rows AS row "
    "MATCH (c:TaxonomyNode {id: row.child_id}) MATCH (p:TaxonomyNode {id: row.parent_id}) "
    "MERGE (c)-[:BROADER]->(p)"
)
REMOVE_BROADER: Final = (
    "UNWIND $rows AS row "
    "MATCH (:TaxonomyNode {id: row.child_id})-[r:BROADER]->(:TaxonomyNode {id: row.parent_id}) "
    "DELETE r"
)
# Which label keys the stored taxonomy nodes carry (see LABEL_KEYS; 0 = older casefold()).
LABEL_KEY_VERSION: Final = (
    "MATCH (m:Meta {id: 'meta'}) RETURN coalesce(m.label_key_version, 0) AS v"
)
SET_LABEL_KEYS: Final = (
    "UNWIND $rows AS row MATCH (n:TaxonomyNode {id: row.id}) "
    "SET n.label_key = row.label_key, n.search_keys = row.search_keys"
)
SET_LABEL_KEY_VERSION: Final = (
    "MATCH (m:Meta {id: 'meta'}) SET m.label_key_version = $v RETURN m.label_key_version AS v"
)

# --- people ---------------------------------------------------------------------------------

# People who have not left (no left_on property: None values are not stored).
PRESENT_PEOPLE_PAGE: Final = (
    "MATCH (n:Person) WHERE n.id > $after AND n.left_on IS NULL "
    "RETURN properties(n) AS p ORDER BY n.id LIMIT $limit"
)
PRESENT_PEOPLE_OFFSET: Final = (
    "MATCH (n:Person) WHERE n.id IS NOT NULL AND n.left_on IS NULL "
    "WITH n ORDER BY n.id SKIP $offset LIMIT $limit RETURN properties(n) AS p"
)
COUNT_PRESENT_PEOPLE: Final = "MATCH (n:Person) WHERE n.left_on IS NULL RETURN count(n) AS c"
DELETE_PEOPLE: Final = "UNWIND $ids AS id MATCH (p:Person {id: id}) DETACH DELETE p"
CLEAR_REPORTS_TO: Final = (
    "UNWIND $ids AS id MATCH (:Person {id: id})-[r:REPORTS_TO]->(:Person) DELETE r"
)
LINK_REPORTS_TO: Final = (
    "UNWIND $rows AS row MATCH (p:Person {id: row.id}) MATCH (m:Person {id: row.manager_id}) "
    "MERGE (p)-[:REPORTS_TO]->(m)"
)
REPORTS_OF: Final = (
    "MATCH (:Person {id: $id})<-[:REPORTS_TO]-(p:Person) RETURN p.id AS id ORDER BY id"
)
_PERSON_SKILL_COLUMNS: Final = (
    "RETURN p.id AS person_id, s.id AS skill_id, r.level AS level, "
    "r.willing_to_mentor AS willing_to_mentor"
)
UPSERT_PERSON_SKILLS: Final = (
    "UNWIND $rows AS row "
    "MATCH (p:Person {id: row.person_id}) MATCH (s:Skill {id: row.skill_id}) "
    "MERGE (p)-[r:HAS_SKILL]->(s) "
    "SET r.level = row.level, r.willing_to_mentor = row.willing_to_mentor"
)
REMOVE_PERSON_SKILLS: Final = (
    "UNWIND $rows AS row "
    "MATCH (:Person {id: row.person_id})-[r:HAS_SKILL]->(:Skill {id: row.skill_id}) DELETE r"
)
PERSON_SKILLS: Final = (
    "MATCH (p:Person {id: $id})-[r:HAS_SKILL]->(s:Skill) "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY skill_id"
)
HOLDERS_OF: Final = (
    "MATCH (s:Skill {id: $id})<-[r:HAS_SKILL]-(p:Person) "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY person_id"
)
HOLDERS_OF_ANY: Final = (
    "MATCH (p:Person)-[r:HAS_SKILL]->(s:Skill) WHERE s.id IN $ids "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY person_id, skill_id"
)
# HAS_SKILL in (person, skill) order, by keyset: the rest of the person a page ended inside
# (an id seek), then people after it (an id range; the index supplies the person order).
PERSON_SKILLS_REST: Final = (
    "MATCH (p:Person {id: $after_person})-[r:HAS_SKILL]->(s:Skill) WHERE s.id > $after_skill "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY skill_id LIMIT $limit"
)
PERSON_SKILLS_AFTER: Final = (
    "MATCH (p:Person) WHERE p.id > $after_person "
    "MATCH (p)-[r:HAS_SKILL]->(s:Skill) "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY person_id, skill_id LIMIT $limit"
)

# --- goals ----------------------------------------------------------------------------------

CLEAR_HAS_GOAL: Final = "UNWIND $ids AS id MATCH (:Goal {id: id})<-[r:HAS_GOAL]-(:Person) DELETE r"
LINK_HAS_GOAL: Final = (
    "UNWIND $rows AS row MATCH (p:Person {id: row.person_id}) MATCH (g:Goal {id: row.id}) "
    "MERGE (p)-[:HAS_GOAL]->(g)"
)
DELETE_GOALS: Final = "UNWIND $ids AS id MATCH (g:Goal {id: id}) DETACH DELETE g"
GOALS_OF: Final = (
    "MATCH (:Person {id: $id})-[:HAS_GOAL]->(g:Goal) RETURN properties(g) AS p ORDER BY g.id"
)
CLEAR_TARGETS: Final = "MATCH (:Goal {id: $goal_id})-[r:TARGETS]->() DELETE r"
UPSERT_TARGETS: Final = (
    "UNWIND $rows AS row "
    "MATCH (g:Goal {id: row.goal_id}) MATCH (n:TaxonomyNode {id: row.node_id}) "
    "MERGE (g)-[r:TARGETS]->(n) SET r.confidence = row.confidence, r.source = row.source"
)
REMOVE_TARGETS_TO: Final = "MATCH (:TaxonomyNode {id: $id})<-[r:TARGETS]-(:Goal) DELETE r"
_TARGET_COLUMNS: Final = (
    "RETURN g.id AS goal_id, n.id AS node_id, r.confidence AS confidence, r.source AS source"
)
GOAL_TARGETS: Final = (
    "MATCH (g:Goal {id: $id})-[r:TARGETS]->(n:TaxonomyNode) "
    f"{_TARGET_COLUMNS} ORDER BY confidence DESC, node_id"
)
TARGETS_OF_NODE: Final = (
    f"MATCH (n:TaxonomyNode {{id: $id}})<-[r:TARGETS]-(g:Goal) {_TARGET_COLUMNS} ORDER BY goal_id"
)
TARGETS_OF_ANY: Final = (
    "MATCH (g:Goal)-[r:TARGETS]->(n:TaxonomyNode) WHERE n.id IN $ids "
    f"{_TARGET_COLUMNS} ORDER BY goal_id, node_id"
)
ALL_GOAL_TARGETS: Final = (
    f"MATCH (g:Goal)-[r:TARGETS]->(n:TaxonomyNode) {_TARGET_COLUMNS} ORDER BY goal_id, node_id"
)

# --- pairings and check-ins -----------------------------------------------------------------

CLEAR_PAIRING_PEOPLE: Final = (
    "UNWIND $ids AS id MATCH (:Pairing {id: id})<-[r:MENTOR|MENTEE]-(:Person) DELETE r"
)
CLEAR_PAIRING_GOALS: Final = (
    "UNWIND $ids AS id MATCH (:Pairing {id: id})-[r:FOR_GOAL]->(:Goal) DELETE r"
)
LINK_PAIRINGS: Final = (
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.id}) MATCH (m:Person {id: row.mentor_id}) "
    "MERGE (m)-[:MENTOR]->(p) "
    "WITH p, row UNWIND row.mentee_ids AS mentee_id MATCH (e:Person {id: mentee_id}) "
    "MERGE (e)-[:MENTEE]->(p)"
)
LINK_PAIRING_GOALS: Final = (
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.id}) "
    "UNWIND row.goal_ids AS goal_id MATCH (g:Goal {id: goal_id}) MERGE (p)-[:FOR_GOAL]->(g)"
)
PAIRING_FILTERS: Final = ("mentor_id", "mentee_id", "person_id", "program", "statuses")
_PAIRING_ANCHORS: Final = {
    "mentor_id": "MATCH (p:Pairing {mentor_id: $mentor_id})",
    "mentee_id": "MATCH (:Person {id: $mentee_id})-[:MENTEE]->(p:Pairing)",
    "person_id": "MATCH (:Person {id: $person_id})-[:MENTOR|MENTEE]->(p:Pairing)",
    "program": "MATCH (p:Pairing {program: $program})",
    "statuses": "MATCH (p:Pairing) WHERE p.status IN $statuses",
}
_PAIRING_CONDITIONS: Final = {
    "mentor_id": "p.mentor_id = $mentor_id",
    "mentee_id": "$mentee_id IN p.mentee_ids",
    "person_id": "(p.mentor_id = $person_id OR $person_id IN p.mentee_ids)",
    "program": "p.program = $program",
    "statuses": "p.status IN $statuses",
}


def list_pairings(filters: frozenset[str]) -> str:
    """Pairings matching every named filter (names from PAIRING_FILTERS; values are the
    same-named parameters), by id. One statement per filter set: the first filter in
    PAIRING_FILTERS order anchors the match (an index seek or an anchored person), the rest
    are plain conditions; no filter lists every pairing."""
    unknown = filters - set(PAIRING_FILTERS)
    if unknown:
        raise ValueError(f"not a pairing filter: {sorted(unknown)}")
    given = [f for f in PAIRING_FILTERS if f in filters]
    if not given:
        return "MATCH (p:Pairing) RETURN properties(p) AS p ORDER BY p.id"
    anchor, rest = given[0], given[1:]
    match = _PAIRING_ANCHORS[anchor]
    conditions = " AND ".join(_PAIRING_CONDITIONS[f] for f in rest)
    where = ""
    if conditions:
        where = f" AND {conditions}" if " WHERE " in match else f" WHERE {conditions}"
    distinct = " WITH DISTINCT p" if anchor == "person_id" else ""
    return f"{match}{where}{distinct} RETURN properties(p) AS p ORDER BY p.id"


CLEAR_CHECKIN_LINKS: Final = (
    "UNWIND $ids AS id MATCH (:CheckIn {id: id})<-[r:HAS_CHECKIN]-(:Pairing) DELETE r"
)
LINK_CHECKINS: Final = (
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.pairing_id}) MATCH (c:CheckIn {id: row.id}) "
    "MERGE (p)-[:HAS_CHECKIN]->(c)"
)
CHECKINS: Final = (
    "MATCH (:Pairing {id: $id})-[:HAS_CHECKIN]->(c:CheckIn) "
    "RETURN properties(c) AS p ORDER BY c.`on`, c.id"
)
ALL_CHECKINS: Final = (
    "MATCH (c:CheckIn) RETURN properties(c) AS p ORDER BY c.pairing_id, c.`on`, c.id"
)

# --- history, keys, audit -------------------------------------------------------------------

# Newest first: `at_key IS NOT NULL` lets the at_key index supply the order (a backwards
# index scan that stops at $limit rows) instead of sorting the label.
TAXONOMY_CHANGES: Final = (
    "MATCH (t:TaxonomyChange) WHERE t.at_key IS NOT NULL "
    "RETURN properties(t) AS p ORDER BY t.at_key DESC, t.id DESC LIMIT $limit"
)
TAXONOMY_CHANGES_OF_NODE: Final = (
    "MATCH (t:TaxonomyChange) WHERE t.at_key IS NOT NULL AND $node_id IN t.node_ids "
    "RETURN properties(t) AS p ORDER BY t.at_key DESC, t.id DESC LIMIT $limit"
)
COUNT_TAXONOMY_CHANGES: Final = (
    "MATCH (t:TaxonomyChange) WHERE t.at_key IS NOT NULL RETURN count(t) AS c"
)
COUNT_TAXONOMY_CHANGES_OF_NODE: Final = (
    "MATCH (t:TaxonomyChange) WHERE t.at_key IS NOT NULL AND $node_id IN t.node_ids "
    "RETURN count(t) AS c"
)
API_KEY_BY_HASH: Final = "MATCH (k:ApiKey {key_hash: $key_hash}) RETURN properties(k) AS p"
API_KEY_HASH_OWNERS: Final = (
    "UNWIND $hashes AS h MATCH (k:ApiKey {key_hash: h}) RETURN h AS key_hash, k.id AS id"
)
APPEND_AUDIT: Final = "UNWIND $rows AS row CREATE (a:AuditEntry) SET a = row"
REPLACE_AUDIT: Final = "UNWIND $rows AS row MATCH (a:AuditEntry {id: row.id}) SET a = row"
AUDIT_PAGE: Final = (
    "MATCH (a:AuditEntry) WHERE a.id > $after RETURN properties(a) AS p ORDER BY a.id LIMIT $limit"
)
LIST_AUDIT: Final = (
    "MATCH (a:AuditEntry) WHERE a.at_key IS NOT NULL "
    "RETURN properties(a) AS p ORDER BY a.at_key DESC, a.id DESC LIMIT $limit"
)
LIST_AUDIT_BY_ACTOR: Final = (
    "MATCH (a:AuditEntry {actor: $actor}) "
    "RETURN properties(a) AS p ORDER BY a.at_key DESC, a.id DESC LIMIT $limit"
)

# --- cohort runs ------------------------------------------------------------------------------

PUT_COHORT_RUNS: Final = "UNWIND $rows AS row CREATE (r:CohortRun) SET r = row"
DELETE_COHORT_RUNS: Final = "MATCH (r:CohortRun) DELETE r"
GET_COHORT_RUN: Final = "MATCH (r:CohortRun {id: $id}) RETURN properties(r) AS p"
# Run inside an apply that bumped the data version first: the write lock on the Meta node
# serialises publishes, so the state read here is the last committed one.
MARK_COHORT_RUN_PUBLISHED: Final = (
    "MATCH (r:CohortRun {id: $id}) WHERE r.published_at IS NULL "
    "SET r.published_at = $at, r.published_by = $by RETURN r.id AS id"
)

# --- change log -------------------------------------------------------------------------------

# What the apply that left data version $version touched (graph.store.touched_to_json), and
# the log pruned to the last $keep versions. Runs in the transaction that moved the version.
LOG_CHANGE: Final = (
    "CREATE (c:Change {version: $version, touched: $touched}) "
    "WITH c MATCH (old:Change) WHERE old.version <= $version - $keep DELETE old"
)
CLEAR_CHANGES: Final = "MATCH (c:Change) DELETE c"
CHANGES_SINCE: Final = (
    "MATCH (c:Change) WHERE c.version > $version "
    "RETURN c.version AS version, c.touched AS touched ORDER BY c.version"
)
