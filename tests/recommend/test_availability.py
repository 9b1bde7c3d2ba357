"""UTC slot grids: DST-correct conversion, exceptions, rounding, overlap invariants."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import AvailabilityException, Person, WeeklyWindow
from graph.recommend import availability as av
from tests.recommend.reference import slot_set


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
