"""About nine months of mentoring-program life on the demo org, deterministic by seed.

`generate_history(org, hierarchy, seed=..., today=...)` is pure: given the demo org (people,
skills, goals and their mapped targets) it returns the records a program run would have left
behind by `today`. The same org, seed and day give the same history; the dates are counted
back from `today`, so a freshly seeded demo is always "in the middle" of its open cohort and
stall detection (which reads the clock) finds what the demo means it to find.

What it builds (cohort names are the season and year they started, e.g. "2026-spring"):

- two past cohorts (started about 270 and 150 days ago) and one open cohort (started about 40
  days ago, plus a late wave of proposals a few days ago), each matched with the real cohort
  matcher (`graph.recommend.cohort.match_cohort`) on a snapshot of the org as it was on the
  match day, so guardrails, capacity and scores are the recommender's own;
- every pairing state: proposed (waiting for an answer), declined with reasons (some marked
  do-not-pair-again, then re-proposed to another mentor), accepted, active with check-ins
  (ratings 1-5 and notes), stalled for each reason the stall detector knows (silence, falling
  ratings, low average) and by hand, closed with goals achieved or not; in the open cohort
  some active pairings are silent or sliding *now*, for live stall detection to find;
- group pairings (one mentor, three or four mentees), peer pairs among mentors (model "peer"),
  a peer circle of equals (model "circle", formed by `graph.recommend.groups.match_circles`)
  and a micro session (one 45-minute session on one skill with a mentor who offers micro
  sessions, held and so closed), and a few people who were mentees in the first cohort,
  reached their goal and now mentor someone themselves;
- the programs' declarations (`Program`: formats and intensity) that all of it keeps;
- goals dated to their program: `start_date` is the cohort's start, `created_at` a few days
  before; achieved goals marked achieved, some unreached ones dropped.

Every pairing is built through `graph.lifecycle.pairings.transitioned`, so only legal moves
appear in its history, and a capacity ledger keeps every mentor within `max_mentees` and
`max_hours_per_month` at every moment; `check_history` re-checks both (and the guardrails)
on the result. `steward_history(store, ...)` then makes a year of steward edits of the
competency map through `taxonomy.editing` (rename, aliases in two languages, describe, move,
merge, create, split, deprecate, and a move reverted), back-dated into the same months.
`load_history(store, ...)` writes it all; it does nothing when the store has pairings already.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from graph.errors import MentorgraphError
from graph.hierarchy import Hierarchy
from graph.lifecycle.pairings import (
    ALLOWED_FROM,
    CHECK_IN_STATUSES,
    OPEN_STATUSES,
    circle_problems,
    guardrail_reasons,
    transitioned,
)
from graph.model import (
    CheckIn,
    Format,
    Goal,
    GoalStatus,
    GoalTarget,
    MentoringModel,
    NodeStatus,
    Pairing,
    PairingEvent,
    PairingStatus,
    Person,
    PersonSkill,
    Program,
    Skill,
    SkillCluster,
    TaxonomyChange,
)
from graph.recommend import RecommendOptions, Snapshot, recommend, top_k_candidates
from graph.recommend.cohort import match_cohort
from graph.recommend.groups import match_circles, match_peers, micro_mentors
from graph.recommend.stalls import stall_reasons
from graph.store import (
    AddCheckIns,
    GraphStore,
    StoreOp,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertPrograms,
    UpsertTaxonomyChanges,
)
from taxonomy import editing

S = PairingStatus
DAY = timedelta(days=1)
STALL_AFTER_DAYS = 21  # graph.recommend.stalls' default, which the service uses
DETECTOR = "stall-detector"
# Share of the seekers (people with mapped open goals who are not mentors) enrolled per cohort.
ENROL_SHARE = (0.16, 0.2, 0.3)
CARRY_OVER = 0.45  # share of a cohort's mentees without a reached goal who enrol again
GROUP_PLACES = 5  # a group's leader gets at least this many places
GROWN_MENTORS = 4
MICRO_MINUTES = 45  # the demo's micro session
CIRCLE_HOURS = 2.0  # a peer circle meets two hours a month


# --- cohorts and the calendar -----------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    name: str
    start: date  # the program's start: goals' start_date
    match: datetime  # when the matcher ran and the proposals were published
    is_open: bool

    @property
    def index(self) -> int:
        return int(self.match.timestamp())


def season(day: date) -> str:
    """`2026-spring` for a day in March-May 2026; a winter is named by the year its January
    falls in (December 2026 to February 2027: `2027-winter`)."""
    names = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}
    names |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
    return f"{day.year + (day.month == 12)}-{names[day.month]}"


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def cohorts_for(today: date) -> list[Cohort]:
    """Two past cohorts and the open one, counted back from `today`."""
    starts = (today - 270 * DAY, today - 150 * DAY, today - 42 * DAY)
    return [Cohort(season(s), s, at(s + 4 * DAY, 10), is_open=i == 2) for i, s in enumerate(starts)]


# --- the result --------------------------------------------------------------------------------


@dataclass
class DemoHistory:
    today: date
    cohorts: list[Cohort]
    people: list[Person]  # every person whose record changed (programs, grown mentors)
    # new or raised skills: the grown mentors', and what mentees who reached a goal learned
    person_skills: list[PersonSkill]
    goals: list[Goal]  # every goal (dates and statuses set)
    pairings: list[Pairing]
    checkins: list[CheckIn]
    grown_mentors: list[str] = field(default_factory=list)
    coordinator_id: str | None = None
    steward_id: str | None = None
    programs: list[Program] = field(default_factory=list)  # every program's declaration

    def ops(self) -> list[StoreOp]:
        ops: list[StoreOp] = [UpsertPeople(self.people)]
        if self.programs:
            ops.append(UpsertPrograms(self.programs))
        if self.person_skills:
            ops.append(UpsertPersonSkills(self.person_skills))
        ops += [UpsertGoals(self.goals), UpsertPairings(self.pairings)]
        if self.checkins:
            ops.append(AddCheckIns(self.checkins))
        return ops


# --- words ---------------------------------------------------------------------------------------

DECLINE_REASONS: tuple[tuple[str, bool], ...] = (  # (reason, do_not_pair_again)
    (
        "schedule clash: our free hours stopped overlapping after my team moved to a new shift",
        False,
    ),
    ("I already found a mentor for this goal through my manager", False),
    ("going on parental leave next month, so I cannot commit to four months", False),
    ("we work on the same project; I would rather learn from someone outside it", False),
    ("we had a difficult working relationship before; better not to pair us", True),
    ("my role changed and this goal is no longer my priority", False),
    ("I would prefer a mentor in my own time zone", False),
)
CLOSE_ACHIEVED = (
    "goal achieved: presented the quarterly plan to the leadership team",
    "goal achieved: led the project from kick-off to launch",
    "goal achieved: promoted into the role we prepared for",
    "goal achieved: running the team rituals on my own now",
    "goal achieved: the new process is live and the team uses it",
)
CLOSE_NOT_ACHIEVED = (
    "program ended; goal not reached yet, will continue on my own",
    "program ended; we ran out of time before the certification",
    "mentee moved to another team; goal no longer relevant",
    "program ended; the project we practised on was cancelled",
)
CLOSE_AFTER_STALL = (
    "closed after the stall: we could not find time again",
    "closed after the stall: the pairing was not working for either of us",
    "closed after the stall: mentor's workload changed",
)
NEVER_STARTED = "never got started: the first session was postponed three times"
MANUAL_STALL = "mentor on extended leave for six weeks"
NOTES = {
    5: (
        "Great session: we rehearsed the talk twice and it finally clicked.",
        "Went through my first draft together; clear next steps.",
        "Very useful: shadowed a real negotiation and debriefed.",
    ),
    4: (
        "Good progress on the plan; homework for next time agreed.",
        "Talked through a tricky situation at work; new ideas to try.",
        "Reviewed my slides; need to cut them down by half.",
    ),
    3: (
        "OK session, a bit short because of a deadline.",
        "We mostly caught up; little time for the actual goal.",
    ),
    2: (
        "Rushed: mentor had to leave early.",
        "Not sure we are working on the right thing.",
    ),
    1: ("Session cancelled at the last minute, then a quick call.",),
}


# --- one pairing, built through the lifecycle's own transitions ---------------------------------


class _Builder:
    """A pairing being written, one legal transition at a time (lifecycle.transitioned)."""

    def __init__(self, pairing: Pairing) -> None:
        self.pairing = pairing
        self.checkins: list[CheckIn] = []

    @property
    def status(self) -> PairingStatus:
        return self.pairing.status

    @property
    def ended(self) -> datetime | None:
        """When it stopped holding the mentor's time (declined or closed), else None."""
        if self.pairing.status in (S.declined, S.closed):
            return self.pairing.history[-1].at
        return None

    @property
    def last_activity(self) -> date:
        """The later of the last check-in and the last activation (what silence counts from)."""
        days = [c.on for c in self.checkins]
        days += [e.at.date() for e in self.pairing.history if e.status == S.active]
        return max(days) if days else self.pairing.created_at.date()

    def move(self, to: PairingStatus, when: datetime, by: str | None, reason: str = "") -> None:
        updated = transitioned(self.pairing, to, by=by, reason=reason, now=when)
        if to in (S.declined, S.closed):
            updated = updated.model_copy(update={"close_reason": reason})
        self.pairing = updated

    def check_in(self, day: date, rating: int, note: str, by: str | None) -> None:
        if self.status not in CHECK_IN_STATUSES:
            raise ValueError(f"{self.pairing.id}: check-in while {self.status.value}")
        when = at(day, 16, len(self.checkins) % 60)
        if self.status == S.stalled:
            self.pairing = transitioned(self.pairing, S.active, by=by, reason="check-in", now=when)
        else:
            self.pairing = self.pairing.model_copy(update={"updated_at": when})
        self.checkins.append(
            CheckIn(
                id=f"{self.pairing.id}-ci{len(self.checkins) + 1:02d}",
                pairing_id=self.pairing.id,
                on=day,
                rating=rating,
                note=note,
                by=by,
            )
        )


