"""Program health per cohort, live stalls and mentor recognition: what an L&D dashboard shows.

Pure functions over `OrgData` (people who opted out of analytics are left out everywhere).

- `program_health(data, now=...)`: per program (a pairing's `program`, the cohorts people
  enrol in) the funnel *enrolled -> proposed -> matched -> active*, counting proposals (a
  freshly published cohort reads "205 proposed", not "0% matched"), the median days from the
  program's start to a match, outcomes (closed, goals reached), and a month-by-month timeline
  with every calendar month in range (months without events are zeros, not skipped).
- `stalled_pairings(data, now=...)`: pairings marked stalled *and* active ones the stall
  detector (`graph.recommend.stalls`) finds stalled right now, with names.
- `recognition(data, now=...)`: what each mentor gave (mentees, sessions, hours, goals reached,
  ratings) and the people who grew from mentee to mentor.

Definitions (in the words the dashboard uses):

- *enrolled* in a program: people whose `programs` list it, who are not mentoring in it, plus
  anyone who is a mentee of one of its pairings;
- *proposed*: enrolled mentees with at least one pairing in the program, in any state;
- *matched*: mentees whose pairing was accepted at some time (it may have closed since);
- *active*: mentees whose pairing is accepted, active or stalled now;
- *a program's start*: the `start_date` most of its pairings' goals share (`program_start`);
- *days to match*: from the program's start (or, for a goal written down after it, the goal's
  creation) to the mentee's first acceptance in the program, in whole days, never negative;
  the overall median pools every program's;
- *hours given*: a pairing's hours per month times the months from its activation to its close
  (or `now`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from statistics import median

from pydantic import BaseModel, Field

from graph.analytics.orgdata import ENGAGED_STATUSES, FORMER_COLLEAGUE, OrgData
from graph.model import GoalStatus, Pairing, PairingStatus
from graph.recommend.stalls import stalled_among

S = PairingStatus
NO_PROGRAM = "(no program)"
DAYS_PER_MONTH = 365.25 / 12
STALL_KINDS = {
    "no check-in": "no check-in for three weeks",
    "ratings falling": "ratings falling",
    "average of": "low ratings",
}


def stall_kind(reason: str) -> str:
    """The stall detector's reason in a few words ("no check-in for three weeks", "ratings
    falling", "low ratings"); anything a person wrote is "marked by hand"."""
    kinds = [label for prefix, label in STALL_KINDS.items() if prefix in reason]
    return " + ".join(kinds) if kinds else "marked by hand"


class ProgramRow(BaseModel):
    program: str
    start: date | None = Field(description="the earliest goal start date in it, else None")
    enrolled: int = Field(description="mentees enrolled (see module doc)")
    proposed: int = Field(description="enrolled mentees with a pairing in any state")
    matched: int = Field(description="mentees whose pairing was accepted at some time")
    active: int = Field(description="mentees in an accepted, active or stalled pairing now")
    waiting: int = Field(description="mentees whose only open pairing awaits an answer")
    pairings: int
    declined: int = Field(description="pairings declined")
    stalled_now: int = Field(description="pairings marked stalled now")
    closed: int = Field(description="pairings closed")
    goals_reached: int = Field(description="closed pairings whose goals were achieved")
    proposed_rate: float | None = Field(description="proposed / enrolled (None: none enrolled)")
    matched_rate: float | None
    active_rate: float | None
    median_days_to_match: float | None
    checkins: int
    avg_rating: float | None


class MonthRow(BaseModel):
    month: str  # YYYY-MM
    proposed: int = 0  # pairings proposed that month
    matched: int = 0  # pairings accepted that month
    closed: int = 0
    checkins: int = 0
    avg_rating: float | None = None


class ProgramHealth(BaseModel):
    overall: ProgramRow
    programs: list[ProgramRow] = Field(description="newest start first")
    pairings_by_status: dict[str, int]
    stall_reasons: dict[str, int] = Field(description="stall events by kind, all time")
    timeline: list[MonthRow] = Field(description="every month from the first event to now")


def _first(p: Pairing, status: PairingStatus) -> datetime | None:
    return next((e.at for e in p.history if e.status == status), None)


def _months(first: date, last: date) -> list[str]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def program_start(data: OrgData, pairings: list[Pairing]) -> date | None:
    """When a program started: the start date most of its pairings' goals carry (a goal that
    moved on to a later program carries that one's date, a straggler from an earlier one its
    own: they are the few), the earlier on a tie; None when no goal has a start date."""
    goals = {g.id: g for g in data.goals}
    starts = Counter(
        d for p in pairings for g in p.goal_ids if g in goals and (d := goals[g].start_date)
    )
    return min(starts, key=lambda d: (-starts[d], d)) if starts else None


