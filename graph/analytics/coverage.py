"""Coverage: where goals ask for skills that too few willing mentors with room can teach."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from graph.analytics.orgdata import OrgData

# A holder at or above this level is someone worth asking to mentor the skill.
RECRUITABLE_LEVEL = 3


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


class CoverageReport(BaseModel):
    skills: list[CoverageRow]
    tiers: dict[int, list[CoverageRow]]
    top_gaps: list[CoverageRow]


def coverage(data: OrgData, *, top: int = 20, recruit_per_gap: int = 5) -> CoverageReport:
    h = data.hierarchy
    people = data.analysable

    skill_demand: dict[str, float] = defaultdict(float)
    node_demand: dict[str, float] = defaultdict(float)  # any node, as targeted
    for t in data.targets:
        if t.goal_id in data.open_goals and t.node_id in h:
            node_demand[t.node_id] += t.confidence
            if h.kind(t.node_id) == "skill":
                skill_demand[t.node_id] += t.confidence

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
            )
        )

    # A cluster's demand is what targets it or anything under it; its supply is the mentors of
    # any skill under it (each mentor once).
    cluster_demand: dict[str, float] = defaultdict(float)
    for node_id, d in node_demand.items():
        if h.kind(node_id) == "cluster":
            cluster_demand[node_id] += d
        for anc in h.ancestors_by_distance(node_id):
            if anc != node_id:
                cluster_demand[anc] += d
    cluster_supply: dict[str, set[str]] = defaultdict(set)
    cluster_skills: dict[str, set[str]] = defaultdict(set)
    for sid in set(suppliers) | set(skill_demand) | set(recruitable):
        for anc in h.ancestors_by_distance(sid):
            if anc != sid:
                cluster_supply[anc] |= suppliers.get(sid, set())
                cluster_skills[anc].add(sid)

    tiers: dict[int, list[CoverageRow]] = defaultdict(list)
    for cid in set(cluster_demand) | set(cluster_supply):
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
            )
        )

    def by_gap(row: CoverageRow) -> tuple[float, float, str]:
        return (-row.gap, -row.demand, row.node_id)

    skill_rows.sort(key=by_gap)
    for rows in tiers.values():
        rows.sort(key=by_gap)
    top_gaps = [r for r in skill_rows if r.gap > 0][:top]
    return CoverageReport(skills=skill_rows, tiers=dict(sorted(tiers.items())), top_gaps=top_gaps)
