"""A pairing's first meeting as an iCalendar invitation (RFC 5545), recurring at its cadence.

`invite_ics(pairing, people, start, end, now=..., cadence=..., until=...)` returns the bytes
of a VCALENDAR (METHOD:REQUEST) with one VEVENT:

- DTSTART/DTEND at the slot's wall-clock time in the mentor's (organizer's) IANA zone, with
  TZID, and one VTIMEZONE per zone of the participants (built by the icalendar library from
  tzdata), so a calendar program in either zone shows the right local time on every date,
  across daylight-saving changes (the meeting keeps the organizer's wall-clock time);
- RRULE:FREQ=WEEKLY;INTERVAL=n at the cadence (`cadence_weeks`), until the last goal's target
  date (UNTIL, in UTC) or for `DEFAULT_COUNT` meetings;
- ORGANIZER (the mentor) and one ATTENDEE per mentee (mailto: their e-mail; people without
  one are addressed as `urn:mentorgraph:person:<id>`), so a group gets one invitation;
- SUMMARY with the names, DESCRIPTION with the first meeting's time in each participant's
  zone; never goal text (invitations get forwarded).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar

from graph.errors import InvalidInput
from graph.model import Pairing, Person

Cadence = Literal["weekly", "biweekly", "every3weeks", "monthly"]
CADENCE_WEEKS: dict[str, int] = {"weekly": 1, "biweekly": 2, "every3weeks": 3, "monthly": 4}
WEEKS_PER_MONTH = 365.25 / 12 / 7
DEFAULT_COUNT = 6
PRODID = "-//mentorgraph//pairing invitation//EN"


def cadence_weeks(hours_per_month: float, meeting_minutes: float) -> int:
    """Weeks between meetings so that meetings of `meeting_minutes` add up to about
    `hours_per_month`: round(weeks per month * meeting hours / hours per month), between 1
    (weekly) and 4 (every four weeks, the same weekday: "monthly")."""
    if hours_per_month <= 0 or meeting_minutes <= 0:
        return 4
    weeks = round(WEEKS_PER_MONTH * (meeting_minutes / 60) / hours_per_month)
    return min(max(weeks, 1), 4)


def address(person: Person) -> str:
    """The calendar address (RFC 5545 CAL-ADDRESS, a URI) of a person."""
    return f"mailto:{person.email}" if person.email else f"urn:mentorgraph:person:{person.id}"


def _who(person: Person, **params: str) -> icalendar.vCalAddress:
    addr = icalendar.vCalAddress(address(person))
    addr.params["CN"] = person.name
    for k, v in params.items():
        addr.params[k] = v
    return addr


def invite_ics(
    pairing: Pairing,
    people: Mapping[str, Person],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    cadence: Cadence | None = None,
    until: date | None = None,
    count: int = DEFAULT_COUNT,
) -> bytes:
    """The invitation (module doc). `start`/`end`: the first meeting, timezone-aware.
    `cadence` None: from the pairing's hours per month (`cadence_weeks`). `until`: the last
    local date a meeting may fall on (None: `count` meetings). InvalidInput when a participant
    is unknown or `end` is not after `start`."""
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise InvalidInput(
            "an invitation needs a timezone-aware start before its end",
            details=[{"field": "slot", "reason": f"found {start} - {end}"}],
        )
    missing = [p for p in (pairing.mentor_id, *pairing.mentee_ids) if p not in people]
    if missing:
        raise InvalidInput(f"pairing {pairing.id!r}: unknown participants {missing}")
    mentor = people[pairing.mentor_id]
    mentees = [people[m] for m in pairing.mentee_ids]
    zone = ZoneInfo(mentor.timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    minutes = (end - start).total_seconds() / 60
    interval = (
        CADENCE_WEEKS[cadence] if cadence else cadence_weeks(pairing.hours_per_month, minutes)
    )

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")

    ev = icalendar.Event()
    ev.add("uid", f"{pairing.id}-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}@mentorgraph")
    ev.add("dtstamp", now.astimezone(UTC))
    ev.add("dtstart", local_start)
    ev.add("dtend", local_end)
    rule: dict[str, object] = {"freq": "weekly", "interval": interval}
    if until is not None:
        if until < local_start.date():
            raise InvalidInput(
                f"the series would end on {until}, before its first meeting on "
                f"{local_start.date()}",
                details=[{"field": "until", "reason": "before the first meeting"}],
            )
        # UNTIL in UTC (RFC 5545 3.3.10: with a TZID'd DTSTART, UNTIL is a UTC date-time)
        last = datetime.combine(until, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
        rule["until"] = last
    else:
        rule["count"] = count
    ev.add("rrule", rule)
    names = " & ".join(p.name for p in [mentor, *mentees])
    ev.add("summary", f"Mentoring: {names}")
    lines = [
        f"{p.name}: {start.astimezone(ZoneInfo(p.timezone)):%a %d %b %Y %H:%M} ({p.timezone})"
        for p in [mentor, *mentees]
    ]
    every = "every week" if interval == 1 else f"every {interval} weeks"
    ev.add(
        "description",
        "First meeting of this mentoring pairing, then " + every + ".\n" + "\n".join(lines),
    )
    ev.add("organizer", _who(mentor, ROLE="CHAIR"))
    for m in mentees:
        ev.add(
            "attendee",
            _who(m, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
        )
    ev.add("status", "CONFIRMED")
    ev.add("sequence", 0)
    cal.add_component(ev)
    first = local_start.date() - timedelta(days=1)
    last_day = (until or local_start.date() + timedelta(weeks=interval * count)) + timedelta(days=1)
    cal.add_missing_timezones(first_date=first, last_date=last_day)
    # the mentees' zones as well, so each participant's zone is described in the file
    present = {tz.tz_name for tz in cal.timezones}
    for tzname in sorted({p.timezone for p in mentees} - present - {"UTC"}):
        cal.add_component(
            icalendar.Timezone.from_tzid(tzname, first_date=first, last_date=last_day)
        )
    for vtimezone in cal.timezones:
        _onsets_before_the_change(vtimezone)
    # VTIMEZONEs first, as calendar programs expect them before the events that use them
    cal.subcomponents.sort(key=lambda c: not isinstance(c, icalendar.Timezone))
    return cal.to_ical()


def _transition_utc(
    zone: ZoneInfo, near: datetime, before: timedelta, after: timedelta
) -> datetime:
    """The UTC instant (aware) within a day and a half of the naive local `near` at which
    `zone` changes its offset from `before` to `after` (tzdata). ValueError when none."""
    lo = (near - timedelta(hours=36)).replace(tzinfo=UTC)
    for hour in range(72):
        a, b = lo + timedelta(hours=hour), lo + timedelta(hours=hour + 1)
        if a.astimezone(zone).utcoffset() == before and b.astimezone(zone).utcoffset() == after:
            while b - a > timedelta(seconds=1):  # the change is in (a, b]: bisect to the second
                mid = a + (b - a) / 2
                mid = mid.replace(microsecond=0) if mid.replace(microsecond=0) > a else b
                if mid.astimezone(zone).utcoffset() == before:
                    a = mid
                else:
                    b = mid
            return b
    raise ValueError(f"{zone.key}: no change {before} -> {after} near {near}")


def _onsets_before_the_change(vtimezone: icalendar.Timezone) -> None:
    """Rewrite each STANDARD/DAYLIGHT onset (DTSTART, RDATE) as RFC 5545 3.6.5 defines it:
    the local time *before* the change (UTC instant + TZOFFSETFROM), e.g. New York's 2027
    spring change at 02:00, its autumn one at 02:00. icalendar's `from_tzid` writes the
    first wall-clock time after a spring change (03:00). Onsets where the offset does not
    change (the opening observance) are kept."""
    zone = ZoneInfo(str(vtimezone["TZID"]))
    for sub in vtimezone.subcomponents:
        before = sub.decoded("TZOFFSETFROM")  # timedelta
        after = sub.decoded("TZOFFSETTO")
        if before == after:
            continue
        rdates = sub.get("RDATE", [])
        rdates = rdates if isinstance(rdates, list) else [rdates]
        onsets = [sub.decoded("DTSTART")] + [p.dt for r in rdates for p in r.dts]
        fixed = [
            (_transition_utc(zone, o, before, after) + before).replace(tzinfo=None) for o in onsets
        ]
        sub.pop("DTSTART")
        sub.pop("RDATE", None)
        sub.add("DTSTART", fixed[0])
        if fixed[1:]:
            sub.add("RDATE", fixed[1:])
