"""When two people can actually meet: weekly local windows turned into UTC slots.

A person's free time is a set of weekly windows in their own IANA time zone (each undated, or
holding only between two dates, every week or every n-th week, or once: see
`graph.model.WeeklyWindow.holds_on`), minus date-bounded exceptions (leave, "available from
March"). To compare two people we lay both out
on the same grid of 30-minute UTC slots covering the real coming weeks of a `Horizon` (so a
09:00 Europe/London window lands on 08:00 UTC in summer and 09:00 UTC in winter, and a week
that crosses a DST change gets both), then count common slots.

Rounding rule (shared by the fast path and the reference): a slot counts only when the window
covers it completely, so a 09:15-10:15 window gives the 09:30-10:00 slot.

Exceptions remove whole local days. Grids are plain numpy bool arrays; `pack` turns them into
bytes (168 per four weeks) so the recommender can cache every mentor's grid cheaply.

Explanations quote a common time with `common_example`, which names the dates when that time
is not common in every week of the horizon, and `weekly_hours`, the common hours of each week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from graph.model import AvailabilityException, WeeklyWindow

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
DEFAULT_WEEKS = 4
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

BoolGrid = NDArray[np.bool_]


@dataclass(frozen=True)
class Horizon:
    """`weeks` whole weeks of UTC slots; slot 0 starts at 00:00 UTC on `start`."""

    start: date
    weeks: int = DEFAULT_WEEKS

    @property
    def n_slots(self) -> int:
        return self.weeks * SLOTS_PER_WEEK

    @cached_property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=UTC)

    @property
    def end(self) -> date:
        """First day after the horizon."""
        return self.start + timedelta(days=7 * self.weeks)

    def slot_start(self, slot: int) -> datetime:
        return self.start_utc + timedelta(minutes=SLOT_MINUTES * slot)


def horizon_for(now: datetime, start_dates: Sequence[date | None], weeks: int) -> Horizon:
    """The weeks to look at: from today (UTC), or from the earliest wished start date when
    every goal starts later, so a mentor who is only free from next month still shows up
    for a goal that starts next month."""
    today = now.astimezone(UTC).date() if now.tzinfo else now.date()
    starts = [d if d is not None and d > today else today for d in start_dates]
    return Horizon(start=min(starts) if starts else today, weeks=weeks)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def window_utc(day: date, window: WeeklyWindow, tz: str) -> tuple[datetime, datetime]:
    """The real UTC interval of `window` on local date `day` (wall-clock times in `tz`)."""
    zone = _zone(tz)
    start = datetime.combine(day, window.start, tzinfo=zone)
    if window.end_minute == 1440:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        end = datetime.combine(day, window.end, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _excluded(day: date, exceptions: Sequence[AvailabilityException]) -> bool:
    return any(e.covers(day) for e in exceptions)


def slot_range(horizon: Horizon, start: datetime, end: datetime) -> tuple[int, int]:
    """Slots [first, stop) fully inside [start, end), clipped to the horizon."""
    step = SLOT_MINUTES * 60
    lo = (start - horizon.start_utc).total_seconds()
    hi = (end - horizon.start_utc).total_seconds()
    first = -int(-lo // step)  # ceil
    stop = int(hi // step)  # floor
    return max(first, 0), min(stop, horizon.n_slots)


def person_grid(
    tz: str,
    windows: Sequence[WeeklyWindow],
    exceptions: Sequence[AvailabilityException],
    horizon: Horizon,
) -> BoolGrid:
    """Boolean grid (horizon.n_slots,) of the UTC slots this person is free in."""
    grid = np.zeros(horizon.n_slots, dtype=np.bool_)
    for w in windows:
        for day, first, stop in _window_runs(horizon, tz, w):
            if not exceptions or not _excluded(day, exceptions):
                grid[first:stop] = True
    return grid


_RUNS_MAX = 200_000  # (horizon, zone, window) entries kept: a few dates each
_RUNS: dict[tuple[object, ...], tuple[tuple[date, int, int], ...]] = {}


def _window_runs(horizon: Horizon, tz: str, w: WeeklyWindow) -> tuple[tuple[date, int, int], ...]:
    """(local date, first slot, stop slot) of each time `w` falls in the horizon, in zone
    `tz`. Local dates one day either side of the horizon can reach into it (offsets up to
    +-14h). Remembered per (horizon, zone, window): colleagues share office hours, and the
    zone conversions are the costly part of a person's grid."""
    key = (horizon, tz, tuple(w.__dict__.values()))
    hit = _RUNS.get(key)
    if hit is not None:
        return hit
    out: list[tuple[date, int, int]] = []
    day = horizon.start - timedelta(days=1)
    day += timedelta(days=(w.weekday - day.weekday()) % 7)
    while day <= horizon.end:
        if w.holds_on(day):
            first, stop = slot_range(horizon, *window_utc(day, w, tz))
            if first < stop:
                out.append((day, first, stop))
        day += timedelta(days=7)
    if len(_RUNS) >= _RUNS_MAX:
        _RUNS.clear()
    runs = _RUNS[key] = tuple(out)
    return runs


