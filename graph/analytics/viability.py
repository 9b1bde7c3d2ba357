"""Questions only the recommender can answer: who has no viable mentor, and who gets shown.

Both run the real ranking (guardrails, capacity, availability, preferences) over the
snapshot, so "viable" means exactly what a mentee would be offered. An unmatched mentee's
reason is the recommender's own (`graph.recommend.why_no_mentor`): who holds a skill the
goals reach and the rule that keeps each of them out, without names.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from graph.model import GoalStatus
from graph.recommend import RecommendOptions, Snapshot, why_no_mentor
from graph.recommend.candidates import top_k_candidates


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
    ids = seekers(snapshot)[:limit]
    edges = top_k_candidates(snapshot, ids, k=1, now=now)
    has_mentor = edges.count_per_mentee() > 0
    out: list[UnmatchedMentee] = []
    for pid, ok in zip(ids, has_mentor, strict=True):
        if ok:
            continue
        reason = edges.problems.get(pid)
        if reason is None:
            lines = why_no_mentor(snapshot, pid, now=now)
            reason = " ".join([lines[0], "; ".join(lines[1:])]).strip()
        out.append(
            UnmatchedMentee(
                person_id=pid,
                name=st.people[pid].name,
                open_goals=sum(
                    1 for g in st.goals_of[pid] if st.goals[g].status == GoalStatus.open
                ),
                reason=reason,
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
    ids = _evenly(seekers(snapshot), sample)
    edges = top_k_candidates(snapshot, ids, k=k, options=options, now=now)
    return dict(Counter(edges.mentor_ids(snapshot.state)))
