"""Coverage: where goals ask for skills that too few willing mentors with room can teach.

Demand counts only goal targets the mapping is sure of: confidence at or above
`min_confidence`: the API passes the goal mapper's threshold (below it the mapper does not
trust a skill; api.analytics_data.mapping_threshold); MIN_TARGET_CONFIDENCE = 0.45 is the
default for callers without a mapper. A mapper's weaker runner-up candidates would otherwise lead
the gaps. Steward-confirmed targets have confidence 1.0. Each row shows how many open goals
it counts and their mean confidence; the report how many targets it left out.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from graph.analytics.orgdata import OrgData
from graph.errors import InvalidInput

# A holder at or above this level is someone worth asking to mentor the skill.
RECRUITABLE_LEVEL = 3
# Targets below this confidence are left out of demand when the caller has no mapper to ask
# (the API passes the running mapper's threshold instead).
MIN_TARGET_CONFIDENCE = 0.45


class CoverageRow(BaseModel):
    node_id: str
    label: str
    kind: str  # "skill" | "cluster"
    tier: int | None = None  # cluster tier; None for skills
    demand: float = Field(description="sum of TARGETS confidence over open goals")
    supply: int = Field(description="willing mentors with at least one place left")
    gap: float = Field(description="demand - supply; positive means too few mentors")
    recruit: list[str] = Field(
        default_factory=list,
        description="people who hold the skill at level >= 3 but do not mentor it yet",
    )
    goals: int = Field(default=0, description="goal targets counted in demand")
    confidence: float | None = Field(
        default=None, description="mean mapping confidence of those targets; None without any"
    )


class CoverageReport(BaseModel):
    skills: list[CoverageRow]
    tiers: dict[int, list[CoverageRow]]
    top_gaps: list[CoverageRow]
    min_confidence: float = Field(
        default=MIN_TARGET_CONFIDENCE, description="targets below this are not counted"
    )
    targets_left_out: int = Field(
        default=0, description="targets of open goals below min_confidence (not counted)"
    )


def coverage(
    data: OrgData,
    *,
    top: int = 20,
    recruit_per_gap: int = 5,
    min_confidence: float = MIN_TARGET_CONFIDENCE,
) -> CoverageReport:
    """Demand against supply per skill and per cluster tier, worst gaps first (module doc).
    Raises InvalidInput for a `min_confidence` outside [0, 1]."""
    if not 0 <= min_confidence <= 1:
        raise InvalidInput(
            f"min_confidence must be in [0, 1], not {min_confidence}",
            details=[{"field": "min_confidence", "reason": "outside [0, 1]"}],
        )
    h = data.hierarchy
    people = data.analysable

    skill_demand: dict[str, float] = defaultdict(float)
    node_demand: dict[str, float] = defaultdict(float)  # any node, as targeted
    node_goals: dict[str, int] = defaultdict(int)
    left_out = 0
    for t in data.targets:
        if t.goal_id in data.open_goals and t.node_id in h:
            if t.confidence < min_confidence:
                left_out += 1
                continue
            node_demand[t.node_id] += t.confidence
            node_goals[t.node_id] += 1
            if h.kind(t.node_id) == "skill":
                skill_demand[t.node_id] += t.confidence

    def mean(demand: float, goals: int) -> float | None:
        return round(demand / goals, 4) if goals else None

    suppliers: dict[str, set[str]] = defaultdict(set)
    recruitable: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for ps in data.person_skills:
        person = people.get(ps.person_id)
        if person is None or ps.skill_id not in h:
            continue
        if ps.willing_to_mentor and person.is_mentor and data.places_left(person) > 0:
            suppliers[ps.skill_id].add(ps.person_id)
        elif ps.level >= RECRUITABLE_LEVEL and not (ps.willing_to_mentor and person.is_mentor):
            recruitable[ps.skill_id].append((-ps.level, ps.person_id))

    def recruits(skill_ids: set[str]) -> list[str]:
        ranked = sorted(r for s in skill_ids for r in recruitable.get(s, []))
        out: list[str] = []
        for _, pid in ranked:
            if pid not in out:
                out.append(pid)
            if len(out) == recruit_per_gap:
                break
        return out

    skill_rows = []
    for sid in set(skill_demand) | set(suppliers):
        demand = round(skill_demand.get(sid, 0.0), 4)
        supply = len(suppliers.get(sid, ()))
        skill_rows.append(
            CoverageRow(
                node_id=sid,
                label=h.label(sid),
                kind="skill",
                demand=demand,
                supply=supply,
                gap=round(demand - supply, 4),
                recruit=recruits({sid}) if demand > supply else [],
                goals=node_goals.get(sid, 0),
                confidence=mean(skill_demand.get(sid, 0.0), node_goals.get(sid, 0)),
            )
        )

    # A cluster's demand is what targets it or anything under it; its supply is the mentors of
    # any skill under it (each mentor once).
    cluster_demand: dict[str, float] = defaultdict(float)
    cluster_goals: dict[str, int] = defaultdict(int)
    for node_id, d in node_demand.items():
        if h.kind(node_id) == "cluster":
            cluster_demand[node_id] += d
            cluster_goals[node_id] += node_goals[node_id]
        for anc in h.ancestors_by_distance(node_id):
            if anc != node_id:
                cluster_demand[anc] += d
                cluster_goals[anc] += node_goals[node_id]
    cluster_supply: dict[str, set[str]] = defaultdict(set)
    cluster_skills: dict[str, set[str]] = defaultdict(set)
    for sid in set(suppliers) | set(skill_demand) | set(recruitable):
        for anc in h.ancestors_by_distance(sid):
            if anc != sid:
                cluster_supply[anc] |= suppliers.get(sid, set())
                cluster_skills[anc].add(sid)

    tiers: dict[int, list[CoverageRow]] = defaultdict(list)
    for cid in set(cluster_demand) | set(cluster_supply):
        # a broader skill (ESCO skill -> skill) is an ancestor too, but never a tier
        if h.kind(cid) != "cluster":
            continue
        node = h.node(cid)
        tier = getattr(node, "tier", 0)
        demand = round(cluster_demand.get(cid, 0.0), 4)
        supply = len(cluster_supply.get(cid, ()))
        tiers[tier].append(
            CoverageRow(
                node_id=cid,
                label=node.label,
                kind="cluster",
                tier=tier,
                demand=demand,
                supply=supply,
                gap=round(demand - supply, 4),
                recruit=recruits(cluster_skills.get(cid, set())) if demand > supply else [],
                goals=cluster_goals.get(cid, 0),
                confidence=mean(cluster_demand.get(cid, 0.0), cluster_goals.get(cid, 0)),
            )
        )

    def by_gap(row: CoverageRow) -> tuple[float, float, str]:
        return (-row.gap, -row.demand, row.node_id)

    skill_rows.sort(key=by_gap)
    for rows in tiers.values():
        rows.sort(key=by_gap)
    top_gaps = [r for r in skill_rows if r.gap > 0][:top]
    return CoverageReport(
        skills=skill_rows,
        tiers=dict(sorted(tiers.items())),
        top_gaps=top_gaps,
        min_confidence=min_confidence,
        targets_left_out=left_out,
    )