def days_to_match(data: OrgData, pairings: list[Pairing], start: date | None) -> list[float]:
    """Per matched mentee: whole days from the program's start (or, for a goal written down
    later, the goal's creation) to their first acceptance in these pairings."""
    people = data.analysable
    goals = {g.id: g for g in data.goals}
    first_match: dict[str, datetime] = {}
    written: dict[str, date] = {}
    for p in pairings:
        accepted = _first(p, S.accepted)
        for m in p.mentee_ids:
            if m in people and accepted and (m not in first_match or accepted < first_match[m]):
                first_match[m] = accepted
        for gid in p.goal_ids:
            goal = goals.get(gid)
            if goal is not None:
                day = goal.created_at.date()
                if goal.person_id not in written or day < written[goal.person_id]:
                    written[goal.person_id] = day
    days = []
    for m, when in sorted(first_match.items()):
        begun = [d for d in (start, written.get(m)) if d is not None]
        if begun:
            days.append(max(0.0, float((when.date() - max(begun)).days)))
    return days


def _row(
    data: OrgData,
    program: str,
    pairings: list[Pairing],
    enrolled: set[str],
    ratings: dict[str, list[int]],
    days: list[float],
    start: date | None,
) -> ProgramRow:
    people = data.analysable
    goals = {g.id: g for g in data.goals}
    proposed: set[str] = set()
    matched: set[str] = set()
    active: set[str] = set()
    waiting: set[str] = set()
    for p in pairings:
        accepted = _first(p, S.accepted)
        for m in p.mentee_ids:
            if m not in people:
                continue
            enrolled.add(m)
            proposed.add(m)
            if accepted is not None:
                matched.add(m)
            if p.status in ENGAGED_STATUSES:
                active.add(m)
            elif p.status == S.proposed:
                waiting.add(m)
    program_ratings = [r for p in pairings for r in ratings.get(p.id, [])]
    n = len(enrolled)
    return ProgramRow(
        program=program,
        start=start,
        enrolled=n,
        proposed=len(proposed),
        matched=len(matched),
        active=len(active),
        waiting=len(waiting - active),
        pairings=len(pairings),
        declined=sum(p.status == S.declined for p in pairings),
        stalled_now=sum(p.status == S.stalled for p in pairings),
        closed=sum(p.status == S.closed for p in pairings),
        goals_reached=sum(
            p.status == S.closed
            and any(goals[g].status == GoalStatus.achieved for g in p.goal_ids if g in goals)
            for p in pairings
        ),
        proposed_rate=_rate(len(proposed), n),
        matched_rate=_rate(len(matched), n),
        active_rate=_rate(len(active), n),
        median_days_to_match=round(median(days), 1) if days else None,
        checkins=len(program_ratings),
        avg_rating=round(sum(program_ratings) / len(program_ratings), 2)
        if program_ratings
        else None,
    )


def _counted(data: OrgData) -> list[Pairing]:
    people = data.analysable
    return [
        p for p in data.pairings if p.mentor_id in people or any(m in people for m in p.mentee_ids)
    ]


def program_health(data: OrgData, *, now: datetime) -> ProgramHealth:
    """The funnel and outcomes per program and overall, with a gap-free monthly timeline."""
    people = data.analysable
    pairings = _counted(data)
    ratings: dict[str, list[int]] = defaultdict(list)
    for c in data.checkins:
        ratings[c.pairing_id].append(c.rating)

    by_program: dict[str, list[Pairing]] = defaultdict(list)
    mentors_in: dict[str, set[str]] = defaultdict(set)
    for p in pairings:
        key = p.program or NO_PROGRAM
        by_program[key].append(p)
        mentors_in[key].add(p.mentor_id)
    enrolled: dict[str, set[str]] = defaultdict(set)
    for person in people.values():
        for prog in person.programs:
            if person.id not in mentors_in.get(prog, set()):
                enrolled[prog].add(person.id)

    rows = []
    pooled: list[float] = []
    starts: list[date] = []
    for prog in sorted(set(by_program) | set(enrolled)):
        mine = by_program.get(prog, [])
        start = program_start(data, mine) if prog != NO_PROGRAM else None
        days = days_to_match(data, mine, start)
        pooled += days
        starts += [start] if start else []
        rows.append(_row(data, prog, mine, set(enrolled.get(prog, set())), ratings, days, start))
    rows.sort(key=lambda r: (r.start or date.min, r.program), reverse=True)
    everyone: set[str] = set()
    for ids in enrolled.values():
        everyone |= ids
    overall = _row(
        data, "all programs", pairings, everyone, ratings, pooled, min(starts) if starts else None
    )

    status = Counter(p.status.value for p in pairings)
    stalls: Counter[str] = Counter(
        stall_kind(e.reason) for p in pairings for e in p.history if e.status == S.stalled
    )
    return ProgramHealth(
        overall=overall,
        programs=rows,
        pairings_by_status=dict(sorted(status.items())),
        stall_reasons=dict(stalls.most_common()),
        timeline=_timeline(data, pairings, now),
    )


