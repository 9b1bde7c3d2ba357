"""The mentor ranking written as one Cypher query, kept for tests and benchmarks only: the
comparison the Bolt tests and `benchmarks/bench_recommend_cypher.py` run against the fast
path in `graph.recommend`. The product ranks in memory; nothing in `graph/` uses this.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from graph.errors import InvalidInput, NotFound
from graph.recommend import scoring, skill_fit
from graph.recommend.scoring import Weights
from graph.stores.neo4j_store import Neo4jStore

# --- mentor ranking in Cypher (the benchmark's comparison for graph.recommend) ---------------
#
# One mentee's top-$k mentors, the graph.recommend formulas written as one query. Every number
# comes in as a parameter built from graph.recommend.scoring / skill_fit (Neo4jStore.
# rank_mentors_cypher), so the constants live in one place.
#
# Skill fit: from each TARGETS node climb at most 2 BROADER steps (`u`) to `via`, then descend
# (`d`) to a skill, 4 steps in all; each route's credit is skill_fit.route_credit: $exact for
# the skill itself (0 steps) and for a skill directly in a targeted group, $loose[u + d] for
# any route that climbs to a group of tier <= $top_tier (the size rule of
# skill_fit.is_broad_group, groups of more than BROAD_GROUP_SKILLS skills, is not written
# here: the twin's test taxonomy has no group that large), $adjacent for a skill one step from a
# skill target, $close at 2 steps, $loose[u + d] beyond; the best route counts. A willing
# mentor skill held above the mentee's own level of that skill is worth confidence * credit *
# $level_factors[level]; a goal's fit is the best such value and the goals combine as
# (best + $goal_bonus * others) / (1 + $goal_bonus * (open goals - 1)).
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
    "WITH me, excluded, declined, my_langs, n_goals, g, target, t.confidence AS conf, s, via, "
    "length(up) AS u, length(down) AS d "
    "WHERE u + d <= 4 "
    "WITH me, excluded, declined, my_langs, n_goals, g, target, conf, s, "
    "CASE WHEN u + d = 0 THEN $exact "
    "WHEN u >= 1 AND via.kind = 'cluster' AND via.tier <= $top_tier THEN $loose[u + d] "
    "WHEN u + d = 1 AND target.kind = 'skill' THEN $adjacent "
    "WHEN u + d = 1 THEN $exact "
    "WHEN u + d = 2 THEN $close "
    "ELSE $loose[u + d] END AS credit "
    "WITH me, excluded, declined, my_langs, n_goals, g, target, conf, s, "
    "max(credit) AS best_credit "
    "OPTIONAL MATCH (me)-[mine:HAS_SKILL]->(s) "
    "WITH me, excluded, declined, my_langs, n_goals, g, s, conf * best_credit AS weight, "
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


def rank_params(
    mentee_id: str,
    *,
    k: int,
    weights: Weights | None,
    exclude_mentor_ids: Sequence[str],
    require_common_language: bool,
    now: datetime,
) -> dict[str, Any]:
    """Parameters of `RANK_MENTORS`: every constant from graph.recommend itself."""
    w = weights or scoring.Weights()
    return {
        "mentee_id": mentee_id,
        "k": k,
        "exclude": list(exclude_mentor_ids),
        "require_language": require_common_language,
        "level_rule": True,  # one-to-one: mentors must hold the skill above the mentee
        "open_statuses": sorted(str(s) for s in scoring.OPEN_STATUSES),
        "exact": skill_fit.EXACT,
        "adjacent": skill_fit.ADJACENT_SKILL,
        "close": skill_fit.CLOSE,
        "loose": [skill_fit.loose_credit(h) for h in range(skill_fit.MAX_HOPS + 1)],
        "top_tier": skill_fit.TOP_TIER,
        "level_factors": [0.0, *(skill_fit.level_factor(lv) for lv in range(1, 6))],
        "goal_bonus": scoring.GOAL_BONUS,
        "eps": scoring.HOURS_EPS,
        "since": (now - scoring.EXPOSURE_WINDOW).isoformat(),
        "exposure_step": scoring.EXPOSURE_STEP,
        "prior_weight": scoring.PRIOR_WEIGHT,
        "prior_rating": scoring.PRIOR_RATING,
        "declined_factor": scoring.DECLINED_FACTOR,
        "w_fit": w.skill_fit,
        "w_capacity": w.capacity,
        "w_feedback": w.feedback,
        "w_assumed": w.availability + w.preferences,  # not evaluated in Cypher: taken as 1
        "w_total": w.total(),
    }


def rank_mentors_cypher(
    store: Neo4jStore,
    mentee_id: str,
    *,
    k: int = 10,
    weights: Weights | None = None,
    exclude_mentor_ids: Sequence[str] = (),
    require_common_language: bool = True,
    now: datetime | None = None,
) -> list[tuple[str, float]]:
    """One mentee's top-`k` (mentor id, score), best first, ranked by one Cypher query.

    The graph.recommend ranking (one-to-one model) written as `RANK_MENTORS`, for
    comparison with the fast path: same guardrails, skill fit, capacity and feedback, but
    availability overlap and preferences are not evaluated (taken as fully met; see the
    query's notes). Raises NotFound (unknown mentee) and InvalidInput (no open goals, or
    goals without targets) like `graph.recommend.recommend`.
    """
    if k <= 0:
        return []
    params = rank_params(
        mentee_id,
        k=k,
        weights=weights,
        exclude_mentor_ids=exclude_mentor_ids,
        require_common_language=require_common_language,
        now=now or datetime.now(UTC),
    )
    rows = store._rows(RANK_MENTORS, **params)
    if not rows:
        _explain_no_mentors(store, mentee_id)
    return [(r["mentor_id"], float(r["score"])) for r in rows]


def _explain_no_mentors(store: Neo4jStore, mentee_id: str) -> None:
    """Raise as the recommender does when the mentee, or their goals, are the reason."""
    found = store._rows(RANK_MENTORS_PRECHECK, mentee_id=mentee_id)[0]
    if not found["people"]:
        raise NotFound(f"person {mentee_id!r} not found")
    if not found["goals"]:
        raise InvalidInput(
            f"person {mentee_id!r} has no open goals; add a goal to get mentor suggestions"
        )
    if not found["targets"]:
        raise InvalidInput(
            f"the goals of {mentee_id!r} are not linked to any skill yet; map them to the "
            "taxonomy (goal targets) first"
        )
