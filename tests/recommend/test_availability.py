"""UTC slot grids: DST-correct conversion, dated windows, exceptions, rounding, overlap
invariants, and the common time quoted in explanations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from graph.model import AvailabilityException, Person, WeeklyWindow
from graph.recommend import RecommendOptions, Snapshot, recommend
from graph.recommend import availability as av
from graph.recommend.cohort import match_cohort
from tests.recommend.orgs import NOW, tiny_parts, tue
from tests.recommend.reference import recommend_reference, slot_set


def win(weekday: int, start: str, end: str) -> WeeklyWindow:
    return WeeklyWindow(
        weekday=weekday, start=time.fromisoformat(start), end=time.fromisoformat(end)
    )


def on_slots(grid: av.BoolGrid) -> list[int]:
    return [int(i) for i in grid.nonzero()[0]]


def test_london_morning_moves_an_hour_across_the_dst_change() -> None:
    # EU summer time starts Sunday 2025-03-30: Monday 09:00 London is 09:00 UTC on Mar 24,
    # 08:00 UTC on Mar 31.
    h = av.Horizon(start=date(2025, 3, 24), weeks=2)
    grid = av.person_grid("Europe/London", [win(0, "09:00", "10:00")], [], h)
    assert on_slots(grid) == [18, 19, 336 + 16, 336 + 17]


def test_new_york_and_london_overlap_only_in_the_weeks_between_their_dst_changes() -> None:
    london = [win(d, "09:00", "12:00") for d in range(5)]
    new_york = [win(d, "07:00", "09:00") for d in range(5)]

    def weekly(start: date) -> float:
        h = av.Horizon(start=start, weeks=1)
        a = av.person_grid("Europe/London", london, [], h)
        b = av.person_grid("America/New_York", new_york, [], h)
        return av.overlap_hours_per_week(a, b, h)

    assert weekly(date(2025, 3, 3)) == 0.0  # both on winter time: NY 12-14 UTC, London 9-12
    assert weekly(date(2025, 3, 17)) == 5.0  # NY on EDT (11-13 UTC): 11-12 UTC x 5 days
    assert weekly(date(2025, 3, 31)) == 0.0  # London on BST too (08-11 UTC)


def test_exceptions_remove_local_days_and_open_ended_ones_mean_available_from() -> None:
    h = av.Horizon(start=date(2025, 3, 3), weeks=2)  # Mondays Mar 3 and Mar 10
    leave = AvailabilityException(start=date(2025, 3, 3), end=date(2025, 3, 3))
    grid = av.person_grid("UTC", [win(0, "10:00", "11:00")], [leave], h)
    assert on_slots(grid) == [336 + 20, 336 + 21]
    later = [AvailabilityException(end=date(2025, 3, 9), reason="joins in March")]
    assert not av.person_grid("UTC", [win(0, "10:00", "11:00")], later, h)[:336].any()
    assert av.available_from(later, date(2025, 3, 3)) == date(2025, 3, 10)
    assert av.available_from(later, date(2025, 3, 12)) is None
    assert (
        av.available_from([AvailabilityException(start=date(2025, 3, 1))], date(2025, 3, 3)) is None
    )


def test_partial_slots_do_not_count_and_midnight_end_does() -> None:
    h = av.Horizon(start=date(2025, 3, 3), weeks=1)
    assert on_slots(av.person_grid("UTC", [win(0, "09:15", "10:15")], [], h)) == [19]
    assert on_slots(av.person_grid("UTC", [win(0, "23:00", "00:00")], [], h)) == [46, 47]
    # Kathmandu is UTC+5:45: 10:00-11:00 local = 04:15-05:15 UTC -> only 04:30-05:00.
    assert on_slots(av.person_grid("Asia/Kathmandu", [win(0, "10:00", "11:00")], [], h)) == [9]


def test_a_window_late_sunday_in_tokyo_lands_in_the_previous_utc_day() -> None:
    h = av.Horizon(start=date(2025, 3, 3), weeks=1)
    # Monday 08:00-09:00 Tokyo (UTC+9) = Sunday 23:00-24:00 UTC, i.e. before Monday's slot 0,
    # so the first Monday falls outside, and the next Monday's lands on the last Sunday slots.
    grid = av.person_grid("Asia/Tokyo", [win(0, "08:00", "09:00")], [], h)
    assert on_slots(grid) == [334, 335]


def test_describe_run_speaks_the_mentees_time() -> None:
    h = av.Horizon(start=date(2025, 3, 3), weeks=1)
    run = (48 + 28, 48 + 31)  # Tue 14:00-15:30 UTC
    assert av.describe_run(h, run, "UTC") == "Tue 14:00–15:30 UTC"
    assert av.describe_run(h, run, "Europe/Paris") == "Tue 15:00–16:30 your time (Europe/Paris)"


ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
times = st.integers(0, 47).map(lambda s: time(s // 2, 30 * (s % 2)))


@st.composite
def windows(draw: st.DrawFn) -> list[WeeklyWindow]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
        out.append(WeeklyWindow(weekday=draw(st.integers(0, 6)), start=a, end=b))
    return out


@settings(max_examples=40, deadline=None)
@given(
    windows(),
    windows(),
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
)
def test_overlap_is_symmetric_bounded_and_matches_the_slot_sets(
    wa: list[WeeklyWindow], wb: list[WeeklyWindow], za: str, zb: str, start: date
) -> None:
    h = av.Horizon(start=start, weeks=2)
    a, b = av.person_grid(za, wa, [], h), av.person_grid(zb, wb, [], h)
    ab, ba = av.overlap_hours_per_week(a, b, h), av.overlap_hours_per_week(b, a, h)
    assert ab == ba
    assert ab <= min(av.hours_per_week(int(a.sum()), h), av.hours_per_week(int(b.sum()), h))
    pa = Person(id="a", name="A", timezone=za, windows=wa)
    pb = Person(id="b", name="B", timezone=zb, windows=wb)
    assert set(on_slots(a)) == slot_set(pa, h)
    assert int(av.packed_overlap_slots(av.pack(a)[None, :], av.pack(b))[0]) == len(
        slot_set(pa, h) & slot_set(pb, h)
    )


# --- dated windows: weekly from/until, every n weeks, once ----------------------------------


def dwin(
    weekday: int,
    start: str,
    end: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
    every_weeks: int = 1,
) -> WeeklyWindow:
    return WeeklyWindow(
        weekday=weekday,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        valid_from=valid_from,
        valid_until=valid_until,
        every_weeks=every_weeks,
    )


def test_old_records_load_as_undated_weekly_windows() -> None:
    old = '{"id": "a", "name": "A", "windows": [{"weekday": 1, "start": "09:00", "end": "10:00"}]}'
    [w] = Person.model_validate_json(old).windows
    assert (w.valid_from, w.valid_until, w.every_weeks, w.dated) == (None, None, 1, False)
    assert all(w.holds_on(date(2025, 3, 4) + timedelta(weeks=k)) for k in range(-60, 60))
    dated = Person(id="a", name="A", windows=[dwin(1, "09:00", "10:00", date(2025, 3, 4))])
    assert Person.model_validate_json(dated.model_dump_json()) == dated


def test_window_dates_are_checked() -> None:
    with pytest.raises(ValidationError, match="before it holds from"):
        dwin(0, "09:00", "10:00", date(2025, 3, 10), date(2025, 3, 3))
    with pytest.raises(ValidationError, match="needs valid_from on its weekday"):
        dwin(0, "09:00", "10:00", every_weeks=2)
    with pytest.raises(ValidationError, match="needs valid_from on its weekday"):
        dwin(0, "09:00", "10:00", date(2025, 3, 4), every_weeks=2)  # a Tuesday
    with pytest.raises(ValidationError, match="claims no date: no Monday from 2025-03-04"):
        dwin(0, "09:00", "10:00", date(2025, 3, 4), date(2025, 3, 9))
    with pytest.raises(ValidationError, match="claims no date"):  # not an overflow
        dwin(0, "09:00", "10:00", date(9999, 12, 31), date(9999, 12, 31))
    once = WeeklyWindow.once(date(2025, 3, 14), time(10), time(11))
    assert (once.weekday, once.one_off) == (4, True)
    assert [d for d in _days(date(2025, 1, 1), 120) if once.holds_on(d)] == [date(2025, 3, 14)]


def _days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


def test_grid_keeps_each_window_to_its_dates() -> None:
    h = av.Horizon(start=date(2025, 3, 3), weeks=4)  # Mondays Mar 3, 10, 17, 24
    ended = dwin(0, "10:00", "11:00", valid_until=date(2025, 3, 10))
    starts = dwin(0, "12:00", "13:00", valid_from=date(2025, 3, 17))
    once = WeeklyWindow.once(date(2025, 3, 12), time(10), time(11))  # a Wednesday
    fortnightly = dwin(4, "09:00", "10:00", date(2025, 3, 7), every_weeks=2)  # Fri 7, 21
    grid = av.person_grid("UTC", [ended, starts, once, fortnightly], [], h)
    day = 48
    assert on_slots(grid) == [
        20, 21,  # Mon 3 10:00
        4 * day + 18, 4 * day + 19,  # Fri 7 09:00
        7 * day + 20, 7 * day + 21,  # Mon 10 10:00
        9 * day + 20, 9 * day + 21,  # Wed 12 10:00, once
        14 * day + 24, 14 * day + 25,  # Mon 17 12:00
        18 * day + 18, 18 * day + 19,  # Fri 21 09:00
        21 * day + 24, 21 * day + 25,  # Mon 24 12:00
    ]  # fmt: skip


@st.composite
def dated_windows(draw: st.DrawFn) -> list[WeeklyWindow]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
        weekday = draw(st.integers(0, 6))
        first = draw(st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2025, 6, 30))))
        every = 1
        if first is not None:
            first += timedelta(days=(weekday - first.weekday()) % 7)
            every = draw(st.sampled_from([1, 1, 2, 3]))
        last = draw(st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2025, 9, 30))))
        if first is not None and last is not None and last < first:
            first, last = last - timedelta(days=(last.weekday() - weekday) % 7), first
            first = first if first.weekday() == weekday else None
            every = every if first is not None else 1
        try:
            out.append(dwin(weekday, a.isoformat(), b.isoformat(), first, last, every))
        except ValidationError:
            continue  # claims no date
    return out


def occurrence_dates(w: WeeklyWindow, first: date, last: date) -> set[date]:
    """The window's dates by stepping from its anchor, not by holds_on."""
    anchor = w.valid_from or date(2024, 1, 1) + timedelta(days=(w.weekday - 0) % 7)
    step = timedelta(weeks=w.every_weeks if w.valid_from else 1)
    out, day = set(), anchor
    while day <= last:
        if day >= first and (w.valid_until is None or day <= w.valid_until):
            out.add(day)
        day += step
    return out


