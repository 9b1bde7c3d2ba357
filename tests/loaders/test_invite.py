"""The pairing invitation read back with icalendar and recurring-ical-events: the right
wall-clock time in both participants' zones on every date, across daylight-saving changes
that fall on different dates in the two zones (IANA tzdata), at the pair's cadence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from graph.errors import InvalidInput
from graph.model import Pairing, Person
from loaders.invite import cadence_weeks, invite_ics

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
PEOPLE = {
    "m": Person(id="m", name="Mia Mentor", timezone="Europe/Berlin", email="mia@example.org"),
    "e": Person(id="e", name="Eli Mentee", timezone="America/New_York", email="eli@example.org"),
    "f": Person(id="f", name="Fay Mentee", timezone="Asia/Kolkata"),
}
NOW = datetime(2027, 2, 20, tzinfo=UTC)


def occurrences(ics: bytes, weeks: int = 12) -> list[datetime]:
    cal = icalendar.Calendar.from_ical(ics)
    start = datetime(2027, 3, 1, tzinfo=UTC)
    events = recurring_ical_events.of(cal).between(start, start + timedelta(weeks=weeks))
    return [e.decoded("DTSTART") for e in events]


def test_weekly_across_both_dst_changes() -> None:
    """2027: New York moves its clocks on 14 March, Berlin on 28 March. A meeting at 16:00
    Berlin time is 10:00 in New York, 11:00 for the two weeks between, then 10:00 again."""
    pairing = Pairing(id="pr-1", mentor_id="m", mentee_ids=["e"], hours_per_month=4.0)
    first = datetime(2027, 3, 2, 16, tzinfo=BERLIN)
    ics = invite_ics(pairing, PEOPLE, first, first + timedelta(hours=1), now=NOW)
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["METHOD"] == "REQUEST"
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "Europe/Berlin",
        "America/New_York",
    }
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["RRULE"]["INTERVAL"] == [1]  # 4 h a month of 1 h meetings: weekly
    assert str(event["ORGANIZER"]) == "mailto:mia@example.org"
    assert event["ORGANIZER"].params["CN"] == "Mia Mentor"
    assert str(event["ATTENDEE"]) == "mailto:eli@example.org"
    starts = occurrences(ics)
    assert len(starts) == 6
    berlin = [s.astimezone(BERLIN) for s in starts]
    new_york = [s.astimezone(NEW_YORK) for s in starts]
    assert all(b.time() == time(16) for b in berlin)
    assert [n.date() for n in new_york] == [date(2027, 3, 2) + timedelta(weeks=k) for k in range(6)]
    assert [n.hour for n in new_york] == [10, 10, 11, 11, 10, 10]
    assert [s.astimezone(UTC).hour for s in starts] == [15, 15, 15, 15, 14, 14]


def test_cadence_from_hours_and_until_the_goal_date() -> None:
    """2 h a month of 1 h meetings: every two weeks; the series stops at the target date;
    a group's mentees are all attendees and every zone is described."""
    pairing = Pairing(
        id="pr-2", mentor_id="m", mentee_ids=["e", "f"], model="group", hours_per_month=2.0
    )
    first = datetime(2027, 3, 2, 16, tzinfo=BERLIN)
    ics = invite_ics(
        pairing, PEOPLE, first, first + timedelta(hours=1), now=NOW, until=date(2027, 4, 27)
    )
    cal = icalendar.Calendar.from_ical(ics)
    (event,) = cal.walk("VEVENT")
    assert event["RRULE"]["INTERVAL"] == [2] and "UNTIL" in event["RRULE"]
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:eli@example.org", "urn:mentorgraph:person:f"]
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
    }
    starts = [s.astimezone(BERLIN).date() for s in occurrences(ics)]
    assert starts == [date(2027, 3, 2) + timedelta(weeks=2 * k) for k in range(5)]
    kolkata = [s.astimezone(ZoneInfo("Asia/Kolkata")) for s in occurrences(ics)]
    assert [k.strftime("%H:%M") for k in kolkata] == ["20:30", "20:30", "19:30", "19:30", "19:30"]


