"""Coverage gaps by cluster, with the mapping confidence behind the demand.

`cluster_gaps(data, tier=...)` takes `coverage`'s demand and supply of one tier of clusters
and adds what a reader needs to trust (or doubt) them:

- `goals`: targets of open goals at the cluster or under it that coverage counts (mapped at
  or above its `min_confidence`), as `coverage` reports them;
- `mean_confidence`: their mean mapping confidence (0..1), also from `coverage`; demand is
  the sum of confidences, so 10 targets at 0.5 read as demand 5;
- `low_confidence_goals`: goals whose best confidence here is below `LOW_CONFIDENCE` (the
  mapper was unsure: worth a steward's look before recruiting mentors for them);
- `mentors`: willing mentors of any skill under it, full or not (`supply` counts only those
  with a place left);
- `top_skills`: the most demanded skills under it, and `recruit`: people (names) who hold its
  skills at level 3+ but do not mentor yet.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from graph.analytics.coverage import coverage
from graph.analytics.orgdata import OrgData

LOW_CONFIDENCE = 0.5


class PersonRef(BaseModel):
    id: str
    name: str


class ClusterGap(BaseModel):
    cluster_id: str
    label: str
    code: str
    tier: int
    goals: int
    demand: float = Field(description="sum of mapping confidence over open goals' targets")
    mean_confidence: float | None
    low_confidence_goals: int
    supply: int = Field(description="willing mentors with a place left")
    mentors: int = Field(description="willing mentors, full or not")
    gap: float = Field(description="demand - supply; positive: too few mentors")
    top_skills: list[str]
    recruit: list[PersonRef]


class ClusterGaps(BaseModel):
    tier: int
    tiers: list[int] = Field(description="tiers that have demand or supply")
    rows: list[ClusterGap] = Field(description="largest gap first")


def cluster_gaps(data: OrgData, *, tier: int | None = None, top: int = 12) -> ClusterGaps:
    """One tier's clusters by gap (default: the shallowest tier with at least eight clusters,
    so the chart is not a handful of catch-all bars), at most `top` rows."""
    h = data.hierarchy
    report = coverage(data, top=0)
    tiers = sorted(t for t, rows in report.tiers.items() if rows)
    if tier is None:
        tier = next((t for t in tiers if len(report.tiers[t]) >= 8), tiers[-1] if tiers else 0)
    # a cluster nobody's goal reaches is no gap, whatever its supply
    # (coverage's tiers hold clusters only: a broader skill is never a tier)
    rows = [
        r for r in report.tiers.get(tier, []) if r.demand > 0 and h.kind(r.node_id) == "cluster"
    ]

    best: dict[str, dict[str, float]] = defaultdict(dict)  # cluster -> goal -> best confidence
    skill_demand: dict[str, float] = defaultdict(float)
    for t in data.targets:
        # the same targets coverage counts: open goals, mapped above the confidence threshold
        if t.goal_id not in data.open_goals or t.node_id not in h:
            continue
        if t.confidence < report.min_confidence:
            continue
        if h.kind(t.node_id) == "skill":
            skill_demand[t.node_id] += t.confidence
        for node in [t.node_id, *h.ancestors_by_distance(t.node_id)]:
            if h.kind(node) == "cluster":
                seen = best[node].get(t.goal_id, 0.0)
                best[node][t.goal_id] = max(seen, t.confidence)

    mentors: dict[str, set[str]] = defaultdict(set)
    for ps in data.person_skills:
        person = data.analysable.get(ps.person_id)
        if (
            person is None
            or not (person.is_mentor and ps.willing_to_mentor)
            or ps.skill_id not in h
        ):
            continue
        for node in h.ancestors_by_distance(ps.skill_id):
            mentors[node].add(ps.person_id)

    out: list[ClusterGap] = []
    for row in rows[:top]:
        confidences = list(best.get(row.node_id, {}).values())
        under = h.descendant_skills(row.node_id)
        demanded = sorted(
            (s for s in under if skill_demand.get(s)), key=lambda s: (-skill_demand[s], s)
        )
        cluster = h.node(row.node_id)
        out.append(
            ClusterGap(
                cluster_id=row.node_id,
                label=row.label,
                code=str(getattr(cluster, "code", "") or ""),
                tier=tier,
                # counted by coverage itself, so the two panels agree
                goals=row.goals,
                demand=row.demand,
                mean_confidence=row.confidence,
                low_confidence_goals=sum(c < LOW_CONFIDENCE for c in confidences),
                supply=row.supply,
                mentors=len(mentors.get(row.node_id, set())),
                gap=row.gap,
                top_skills=[h.label(s) for s in demanded[:3]],
                recruit=[
                    PersonRef(id=pid, name=data.analysable[pid].name)
                    for pid in row.recruit
                    if pid in data.analysable
                ],
            )
        )
    return ClusterGaps(tier=tier, tiers=tiers, rows=out)