@settings(max_examples=60, deadline=None)
@given(
    dated_windows(),
    st.sampled_from(ZONES),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 8, 31)),
)
def test_a_dated_window_puts_slots_on_its_dates_only(
    ws: list[WeeklyWindow], zone: str, start: date
) -> None:
    h = av.Horizon(start=start, weeks=3)
    grid = av.person_grid(zone, ws, [], h)
    expected: set[int] = set()
    for w in ws:
        for day in occurrence_dates(w, h.start - timedelta(days=1), h.end):
            first, stop = av.slot_range(h, *av.window_utc(day, w, zone))
            expected.update(range(first, stop))
    assert set(on_slots(grid)) == expected


EXAMPLE = re.compile(
    r"^(?P<wd>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<s>\d\d:\d\d)–(?:(?P<ewd>[A-Z][a-z]{2}) )?"
    r"(?P<e>\d\d:\d\d) (?:UTC|your time \((?P<tz>[^)]+)\))(?:, only on (?P<dates>.+))?$"
)


@settings(max_examples=60, deadline=None)
@given(
    dated_windows(),
    dated_windows(),
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 8, 31)),
)
def test_the_quoted_common_time_is_common_on_every_date_it_implies(
    wa: list[WeeklyWindow], wb: list[WeeklyWindow], za: str, zb: str, start: date
) -> None:
    h = av.Horizon(start=start, weeks=4)
    a, b = av.person_grid(za, wa, [], h), av.person_grid(zb, wb, [], h)
    text = av.common_example(h, a, b, za)
    if not (a & b).any():
        assert text is None
        return
    assert text is not None
    m = EXAMPLE.match(text)
    assert m, text
    pa = slot_set(Person(id="a", name="A", timezone=za, windows=wa), h)
    pb = slot_set(Person(id="b", name="B", timezone=zb, windows=wb), h)
    zone = ZoneInfo(za)
    s, e = time.fromisoformat(m["s"]), time.fromisoformat(m["e"])
    weekday = av.WEEKDAYS.index(m["wd"])
    spill = 1 if m["ewd"] else 0
    named = None
    if m["dates"]:
        named = [
            datetime.strptime(f"{d} {start.year}", "%d %b %Y").date()
            for d in re.split(r", | and ", m["dates"])
        ]
    implied = []
    day = h.start - timedelta(days=1)
    while day <= h.end:
        lo = datetime.combine(day, s, zone).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=spill), e, zone).astimezone(UTC)
        inside = lo >= h.start_utc and hi <= h.slot_start(h.n_slots)
        is_named = named is None or (day.day, day.month) in {(d.day, d.month) for d in named}
        if day.weekday() == weekday and inside and is_named:
            implied.append(set(range(*av.slot_range(h, lo, hi))))
        day += timedelta(days=1)
    assert implied, text
    for slots in implied:
        assert slots and slots <= pa & pb, text


