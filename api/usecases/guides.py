"""Reads built from the graph for one pairing or person: the first-meeting guide, the
calendar invitation, the skill-gap view and the suggested new mentors. No writes; the routes
and the CLI call these.

Who sees what (docs/architecture.md, "Confidential text"): the guide's goal text and
milestones reach the mentee, their accepted mentor and coordinators (the CLI sees all); a
mentor merely proposed sees the skills and text as the mentee shares them, never milestones;
a fellow mentee of a group sees the goals' skills, not another mentee's text.
"""

from __future__ import annotations

from datetime import date

from api.auth import Principal
from api.state import AppState
from api.usecases import goals as goal_access
from api.usecases.base import Who
from graph.analytics.growth import MENTOR_LEVEL, SuggestedMentor, suggested_mentors
from graph.analytics.orgdata import OrgData
from graph.analytics.program import recognition
from graph.analytics.skill_gap import MIN_GROUP, SkillGap, skill_gap
from graph.errors import Conflict, NotFound
from graph.model import Goal, GoalStatus, Pairing, PairingStatus, utcnow
from graph.recommend.guide import (
    GoalVisibility,
    Guide,
    first_meeting_guide,
    first_slots,
    pairing_goals,
)
from loaders.invite import Cadence, invite_ics


def _pairing(state: AppState, pairing_id: str) -> Pairing:
    found = state.current_snapshot().state.pairings.get(pairing_id)
    if found is None:
        raise NotFound(f"pairing {pairing_id!r} not found")
    return found


def visibility(state: AppState, who: Who, pairing: Pairing, goals: list[Goal]) -> GoalVisibility:
    """What `who` may see of each goal of the pairing (module doc)."""
    ids = [g.id for g in goals]
    if not isinstance(who, Principal):
        return GoalVisibility.everything(ids)
    text, milestones, skills = set(), set(), set()
    proposed = pairing.status == PairingStatus.proposed
    for g in goals:
        if goal_access.may_read_goal_text(state, who, g.person_id):
            text.add(g.id)
            milestones.add(g.id)
            skills.add(g.id)
        elif who.person_id == pairing.mentor_id and proposed:
            sharing = g.share_with_proposed_mentor
            if sharing.text:
                text.add(g.id)
            if sharing.skills:
                skills.add(g.id)
        elif who.person_id in pairing.mentee_ids and not proposed:
            skills.add(g.id)  # a fellow mentee of a group: the shared skills, not the text
    return GoalVisibility(frozenset(text), frozenset(milestones), frozenset(skills))


def guide(state: AppState, who: Who, pairing_id: str) -> Guide:
    """The first-meeting guide (graph.recommend.guide). NotFound: unknown pairing."""
    snapshot = state.current_snapshot()
    pairing = _pairing(state, pairing_id)
    goals = pairing_goals(snapshot.state, pairing)
    return first_meeting_guide(
        snapshot,
        pairing,
        now=utcnow(),
        visibility=visibility(state, who, pairing, goals),
        state=snapshot.state,
    )


def invite(state: AppState, pairing_id: str, *, cadence: Cadence | None = None) -> bytes:
    """The iCalendar invitation for the pairing's first shared slot (loaders.invite), the
    series ending on the last open goal's target date (else after DEFAULT_COUNT meetings).
    NotFound: unknown pairing. Conflict: no shared free time in the next four weeks, or the
    pairing is over (declined, withdrawn, closed)."""
    st = state.current_snapshot().state
    pairing = _pairing(state, pairing_id)
    if pairing.status in (PairingStatus.declined, PairingStatus.withdrawn, PairingStatus.closed):
        raise Conflict(
            f"pairing {pairing_id!r} is {pairing.status.value}: no meetings to invite to",
            details=[{"field": "status", "reason": f"found {pairing.status.value}"}],
        )
    open_goals = [g for g in pairing_goals(st, pairing) if g.status == GoalStatus.open]
    now = utcnow()
    slots = first_slots(
        st, [pairing.mentor_id, *pairing.mentee_ids], now, [g.start_date for g in open_goals]
    )
    if not slots:
        raise Conflict(
            f"pairing {pairing_id!r}: its participants share no free time in the next four "
            "weeks; compare calendars (or update availability) first",
            details=[{"field": "availability", "reason": "no common slot"}],
        )
    ends = [g.target_date for g in open_goals if g.target_date is not None]
    until: date | None = max(ends) if ends else None
    if until is not None and until < slots[0].start_utc.date():
        until = None  # a target date already past: fall back to a count of meetings
    return invite_ics(
        pairing,
        st.people,
        slots[0].start_utc,
        slots[0].end_utc,
        now=now,
        cadence=cadence,
        until=until,
    )


def person_skill_gap(
    state: AppState, person_id: str, *, title: str | None = None, min_group: int = MIN_GROUP
) -> SkillGap:
    """The person's skill-gap view (graph.analytics.skill_gap). NotFound: unknown person."""
    return skill_gap(state.current_snapshot().state, person_id, title=title, min_group=min_group)


def suggested(
    state: AppState, *, threshold: int = MENTOR_LEVEL
) -> tuple[list[SuggestedMentor], int]:
    """Suggested new mentors, and how many mentors grew from mentees so far."""
    st = state.current_snapshot().state
    grown = len(recognition(OrgData.from_snapshot(st), now=utcnow()).grown)
    return suggested_mentors(st, threshold=threshold), grown
