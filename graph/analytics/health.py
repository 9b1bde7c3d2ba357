"""Match health: how well the network turns goals into working pairings, over time."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from statistics import median

from pydantic import BaseModel

from graph.analytics.orgdata import ENGAGED_STATUSES, OrgData
from graph.model import Pairing, PairingStatus


class MonthPoint(BaseModel):
    month: str  # "YYYY-MM"
    proposed: int = 0
    matched: int = 0  # pairings accepted/activated that month
    checkins: int = 0  # every check-in, whoever wrote it
    avg_rating: float | None = None  # of the mentees' ratings only (`CheckIn.rates_mentor`)


class MatchHealth(BaseModel):
    mentees_with_open_goals: int
    matched_mentees: int
    match_rate: float
    median_days_to_match: float | None
    pairings_by_status: dict[str, int]
    stall_reasons: dict[str, int]
    timeline: list[MonthPoint]


def _matched_at(p: Pairing) -> datetime | None:
    for ev in p.history:
        if ev.status in (PairingStatus.accepted, PairingStatus.active):
            return ev.at
    return None


def match_health(data: OrgData) -> MatchHealth:
    people = data.analysable
    seekers: dict[str, datetime] = {}  # mentee -> when their earliest open goal was created
    for g in data.open_goals.values():
        if g.person_id not in seekers or g.created_at < seekers[g.person_id]:
            seekers[g.person_id] = g.created_at

    matched: set[str] = set()
    days_to_match: list[float] = []
    by_status: Counter[str] = Counter()
    stall_reasons: Counter[str] = Counter()
    months: dict[str, MonthPoint] = {}
    ratings: dict[str, list[int]] = defaultdict(list)

    def month(at: datetime) -> MonthPoint:
        key = at.strftime("%Y-%m")
        return months.setdefault(key, MonthPoint(month=key))

    for p in data.pairings:
        if p.mentor_id not in people and not any(m in people for m in p.mentee_ids):
            continue
        by_status[p.status.value] += 1
        month(p.created_at).proposed += 1
        at = _matched_at(p)
        if at is not None:
            month(at).matched += 1
        for ev in p.history:
            if ev.status == PairingStatus.stalled:
                stall_reasons[ev.reason or "unspecified"] += 1
        if p.status in ENGAGED_STATUSES:
            for m in p.mentee_ids:
                if m in seekers:
                    matched.add(m)
                    if at is not None:
                        days_to_match.append(max(0.0, (at - seekers[m]).total_seconds() / 86400))

    for c in data.checkins:
        key = c.on.strftime("%Y-%m")
        months.setdefault(key, MonthPoint(month=key)).checkins += 1
        if c.rates_mentor:  # a mentor's rating of the relationship is no feedback on mentors
            ratings[key].append(c.rating)
    for key, rs in ratings.items():
        months[key].avg_rating = round(sum(rs) / len(rs), 3)

    n = len(seekers)
    return MatchHealth(
        mentees_with_open_goals=n,
        matched_mentees=len(matched),
        match_rate=round(len(matched) / n, 4) if n else 0.0,
        median_days_to_match=round(median(days_to_match), 2) if days_to_match else None,
        pairings_by_status=dict(sorted(by_status.items())),
        stall_reasons=dict(stall_reasons.most_common()),
        timeline=[months[k] for k in sorted(months)],
    )
