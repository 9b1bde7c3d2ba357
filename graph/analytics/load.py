"""Mentor load: who carries too much, who waits idle."""

from __future__ import annotations

from pydantic import BaseModel

from graph.analytics.orgdata import OrgData


class MentorLoad(BaseModel):
    mentor_id: str
    name: str
    mentees: int
    max_mentees: int
    hours_per_month: float
    max_hours_per_month: float
    utilisation: float  # the larger of mentees/max and hours/max; > 1 means overloaded
    state: str  # "overloaded" | "full" | "busy" | "idle"


class LoadReport(BaseModel):
    mentors: list[MentorLoad]
    overloaded: list[str]
    idle: list[str]
    histogram: dict[str, int]  # utilisation bucket -> mentors


BUCKETS = ("0%", "1-49%", "50-99%", "100%", ">100%")


def _bucket(u: float) -> str:
    if u == 0:
        return "0%"
    if u < 0.5:
        return "1-49%"
    if u < 1:
        return "50-99%"
    return "100%" if u == 1 else ">100%"


def _ratio(used: float, limit: float) -> float:
    if limit <= 0:
        return 0.0 if used == 0 else float("inf")
    return used / limit


def mentor_load(data: OrgData) -> LoadReport:
    rows: list[MentorLoad] = []
    for person in data.analysable.values():
        if not person.is_mentor or person.departed:  # a leaver is in no listing
            continue
        mentees, hours = data.live_load.get(person.id, (0, 0.0))
        u = max(_ratio(mentees, person.max_mentees), _ratio(hours, person.max_hours_per_month))
        u = round(min(u, 99.0), 4)
        state = "idle" if u == 0 else "overloaded" if u > 1 else "full" if u == 1 else "busy"
        rows.append(
            MentorLoad(
                mentor_id=person.id,
                name=person.name,
                mentees=mentees,
                max_mentees=person.max_mentees,
                hours_per_month=hours,
                max_hours_per_month=person.max_hours_per_month,
                utilisation=u,
                state=state,
            )
        )
    rows.sort(key=lambda r: (-r.utilisation, r.mentor_id))
    histogram = dict.fromkeys(BUCKETS, 0)
    for r in rows:
        histogram[_bucket(r.utilisation)] += 1
    return LoadReport(
        mentors=rows,
        overloaded=[r.mentor_id for r in rows if r.state == "overloaded"],
        idle=[r.mentor_id for r in rows if r.state == "idle"],
        histogram=histogram,
    )