def as_of(pairing: Pairing, moment: datetime) -> Pairing | None:
    """The pairing as it stood at `moment` (None before it was proposed)."""
    events = [e for e in pairing.history if e.at <= moment]
    if not events:
        return None
    last = events[-1]
    ended = last.status in (S.declined, S.closed)
    return pairing.model_copy(
        update={
            "status": last.status,
            "history": events,
            "updated_at": last.at,
            "close_reason": pairing.close_reason if ended else "",
            "do_not_pair_again": pairing.do_not_pair_again and ended,
        }
    )


def live_interval(pairing: Pairing) -> tuple[datetime, datetime | None]:
    """When the pairing held the mentor's places: from its proposal to its decline or close."""
    end = next((e.at for e in pairing.history if e.status in (S.declined, S.closed)), None)
    return pairing.created_at, end


# --- the generator --------------------------------------------------------------------------------


@dataclass
class _World:
    """Everything the generator reads and writes, with time-aware views for the matcher."""

    hierarchy: Hierarchy
    people: dict[str, Person]
    skills: dict[str, dict[str, PersonSkill]]
    goals: dict[str, Goal]
    targets: dict[str, list[GoalTarget]]
    goals_of: dict[str, list[str]] = field(default_factory=dict)  # person -> goal ids, sorted
    builders: list[_Builder] = field(default_factory=list)
    # people whose record changed at some moment: (from when, new record, new skills)
    grown: dict[str, tuple[datetime, Person, dict[str, PersonSkill]]] = field(default_factory=dict)
    goal_status: dict[str, tuple[datetime, GoalStatus]] = field(default_factory=dict)
    credits_cache: dict[str, Any] = field(default_factory=dict)

    def person_at(self, pid: str, moment: datetime) -> Person:
        g = self.grown.get(pid)
        return g[1] if g is not None and moment >= g[0] else self.people[pid]

    def skills_at(self, pid: str, moment: datetime) -> dict[str, PersonSkill]:
        g = self.grown.get(pid)
        return g[2] if g is not None and moment >= g[0] else self.skills.get(pid, {})

    def goal_at(self, gid: str, moment: datetime) -> Goal:
        goal = self.goals[gid]
        st = self.goal_status.get(gid)
        status = st[1] if st is not None and moment >= st[0] else GoalStatus.open
        return goal if goal.status == status else goal.model_copy(update={"status": status})

    def snapshot(self, moment: datetime) -> Snapshot:
        """The org as it stood at `moment`: pairings and check-ins up to then."""
        pairings = [p for b in self.builders if (p := as_of(b.pairing, moment)) is not None]
        checkins = [c for b in self.builders for c in b.checkins if at(c.on, 16) <= moment]
        snap = Snapshot.from_parts(
            taxonomy=self.hierarchy,
            people=[self.person_at(pid, moment) for pid in self.people],
            person_skills=[
                ps for pid in self.people for ps in self.skills_at(pid, moment).values()
            ],
            goals=[self.goal_at(gid, moment) for gid in self.goals],
            targets=[t for ts in self.targets.values() for t in ts],
            pairings=pairings,
            checkins=checkins,
        )
        # Every snapshot here shares one Hierarchy, so the taxonomy credits of a target (the
        # costly part of ranking; the cache checks the hierarchy's identity) are shared too.
        snap._credits = self.credits_cache
        return snap

    # capacity ledger: places and hours a mentor holds at a moment, over all pairings
    def load_at(self, mentor_id: str, moment: datetime) -> tuple[int, float]:
        places, hours = 0, 0.0
        for b in self.builders:
            p = b.pairing
            if p.mentor_id != mentor_id:
                continue
            start, end = live_interval(p)
            if start <= moment and (end is None or moment < end):
                places += p.places_held
                hours += p.hours_held
        return places, hours

    def fits(self, mentor_id: str, start: datetime, places: int, hours: float) -> bool:
        """Whether the mentor has `places` and `hours` free from `start` on, at every moment
        a pairing of theirs begins (their load only grows at such moments)."""
        mentor = self.person_at(mentor_id, start)
        moments = [start] + [
            b.pairing.created_at
            for b in self.builders
            if b.pairing.mentor_id == mentor_id and b.pairing.created_at > start
        ]
        for m in moments:
            used, used_h = self.load_at(mentor_id, m)
            if used + places > mentor.max_mentees:
                return False
            if used_h + hours > mentor.max_hours_per_month + 1e-9:
                return False
        return True


