"""Recognition per mentor and program: impact, not tenure.

`recognition_report(data, now=...)` extends `graph.analytics.program.recognition` (the
dashboard's mentor list and the people who grew from mentee to mentor) with one row per
mentor and program (`by_program`) and the number of mentors grown from mentees
(`grown_count`). A row counts, for the mentor's pairings in that program that were accepted at
some time:

- `mentees_supported`: distinct mentees;
- `hours_given`: hours per month times months from activation to close (or now), as
  `program.recognition`;
- `goals_achieved`: the pairings' goals that are achieved now (each goal once);
- `skills_transferred`: (mentee, skill) pairs whose level today is above the level recorded
  when the pairing was proposed (`Pairing.baseline_levels`), and `levels_gained`, the sum of
  those gains; pairings proposed before baselines were kept count nothing;
- `mentee_ratings` and `avg_mentee_rating`: check-in ratings the mentees gave (a mentor's or a
  coordinator's own rating is not feedback on the mentor).

Years of service, seniority and title are not in it. People who opted out of analytics are
left out, as mentors and as mentees. Mentors who have left (off-boarded or erased) are not
named: their pairings count in one row per program with `mentor_id` "" and the name
"a former colleague"; the dashboard's mentor list and the grown list leave them out, the
totals keep their hours and sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from graph.analytics.orgdata import FORMER_COLLEAGUE, OrgData
from graph.analytics.program import (
    DAYS_PER_MONTH,
    NO_PROGRAM,
    Recognition,
    recognition,
)
from graph.model import GoalStatus, PairingEvent, PairingStatus

S = PairingStatus
CSV_COLUMNS = (
    "mentor_id",
    "name",
    "program",
    "mentees_supported",
    "hours_given",
    "goals_achieved",
    "skills_transferred",
    "levels_gained",
    "mentee_ratings",
    "avg_mentee_rating",
)


class MentorProgramRow(BaseModel):
    mentor_id: str = Field(description="empty for the program's mentors who have left")
    name: str = Field(description=f"{FORMER_COLLEAGUE!r} for mentors who have left")
    program: str = Field(description=f"the pairings' program; {NO_PROGRAM!r} when none")
    mentees_supported: int
    hours_given: float
    goals_achieved: int
    skills_transferred: int = Field(description="(mentee, skill) pairs whose level rose")
    levels_gained: int = Field(description="sum of those level gains")
    mentee_ratings: int = Field(description="check-in ratings given by mentees")
    avg_mentee_rating: float | None


class RecognitionReport(Recognition):
    by_program: list[MentorProgramRow] = Field(
        description="per mentor and program, most goals achieved first"
    )
    grown_count: int = Field(description="mentors who were mentees in an earlier pairing")


def _first_at(history: Sequence[PairingEvent], status: PairingStatus) -> datetime | None:
    times = [e.at for e in history if e.status == status]
    return min(times) if times else None


def recognition_report(data: OrgData, *, now: datetime, top: int = 15) -> RecognitionReport:
    """The report (module doc); `top` limits only the dashboard's `mentors` list."""
    base = recognition(data, now=now, top=top)
    people = data.analysable
    goals = {g.id: g for g in data.goals}
    levels = {(ps.person_id, ps.skill_id): ps.level for ps in data.person_skills}
    checkins_of: dict[str, list[int]] = defaultdict(list)
    for c in data.checkins:
        if c.rates_mentor:
            checkins_of[c.pairing_id].append(c.rating)
    Key = tuple[str, str]
    mentees: dict[Key, set[str]] = defaultdict(set)
    hours: dict[Key, float] = defaultdict(float)
    achieved: dict[Key, set[str]] = defaultdict(set)
    gains: dict[Key, dict[tuple[str, str], int]] = defaultdict(dict)
    ratings: dict[Key, list[int]] = defaultdict(list)
    for p in data.pairings:
        if p.mentor_id not in people or _first_at(p.history, S.accepted) is None:
            continue
        # mentors who left count in one anonymous row per program
        key = (p.mentor_id if p.mentor_id in data.current else "", p.program or NO_PROGRAM)
        shown = [m for m in p.mentee_ids if m in people]
        mentees[key].update(shown)
        started = _first_at(p.history, S.active)
        if started is not None:
            ended = p.history[-1].at if p.status in (S.closed, S.declined) else now
            months = max(0.0, (ended - started).total_seconds() / 86400 / DAYS_PER_MONTH)
            hours[key] += p.hours_per_month * months
        achieved[key].update(
            g
            for g in p.goal_ids
            if g in goals
            and goals[g].status == GoalStatus.achieved
            and goals[g].person_id in people
        )
        for mentee, skills in p.baseline_levels.items():
            if mentee not in people:
                continue
            for skill, before in skills.items():
                gain = levels.get((mentee, skill), 0) - before
                if gain > 0:
                    prev = gains[key].get((mentee, skill), 0)
                    gains[key][(mentee, skill)] = max(prev, gain)
        ratings[key].extend(checkins_of.get(p.id, []))
    rows = [
        MentorProgramRow(
            mentor_id=mid,
            name=people[mid].name if mid else FORMER_COLLEAGUE,
            program=program,
            mentees_supported=len(mentees[(mid, program)]),
            hours_given=round(hours[(mid, program)], 1),
            goals_achieved=len(achieved[(mid, program)]),
            skills_transferred=len(gains[(mid, program)]),
            levels_gained=sum(gains[(mid, program)].values()),
            mentee_ratings=len(ratings[(mid, program)]),
            avg_mentee_rating=(
                round(sum(ratings[(mid, program)]) / len(ratings[(mid, program)]), 2)
                if ratings[(mid, program)]
                else None
            ),
        )
        for mid, program in mentees
    ]
    rows.sort(
        key=lambda r: (
            -r.goals_achieved,
            -r.skills_transferred,
            -r.mentees_supported,
            r.mentor_id,
            r.program,
        )
    )
    return RecognitionReport(**base.model_dump(), by_program=rows, grown_count=len(base.grown))