def pack(grid: BoolGrid) -> NDArray[np.uint8]:
    return np.packbits(grid)


def overlap_slots(a: BoolGrid, b: BoolGrid) -> int:
    return int(np.count_nonzero(a & b))


def hours_per_week(slots: int, horizon: Horizon) -> float:
    return slots * SLOT_MINUTES / 60 / horizon.weeks


def overlap_hours_per_week(a: BoolGrid, b: BoolGrid, horizon: Horizon) -> float:
    """Average common hours per week over the horizon."""
    return hours_per_week(overlap_slots(a, b), horizon)


def packed_overlap_slots(rows: NDArray[np.uint8], other: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Common slots of each packed row with one packed grid (vectorised popcount)."""
    if rows.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    out: NDArray[np.int64] = np.bitwise_count(rows & other).sum(axis=1, dtype=np.int64)
    return out


def longest_common_run(a: BoolGrid, b: BoolGrid) -> tuple[int, int] | None:
    """[first, stop) of the longest run of common slots, earliest first; None if none."""
    both = a & b
    if not both.any():
        return None
    padded = np.concatenate(([False], both, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, stops = edges[0::2], edges[1::2]
    i = int(np.argmax(stops - starts))  # argmax takes the first of equal lengths
    return int(starts[i]), int(stops[i])


def describe_run(horizon: Horizon, run: tuple[int, int], tz: str) -> str:
    """E.g. 'Tue 14:00–15:30 your time (Europe/Paris)' for a slot run, in `tz`."""
    zone = _zone(tz)
    start = horizon.slot_start(run[0]).astimezone(zone)
    end = horizon.slot_start(run[1]).astimezone(zone)
    end_txt = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %H:%M")
    where = "UTC" if tz == "UTC" else f"your time ({tz})"
    return f"{WEEKDAYS[start.weekday()]} {start:%H:%M}–{end_txt} {where}"


def weekly_hours(a: BoolGrid, b: BoolGrid, horizon: Horizon) -> list[float]:
    """Common hours in each week of the horizon (week k = UTC days 7k..7k+6 from its start)."""
    both = (a & b).reshape(horizon.weeks, SLOTS_PER_WEEK)
    return [float(n) * SLOT_MINUTES / 60 for n in both.sum(axis=1)]


def common_example(horizon: Horizon, a: BoolGrid, b: BoolGrid, tz: str) -> str | None:
    """A common time worth quoting, in `tz`, true on every date it implies; None if none
    (`_common_example`; remembered per pair of calendars, which people share: a cohort's
    explanations meet the same office hours again and again)."""
    return _common_example_of(
        horizon,
        np.asarray(a, dtype=np.bool_).tobytes(),
        np.asarray(b, dtype=np.bool_).tobytes(),
        tz,
    )


@lru_cache(maxsize=16_384)
def _common_example_of(horizon: Horizon, a: bytes, b: bytes, tz: str) -> str | None:
    return _common_example(
        horizon, np.frombuffer(a, dtype=np.bool_), np.frombuffer(b, dtype=np.bool_), tz
    )


def _common_example(horizon: Horizon, a: BoolGrid, b: BoolGrid, tz: str) -> str | None:
    """A common time worth quoting, in `tz`, true on every date it implies; None if none.

    Each maximal run of common slots is a wall-clock time in `tz` (weekday, start, end); the
    time that is such a run on the most dates wins (then the longest, then the earliest).
    When all of it is common on every date of its weekday whose whole time lies inside the
    horizon, it reads 'Tue 14:00–15:30 UTC'; otherwise the dates on which it is common are
    named: 'Tue 14:00–15:30 UTC, only on 1 Apr and 8 Apr'.
    """
    both = a & b
    if not both.any():
        return None
    weeks = both.reshape(horizon.weeks, SLOTS_PER_WEEK)
    if _constant_offset(horizon, tz) and bool((weeks == weeks[0]).all()):
        # the same UTC slots every week and no clock change: every run recurs weekly
        run = longest_common_run(a, b)
        return describe_run(horizon, run, tz) if run is not None else None
    local = _local_minutes(horizon, tz)
    padded = np.concatenate(([False], both, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    firsts, stops = edges[0::2], edges[1::2]
    lo_all, hi_all = local[firsts], local[stops]
    days_all = lo_all // 1440
    groups: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    for first, stop, day, lo, hi in zip(
        firsts.tolist(),
        stops.tolist(),
        days_all.tolist(),
        lo_all.tolist(),
        hi_all.tolist(),
        strict=True,
    ):
        # wall-clock start and end, as minutes from 00:00 local on the run's own date
        groups.setdefault((day % 7, lo - day * 1440, hi - day * 1440), []).append((first, stop))
    weekday, start_min, end_min = key = max(
        groups, key=lambda k: (k[2] > k[1], len(groups[k]), _length(groups[k][0]), -groups[k][0][0])
    )
    run = groups[key][0]
    text = describe_run(horizon, run, tz)
    zone = _zone(tz)
    every_week, common = True, []
    # the dates whose relative weekday (days from the horizon's start, mod 7) is the key's
    day = horizon.start - timedelta(days=1) + timedelta(days=(weekday + 1) % 7)
    while day <= horizon.end:
        lo = datetime.combine(day, time(start_min // 60, start_min % 60), zone)
        end_day = day + timedelta(days=end_min // 1440)
        hi = datetime.combine(end_day, time(end_min % 1440 // 60, end_min % 60), zone)
        lo_utc, hi_utc = lo.astimezone(UTC), hi.astimezone(UTC)
        if lo_utc >= horizon.start_utc and hi_utc <= horizon.slot_start(horizon.n_slots):
            first, stop = slot_range(horizon, lo_utc, hi_utc)
            if first < stop and bool(both[first:stop].all()):
                common.append(day)
            else:
                every_week = False
        day += timedelta(days=7)
    if not common:  # a time that wall clocks cannot name (a repeated hour): its own date
        every_week, common = False, [horizon.slot_start(run[0]).astimezone(zone).date()]
    if every_week:
        return text
    names = [f"{d.day} {d:%b}" for d in common]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{text}, only on {listed}"


@lru_cache(maxsize=256)
def _constant_offset(horizon: Horizon, tz: str) -> bool:
    """Whether `tz` keeps one UTC offset over the whole horizon."""
    local = _local_minutes(horizon, tz)
    steps = np.diff(local)
    return bool((steps == SLOT_MINUTES).all())


def _length(run: tuple[int, int]) -> int:
    return run[1] - run[0]


@lru_cache(maxsize=256)
def _local_minutes(horizon: Horizon, tz: str) -> NDArray[np.int64]:
    """Wall-clock minute in `tz` of each slot boundary (n_slots + 1 of them), counted from
    00:00 on the horizon's first date (so minute // 1440 is the local date's index, and
    index % 7 its weekday counted from the first date's)."""
    zone = _zone(tz)
    n = horizon.n_slots
    offsets = np.empty(n + 1, dtype=np.int64)

    def offset(i: int) -> int:
        delta = horizon.slot_start(i).astimezone(zone).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    for d in range(0, n + 1, SLOTS_PER_DAY):  # offsets change on few days: check those only
        top = min(d + SLOTS_PER_DAY, n)
        lo, hi = offset(d), offset(top)
        if lo == hi:
            offsets[d : top + 1] = lo
        else:
            offsets[d : top + 1] = [offset(i) for i in range(d, top + 1)]
    local = np.arange(n + 1, dtype=np.int64) * SLOT_MINUTES + offsets
    local.setflags(write=False)  # shared through the cache
    return local


def available_from(exceptions: Sequence[AvailabilityException], day: date) -> date | None:
    """The first day on or after `day` not covered by any exception, when `day` itself is
    covered (e.g. "available from March"); None when the person is free on `day` or never."""
    current = day
    for _ in range(len(exceptions) + 1):
        covering = [e for e in exceptions if e.covers(current)]
        if not covering:
            return None if current == day else current
        ends = [e.end for e in covering]
        if any(end is None for end in ends):
            return None  # unavailable from some day on, with no end
        current = max(e for e in ends if e is not None) + timedelta(days=1)
    return current if not _excluded(current, exceptions) else None


def first_common_slots(
    grids: Sequence[BoolGrid],
    horizon: Horizon,
    *,
    count: int = 3,
    minutes: int = 60,
    min_minutes: int = SLOT_MINUTES,
    not_before: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """The first `count` meeting slots everyone in `grids` (one grid per person, same
    `horizon`) has free, earliest first, as (start, end) in UTC: each run of common slots
    gives at most one meeting, `minutes` long or the whole run when shorter, and runs shorter
    than `min_minutes` are skipped; slots before `not_before` too. [] when there is none."""
    if not grids:
        return []
    both = np.logical_and.reduce(list(grids))
    padded = np.concatenate(([False], both, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    out: list[tuple[datetime, datetime]] = []
    first_ok = 0
    if not_before is not None:
        first_ok = slot_range(horizon, not_before, horizon.slot_start(horizon.n_slots))[0]
    for first, stop in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
        first = max(first, first_ok)
        length = (stop - first) * SLOT_MINUTES
        if length < min_minutes:
            continue
        start = horizon.slot_start(first)
        out.append((start, start + timedelta(minutes=min(minutes, length))))
        if len(out) == count:
            break
    return out
