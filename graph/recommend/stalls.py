"""Stalled pairings: find them, mark them, and suggest alternate mentors.

A pairing is *stalled* when it is active and either
- nobody has checked in for `stall_after_days` days, counted from the later of its last
  check-in and its last (re)activation (a pairing activated yesterday is not silent), or
- its ratings are falling: the last `falling_ratings_window` ratings strictly decrease, or the
  average of the last `falling_ratings_window` ratings (at least two of them) is below
  `LOW_AVERAGE`.

`find_stalled` is a pure function over pairings and check-ins (from a snapshot or a store);
`mark_stalled` writes every report's status change in one apply; `alternates` asks the ranking
for other mentors of the mentee(s), leaving out the current mentor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from graph.errors import NotFound
from graph.model import CheckIn, Pairing, PairingStatus
from graph.recommend.ranking import recommend
from graph.recommend.scoring import Recommendation, RecommendOptions
from graph.recommend.snapshot import Snapshot, State
from graph.store import GraphStore, PairingFilter

LOW_AVERAGE = 2.5


@dataclass(frozen=True)
class StallReport:
    pairing_id: str
    mentor_id: str
    mentee_ids: list[str]
    program: str | None
    reasons: list[str]
    days_silent: int
    last_check_in: date | None
    recent_ratings: list[int] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def last_activation(pairing: Pairing) -> datetime | None:
    """When the pairing last became active (its history's latest `active` event)."""
    times = [e.at for e in pairing.history if e.status == PairingStatus.active]
    return max(times) if times else None


FUTURE_SKEW = timedelta(days=1)  # as graph.lifecycle.pairings.CHECK_IN_SKEW


def stall_reasons(
    pairing: Pairing,
    checkins: Sequence[CheckIn],
    *,
    now: datetime,
    stall_after_days: int = 21,
    falling_ratings_window: int = 3,
) -> tuple[list[str], int]:
    """Pure: (why the pairing counts as stalled — empty if it does not, days silent)."""
    if stall_after_days < 1:
        raise ValueError("stall_after_days must be at least 1")
    if falling_ratings_window < 2:
        raise ValueError("falling_ratings_window must be at least 2")
    today = now.date()
    # a check-in dated after today (+1 day for time zones) did not happen yet: written before
    # the API refused such dates, or imported; it must not hide a stall
    latest = today + FUTURE_SKEW
    ordered = sorted((c for c in checkins if c.on <= latest), key=lambda c: (c.on, c.id))
    activated = last_activation(pairing)
    anchors = [d for d in (activated.date() if activated else None,) if d is not None]
    if ordered:
        anchors.append(ordered[-1].on)
    since = max(anchors) if anchors else pairing.created_at.date()
    days_silent = max((today - since).days, 0)
    reasons: list[str] = []
    if days_silent >= stall_after_days:
        what = f"last check-in {ordered[-1].on}" if ordered else "no check-in since activation"
        reasons.append(
            f"no check-in for {days_silent} days ({what}; limit {stall_after_days} days)"
        )
    recent = [c.rating for c in ordered[-falling_ratings_window:]]
    if len(recent) == falling_ratings_window and all(a > b for a, b in pairwise(recent)):
        reasons.append(f"ratings falling: {' > '.join(map(str, recent))}")
    elif len(recent) >= 2 and sum(recent) / len(recent) < LOW_AVERAGE:
        reasons.append(
            f"average of the last {len(recent)} ratings is {sum(recent) / len(recent):.2f} "
            f"(below {LOW_AVERAGE})"
        )
    return reasons, days_silent


def _pairings_and_checkins(
    source: GraphStore | Snapshot | State,
) -> tuple[list[Pairing], list[CheckIn]]:
    """Pairings and check-ins from a Snapshot (its current state), a State or a GraphStore."""
    if isinstance(source, Snapshot | State):
        state = source.state if isinstance(source, Snapshot) else source
        # State.checkins: pairing id -> check-in id -> CheckIn
        checkins = [c for per in state.checkins.values() for c in per.values()]
        return list(state.pairings.values()), checkins
    active = source.list_pairings(PairingFilter(statuses=[PairingStatus.active]))
    return active, source.all_checkins()


def find_stalled(
    source: GraphStore | Snapshot | State,
    *,
    now: datetime,
    stall_after_days: int = 21,
    falling_ratings_window: int = 3,
) -> list[StallReport]:
    """Active pairings that count as stalled (see module doc), ordered by pairing id."""
    pairings, checkins = _pairings_and_checkins(source)
    return stalled_among(
        pairings,
        checkins,
        now=now,
        stall_after_days=stall_after_days,
        falling_ratings_window=falling_ratings_window,
    )


def stalled_among(
    pairings: Iterable[Pairing],
    checkins: Iterable[CheckIn],
    *,
    now: datetime,
    stall_after_days: int = 21,
    falling_ratings_window: int = 3,
) -> list[StallReport]:
    """Pure core of `find_stalled` over plain lists."""
    by_pairing: dict[str, list[CheckIn]] = defaultdict(list)
    for c in checkins:
        by_pairing[c.pairing_id].append(c)
    out: list[StallReport] = []
    for p in sorted(pairings, key=lambda p: p.id):
        if p.status != PairingStatus.active:
            continue
        cis = sorted(by_pairing.get(p.id, []), key=lambda c: (c.on, c.id))
        reasons, days = stall_reasons(
            p,
            cis,
            now=now,
            stall_after_days=stall_after_days,
            falling_ratings_window=falling_ratings_window,
        )
        if reasons:
            out.append(
                StallReport(
                    pairing_id=p.id,
                    mentor_id=p.mentor_id,
                    mentee_ids=list(p.mentee_ids),
                    program=p.program,
                    reasons=reasons,
                    days_silent=days,
                    last_check_in=cis[-1].on if cis else None,
                    recent_ratings=[c.rating for c in cis[-falling_ratings_window:]],
                )
            )
    return out


def alternates(
    snapshot: Snapshot,
    pairing_id: str,
    *,
    k: int = 5,
    now: datetime,
    options: RecommendOptions | None = None,
) -> dict[str, list[Recommendation]]:
    """Other mentors for each mentee of a (stalled) pairing: mentee id -> Recommendations.

    The ranking's guardrails and reasons apply; the current mentor is excluded on top.
    """

    pairing = snapshot.state.pairings.get(pairing_id)
    if pairing is None:
        raise NotFound(f"pairing {pairing_id!r} not found")
    base = options or RecommendOptions(model=pairing.model)
    opts = base.model_copy(
        update={"exclude_mentor_ids": [*base.exclude_mentor_ids, pairing.mentor_id]}
    )
    return {mid: recommend(snapshot, mid, k=k, options=opts, now=now) for mid in pairing.mentee_ids}
