"""Questions only the recommender can answer: who has no viable mentor, and who gets shown.

Both run the real ranking (guardrails, capacity, availability, preferences) over the
snapshot, so "viable" means exactly what a mentee would be offered.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from graph.errors import InvalidInput
from graph.model import GoalStatus
from graph.recommend import RecommendOptions, Snapshot, recommend


class UnmatchedMentee(BaseModel):
    person_id: str
    name: str
    open_goals: int
    reason: str


def seekers(snapshot: Snapshot) -> list[str]:
    """Mentees with open goals who take part in analytics, in id order."""
    st = snapshot.state
    out = []
    for pid, goal_ids in st.goals_of.items():
        person = st.people.get(pid)
        if person is None or person.opt_out_analytics:
            continue
        if any(st.goals[g].status == GoalStatus.open for g in goal_ids):
            out.append(pid)
    return sorted(out)


def _evenly(ids: list[str], n: int) -> list[str]:
    if len(ids) <= n:
        return ids
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def mentees_without_viable_mentor(
    snapshot: Snapshot, *, now: datetime, limit: int = 1000
) -> list[UnmatchedMentee]:
    st = snapshot.state
    out: list[UnmatchedMentee] = []
    for pid in seekers(snapshot)[:limit]:
        open_goals = sum(1 for g in st.goals_of[pid] if st.goals[g].status == GoalStatus.open)
        try:
            recs = recommend(snapshot, pid, k=1, now=now)
            reason = "no mentor passes the guardrails, capacity and availability filters"
        except InvalidInput as exc:  # e.g. goals not mapped to the taxonomy yet
            recs, reason = [], exc.message
        if not recs:
            out.append(
                UnmatchedMentee(
                    person_id=pid, name=st.people[pid].name, open_goals=open_goals, reason=reason
                )
            )
    return out


def recommendation_exposures(
    snapshot: Snapshot,
    *,
    now: datetime,
    sample: int = 200,
    k: int = 10,
    options: RecommendOptions | None = None,
) -> dict[str, int]:
    """How often each mentor appears in the top-k of an even sample of mentees."""
    counts: Counter[str] = Counter()
    for pid in _evenly(seekers(snapshot), sample):
        try:
            recs = recommend(snapshot, pid, k=k, options=options, now=now)
        except InvalidInput:
            continue
        counts.update(r.mentor_id for r in recs)
    return dict(counts)