def test_explanations_name_the_dates_of_a_common_time_that_is_not_weekly() -> None:
    # horizon: 4 weeks from Mon 3 Mar 2025; Mia is free Tuesdays 14:00-16:00 UTC
    parts = tiny_parts()
    once = WeeklyWindow.once(date(2025, 3, 11), time(14), time(15, 30))
    ended = tue("14:00", "15:30").model_copy(update={"valid_until": date(2025, 3, 12)})
    ended = WeeklyWindow.model_validate(ended.model_dump())
    parts["people"] = [
        p.model_copy(update={"windows": [once]})
        if p.id == "ana"
        else p.model_copy(update={"windows": [ended]})
        if p.id == "ben"
        else p
        for p in parts["people"]
    ]
    snap = Snapshot.from_parts(**parts)
    half = RecommendOptions(min_overlap_hours=0.1)
    recs = {r.mentor_id: r for r in recommend(snap, "mia", now=NOW, options=half)}
    assert recs["ana"].overlap_hours_per_week == 0.375
    assert recs["ana"].reasons[1] == (
        "0.4 h/week overlap on average (0.0–1.5 h a week), e.g. Tue 14:00–15:30 UTC, only on 11 Mar"
    )
    assert recs["ben"].reasons[1] == (
        "0.8 h/week overlap on average (0.0–1.5 h a week), e.g. Tue 14:00–15:30 UTC, "
        "only on 4 Mar and 11 Mar"
    )
    # a mentor free every week keeps the plain wording
    assert recs["fay"].reasons[1] == "2.0 h/week overlap, e.g. Tue 14:00–16:00 UTC"
    assert recommend_reference(snap, "mia", now=NOW, options=half) == list(
        recommend(snap, "mia", now=NOW, options=half)
    )