def _timeline(data: OrgData, pairings: list[Pairing], now: datetime) -> list[MonthRow]:
    counted = {p.id for p in pairings}
    events: list[tuple[date, str]] = []
    for p in pairings:
        events.append((p.created_at.date(), "proposed"))
        accepted = _first(p, S.accepted)
        if accepted is not None:
            events.append((accepted.date(), "matched"))
        if p.status == S.closed:
            events.append((p.history[-1].at.date() if p.history else p.updated_at.date(), "closed"))
    checkins = [c for c in data.checkins if c.pairing_id in counted]
    days = [d for d, _ in events] + [c.on for c in checkins]
    if not days:
        return []
    rows = {m: MonthRow(month=m) for m in _months(min(days), max(max(days), now.date()))}
    for day, what in events:
        row = rows[day.strftime("%Y-%m")]
        setattr(row, what, getattr(row, what) + 1)
    month_ratings: dict[str, list[int]] = defaultdict(list)
    for c in checkins:
        key = c.on.strftime("%Y-%m")
        rows[key].checkins += 1
        month_ratings[key].append(c.rating)
    for key, rs in month_ratings.items():
        rows[key].avg_rating = round(sum(rs) / len(rs), 2)
    return list(rows.values())


# --- stalls, live -----------------------------------------------------------------------------


class StalledRow(BaseModel):
    pairing_id: str
    program: str | None
    mentor_id: str
    mentor_name: str
    mentee_ids: list[str]
    mentee_names: list[str]
    detected: str = Field(description='"marked" (status stalled) or "live" (found now)')
    kind: str = Field(description="the reason in a few words (see stall_kind)")
    reason: str
    since: date = Field(description="when it was marked, or the last sign of life")
    days_silent: int = Field(description="days since the last check-in or (re)activation")
    recent_ratings: list[int]


def stalled_pairings(
    data: OrgData, *, now: datetime, stall_after_days: int = 21
) -> list[StalledRow]:
    """Pairings marked stalled, then active ones the detector finds stalled at `now`
    (most silent first within each)."""
    people = data.analysable
    pairings = _counted(data)
    by_pairing: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    for c in data.checkins:
        by_pairing[c.pairing_id].append((c.on, c.id, c.rating))

    def names(ids: Iterable[str]) -> list[str]:
        return [people[i].name if i in people else "(not shown)" for i in ids]

    def silent_since(p: Pairing) -> date:
        marks = [c[0] for c in by_pairing.get(p.id, [])]
        marks += [e.at.date() for e in p.history if e.status == S.active]
        return max(marks) if marks else p.created_at.date()

    out: list[StalledRow] = []
    for p in pairings:
        if p.status != S.stalled:
            continue
        mark = next((e for e in reversed(p.history) if e.status == S.stalled), None)
        since = silent_since(p)
        out.append(
            StalledRow(
                pairing_id=p.id,
                program=p.program,
                mentor_id=p.mentor_id,
                mentor_name=names([p.mentor_id])[0],
                mentee_ids=list(p.mentee_ids),
                mentee_names=names(p.mentee_ids),
                detected="marked",
                kind=stall_kind(mark.reason if mark else ""),
                reason=mark.reason if mark else "",
                since=(mark.at if mark else p.updated_at).date(),
                days_silent=max(0, (now.date() - since).days),
                recent_ratings=[r for _, _, r in sorted(by_pairing.get(p.id, []))[-3:]],
            )
        )
    live = stalled_among(pairings, data.checkins, now=now, stall_after_days=stall_after_days)
    found = []
    index = {p.id: p for p in pairings}
    for r in live:
        p = index[r.pairing_id]
        found.append(
            StalledRow(
                pairing_id=r.pairing_id,
                program=r.program,
                mentor_id=r.mentor_id,
                mentor_name=names([r.mentor_id])[0],
                mentee_ids=list(r.mentee_ids),
                mentee_names=names(r.mentee_ids),
                detected="live",
                kind=stall_kind(r.reason),
                reason=r.reason,
                since=silent_since(p),
                days_silent=r.days_silent,
                recent_ratings=list(r.recent_ratings),
            )
        )
    out.sort(key=lambda r: (-r.days_silent, r.pairing_id))
    found.sort(key=lambda r: (-r.days_silent, r.pairing_id))
    return out + found


# --- recognition ------------------------------------------------------------------------------