class _Generator:
    def __init__(self, world: _World, rng: random.Random, today: date) -> None:
        self.w = world
        self.rng = rng
        self.today = today
        self.now = at(today, 12)
        self.serial: dict[str, int] = defaultdict(int)
        self.coordinator = "person:" + (_pick_role(world.people, "People & HR", 0) or "demo")
        self.steward_id = _pick_role(world.people, "People & HR", 1)

    # --- building pairings ------------------------------------------------------------------

    def new_pairing(
        self,
        cohort: Cohort,
        mentor_id: str,
        mentee_ids: Sequence[str],
        when: datetime,
        *,
        model: MentoringModel = MentoringModel.one_to_one,
        goal_ids: Sequence[str] = (),
        score: float | None = None,
        reason: str = "",
        program: str | None = None,
        hours: float | None = None,
        skill_id: str | None = None,
        session_minutes: int | None = None,
    ) -> _Builder | None:
        """Propose (if the mentor has room at `when` and no guardrail forbids it). A circle
        holds none of its convener's capacity, a micro session only its hours."""
        people = [self.w.person_at(m, when) for m in mentee_ids]
        hours = hours or max(p.hours_wanted_per_month for p in people) or 2.0
        places = 0 if model in (MentoringModel.circle, MentoringModel.micro) else len(mentee_ids)
        held = 0.0 if model == MentoringModel.circle else hours
        if not self.w.fits(mentor_id, when, places, held):
            return None
        program = program or cohort.name
        self.serial[program] += 1
        mentor = self.w.person_at(mentor_id, when)
        fmt = Format.in_person if mentor.location == people[0].location else Format.video
        if self.rng.random() < 0.1:
            fmt = Format.async_
        goals = (
            list(goal_ids)
            or [
                gid
                for m in mentee_ids
                for gid in self.w.goals_of.get(m, [])
                if self.w.goal_at(gid, when).status == GoalStatus.open
            ][: 2 * len(mentee_ids)]
        )
        baseline: dict[str, dict[str, int]] = {}
        for m in mentee_ids:
            own = self.w.skills_at(m, when)
            aimed = sorted(
                {
                    t.node_id
                    for g in goals
                    if self.w.goals[g].person_id == m
                    for t in self.w.targets.get(g, [])
                    if t.node_id in self.w.hierarchy and self.w.hierarchy.kind(t.node_id) == "skill"
                }
            )
            if aimed:
                baseline[m] = {sid: own[sid].level if sid in own else 0 for sid in aimed}
        pairing = Pairing(
            id=f"demo-{program}-{self.serial[program]:04d}",
            baseline_levels=baseline,
            mentor_id=mentor_id,
            mentee_ids=list(mentee_ids),
            program=program,
            model=model,
            format=fmt,
            goal_ids=goals,
            status=S.proposed,
            hours_per_month=hours,
            score=None if score is None else round(score, 4),
            created_at=when,
            updated_at=when,
            history=[PairingEvent(status=S.proposed, at=when, by=self.coordinator, reason=reason)],
            skill_id=skill_id,
            session_minutes=session_minutes,
        )
        b = _Builder(pairing)
        self.w.builders.append(b)
        return b

    def rating(self, mood: float) -> int:
        """A rating around `mood` (1-5)."""
        return max(1, min(5, round(mood + self.rng.gauss(0, 0.45))))

    def note(self, rating: int) -> str:
        return self.rng.choice(NOTES[rating])

    def sessions(
        self, b: _Builder, first: date, until: date, mood: float, *, gap: tuple[int, int] = (12, 19)
    ) -> None:
        """Check-ins from `first` every gap days up to `until` (inclusive), healthy ratings:
        never three strictly falling, never a low average."""
        day = first
        mentee = b.pairing.mentee_ids[0]
        while day <= until:
            r = self.rating(mood)
            recent = [c.rating for c in b.checkins[-2:]] + [r]
            if len(recent) == 3 and recent[0] > recent[1] > recent[2]:
                r = recent[1]
            if len(recent) >= 2 and sum(recent[-3:]) / len(recent[-3:]) < 3:
                r = 4
            b.check_in(day, r, self.note(r), f"person:{mentee}")
            day += self.rng.randint(*gap) * DAY

    def accept_and_start(self, b: _Builder, proposed: datetime) -> date | None:
        """accepted 1-5 days after the proposal, active (first session) 2-8 days later; None
        (and no move past today) when that would lie in the future."""
        accepted = (
            proposed + self.rng.randint(1, 5) * DAY + self.rng.randint(0, 6) * timedelta(hours=1)
        )
        started = accepted + self.rng.randint(2, 8) * DAY
        if accepted >= self.now:
            return None
        mentee = b.pairing.mentee_ids[0]
        b.move(S.accepted, accepted, f"person:{mentee}")
        if started >= self.now:
            return None
        b.move(S.active, started, f"person:{b.pairing.mentor_id}", "first session held")
        return started.date()

    def finish_goals(self, b: _Builder, when: datetime, status: GoalStatus) -> None:
        for gid in b.pairing.goal_ids:
            prior = self.w.goal_status.get(gid)
            if prior is None or prior[0] <= when:  # the latest outcome is the goal's
                self.w.goal_status[gid] = (when, status)

    # --- past cohorts: every pairing runs to its end -------------------------------------------

    PAST_OUTCOMES = (
        ("achieved", 0.5),
        ("not_achieved", 0.17),
        ("declined", 0.12),
        ("silence_recovered", 0.08),
        ("falling_closed", 0.05),
        ("low_average_closed", 0.03),
        ("manual_stall_closed", 0.02),
        ("never_started", 0.03),
    )
    OPEN_OUTCOMES = (
        ("healthy", 0.42),
        ("declined", 0.1),
        ("pending", 0.04),
        ("accepted", 0.07),
        ("silent_now", 0.06),
        ("falling_now", 0.04),
        ("low_average_now", 0.03),
        ("stalled_silence", 0.07),
        ("stalled_falling", 0.03),
        ("closed_early_achieved", 0.05),
        ("closed_early_other", 0.05),
    )

    def outcome(self, table: tuple[tuple[str, float], ...], *, no_decline: bool = False) -> str:
        rows = [(n, w) for n, w in table if not (no_decline and n == "declined")]
        return self.rng.choices([n for n, _ in rows], weights=[w for _, w in rows])[0]

    def decline(
        self, b: _Builder, mentor: str, mentee: str, proposed: datetime, *, within_days: int
    ) -> None:
        """Either side declines within `within_days` days, with a reason (some with "do not
        pair again")."""
        reason, dnpa = self.rng.choice(DECLINE_REASONS)
        by = mentor if self.rng.random() < 0.5 else mentee
        b.move(S.declined, proposed + self.rng.randint(1, within_days) * DAY, by, reason)
        if dnpa:
            b.pairing = b.pairing.model_copy(update={"do_not_pair_again": True})

    def run_past(self, b: _Builder, cohort: Cohort, outcome: str, end: date) -> None:
        """Play a past cohort's pairing to its close (or decline) by `end`."""
        p = b.pairing
        mentee, mentor = f"person:{p.mentee_ids[0]}", f"person:{p.mentor_id}"
        proposed = p.created_at
        if outcome == "declined":
            self.decline(b, mentor, mentee, proposed, within_days=6)
            return
        if outcome == "never_started":
            b.move(S.accepted, proposed + 2 * DAY, mentee)
            b.move(S.closed, proposed + 40 * DAY, self.coordinator, NEVER_STARTED)
            return
        started = self.accept_and_start(b, proposed)
        assert started is not None  # a past cohort started months ago
        mood = self.rng.uniform(3.6, 4.6)
        if outcome in ("achieved", "not_achieved"):
            self.sessions(b, started + self.rng.randint(5, 10) * DAY, end - 3 * DAY, mood)
            achieved = outcome == "achieved"
            reason = self.rng.choice(CLOSE_ACHIEVED if achieved else CLOSE_NOT_ACHIEVED)
            b.move(S.closed, at(end, 15), mentee, reason)
            status = GoalStatus.achieved if achieved else self._unreached()
            self.finish_goals(b, at(end, 15), status)
            return
        # a stall in the middle of the run
        middle = started + self.rng.randint(30, 45) * DAY
        self.sessions(b, started + 6 * DAY, middle, mood)
        if outcome == "silence_recovered":
            silent = self.stall_for_silence(b)
            back = silent + self.rng.randint(4, 9) * DAY
            r = self.rating(mood)
            b.check_in(back.date(), r, "Back on track after a quiet month.", mentee)
            self.sessions(b, back.date() + 14 * DAY, end - 3 * DAY, mood)
            b.move(S.closed, at(end, 15), mentee, self.rng.choice(CLOSE_ACHIEVED))
            self.finish_goals(b, at(end, 15), GoalStatus.achieved)
            return
        if outcome == "falling_closed":
            stalled = self.stall_for_falling(b, mood)
        elif outcome == "low_average_closed":
            stalled = self.stall_for_low_average(b)
        else:  # manual_stall_closed
            stalled = at(b.last_activity + 5 * DAY, 11)
            b.move(S.stalled, stalled, self.coordinator, MANUAL_STALL)
        closed = stalled + self.rng.randint(8, 16) * DAY
        b.move(S.closed, closed, self.coordinator, self.rng.choice(CLOSE_AFTER_STALL))
        self.finish_goals(b, closed, self._unreached())

    def _unreached(self) -> GoalStatus:
        return GoalStatus.dropped if self.rng.random() < 0.4 else GoalStatus.open

    def stall_for_silence(self, b: _Builder) -> datetime:
        """Marked stalled by the detector after 22-26 silent days, with its reason."""
        last = b.last_activity
        days = self.rng.randint(STALL_AFTER_DAYS + 1, STALL_AFTER_DAYS + 5)
        when = at(last + days * DAY, 6)
        self._mark(b, when)
        return when

    def stall_for_falling(self, b: _Builder, mood: float) -> datetime:
        top = min(5, max(3, round(mood)))
        day = b.last_activity
        for r in (top, top - 1, top - 2):
            day += self.rng.randint(9, 14) * DAY
            b.check_in(day, r, self.note(r), f"person:{b.pairing.mentee_ids[0]}")
        when = at(day + DAY, 6)
        self._mark(b, when)
        return when

    def stall_for_low_average(self, b: _Builder) -> datetime:
        day = b.last_activity
        for r in (2, 1, 3):
            day += self.rng.randint(9, 14) * DAY
            b.check_in(day, r, self.note(r), f"person:{b.pairing.mentee_ids[0]}")
        when = at(day + DAY, 6)
        self._mark(b, when)
        return when

    def _mark(self, b: _Builder, when: datetime) -> None:
        """The detector's own verdict at `when` is the stall reason (it must have one)."""
        reasons, _ = stall_reasons(
            b.pairing, b.checkins, now=when, stall_after_days=STALL_AFTER_DAYS
        )
        if not reasons:
            raise AssertionError(f"{b.pairing.id}: not stalled at {when}")
        b.move(S.stalled, when, DETECTOR, "; ".join(reasons))

    # --- the open cohort: stop at today -------------------------------------------------------

    def run_open(self, b: _Builder, outcome: str) -> None:
        p = b.pairing
        mentee, mentor = f"person:{p.mentee_ids[0]}", f"person:{p.mentor_id}"
        proposed = p.created_at
        today = self.today
        if outcome == "pending":
            return
        if outcome == "declined":
            self.decline(b, mentor, mentee, proposed, within_days=5)
            return
        if outcome == "accepted":
            b.move(S.accepted, at(today - self.rng.randint(1, 4) * DAY, 11), mentee)
            return
        started = self.accept_and_start(b, proposed)
        if started is None:
            return
        mood = self.rng.uniform(3.7, 4.6)
        first = started + self.rng.randint(4, 8) * DAY
        if outcome == "healthy":
            # the last check-in falls within the detector's window, whatever the draws
            self.sessions(b, first, today - 2 * DAY, mood, gap=(9, 13))
            if not b.checkins or (today - b.last_activity).days > 12:
                r = self.rating(mood)
                r = max(r, b.checkins[-1].rating) if b.checkins else r
                b.check_in(today - 2 * DAY, r, self.note(r), mentee)
            self._keep_healthy(b)
            return
        if outcome == "silent_now":  # nobody checked in for 24-33 days: detected live
            silent = self.rng.randint(STALL_AFTER_DAYS + 3, STALL_AFTER_DAYS + 12)
            self.sessions(b, first, today - silent * DAY, mood, gap=(9, 12))
            return
        if outcome in ("falling_now", "low_average_now"):
            ratings = (5, 4, 2) if outcome == "falling_now" else (2, 1, 3)
            day = first
            for r in ratings:
                if day > today - DAY:
                    break
                b.check_in(day, r, self.note(r), mentee)
                day += self.rng.randint(7, 9) * DAY
            return
        if outcome == "stalled_silence":
            self.sessions(b, first, first, mood)
            due = b.last_activity + (STALL_AFTER_DAYS + 1) * DAY
            if due < today:
                self._mark(b, at(due, 6))
            return
        if outcome == "stalled_falling":
            day = first
            for r in (4, 3, 2):
                if day >= today:
                    return
                b.check_in(day, r, self.note(r), mentee)
                day += 6 * DAY
            if b.last_activity + DAY < today:
                self._mark(b, at(b.last_activity + DAY, 6))
            return
        # closed early, a week or two ago
        self.sessions(b, first, today - 12 * DAY, mood, gap=(8, 11))
        closed = at(max(b.last_activity + DAY, today - 10 * DAY), 15)
        if closed.date() >= today:
            return
        if outcome == "closed_early_achieved":
            b.move(S.closed, closed, mentee, self.rng.choice(CLOSE_ACHIEVED))
            self.finish_goals(b, closed, GoalStatus.achieved)
        else:
            b.move(
                S.closed, closed, mentee, "mentee moved to another team; goal no longer relevant"
            )
            self.finish_goals(b, closed, GoalStatus.dropped)

    def _keep_healthy(self, b: _Builder) -> None:
        reasons, _ = stall_reasons(
            b.pairing, b.checkins, now=self.now, stall_after_days=STALL_AFTER_DAYS
        )
        if reasons:  # cannot happen with the draws above; keep the generator honest anyway
            raise AssertionError(f"{b.pairing.id} meant healthy but {reasons}")

    # --- matching -------------------------------------------------------------------------------

    def match(
        self,
        cohort: Cohort,
        mentees: Sequence[str],
        when: datetime,
    ) -> list[_Builder]:
        """Run the cohort matcher on the org as of `when` and propose its pairs."""
        if not mentees:
            return []
        snap = self.w.snapshot(when)
        result = match_cohort(
            snap,
            cohort.name,
            now=when,
            candidates_per_mentee=25,
            mentee_ids=list(mentees),
        )
        out = []
        for prop in result.proposals:
            b = self.new_pairing(
                cohort,
                prop.mentor_id,
                [prop.mentee_id],
                when,
                goal_ids=prop.goal_ids,
                score=prop.score,
                reason="cohort match: " + "; ".join(prop.reasons[:3]),
            )
            if b is not None:
                out.append(b)
        return out

    def rematch(self, cohort: Cohort, declined: _Builder, snap: Snapshot) -> _Builder | None:
        """After a decline: the mentee's best other mentor two days later, if any has room.

        `snap` is the org just after the cohort's match (the declined mentor is excluded by
        name; the capacity ledger checks room at the new proposal's time)."""
        end = declined.ended
        assert end is not None
        when = end + 2 * DAY
        if cohort.is_open and when.date() >= self.today:
            return None
        mentee = declined.pairing.mentee_ids[0]
        opts = RecommendOptions(exclude_mentor_ids=[declined.pairing.mentor_id])
        try:
            recs = recommend(snap, mentee, k=5, options=opts, now=when)
        except MentorgraphError:
            return None
        for rec in recs:
            b = self.new_pairing(
                cohort,
                rec.mentor_id,
                [mentee],
                when,
                goal_ids=sorted({sp.goal_id for sp in rec.skill_paths}),
                score=rec.score,
                reason="re-proposed after a decline: " + "; ".join(rec.reasons[:2]),
            )
            if b is not None:
                return b
        return None

    def group(
        self, cohort: Cohort, pool: Sequence[str], when: datetime, snap: Snapshot
    ) -> _Builder | None:
        """A group: the mentor the ranking (model "group") suggests to most of the waiting
        mentees in `pool` leads three or four of them; their places are raised to lead it."""
        opts = RecommendOptions(model=MentoringModel.group)
        pool = [m for m in pool if m in snap.state.people]
        if len(pool) < 3:
            return None
        edges = top_k_candidates(snap, pool, k=40, options=opts, now=when)
        fans: dict[str, list[str]] = defaultdict(list)
        for i, mentor_id in zip(
            edges.mentee_index.tolist(), edges.mentor_ids(snap.state), strict=True
        ):
            fans[mentor_id].append(pool[i])
        leaders = sorted(fans.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        for mentor_id, members in leaders:
            if len(members) < 3:
                break
            if mentor_id in self.w.grown:
                continue
            lead = self.w.people[mentor_id]
            self.w.people[mentor_id] = lead.model_copy(
                update={
                    "max_mentees": max(lead.max_mentees, GROUP_PLACES),
                    "max_hours_per_month": max(lead.max_hours_per_month, 12.0),
                }
            )
            b = self.new_pairing(
                cohort,
                mentor_id,
                sorted(members[:4]),
                when,
                model=MentoringModel.group,
                reason="group: mentees whose goals this mentor fits best",
            )
            if b is not None:
                return b
            self.w.people[mentor_id] = lead
        return None


def _pick_role(people: Mapping[str, Person], department: str, nth: int) -> str | None:
    """The nth most senior person of a department (the demo's coordinator and steward)."""
    staff = sorted(
        (p for p in people.values() if p.department == department and not p.is_mentor),
        key=lambda p: (-p.seniority, p.id),
    )
    return staff[nth].id if len(staff) > nth else None


def generate_history(
    *,
    hierarchy: Hierarchy,
    people: Sequence[Person],
    person_skills: Sequence[PersonSkill],
    goals: Sequence[Goal],
    targets: Iterable[GoalTarget],
    seed: int,
    today: date,
) -> DemoHistory:
    """Pure: the program history of an org (see the module doc). Goals need mapped targets to
    be matched; people without targeted goals take no part."""
    rng = random.Random(seed)
    by_goal: dict[str, list[GoalTarget]] = defaultdict(list)
    for t in targets:
        by_goal[t.goal_id].append(t)
    skills: dict[str, dict[str, PersonSkill]] = defaultdict(dict)
    for ps in person_skills:
        skills[ps.person_id][ps.skill_id] = ps
    cohorts = cohorts_for(today)
    first = cohorts[0]

    # goals are dated before the first cohort unless a cohort dates them again
    dated: dict[str, Goal] = {}
    for g in sorted(goals, key=lambda g: g.id):
        created = at(first.start - rng.randint(10, 60) * DAY, 9, rng.randint(0, 59))
        target = g.target_date
        if target is not None and target < created.date() + 60 * DAY:
            target = created.date() + rng.randint(180, 300) * DAY
        dated[g.id] = g.model_copy(update={"created_at": created, "target_date": target})

    people_by_id = {p.id: p.model_copy(update={"programs": []}) for p in people}
    goals_of: dict[str, list[str]] = defaultdict(list)
    for gid in sorted(dated):
        goals_of[dated[gid].person_id].append(gid)
    world = _World(
        hierarchy=hierarchy,
        people=people_by_id,
        skills=dict(skills),
        goals=dated,
        targets=dict(by_goal),
        goals_of=dict(goals_of),
    )
    gen = _Generator(world, rng, today)

    targeted = {g.person_id for g in goals if by_goal.get(g.id)}
    seekers = sorted(pid for pid, p in people_by_id.items() if not p.is_mentor and pid in targeted)
    rng.shuffle(seekers)
    n = len(seekers)
    cut1, cut2 = round(n * ENROL_SHARE[0]), round(n * (ENROL_SHARE[0] + ENROL_SHARE[1]))
    cut3 = round(n * sum(ENROL_SHARE))
    enrolled: list[list[str]] = [seekers[:cut1], seekers[cut1:cut2], seekers[cut2:cut3]]
    spare = seekers[cut3:]  # late joiners of the open cohort come from here
    programs: dict[str, list[str]] = defaultdict(list)

    def enrol(pid: str, cohort: Cohort) -> None:
        if cohort.name not in programs[pid]:
            programs[pid].append(cohort.name)
        for gid in world.goals_of.get(pid, []):
            goal = world.goal_at(gid, cohort.match)
            if goal.status != GoalStatus.open:
                continue
            created = min(goal.created_at, at(cohort.start - rng.randint(3, 20) * DAY, 9))
            target = goal.target_date
            if target is None or target < cohort.start + 90 * DAY:
                target = cohort.start + rng.randint(150, 240) * DAY
            world.goals[gid] = goal.model_copy(
                update={"start_date": cohort.start, "created_at": created, "target_date": target}
            )

    ends = [cohorts[1].start - 8 * DAY, cohorts[2].start - 6 * DAY]
    for ci, cohort in enumerate(cohorts):
        for pid in enrolled[ci]:
            enrol(pid, cohort)
        # groups first (one in the second cohort, two in the open one) for the mentees a
        # mentor fits best together, then everyone else one to one
        builders: list[_Builder] = []
        if ci:
            before = world.snapshot(cohort.match - timedelta(hours=1))
            pool = list(enrolled[ci])
            for _ in range(ci):
                grp = gen.group(cohort, pool, cohort.match, before)
                if grp is None:
                    break
                builders.append(grp)
                pool = [m for m in pool if m not in grp.pairing.mentee_ids]
        grouped = {m for b in builders for m in b.pairing.mentee_ids}
        builders += gen.match(cohort, [m for m in enrolled[ci] if m not in grouped], cohort.match)
        after = world.snapshot(cohort.match + timedelta(hours=1))
        for b in builders:
            if programs[b.pairing.mentor_id].count(cohort.name) == 0:
                programs[b.pairing.mentor_id].append(cohort.name)
        queue = list(builders)
        while queue:
            b = queue.pop(0)
            again = b.pairing.history[-1].reason.startswith("re-proposed")
            if cohort.is_open:
                gen.run_open(b, gen.outcome(gen.OPEN_OUTCOMES, no_decline=again))
            else:
                end = ends[ci] - rng.randint(0, 14) * DAY
                gen.run_past(b, cohort, gen.outcome(gen.PAST_OUTCOMES, no_decline=again), end)
            if b.status == S.declined and rng.random() < 0.7:
                nxt = gen.rematch(cohort, b, after)
                if nxt is not None:
                    queue.append(nxt)
        if ci == 0:
            _grow_mentors(world, gen, cohort, ends[0])
        if ci < 2:  # some of those who did not reach their goal try again next time
            reached = {
                m
                for b in world.builders
                if b.pairing.program == cohort.name
                for m in b.pairing.mentee_ids
                if b.pairing.close_reason.startswith("goal achieved")
            }
            nxt_match = cohorts[ci + 1].match
            retry = [
                m
                for m in enrolled[ci]
                if m not in reached
                and m not in world.grown
                and any(
                    world.goal_at(g, nxt_match).status == GoalStatus.open
                    for g in world.goals_of.get(m, [])
                )
                and rng.random() < CARRY_OVER
            ]
            enrolled[ci + 1] = sorted(set(enrolled[ci + 1]) | set(retry))

    open_cohort = cohorts[2]
    _grown_mentor_pairings(world, gen, open_cohort, seekers, programs, enrol)
    # a late wave: enrolled last week, proposals published a few days ago, no answer yet
    late_at = at(today - 4 * DAY, 10)
    late = spare[: max(0, round(n * 0.05))]
    for pid in late:
        enrol(pid, open_cohort)
    for b in gen.match(open_cohort, late, late_at):
        if open_cohort.name not in programs[b.pairing.mentor_id]:
            programs[b.pairing.mentor_id].append(open_cohort.name)
        if rng.random() < 0.25:
            b.move(S.accepted, at(today - DAY, 9), f"person:{b.pairing.mentee_ids[0]}")
    _peer_circle(world, gen, open_cohort, programs)
    _circle_of_equals(world, gen, open_cohort, spare[len(late) :], programs, enrol)
    _micro_session(world, gen, open_cohort, enrolled[2])

    for pid, names in programs.items():
        world.people[pid] = world.people[pid].model_copy(update={"programs": list(names)})
        if pid in world.grown:
            when, grown, sk = world.grown[pid]
            world.grown[pid] = (when, grown.model_copy(update={"programs": list(names)}), sk)

    final_people = [world.person_at(pid, gen.now) for pid in sorted(world.people)]
    changed_people = [p for p in final_people if p != _by_id(people).get(p.id)]
    grown_skills = [ps for pid in sorted(world.grown) for ps in world.grown[pid][2].values()]
    original = {(ps.person_id, ps.skill_id): ps for ps in person_skills}
    new_skills = [ps for ps in grown_skills if original.get((ps.person_id, ps.skill_id)) != ps]
    new_skills += _learned(world, random.Random(seed + 14))
    final_goals = [world.goal_at(gid, gen.now) for gid in sorted(world.goals)]
    pairings = sorted((b.pairing for b in world.builders), key=lambda p: p.id)
    checkins = sorted((c for b in world.builders for c in b.checkins), key=lambda c: c.id)
    return DemoHistory(
        today=today,
        cohorts=cohorts,
        people=changed_people,
        person_skills=new_skills,
        goals=final_goals,
        pairings=pairings,
        checkins=checkins,
        grown_mentors=sorted(world.grown),
        coordinator_id=gen.coordinator.removeprefix("person:"),
        steward_id=gen.steward_id,
        programs=declarations(cohorts),
    )


def declarations(cohorts: Sequence[Cohort]) -> list[Program]:
    """The demo programs' declarations: every cohort runs one-to-one and groups of up to
    four, the open one also peer circles (of up to five) and micro sessions; its mentors
    meet as peer pairs in a program of their own."""
    M = MentoringModel
    out: list[Program] = []
    for c in cohorts:
        models = [M.one_to_one, M.group] + ([M.circle, M.micro] if c.is_open else [])
        out.append(
            Program(
                id=c.name,
                name=f"{c.name} mentoring cohort",
                models=models,
                hours_per_month=2.0,
                months=4,
                max_group_size=4,
                max_circle_size=5,
                micro_session_minutes=MICRO_MINUTES,
                created_at=at(c.start - 21 * DAY, 9),
            )
        )
    open_ = cohorts[-1]
    out.append(
        Program(
            id=f"{open_.name}-peers",
            name=f"{open_.name} mentors learning from each other in pairs",
            models=[M.peer],
            hours_per_month=2.0,
            created_at=at(open_.start - 7 * DAY, 9),
        )
    )
    return out


def _by_id(people: Iterable[Person]) -> dict[str, Person]:
    return {p.id: p for p in people}


def _grow_mentors(world: _World, gen: _Generator, cohort: Cohort, end: date) -> None:
    """Mentees of the first cohort who reached their goal become mentors after it: one place,
    the skills their goal aimed at raised to level 4 and offered."""
    reached: list[tuple[str, list[str]]] = []
    for b in world.builders:
        p = b.pairing
        if p.program == cohort.name and p.close_reason.startswith("goal achieved"):
            for m in p.mentee_ids:
                reached.append((m, p.goal_ids))
    reached.sort(key=lambda r: (-world.people[r[0]].seniority, r[0]))
    when = at(end + 10 * DAY, 9)
    for pid, goal_ids in reached:
        if len(world.grown) >= GROWN_MENTORS:
            break
        person = world.people[pid]
        aimed = [
            t.node_id
            for g in goal_ids
            for t in world.targets.get(g, [])
            if t.node_id in world.hierarchy and world.hierarchy.kind(t.node_id) == "skill"
        ]
        own = world.skills.get(pid, {})
        offered = (
            list(dict.fromkeys(aimed))[:2]
            or [s for s, ps in sorted(own.items()) if ps.level >= 3][:2]
        )
        if not offered:
            continue
        new_skills = dict(own)
        for sid in offered:
            level = max(4, own[sid].level if sid in own else 0)
            new_skills[sid] = PersonSkill(
                person_id=pid, skill_id=sid, level=level, willing_to_mentor=True
            )
        grown = person.model_copy(
            update={
                "is_mentor": True,
                "max_mentees": 1,
                "max_hours_per_month": 3.0,
                "seniority": min(9, person.seniority + 1),
            }
        )
        world.grown[pid] = (when, grown, new_skills)


def _learned(world: _World, rng: random.Random) -> list[PersonSkill]:
    """What the mentees who reached their goal learned (the grown mentors aside): each skill
    their goal aimed at one to three levels higher than when their pairing was proposed, not
    offered for mentoring. Recognition counts these as skills transferred; those now at the
    mentoring level are suggested as new mentors (they opt in themselves)."""
    out: dict[tuple[str, str], PersonSkill] = {}
    for b in sorted(world.builders, key=lambda b: b.pairing.id):
        p = b.pairing
        if not p.close_reason.startswith("goal achieved"):
            continue
        for mentee, levels in sorted(p.baseline_levels.items()):
            if mentee in world.grown:
                continue
            for sid, before in sorted(levels.items()):
                level = min(5, max(before, 1) + rng.choice((1, 2, 2, 3)))
                prev = out.get((mentee, sid))
                had = world.skills.get(mentee, {}).get(sid)
                if (prev is None or prev.level < level) and (had is None or had.level < level):
                    out[(mentee, sid)] = PersonSkill(
                        person_id=mentee,
                        skill_id=sid,
                        level=level,
                        willing_to_mentor=had is not None and had.willing_to_mentor,
                    )
    return [out[k] for k in sorted(out)]


def _grown_mentor_pairings(
    world: _World,
    gen: _Generator,
    cohort: Cohort,
    seekers: Sequence[str],
    programs: dict[str, list[str]],
    enrol: Callable[[str, Cohort], None],
) -> None:
    """Each grown mentor without a live pairing takes the waiting seeker they fit best (who
    joins the open cohort for it)."""
    when = cohort.match + 6 * DAY
    snap = world.snapshot(when)
    for mentor_id in sorted(world.grown):
        if world.load_at(mentor_id, when)[0]:
            continue
        busy = {
            m
            for b in world.builders
            for m in b.pairing.mentee_ids
            if (q := as_of(b.pairing, when)) is not None and q.status in OPEN_STATUSES
        }
        pool = [m for m in seekers if m not in busy and m not in world.grown]
        edges = top_k_candidates(snap, pool, k=1, now=when, among=[mentor_id])
        ranked = sorted(
            zip(edges.score.tolist(), edges.mentee_index.tolist(), strict=True),
            key=lambda e: (-e[0], e[1]),
        )
        for _, i in ranked:
            mentee = pool[i]
            recs = recommend(snap, mentee, k=1, now=when, among=[mentor_id])
            b = gen.new_pairing(
                cohort,
                mentor_id,
                [mentee],
                when,
                goal_ids=sorted({sp.goal_id for sp in recs[0].skill_paths}),
                score=recs[0].score,
                reason="a former mentee now mentoring: " + "; ".join(recs[0].reasons[:2]),
            )
            if b is not None:
                enrol(mentee, cohort)
                if cohort.name not in programs[mentor_id]:
                    programs[mentor_id].append(cohort.name)
                gen.run_open(b, "healthy")
                break


PEER_HOURS = 2.0  # what a peer who wanted no mentoring before asks for once paired


def _peer_circle(
    world: _World, gen: _Generator, cohort: Cohort, programs: dict[str, list[str]]
) -> None:
    """Mentors with goals of their own pair up as peers (model "peer") in a peer circle; the
    circle is those the peer matcher paired."""
    program = f"{cohort.name}-peers"
    when = cohort.match + 2 * DAY
    members = sorted(
        pid
        for pid, p in world.people.items()
        if p.is_mentor
        and pid not in world.grown
        and any(world.targets.get(g) for g in world.goals_of.get(pid, []))
    )[:40]
    if len(members) < 4:
        return
    before = {pid: world.people[pid] for pid in members}
    for pid in members:  # candidates for the matcher, who reads `programs`
        world.people[pid] = before[pid].model_copy(
            update={"programs": [*before[pid].programs, program]}
        )
    snap = world.snapshot(when)
    world.people.update(before)
    try:
        result = match_peers(snap, program, now=when)
    except MentorgraphError:
        return
    peer_cohort = Cohort(program, cohort.start, when, is_open=True)
    for pair in result.pairs[:6]:
        b = gen.new_pairing(
            peer_cohort,
            pair.a,
            [pair.b],
            when,
            model=MentoringModel.peer,
            score=pair.weight,
            reason="peer circle: " + "; ".join(pair.reasons[:2]),
            program=program,
        )
        if b is None:
            continue
        for pid in (pair.a, pair.b):
            programs[pid].append(program)
            # a peer is a mentee too: they want hours, else the pairing breaks
            # `wants_mentoring` (GET /v1/pairings/conflicts) from day one
            person = world.people[pid]
            if person.hours_wanted_per_month <= 0:
                world.people[pid] = person.model_copy(
                    update={"hours_wanted_per_month": b.pairing.hours_per_month or PEER_HOURS}
                )
            for gid in world.goals_of.get(pid, []):
                goal = world.goals[gid]
                target = goal.target_date
                if target is None or target < cohort.start + 90 * DAY:
                    target = cohort.start + 180 * DAY
                world.goals[gid] = goal.model_copy(
                    update={
                        "start_date": cohort.start,
                        "created_at": min(goal.created_at, at(cohort.start - 5 * DAY)),
                        "target_date": target,
                    }
                )
        gen.run_open(b, "healthy")


def _circle_of_equals(
    world: _World,
    gen: _Generator,
    cohort: Cohort,
    candidates: Sequence[str],
    programs: dict[str, list[str]],
    enrol: Callable[[str, Cohort], None],
) -> None:
    """A peer circle of the open cohort: people waiting for a place, formed into circles of
    equals by `match_circles`; the first circle is proposed (its members join the cohort)
    and meets (healthy)."""
    program = cohort.name
    when = cohort.match + 3 * DAY
    snap = world.snapshot(when)
    pool = [m for m in candidates if m in snap.state.people and not world.load_at(m, when)[0]]
    circles = match_circles(snap, program, member_ids=pool[:60], max_size=5)
    if not circles:
        return
    circle = circles[0]
    members = circle.member_ids
    b = gen.new_pairing(
        cohort,
        members[0],
        members[1:],
        when,
        model=MentoringModel.circle,
        hours=CIRCLE_HOURS,
        reason=f"peer circle of {len(members)} equals: "
        + "; ".join(circle.reasons[members[0]][:2]),
    )
    if b is None:
        return
    for pid in members:
        enrol(pid, cohort)
        if program not in programs[pid]:
            programs[pid].append(program)
    gen.run_open(b, "healthy")


def _micro_session(world: _World, gen: _Generator, cohort: Cohort, enrolled: Sequence[str]) -> None:
    """One micro session of the open cohort, three weeks ago: a mentee and a mentor who
    offers micro sessions (`micro_mentors`) on a skill of the mentee's goal; accepted, held
    and so closed (it holds nothing afterwards)."""
    when = at(gen.today - 21 * DAY, 10)
    snap = world.snapshot(when)
    h = world.hierarchy
    for mentee in sorted(enrolled):
        skills = [
            t.node_id
            for gid in world.goals_of.get(mentee, [])
            for t in world.targets.get(gid, [])
            if t.node_id in h and h.kind(t.node_id) == "skill"
        ]
        for sid in sorted(set(skills)):
            found = micro_mentors(snap.state, mentee, sid, minutes=MICRO_MINUTES, k=1)
            if not found:
                continue
            mentor = found[0].mentor_id
            b = gen.new_pairing(
                cohort,
                mentor,
                [mentee],
                when,
                model=MentoringModel.micro,
                hours=MICRO_MINUTES / 60,
                skill_id=sid,
                session_minutes=MICRO_MINUTES,
                reason=f"micro session on {h.label(sid)}: " + "; ".join(found[0].reasons[:1]),
            )
            if b is None:
                continue
            b.move(S.accepted, when + DAY, f"person:{mentor}")
            b.move(S.active, when + 3 * DAY, f"person:{mentee}", "session booked")
            day = (when + 3 * DAY).date()
            b.check_in(
                day, 5, "Half an hour well spent: exactly the trick I needed.", f"person:{mentee}"
            )
            b.move(S.closed, at(day, 17), f"person:{mentee}", "micro session held")
            return


# --- checks (tests run them on the result) -----------------------------------------------------


def check_history(
    *,
    pairings: Sequence[Pairing],
    checkins: Sequence[CheckIn],
    people: Sequence[Person],
    person_skills: Sequence[PersonSkill],
    hierarchy: Hierarchy,
) -> list[str]:
    """What breaks the lifecycle's rules in these pairings and check-ins, judged against the
    people as they are now (empty when nothing does):

    - every history event is a legal move from the one before (ALLOWED_FROM), starting at
      proposed, in time order; the status is the last event's; check-ins fall while the
      pairing was active or stalled;
    - at every moment a pairing was proposed, its mentor's live pairings (proposed .. declined
      or closed) fit within `max_mentees` and `max_hours_per_month`;
    - no guardrail forbids a pairing (self, manager chain, reports) and no pair marked
      do-not-pair-again meets again later.
    """
    problems: list[str] = []
    final = {p.id: p for p in people}
    by_pairing: dict[str, list[CheckIn]] = defaultdict(list)
    for c in checkins:
        by_pairing[c.pairing_id].append(c)
    for p in pairings:
        ev = p.history
        if not ev or ev[0].status != S.proposed or ev[0].at != p.created_at:
            problems.append(f"{p.id}: does not start as proposed at created_at")
        for a, b in pairwise(ev):
            if b.at < a.at:
                problems.append(f"{p.id}: events out of time order")
            if a.status not in ALLOWED_FROM.get(b.status, frozenset()):
                problems.append(f"{p.id}: illegal move {a.status.value} -> {b.status.value}")
        if ev and p.status != ev[-1].status:
            problems.append(f"{p.id}: status {p.status.value} but last event {ev[-1].status}")
        for c in by_pairing[p.id]:
            # check-ins are recorded in the afternoon (16:00-16:59) of their day
            state = as_of(p, at(c.on, 16, 59))
            if state is None or state.status not in CHECK_IN_STATUSES:
                problems.append(f"{c.id}: check-in while {state.status if state else None}")
    by_mentor: dict[str, list[Pairing]] = defaultdict(list)
    for p in pairings:
        by_mentor[p.mentor_id].append(p)
    for mentor_id, ps in by_mentor.items():
        mentor = final[mentor_id]
        for p in ps:
            moment = p.created_at
            live = [
                q
                for q in ps
                if live_interval(q)[0] <= moment
                and (live_interval(q)[1] is None or moment < live_interval(q)[1])  # type: ignore[operator]
            ]
            places = sum(q.places_held for q in live)
            hours = sum(q.hours_held for q in live)
            if places > mentor.max_mentees or hours > mentor.max_hours_per_month + 1e-9:
                problems.append(
                    f"{p.id}: mentor {mentor_id} holds {places} places / {hours:g} h at "
                    f"{moment:%Y-%m-%d} (max {mentor.max_mentees} / {mentor.max_hours_per_month:g})"
                )
    snap = Snapshot.from_parts(
        taxonomy=hierarchy, people=list(final.values()), person_skills=person_skills
    )
    for p in pairings:
        if p.model == MentoringModel.circle:  # equals: guardrails between every two members
            refused_in = circle_problems(snap.state, p)
            if refused_in:
                problems.append(f"{p.id}: circle {refused_in}")
            continue
        micro = p.model == MentoringModel.micro
        refused = guardrail_reasons(snap.state, p.mentor_id, p.mentee_ids, micro=micro)
        if refused:
            problems.append(f"{p.id}: guardrail {refused}")
    banned: dict[frozenset[str], datetime] = {}
    for p in sorted(pairings, key=lambda p: p.created_at):
        for m in p.mentee_ids:
            key = frozenset((p.mentor_id, m))
            if key in banned and p.created_at > banned[key]:
                problems.append(f"{p.id}: pairs a do-not-pair-again pair again")
        end = live_interval(p)[1]
        if p.do_not_pair_again and end is not None:
            for m in p.mentee_ids:
                banned.setdefault(frozenset((p.mentor_id, m)), end)
    opens: dict[frozenset[str], list[Pairing]] = defaultdict(list)
    for p in pairings:
        for m in p.mentee_ids:
            opens[frozenset((p.mentor_id, m))].append(p)
    for pair, ps in opens.items():
        spans = sorted(live_interval(q) for q in ps)
        for (_, end_a), (start_b, _) in pairwise(spans):
            if end_a is None or start_b < end_a:
                problems.append(f"{sorted(pair)}: two open pairings at once")
    return problems


# --- steward edits of the competency map --------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    days_ago: int
    run: Callable[[GraphStore, str], TaxonomyChange | None]


def _label_hits(store: GraphStore, words: Sequence[str], kind: str = "skill") -> list[str]:
    """Active node ids of `kind` whose label contains one of `words` (first word first),
    most held first."""
    out: list[str] = []
    for word in words:
        hits = [
            n
            for n in store.search_taxonomy(word, limit=60)
            if n.kind == kind and n.status == NodeStatus.active and word in n.label.casefold()
        ]
        if kind == "skill":
            hits.sort(key=lambda n: (-len(store.holders_of(n.id)), n.id))
        out += [n.id for n in hits if n.id not in out]
    return out


def steward_history(
    store: GraphStore, *, steward_id: str | None, today: date, seed: int = 7
) -> list[TaxonomyChange]:
    """A steward's edits over the program's months, through `taxonomy.editing` (so each has
    its before/after and can be reverted), back-dated to when they happened. Edits whose
    nodes the taxonomy does not have (a small company framework) are left out."""
    actor = f"person:{steward_id}" if steward_id else "key:demo-steward"
    rng = random.Random(seed)
    made: list[TaxonomyChange] = []
    created_id = "company:skill/run-incident-reviews"

    def first(ids: Sequence[str]) -> str | None:
        return ids[0] if ids else None

    def rename_ict(s: GraphStore, who: str) -> TaxonomyChange | None:
        node = next(
            (n for n in map(s.get_node, _label_hits(s, ["ict"])) if n and "ICT" in n.label), None
        )
        if node is None:
            return None
        label = re.sub(r"\bICT\b", "IT", node.label)
        return editing.rename(
            s, node.id, label, actor=who, reason="our people say IT, not ICT; old label kept"
        )

    def alias(words: Sequence[str], text: str, why: str) -> Callable[..., TaxonomyChange | None]:
        def run(s: GraphStore, who: str) -> TaxonomyChange | None:
            for node_id in _label_hits(s, words):
                node = s.get_node(node_id)
                if node and text.casefold() not in {
                    a.casefold() for a in [node.label, *node.aliases]
                }:
                    return editing.add_alias(s, node_id, text, actor=who, reason=why)
            return None

        return run

    def describe_cluster(s: GraphStore, who: str) -> TaxonomyChange | None:
        node_id = first(_label_hits(s, ["communication", "communicat"], kind="cluster"))
        if node_id is None:
            return None
        text = (
            "How we share information with colleagues, customers and partners: presenting, "
            "writing, listening and negotiating. Most development goals about 'speaking up' "
            "or 'presenting to executives' land here."
        )
        return editing.describe(
            s, node_id, text, actor=who, reason="description for the mentoring catalogue"
        )

    def move_under_sales(s: GraphStore, who: str) -> TaxonomyChange | None:
        target = first(_label_hits(s, ["selling", "sales", "sell"], kind="cluster"))
        for node_id in _label_hits(s, ["negotiat"]):
            found = s.parents(node_id)
            parents = [p.id for p in found]
            # a steward move names cluster parents only: leave skills under skills alone
            if target and target not in parents and all(p.kind == "cluster" for p in found):
                return editing.move(
                    s,
                    node_id,
                    [*parents, target],
                    actor=who,
                    reason="also listed under selling so the Sales team finds it",
                )
        return None

    def merge_near_duplicates(s: GraphStore, who: str) -> TaxonomyChange | None:
        pair = _near_duplicates(s)
        if pair is None:
            return None
        source, survivor = pair
        return editing.merge(
            s, source, survivor, actor=who, reason="two labels for the same thing in our teams"
        )

    def create_company_skill(s: GraphStore, who: str) -> TaxonomyChange | None:
        parent = first(_label_hits(s, ["ict", "software", "computer"], kind="cluster"))
        if parent is None or s.get_node(created_id) is not None:
            return None
        skill = Skill(
            id=created_id,
            label="run blameless incident reviews",
            description="Lead a review after an outage that finds causes, not culprits.",
            aliases=["post-mortem facilitation"],
        )
        return editing.create_skill(
            s, skill, parents=[parent], actor=who, reason="asked for by Engineering"
        )

    def split_company_skill(s: GraphStore, who: str) -> TaxonomyChange | None:
        node = s.get_node(created_id)
        if node is None or node.status != NodeStatus.active:
            return None
        parts = [
            Skill(id=f"{created_id}/facilitate", label="facilitate incident reviews"),
            Skill(id=f"{created_id}/write-up", label="write incident post-mortems"),
        ]
        return editing.split(
            s, created_id, parts, actor=who, reason="facilitating and writing are learnt apart"
        )

    moved: list[TaxonomyChange] = []

    def move_then(s: GraphStore, who: str) -> TaxonomyChange | None:
        target = first(_label_hits(s, ["management", "manag"], kind="cluster"))
        for node_id in _label_hits(s, ["budget", "plan"]):
            found = s.parents(node_id)
            parents = [p.id for p in found]
            clusters_only = all(p.kind == "cluster" for p in found)
            if target and target not in parents and parents and clusters_only:
                change = editing.move(
                    s, node_id, [target], actor=who, reason="belongs with management skills"
                )
                moved.append(change)
                return change
        return None

    def revert_move(s: GraphStore, who: str) -> TaxonomyChange | None:
        if not moved:
            return None
        return editing.revert(
            s, moved[0].id, actor=who, reason="moved back: Finance could no longer find it"
        )

    def deprecate_unused(s: GraphStore, who: str) -> TaxonomyChange | None:
        for node_id in _label_hits(s, ["livestock", "fish", "animal", "crop"]):
            if s.holders_of(node_id) or s.targets_of_node(node_id):
                continue
            return editing.deprecate(
                s, node_id, actor=who, reason="not part of our business; hidden from search"
            )
        return None

    edits = [
        _Edit(260, describe_cluster),
        _Edit(235, alias(["negotiat"], "deal-making", "what Sales calls it")),
        _Edit(214, rename_ict),
        _Edit(198, alias(["present"], "exec presentations", "wording from the goal forms")),
        _Edit(176, move_under_sales),
        _Edit(150, merge_near_duplicates),
        _Edit(121, create_company_skill),
        _Edit(101, move_then),
        _Edit(97, revert_move),
        _Edit(64, deprecate_unused),
        _Edit(33, alias(["negotiat"], "Verhandlungsführung", "German alias for the Berlin office")),
        _Edit(9, split_company_skill),
    ]
    for edit in edits:
        change = edit.run(store, actor)
        if change is None:
            continue
        when = at(today - edit.days_ago * DAY, 10 + rng.randint(0, 6), rng.randint(0, 59))
        rows = [change.model_copy(update={"at": when})]
        if change.reverts:
            original = store.get_taxonomy_change(change.reverts)
            if original is not None:
                rows.append(original)
        store.apply([UpsertTaxonomyChanges(rows)])
        made.append(rows[0])
    return made


def _near_duplicates(store: GraphStore) -> tuple[str, str] | None:
    """Two active skills under one parent whose labels share most words, the less held one
    first (merged into the other); None when the taxonomy has no such pair."""
    for word in ("present", "negotiat", "budget", "team", "customer", "report"):
        hits = [n for n in store.search_taxonomy(word, limit=100) if isinstance(n, Skill)]
        hits = [n for n in hits if n.status == NodeStatus.active]
        words = {n.id: set(re.findall(r"[a-z]+", n.label.casefold())) for n in hits}
        held = {n.id: len(store.holders_of(n.id)) for n in hits}
        parents = {n.id: {p.id for p in store.parents(n.id)} for n in hits}
        best: tuple[float, str, str] | None = None
        for i, a in enumerate(hits):
            for b in hits[i + 1 :]:
                if not parents[a.id] & parents[b.id]:
                    continue
                union = words[a.id] | words[b.id]
                overlap = len(words[a.id] & words[b.id]) / max(1, len(union))
                if overlap < 0.6 or not (held[a.id] or held[b.id]):
                    continue
                source, survivor = (a.id, b.id) if held[a.id] <= held[b.id] else (b.id, a.id)
                key = (overlap, source, survivor)
                if best is None or key > best:
                    best = key
        if best is not None:
            return best[1], best[2]
    return None


# --- loading -----------------------------------------------------------------------------------


@dataclass
class HistoryReport:
    loaded: bool
    pairings: int = 0
    checkins: int = 0
    steward_edits: int = 0
    cohorts: list[str] = field(default_factory=list)
    reason: str = ""


def load_history(
    store: GraphStore,
    *,
    seed: int = 7,
    today: date | None = None,
    people: Sequence[Person] | None = None,
    person_skills: Sequence[PersonSkill] | None = None,
    goals: Sequence[Goal] | None = None,
    targets: Sequence[GoalTarget] | None = None,
) -> HistoryReport:
    """Write the program history (one apply) and the steward edits into `store`.

    Idempotent: a store that holds any pairing already is left alone. The org is read from
    the store unless given (the demo loader passes what it just wrote)."""
    if store.list_pairings():
        return HistoryReport(loaded=False, reason="the store has pairings already")
    today = today or datetime.now(UTC).date()
    hierarchy = Hierarchy.from_dump(store.taxonomy())
    if people is None:
        people = store.list_people()
    if person_skills is None:
        person_skills = [r for chunk in store.iter_person_skills() for r in chunk]
    if goals is None:
        goals = store.list_goals()
    if targets is None:
        targets = store.all_goal_targets()
    history = generate_history(
        hierarchy=hierarchy,
        people=people,
        person_skills=person_skills,
        goals=goals,
        targets=targets,
        seed=seed,
        today=today,
    )
    store.apply(history.ops())
    _backdate_imports(store, today)
    edits = steward_history(store, steward_id=history.steward_id, today=today, seed=seed)
    return HistoryReport(
        loaded=True,
        pairings=len(history.pairings),
        checkins=len(history.checkins),
        steward_edits=len(edits),
        cohorts=[c.name for c in history.cohorts],
    )


def _backdate_imports(store: GraphStore, today: date) -> None:
    """The taxonomy was imported when the program was set up, before any steward edit (an
    import dated after them would make later imports overwrite them)."""
    when = at(today - 300 * DAY, 8)
    imports = [c for c in store.taxonomy_changes(limit=50) if c.op == "import" and c.at > when]
    if imports:
        store.apply([UpsertTaxonomyChanges([c.model_copy(update={"at": when}) for c in imports])])


def history_summary(history: DemoHistory) -> dict[str, Any]:
    """Counts a person (or a test) checks the history by: pairings per status and model,
    stall reasons, closed with goal achieved or not, check-ins, grown mentors."""
    by_status: dict[str, int] = defaultdict(int)
    by_model: dict[str, int] = defaultdict(int)
    stalls: dict[str, int] = defaultdict(int)
    for p in history.pairings:
        by_status[p.status.value] += 1
        by_model[p.model.value] += 1
        for e in p.history:
            if e.status == S.stalled:
                kind = (
                    "silence"
                    if e.reason.startswith("no check-in")
                    else "falling"
                    if e.reason.startswith("ratings falling")
                    else "low average"
                    if e.reason.startswith("average of")
                    else "by hand"
                )
                stalls[kind] += 1
    closed = [p for p in history.pairings if p.status == S.closed]
    return {
        "by_status": dict(by_status),
        "by_model": dict(by_model),
        "stalls": dict(stalls),
        "closed_achieved": sum(p.close_reason.startswith("goal achieved") for p in closed),
        "closed_other": sum(not p.close_reason.startswith("goal achieved") for p in closed),
        "declined_dnpa": sum(p.do_not_pair_again for p in history.pairings),
        "checkins": len(history.checkins),
        "ratings_median": median([c.rating for c in history.checkins])
        if history.checkins
        else None,
        "grown_mentors": len(history.grown_mentors),
        "open_statuses": sum(p.status in OPEN_STATUSES for p in history.pairings),
    }


__all__ = [
    "Cohort",
    "DemoHistory",
    "HistoryReport",
    "SkillCluster",
    "check_history",
    "cohorts_for",
    "generate_history",
    "history_summary",
    "load_history",
    "steward_history",
]
