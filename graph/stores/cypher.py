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
    (child:TaxonomyNode)-[:BROADER]->(parent:SkillCluster)
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
ENSURE_META: Final = (
    "MERGE (m:Meta {id: 'meta'}) ON CREATE SET m.data_version = 0 RETURN m.data_version AS v"
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
    "MATCH (:TaxonomyNode {id: $id})-[:BROADER]->(p:SkillCluster) "
    "RETURN properties(p) AS p ORDER BY p.id"
)
CHILDREN: Final = (
    "MATCH (:SkillCluster {id: $id})<-[:BROADER]-(c:TaxonomyNode) "
    "RETURN properties(c) AS p ORDER BY c.id"
)
ALL_BROADER: Final = (
    "MATCH (c:TaxonomyNode)-[:BROADER]->(p:SkillCluster) "
    "RETURN c.id AS child_id, p.id AS parent_id ORDER BY child_id, parent_id"
)
BROADER_AROUND: Final = (
    "MATCH (c:TaxonomyNode)-[:BROADER]->(p:SkillCluster) WHERE p.id IN $ids "
    "RETURN c.id AS child_id, p.id AS parent_id ORDER BY child_id, parent_id"
)
BROADER_CYCLES: Final = (
    "UNWIND $ids AS id MATCH (c:SkillCluster {id: id})-[:BROADER*1..]->(c) "
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
    "MATCH (c:TaxonomyNode {id: row.child_id}), (p:SkillCluster {id: row.parent_id}) "
    "MERGE (c)-[:BROADER]->(p)"
)
REMOVE_BROADER: Final = (
    "UNWIND $rows AS row "
    "MATCH (:TaxonomyNode {id: row.child_id})-[r:BROADER]->(:SkillCluster {id: row.parent_id}) "
    "DELETE r"
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

# --- mentor ranking in Cypher (the benchmark's comparison for graph.recommend) ---------------
#
# One mentee's top-$k mentors, the graph.recommend formulas written as one query. Every number
# comes in as a parameter built from graph.recommend.scoring / skill_fit (Neo4jStore.
# rank_mentors_cypher), so the constants live in one place.
#
# Skill fit: from each TARGETS node climb at most 2 BROADER steps to `via`, then descend to a
# skill; the fewest steps over all routes (`hops` <= 4) give credit $credits[hops] (1.0, 1.0,
# 0.6, 0.36, 0.216). A willing mentor skill held above the mentee's own level of that skill is
# worth confidence * credit * $level_factors[level]; a goal's fit is the best such value and
# the goals combine as (best + $goal_bonus * others) / (1 + $goal_bonus * (open goals - 1)).
#
# Guardrails: not the mentee or $exclude; not the manager or skip-level manager, nor direct or
# skip-level reports (REPORTS_TO, which mirrors manager_id, 1..2 steps either way); nobody the
# mentee shares a do_not_pair_again pairing with; no mentor already in an open pairing with the
# mentee; only is_mentor, not opt_out_recommend, max_mentees > 0; a free place and the mentee's
# hours_wanted_per_month free (open pairings as mentor); a common language when asked.
#
# Score: ($w_fit * skill_fit + $w_capacity * capacity + $w_feedback * feedback + $w_assumed)
# / $w_total, halved ($declined_factor) after a declined proposal; capacity and feedback as in
# scoring.py (load of places and hours, exposure to pairings created since $since, Bayesian
# check-in average). NOT evaluated here: availability overlap (weekly windows, exceptions and
# time zones are JSON on the Person node and the overlap needs a slot grid: impractical in
# Cypher) and the preference checks, model and format filters (also inside JSON). They are
# taken as fully met: their weights go into $w_assumed, so scores equal the fast path's exactly
# when everyone overlaps enough and no preference rules anyone out. The route limits (up 2,
# 4 hops in all: skill_fit.MAX_UP, MAX_HOPS) are written into the patterns, since
# variable-length bounds cannot be parameters. (ArcadeDB refuses an aggregate mixed with a
# grouping key in one expression, hence the extra WITH steps. Patterns start from the node
# already bound: ArcadeDB plans `(s:Skill)-[*]->(via)` as a scan of every skill, ~200x slower.)
RANK_MENTORS: Final = (
    "MATCH (me:Person {id: $mentee_id}) "
    "OPTIONAL MATCH (me)-[:REPORTS_TO*1..2]->(boss:Person) "
    "WITH me, collect(DISTINCT boss.id) AS bosses "
    "OPTIONAL MATCH (me)<-[:REPORTS_TO*1..2]-(report:Person) "
    "WITH me, bosses, collect(DISTINCT report.id) AS reports "
    "WITH me, bosses + reports AS chain "
    "OPTIONAL MATCH (me)-[:MENTOR|MENTEE]->(pp:Pairing)<-[:MENTOR|MENTEE]-(other:Person) "
    "WHERE other.id <> me.id "
    "WITH me, chain, "
    "collect(DISTINCT CASE WHEN pp.do_not_pair_again = true "
    "OR (pp.mentor_id = other.id AND pp.status IN $open_statuses) THEN other.id END) AS blocked, "
    "collect(DISTINCT CASE WHEN pp.mentor_id = other.id AND pp.status = 'declined' "
    "THEN other.id END) AS declined "
    "WITH me, chain + blocked + $exclude + [me.id] AS excluded, declined, "
    "[l IN coalesce(me.languages, []) | toLower(l)] AS my_langs "
    "MATCH (me)-[:HAS_GOAL]->(g:Goal) WHERE g.status = 'open' "
    "WITH me, excluded, declined, my_langs, collect(g) AS goals "
    "WITH me, excluded, declined, my_langs, goals, size(goals) AS n_goals "
    "UNWIND goals AS g "
    "MATCH (g)-[t:TARGETS]->(target:TaxonomyNode) "
    "MATCH up = (target)-[:BROADER*0..2]->(via:TaxonomyNode) "
    "MATCH down = (via)<-[:BROADER*0..4]-(s:Skill) "
    "WHERE length(up) + length(down) <= 4 "
    "WITH me, excluded, declined, my_langs, n_goals, g, target, t.confidence AS conf, s, "
    "min(length(up) + length(down)) AS hops "
    "OPTIONAL MATCH (me)-[mine:HAS_SKILL]->(s) "
    "WITH me, excluded, declined, my_langs, n_goals, g, s, conf * $credits[hops] AS weight, "
    "coalesce(mine.level, 0) AS floor "
    "MATCH (s)<-[h:HAS_SKILL]-(m:Person) "
    "WHERE h.willing_to_mentor = true AND (NOT $level_rule OR h.level > floor) "
    "AND m.is_mentor = true AND coalesce(m.opt_out_recommend, false) = false "
    "AND m.max_mentees > 0 AND NOT m.id IN excluded "
    "WITH me, declined, my_langs, n_goals, g, m, max(weight * $level_factors[h.level]) AS fit "
    "WITH me, declined, my_langs, n_goals, m, collect(fit) AS fits "
    "WITH me, declined, my_langs, n_goals, m, fits, "
    "reduce(b = 0.0, f IN fits | CASE WHEN f > b THEN f ELSE b END) AS best "
    "WHERE best > 0 AND (NOT $require_language OR size(my_langs) = 0 "
    "OR size(coalesce(m.languages, [])) = 0 "
    "OR any(l IN m.languages WHERE toLower(l) IN my_langs)) "
    "WITH me, declined, m, (best + $goal_bonus * (reduce(a = 0.0, f IN fits | a + f) - best)) "
    "/ (1 + $goal_bonus * (n_goals - 1)) AS skill_fit "
    "OPTIONAL MATCH (m)-[:MENTOR]->(p:Pairing) "
    "WITH me, declined, m, skill_fit, "
    "sum(CASE WHEN p.status IN $open_statuses THEN size(p.mentee_ids) ELSE 0 END) AS places, "
    "sum(CASE WHEN p.status IN $open_statuses THEN toFloat(p.hours_per_month) ELSE 0.0 END) "
    "AS hours, "
    "sum(CASE WHEN p IS NOT NULL AND datetime(p.created_at) >= datetime($since) "
    "THEN 1 ELSE 0 END) AS recent "
    "WHERE places + 1 <= m.max_mentees "
    "AND hours + toFloat(me.hours_wanted_per_month) <= toFloat(m.max_hours_per_month) + $eps "
    "OPTIONAL MATCH (m)-[:MENTOR]->(:Pairing)-[:HAS_CHECKIN]->(c:CheckIn) "
    "WITH declined, m, skill_fit, places, hours, recent, "
    "toFloat(sum(coalesce(c.rating, 0))) AS fb_sum, count(c) AS fb_n "
    "WITH declined, m, skill_fit, recent, fb_sum, fb_n, "
    "toFloat(places) / m.max_mentees AS load_places, "
    "CASE WHEN m.max_hours_per_month > 0 THEN hours / m.max_hours_per_month "
    "WHEN hours > 0 THEN 1.0 ELSE 0.0 END AS load_hours "
    "WITH declined, m, skill_fit, fb_sum, fb_n, "
    "(1.0 - CASE WHEN load_places > load_hours THEN "
    "CASE WHEN load_places > 1.0 THEN 1.0 ELSE load_places END "
    "ELSE CASE WHEN load_hours > 1.0 THEN 1.0 ELSE load_hours END END) "
    "/ (1.0 + $exposure_step * recent) AS capacity "
    "WITH m, skill_fit, capacity, "
    "((($prior_weight * $prior_rating + fb_sum) / ($prior_weight + fb_n)) - 1.0) / 4.0 "
    "AS feedback, "
    "CASE WHEN m.id IN declined THEN $declined_factor ELSE 1.0 END AS pair_factor "
    "RETURN m.id AS mentor_id, "
    "($w_fit * skill_fit + $w_capacity * capacity + $w_feedback * feedback + $w_assumed) "
    "/ $w_total * pair_factor AS score "
    "ORDER BY score DESC, mentor_id LIMIT $k"
)
# Why RANK_MENTORS found nobody: an unknown mentee, no open goals, or goals without targets.
RANK_MENTORS_PRECHECK: Final = (
    "OPTIONAL MATCH (me:Person {id: $mentee_id}) "
    "OPTIONAL MATCH (me)-[:HAS_GOAL]->(g:Goal) WHERE g.status = 'open' "
    "OPTIONAL MATCH (g)-[t:TARGETS]->(:TaxonomyNode) "
    "RETURN count(DISTINCT me) AS people, count(DISTINCT g) AS goals, count(t) AS targets"
)