class MentorContribution(BaseModel):
    mentor_id: str
    name: str
    department: str
    mentees_supported: int = Field(description="mentees in pairings that were accepted")
    active_now: int = Field(description="mentees in accepted, active or stalled pairings now")
    sessions: int = Field(description="check-ins recorded")
    hours_given: float = Field(description="hours per month x months mentoring (approx.)")
    goals_reached: int = Field(description="mentees' goals achieved in closed pairings")
    avg_rating: float | None
    grew_from_mentee: bool = Field(description="was a mentee in an earlier pairing")


class GrownMentor(BaseModel):
    person_id: str
    name: str
    was_mentee_in: str | None = Field(description="program of their first pairing as mentee")
    mentored_by: str = Field(description="their own mentor's name then")
    mentoring_since: date
    mentees_now: int


class Recognition(BaseModel):
    mentors: list[MentorContribution] = Field(description="most goals reached, mentees first")
    grown: list[GrownMentor]
    total_hours: float
    total_sessions: int


def recognition(data: OrgData, *, now: datetime, top: int = 15) -> Recognition:
    people = data.analysable
    goals = {g.id: g for g in data.goals}
    sessions: Counter[str] = Counter()
    ratings: dict[str, list[int]] = defaultdict(list)
    pairing_of = {p.id: p for p in data.pairings}
    for c in data.checkins:
        p = pairing_of.get(c.pairing_id)
        if p is not None:
            sessions[p.mentor_id] += 1
            if c.rates_mentor:  # the mentor's own rating does not move their standing
                ratings[p.mentor_id].append(c.rating)
    supported: dict[str, set[str]] = defaultdict(set)
    active: dict[str, set[str]] = defaultdict(set)
    hours: dict[str, float] = defaultdict(float)
    reached: Counter[str] = Counter()
    first_as_mentee: dict[str, Pairing] = {}
    first_as_mentor: dict[str, Pairing] = {}
    for p in sorted(data.pairings, key=lambda p: (p.created_at, p.id)):
        if p.mentor_id not in people:
            continue
        accepted = _first(p, S.accepted)
        if accepted is not None:
            supported[p.mentor_id].update(p.mentee_ids)
            first_as_mentor.setdefault(p.mentor_id, p)
            for m in p.mentee_ids:
                first_as_mentee.setdefault(m, p)
        if p.status in ENGAGED_STATUSES:
            active[p.mentor_id].update(p.mentee_ids)
        started = _first(p, S.active)
        if started is not None:
            ended = p.history[-1].at if p.status in (S.closed, S.declined) else now
            months = max(0.0, (ended - started).total_seconds() / 86400 / DAYS_PER_MONTH)
            hours[p.mentor_id] += p.hours_per_month * months
        if p.status == S.closed:
            reached[p.mentor_id] += sum(
                1 for g in p.goal_ids if g in goals and goals[g].status == GoalStatus.achieved
            )
    grown_ids = {
        m
        for m, as_mentee in first_as_mentee.items()
        if m in first_as_mentor and as_mentee.created_at < first_as_mentor[m].created_at
    }
    current = data.current  # a leaver is not named: their hours and sessions stay in the totals
    rows = [
        MentorContribution(
            mentor_id=mid,
            name=people[mid].name,
            department=people[mid].department,
            mentees_supported=len(supported[mid]),
            active_now=len(active[mid]),
            sessions=sessions[mid],
            hours_given=round(hours[mid], 1),
            goals_reached=reached[mid],
            avg_rating=round(sum(ratings[mid]) / len(ratings[mid]), 2) if ratings[mid] else None,
            grew_from_mentee=mid in grown_ids,
        )
        for mid in supported
        if mid in current
    ]
    rows.sort(key=lambda r: (-r.goals_reached, -r.mentees_supported, -r.hours_given, r.mentor_id))
    grown = []
    for pid in sorted(grown_ids):
        if pid not in current:
            continue
        as_mentee, as_mentor = first_as_mentee[pid], first_as_mentor[pid]
        mentor = people.get(as_mentee.mentor_id)
        if mentor is not None and mentor.departed:
            mentor = mentor.model_copy(update={"name": FORMER_COLLEAGUE})
        grown.append(
            GrownMentor(
                person_id=pid,
                name=people[pid].name,
                was_mentee_in=as_mentee.program,
                mentored_by=mentor.name if mentor else "(not shown)",
                mentoring_since=(_first(as_mentor, S.accepted) or as_mentor.created_at).date(),
                mentees_now=len(active.get(pid, set())),
            )
        )
    return Recognition(
        mentors=rows[:top],
        grown=grown,
        total_hours=round(sum(hours.values()), 1),
        total_sessions=sum(sessions.values()),
    )
