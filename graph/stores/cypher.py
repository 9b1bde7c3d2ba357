"""Every Cypher statement the Neo4j store runs, as named, parameterised constants.

Values always travel as `$parameters`, never by string formatting. The few builders below
splice in only names from the fixed tuples in this module (labels, a LIMIT clause), never
user input. Statements keep to the subset of Cypher that both Neo4j 5 and ArcadeDB's Bolt
endpoint (Neo4j 5.26-compatible) accept; `tests/neo4j` and the contract suite run them on
ArcadeDB in CI. Patterns begin at the node an id binds (`(:Goal {id: $id})<-[r]-(:Person)`,
not `(:Person)-[r]->(:Goal {id: $id})`): ArcadeDB expands from the leftmost node, so the
other way round scans every node of the first label.

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
TAXONOMY_CHANGE: Final = "TaxonomyChange"
API_KEY: Final = "ApiKey"
AUDIT_ENTRY: Final = "AuditEntry"
META: Final = "Meta"

ID_LABELS: Final = (
    SKILL,
    CLUSTER,
    TAXONOMY_NODE,
    PERSON,
    GOAL,
    PAIRING,
    CHECKIN,
    TAXONOMY_CHANGE,
    API_KEY,
    AUDIT_ENTRY,
    META,
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
    _index(CHECKIN, "pairing_id"),
    _index(TAXONOMY_CHANGE, "at_key"),
    _index(AUDIT_ENTRY, "at_key"),
    _index(AUDIT_ENTRY, "actor"),
)
SHOW_CONSTRAINTS: Final = "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN *"
SHOW_INDEXES: Final = "SHOW INDEXES YIELD name, labelsOrTypes, properties, state RETURN *"

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

# --- generic node statements ----------------------------------------------------------------


def existing_ids(label: str) -> str:
    """Rows {id} for the ids in $ids that exist under `label`."""
    return f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) RETURN n.id AS id"


def upsert_nodes(label: str) -> str:
    """Replace the whole property map of each node in $rows (created if missing)."""
    return f"UNWIND $rows AS row MERGE (n:{_label(label)} {{id: row.id}}) SET n = row"


def get_node(label: str) -> str:
    return f"MATCH (n:{_label(label)} {{id: $id}}) RETURN properties(n) AS p"


def _page(limited: bool) -> str:
    # No LIMIT at all when none is asked for: ArcadeDB reads LIMIT as a 32-bit int, so a
    # "huge number" stand-in overflows there.
    return " SKIP $offset LIMIT $limit" if limited else " SKIP $offset"


def list_nodes(label: str, *, limited: bool = False) -> str:
    """All nodes of `label` by id, from $offset, at most $limit if `limited`."""
    return f"MATCH (n:{_label(label)}) RETURN properties(n) AS p ORDER BY n.id{_page(limited)}"


def count_nodes(label: str) -> str:
    return f"MATCH (n:{_label(label)}) RETURN count(n) AS c"


# --- taxonomy -------------------------------------------------------------------------------

TAXONOMY_KINDS: Final = (
    "UNWIND $ids AS id MATCH (n:TaxonomyNode {id: id}) RETURN n.id AS id, n.kind AS kind"
)


def list_skills(*, limited: bool) -> str:
    return (
        "MATCH (n:Skill) WHERE $include_deprecated OR n.status = 'active' "
        f"RETURN properties(n) AS p ORDER BY n.id{_page(limited)}"
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
BROADER_CYCLES: Final = (
    "UNWIND $ids AS id MATCH (c:TaxonomyNode {id: id})-[:BROADER*1..]->(c) "
    "RETURN DISTINCT c.id AS id"
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
    "MATCH (c:TaxonomyNode {id: row.child_id}), (p:TaxonomyNode {id: row.parent_id}) "
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

CLEAR_REPORTS_TO: Final = (
    "UNWIND $ids AS id MATCH (:Person {id: id})-[r:REPORTS_TO]->(:Person) DELETE r"
)
LINK_REPORTS_TO: Final = (
    "UNWIND $rows AS row MATCH (p:Person {id: row.id}), (m:Person {id: row.manager_id}) "
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
    "MATCH (p:Person {id: row.person_id}), (s:Skill {id: row.skill_id}) "
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
PERSON_SKILLS_PAGE: Final = (
    "MATCH (p:Person)-[r:HAS_SKILL]->(s:Skill) "
    "WHERE p.id > $after_person OR (p.id = $after_person AND s.id > $after_skill) "
    f"{_PERSON_SKILL_COLUMNS} ORDER BY person_id, skill_id LIMIT $limit"
)

# --- goals ----------------------------------------------------------------------------------

CLEAR_HAS_GOAL: Final = "UNWIND $ids AS id MATCH (:Goal {id: id})<-[r:HAS_GOAL]-(:Person) DELETE r"
LINK_HAS_GOAL: Final = (
    "UNWIND $rows AS row MATCH (p:Person {id: row.person_id}), (g:Goal {id: row.id}) "
    "MERGE (p)-[:HAS_GOAL]->(g)"
)
DELETE_GOALS: Final = "UNWIND $ids AS id MATCH (g:Goal {id: id}) DETACH DELETE g"
GOALS_OF: Final = (
    "MATCH (:Person {id: $id})-[:HAS_GOAL]->(g:Goal) RETURN properties(g) AS p ORDER BY g.id"
)
CLEAR_TARGETS: Final = "MATCH (:Goal {id: $goal_id})-[r:TARGETS]->() DELETE r"
UPSERT_TARGETS: Final = (
    "UNWIND $rows AS row "
    "MATCH (g:Goal {id: row.goal_id}), (n:TaxonomyNode {id: row.node_id}) "
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
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.id}), (m:Person {id: row.mentor_id}) "
    "MERGE (m)-[:MENTOR]->(p) "
    "WITH p, row UNWIND row.mentee_ids AS mentee_id MATCH (e:Person {id: mentee_id}) "
    "MERGE (e)-[:MENTEE]->(p)"
)
LINK_PAIRING_GOALS: Final = (
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.id}) "
    "UNWIND row.goal_ids AS goal_id MATCH (g:Goal {id: goal_id}) MERGE (p)-[:FOR_GOAL]->(g)"
)
LIST_PAIRINGS: Final = (
    "MATCH (p:Pairing) "
    "WHERE ($mentor_id IS NULL OR p.mentor_id = $mentor_id) "
    "AND ($mentee_id IS NULL OR $mentee_id IN p.mentee_ids) "
    "AND ($person_id IS NULL OR p.mentor_id = $person_id OR $person_id IN p.mentee_ids) "
    "AND ($program IS NULL OR p.program = $program) "
    "AND ($statuses IS NULL OR p.status IN $statuses) "
    "RETURN properties(p) AS p ORDER BY p.id"
)
CLEAR_CHECKIN_LINKS: Final = (
    "UNWIND $ids AS id MATCH (:CheckIn {id: id})<-[r:HAS_CHECKIN]-(:Pairing) DELETE r"
)
LINK_CHECKINS: Final = (
    "UNWIND $rows AS row MATCH (p:Pairing {id: row.pairing_id}), (c:CheckIn {id: row.id}) "
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

TAXONOMY_CHANGES: Final = (
    "MATCH (t:TaxonomyChange) WHERE $node_id IS NULL OR $node_id IN t.node_ids "
    "RETURN properties(t) AS p ORDER BY t.at_key DESC, t.id DESC LIMIT $limit"
)
API_KEY_BY_HASH: Final = "MATCH (k:ApiKey {key_hash: $key_hash}) RETURN properties(k) AS p"
API_KEY_HASH_OWNER: Final = "MATCH (k:ApiKey {key_hash: $key_hash}) RETURN k.id AS id"
CREATE_AUDIT: Final = "CREATE (a:AuditEntry) SET a = $row"
LIST_AUDIT: Final = (
    "MATCH (a:AuditEntry) WHERE $actor IS NULL OR a.actor = $actor "
    "RETURN properties(a) AS p ORDER BY a.at_key DESC, a.id DESC LIMIT $limit"
)