def test_cohort_matching_uses_the_dates_of_windows() -> None:
    # Ana's only window ended before the horizon: she has no common time and is not proposed;
    # a one-off window inside it is quoted with its date.
    parts = tiny_parts()
    gone = tue("14:00", "15:30").model_copy(update={"valid_until": date(2025, 2, 25)})
    parts["people"] = [
        p.model_copy(update={"windows": [WeeklyWindow.model_validate(gone.model_dump())]})
        if p.id == "ana"
        else p
        for p in parts["people"]
    ]
    snap = Snapshot.from_parts(**parts)
    result = match_cohort(snap, "any", now=NOW, mentee_ids=["mia"])
    [proposal] = result.proposals
    assert proposal.mentor_id != "ana"
    assert "only on" not in proposal.reasons[1]
    assert "ana" not in {r.mentor_id for r in recommend(snap, "mia", now=NOW)}


@st.composite
def leave(draw: st.DrawFn) -> list[AvailabilityException]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.dates(min_value=date(2024, 12, 20), max_value=date(2026, 1, 31)))
        n = draw(st.integers(0, 9))
        out.append(
            AvailabilityException(start=draw(st.sampled_from([a, None])), end=a + timedelta(days=n))
        )
    return out


@settings(max_examples=60, deadline=None)
@given(
    dated_windows(),
    leave(),
    leave(),
    st.sampled_from(ZONES),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 8, 31)),
)
def test_colleagues_sharing_windows_keep_their_own_leave(
    ws: list[WeeklyWindow],
    leave_a: list[AvailabilityException],
    leave_b: list[AvailabilityException],
    zone: str,
    start: date,
) -> None:
    """Grids reuse each (zone, window)'s dates across people (`_window_runs`); two people
    with the same windows and different leave still get their own grids, equal to the
    reference that walks every local day, and asking again gives the same grid."""
    h = av.Horizon(start=start, weeks=3)
    for leave_of in (leave_a, leave_b, leave_a):
        person = Person(id="p", name="P", timezone=zone, windows=ws, exceptions=leave_of)
        grid = av.person_grid(zone, ws, leave_of, h)
        assert set(on_slots(grid)) == slot_set(person, h)