def test_explicit_cadence_and_refusals() -> None:
    pairing = Pairing(id="pr-3", mentor_id="m", mentee_ids=["e"], hours_per_month=8.0)
    first = datetime(2027, 3, 2, 16, tzinfo=BERLIN)
    ics = invite_ics(pairing, PEOPLE, first, first + timedelta(hours=1), now=NOW, cadence="monthly")
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert event["RRULE"]["INTERVAL"] == [4]
    with pytest.raises(InvalidInput) as exc:
        invite_ics(pairing, PEOPLE, first, first, now=NOW)
    assert exc.value.details[0]["field"] == "slot"
    with pytest.raises(InvalidInput) as exc:
        invite_ics(
            pairing, PEOPLE, first, first + timedelta(hours=1), now=NOW, until=date(2027, 1, 1)
        )
    assert exc.value.details[0]["field"] == "until"
    stranger = Pairing(id="pr-4", mentor_id="m", mentee_ids=["zz"])
    with pytest.raises(InvalidInput, match="unknown participants"):
        invite_ics(stranger, PEOPLE, first, first + timedelta(hours=1), now=NOW)


@pytest.mark.parametrize(
    ("hours", "minutes", "weeks"),
    [
        (4.0, 60, 1),
        (2.0, 60, 2),
        (1.5, 60, 3),
        (1.0, 60, 4),
        (0.5, 60, 4),
        (8.0, 30, 1),
        (0, 60, 4),
    ],
)
def test_cadence_weeks(hours: float, minutes: int, weeks: int) -> None:
    assert cadence_weeks(hours, minutes) == weeks


def _tzdata_changes(zone: ZoneInfo, year: int) -> set[tuple[datetime, timedelta, timedelta]]:
    """(local onset before the change, offset from, offset to) of every offset change of
    `zone` in `year`, read from tzdata hour by hour (changes fall on whole hours here)."""
    out = set()
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        a, b = t.astimezone(zone).utcoffset(), (t + timedelta(hours=1)).astimezone(zone).utcoffset()
        if a != b:
            assert a is not None and b is not None
            out.add(((t + timedelta(hours=1) + a).replace(tzinfo=None), a, b))
        t += timedelta(hours=1)
    return out


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("America/New_York", datetime(2027, 3, 14, 2), datetime(2027, 11, 7, 2)),
        ("Europe/Berlin", datetime(2027, 3, 28, 2), datetime(2027, 10, 31, 3)),
        ("Australia/Sydney", datetime(2027, 10, 3, 2), datetime(2027, 4, 4, 3)),
    ],
)
def test_vtimezone_onsets_are_local_time_before_the_change(
    zone: str, spring: datetime, autumn: datetime
) -> None:
    """RFC 5545 3.6.5: a STANDARD/DAYLIGHT DTSTART (and RDATE) is the onset in the local
    time in force *before* the change (TZOFFSETFROM): New York's 2027 spring change is
    20270314T020000 (not 030000, the first time after it). Every onset in the file is one
    of tzdata's changes, and every tzdata change in the span is in the file."""
    people = {
        "m": Person(id="m", name="Mia Mentor", timezone=zone),
        "e": Person(id="e", name="Eli Mentee", timezone="UTC"),
    }
    pairing = Pairing(id="pr-tz", mentor_id="m", mentee_ids=["e"], hours_per_month=4.0)
    first = datetime(2027, 1, 5, 12, tzinfo=ZoneInfo(zone))
    ics = invite_ics(
        pairing, people, first, first + timedelta(hours=1), now=NOW, until=date(2027, 12, 20)
    )
    cal = icalendar.Calendar.from_ical(ics)
    (vtz,) = cal.walk("VTIMEZONE")
    written = set()
    for sub in vtz.subcomponents:
        before, after = sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td
        if before == after:
            continue
        rdates = sub.get("RDATE", [])
        rdates = rdates if isinstance(rdates, list) else [rdates]
        for onset in [sub.decoded("DTSTART")] + [p.dt for r in rdates for p in r.dts]:
            written.add((onset, before, after))
    assert written == _tzdata_changes(ZoneInfo(zone), 2027)
    kinds = {(o, s.name) for s in vtz.subcomponents for o in [s.decoded("DTSTART")]}
    assert (spring, "DAYLIGHT") in kinds and (autumn, "STANDARD") in kinds
