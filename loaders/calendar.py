"""Import availability from iCalendar files: free time as dated windows, leave as dates.

One `.ics` per person (or a folder of them). Every stored window is true on every date it
claims: occurrences are expanded with `recurring-ical-events` from the start date (`as_of`),
converted to the person's own time zone, and each distinct local (weekday, start, end) becomes
a window with the dates it holds from/until (weekly, every n weeks, or once). A series keeps
its end (UNTIL/COUNT), a moved occurrence (RECURRENCE-ID) is a one-off on its new date, an
excluded one (EXDATE) is a gap, and a slot whose local time shifts when clocks change on
different dates in the two zones is one window per period, never the union of both hours.
Leave, out of office and busy all-day events become date-range exceptions. Every event that
is not used is a line in the report with its reason. Each file is checked completely and then
written in its own transaction, so a bad file is reported and leaves that person's stored
availability untouched. The rules are in docs/calendar-import.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from pydantic import ValidationError

from graph.errors import BatchRejected, InvalidInput
from graph.model import AvailabilityException, Person, WeeklyWindow
from graph.store import GraphStore, UpsertPeople
from loaders.csvutil import DEFAULT_MAX_IMPORT_BYTES, read_bounded
from loaders.people import progress_steps

# Free windows: every occurrence in the 56 weeks from the start date is read (a full year plus
# the few days by which DST dates move, so every pair of clock changes is seen). A series
# whose local time never shifts is then followed further, up to SCAN_YEARS, to its real end.
HORIZON = timedelta(weeks=56)
SCAN_YEARS = 10
MAX_ROWS = 100  # Person.windows / Person.exceptions hold at most this many
SUMMARY_SKIP_LINES = 50  # skipped-event lines printed per file by `summary()`; all are kept

_FREE_WORDS = re.compile(r"mentoring|\bfree\b|\bavailable\b|office hours", re.IGNORECASE)
_LEAVE_WORDS = re.compile(
    r"\bleave\b|vacation|holiday|out of office|\bOOO\b|\bOOF\b|\bsick\b|parental",
    re.IGNORECASE,
)

MatchedBy = Literal[
    "file name", "file name (e-mail)", "X-WR-CALNAME", "X-WR-CALNAME (e-mail)", "ORGANIZER"
]
Kind = Literal["free", "leave"]


class CalendarError(Exception):
    """Why one calendar file cannot be imported (reported per file, never raised out)."""


@dataclass
class CalendarFileResult:
    """The outcome for one file. `skipped`: one line per event (or occurrence) not used, with
    the reason; `notes`: how something was read (a Windows zone name mapped, X-WR-TIMEZONE
    applied, windows stored only up to a date)."""

    file: str
    ok: bool
    person_id: str | None = None
    matched_by: MatchedBy | None = None
    windows: int = 0
    exceptions: int = 0
    changed: bool = False
    windows_kept: bool = False  # leave-only calendar: the stored windows stay
    error: str | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.file}: {self.error}"
        kept = " (windows kept)" if self.windows_kept else ""
        state = "changed" if self.changed else "unchanged"
        return (
            f"{self.file}: {self.person_id} ({state}): {self.windows} windows{kept}, "
            f"{self.exceptions} unavailable ranges, {len(self.skipped)} events skipped"
        )

    def lines(self, max_skipped: int = SUMMARY_SKIP_LINES) -> list[str]:
        """This file's line, then its notes and skipped events (at most `max_skipped`)."""
        out = [str(self)]
        out += [f"  note: {n}" for n in self.notes]
        out += [f"  skipped: {s}" for s in self.skipped[:max_skipped]]
        if len(self.skipped) > max_skipped:
            out.append(f"  ... and {len(self.skipped) - max_skipped} more skipped events")
        return out


@dataclass
class CalendarImportReport:
    source: str
    files: list[CalendarFileResult] = field(default_factory=list)

    @property
    def imported(self) -> list[CalendarFileResult]:
        return [f for f in self.files if f.ok]

    @property
    def failed(self) -> list[CalendarFileResult]:
        return [f for f in self.files if not f.ok]

    def summary(self) -> str:
        lines = [f"{self.source}: {len(self.imported)} imported, {len(self.failed)} failed"]
        lines += [f"  {line}" for f in self.files for line in f.lines()]
        return "\n".join(lines)


@dataclass(frozen=True)
class Availability:
    """What one calendar says, in the person's time zone."""

    windows: list[WeeklyWindow]
    exceptions: list[AvailabilityException]
    has_free_windows: bool
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- the import -----------------------------------------------------------------------------


def import_availability(
    store: GraphStore,
    path: str | Path,
    *,
    progress: bool = False,
    as_of: date | None = None,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> CalendarImportReport:
    """Import one `.ics` file or every `*.ics` in a folder; one transaction per file.

    `as_of` is the first local date read (default: today); nothing else depends on the day
    the import runs. A file over `max_bytes` (the caller's Settings.max_import_bytes) is
    reported, not read. Raises InvalidInput when `path` is missing or a folder has no `.ics`
    file; problems with one file are in its `CalendarFileResult`, never raised.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".ics" and p.is_file())
        if not files:
            raise InvalidInput(f"no .ics files in {path}")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInput(f"{path} is neither a file nor a folder")
    start = as_of or date.today()
    report = CalendarImportReport(source=str(path))
    emails = _EmailIndex(store)
    with progress_steps(progress) as step:
        advance = step(f"calendars in {path.name}", len(files))
        for f in files:
            report.files.append(_import_file(store, f, start, emails, max_bytes))
            advance(1)
    return report


def _import_file(
    store: GraphStore, path: Path, start: date, emails: _EmailIndex, max_bytes: int
) -> CalendarFileResult:
    result = CalendarFileResult(file=path.name, ok=False)
    try:
        try:
            data = read_bounded(path, max_bytes=max_bytes)
        except BatchRejected as exc:  # too big or unreadable: this file's problem only
            raise CalendarError("; ".join(p.reason for p in exc.problems)) from None
        cal = parse_calendar(data, path.name)
        person, result.matched_by = _person_for(store, path, cal, emails)
        result.person_id = person.id
        try:
            avail = availability_of(cal, ZoneInfo(person.timezone), start)
        except _Unusable as exc:
            result.skipped = exc.skipped
            raise CalendarError(str(exc)) from None
        result.skipped, result.notes = avail.skipped, avail.notes
        update: dict[str, Any] = {"exceptions": avail.exceptions}
        if avail.has_free_windows:
            update["windows"] = avail.windows
        else:
            result.windows_kept = True
        try:
            new = Person.model_validate({**person.model_dump(), **update})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise CalendarError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        result.windows, result.exceptions = len(new.windows), len(new.exceptions)
        if new != person:
            store.apply([UpsertPeople([new])])
            result.changed = True
        result.ok = True
    except CalendarError as exc:
        result.error = str(exc)
    return result


class _EmailIndex:
    """Person id by e-mail (case-insensitive), read from the store on first use."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._by_email: dict[str, str] | None = None

    def get(self, email: str) -> str | None:
        if self._by_email is None:
            self._by_email = {
                p.email.strip().casefold(): p.id for p in self._store.list_people() if p.email
            }
        return self._by_email.get(email.strip().casefold())


def _person_for(
    store: GraphStore, path: Path, cal: icalendar.Calendar, emails: _EmailIndex
) -> tuple[Person, MatchedBy]:
    """File name as id, then as e-mail; X-WR-CALNAME as id, then as e-mail; ORGANIZER."""
    calname = str(cal.get("X-WR-CALNAME", "")).strip()
    organizer = _organizer_email(cal)
    tries: list[tuple[str, MatchedBy, bool]] = [
        (path.stem, "file name", False),
        (path.stem, "file name (e-mail)", True),
        (calname, "X-WR-CALNAME", False),
        (calname, "X-WR-CALNAME (e-mail)", True),
        (organizer or "", "ORGANIZER", True),
    ]
    for value, how, by_email in tries:
        if not value or (by_email and "@" not in value):
            continue
        pid = emails.get(value) if by_email else value
        person = store.get_person(pid) if pid else None
        if person is not None:
            return person, how
    tried = [f"file name {path.stem!r}"]
    if calname:
        tried.append(f"X-WR-CALNAME {calname!r}")
    if organizer:
        tried.append(f"ORGANIZER {organizer!r}")
    raise CalendarError(
        f"no person matches this calendar (tried {', '.join(tried)} as person id and e-mail)"
    )


def _organizer_email(cal: icalendar.Calendar) -> str | None:
    candidates = [cal.get("ORGANIZER")] + [ev.get("ORGANIZER") for ev in cal.walk("VEVENT")]
    for value in candidates:
        if value:
            text = str(value).strip()
            return text[7:] if text.lower().startswith("mailto:") else text
    return None


# --- parsing (pure) -------------------------------------------------------------------------


def parse_calendar(data: bytes, name: str = "calendar") -> icalendar.Calendar:
    """Bytes -> one VCALENDAR, or CalendarError saying why not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalendarError(f"not UTF-8 (byte offset {exc.start})") from None
    if not text.strip():
        raise CalendarError("empty file")
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError, KeyError, ... on bad input
        raise CalendarError(f"not an iCalendar file: {_short(exc)}") from None
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise CalendarError(f"not an iCalendar file: top component is {cal.name}, not VCALENDAR")
    return cal


class _Unusable(CalendarError):
    """Nothing usable; carries the skipped-event lines that say why."""

    def __init__(self, message: str, skipped: list[str]) -> None:
        super().__init__(message)
        self.skipped = skipped


@dataclass
class _Series:
    """One UID's free occurrences as local pieces, and what is known about its future."""

    uid: str
    events: list[Any]
    dates: dict[tuple[int, int, int], set[date]] = field(default_factory=dict)
    first: tuple[datetime, datetime] | None = None  # the first free occurrence read

    def add(self, day: date, a: int, b: int) -> None:
        self.dates.setdefault((day.weekday(), a, b), set()).add(day)


def availability_of(cal: icalendar.Calendar, zone: ZoneInfo, start: date) -> Availability:
    """Free windows and unavailable date ranges of one calendar, in `zone`, from `start`.

    Raises CalendarError for a calendar without events, an unknown TZID or X-WR-TIMEZONE, a
    series that cannot be expanded, or one with nothing usable on or after `start`.
    """
    try:
        return _availability_of(cal, zone, start)
    except CalendarError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        # malformed values the parser let through and the expander or datetime refuse
        raise CalendarError(f"cannot read the events: {_short(exc)}") from None


def _availability_of(cal: icalendar.Calendar, zone: ZoneInfo, start: date) -> Availability:
    events = list(cal.walk("VEVENT"))
    if not events:
        raise CalendarError("calendar has no events")
    notes: list[str] = []
    skipped: list[str] = []
    _check_zones(cal, events, notes)
    for i, ev in enumerate(events):
        if not ev.get("UID"):
            ev["UID"] = f"mentorgraph-event-{i}"
    recurring = {
        str(ev["UID"]) for ev in events if "RRULE" in ev or "RDATE" in ev or "RECURRENCE-ID" in ev
    }
    kinds: dict[int, Kind] = {}
    for ev in events:
        kind, why = _classify(ev, str(ev["UID"]) in recurring)
        if kind is None:
            skipped.append(f"{_describe(ev)}: {why}")
        else:
            kinds[id(ev)] = kind
    used = [ev for ev in events if id(ev) in kinds]
    t0 = datetime.combine(start, time(0), zone)
    t_end = datetime.combine(start + HORIZON, time(0), zone)
    far = datetime.combine(start + timedelta(days=365 * SCAN_YEARS), time(0), zone)
    rec = [ev for ev in used if str(ev["UID"]) in recurring]
    once = [ev for ev in used if str(ev["UID"]) not in recurring]

    series: dict[str, _Series] = {}
    leave: list[tuple[date, date]] = []
    seen: set[str] = set()
    # Recurring series: the horizon for free time; leave up to SCAN_YEARS (it is cheap).
    # One-off events: wherever they fall.
    for subset, until, kinds_read in ((rec, t_end, "free"), (rec, far, "leave"), (once, None, "")):
        wanted = [ev for ev in subset if not kinds_read or kinds[id(ev)] == kinds_read]
        if not wanted:
            continue
        stop = until if until is not None else far + timedelta(days=365 * 50)
        for occ in _expand(cal, wanted, t0, stop):
            uid = str(occ["UID"])
            kind, _ = _classify(occ, uid in recurring)
            if kind is None:
                continue  # e.g. a cancelled or changed occurrence; reported per event
            s, e = _bounds(occ)
            if kind == "leave":
                span = _leave_days(s, e, zone)
                if span[1] >= start:
                    leave.append((max(span[0], start), span[1]))
                    seen.add(uid)
                continue
            if not isinstance(s, datetime) or not isinstance(e, datetime):
                continue
            if uid not in series:
                series[uid] = _Series(uid, [x for x in events if str(x["UID"]) == uid])
            ser = series[uid]
            if ser.first is None:
                ser.first = (s, e)
            for day, a, b, problem in _pieces(s, e, zone, start):
                if problem:
                    skipped.append(f"{_describe(occ, occurrence=True)}: {problem}")
                else:
                    ser.add(day, a, b)
                    seen.add(uid)

    # Unavailability: merged ranges, at most MAX_ROWS (the earliest); free windows are not
    # stored past what the leave we read covers.
    exceptions, known_until = _merged_leave(leave, start, notes)
    if any(str(ev["UID"]) in recurring and kinds[id(ev)] == "leave" for ev in used):
        leave_cal = [ev for ev in rec if kinds[id(ev)] == "leave"]
        if _occurs_from(cal, leave_cal, far):
            last = far.date() - timedelta(days=1)
            known_until = min(known_until or last, last)
    windows: list[WeeklyWindow] = []
    for ser in series.values():
        windows += _windows_of(cal, ser, zone, start, t_end, far, recurring, notes)
    if known_until is not None:
        windows = _cap(windows, known_until, notes)
    windows = _merge_same_dates(windows)
    if len(windows) > MAX_ROWS:
        windows.sort(key=lambda w: (w.valid_from or date.min, w.weekday, w.start))
        notes.append(
            f"{len(windows)} windows; kept the {MAX_ROWS} that start first "
            f"(the rest from {windows[MAX_ROWS].valid_from} on are not stored)"
        )
        windows = windows[:MAX_ROWS]
    windows.sort(key=lambda w: (w.weekday, w.start, w.valid_from or date.min))

    for ev in used:
        uid = str(ev["UID"])
        if uid not in seen and "RECURRENCE-ID" not in ev:
            skipped.append(f"{_describe(ev)}: {_why_unseen(ev, start, t_end, kinds[id(ev)])}")
    if not windows and not exceptions:
        raise _Unusable(
            "nothing usable: no free time (TRANSP:TRANSPARENT or 'mentoring'/'free'/"
            "'available'/'office hours' in SUMMARY/CATEGORIES) and no leave or busy all-day "
            f"event on or after {start}",
            skipped,
        )
    return Availability(
        windows=windows,
        exceptions=exceptions,
        has_free_windows=bool(windows),
        skipped=skipped,
        notes=notes,
    )


# --- reading events -------------------------------------------------------------------------


def _classify(ev: Any, recurring: bool) -> tuple[Kind | None, str]:
    """('free' | 'leave' | None, why not used). Leave first: out of office (Outlook's
    X-MICROSOFT-CDO-BUSYSTATUS:OOF) or leave words, free or busy; then free time (timed; a
    series marked free or named so, a one-off only when named so); then busy all-day."""
    if str(ev.get("STATUS", "")).upper() == "CANCELLED":
        return None, "cancelled (STATUS:CANCELLED)"
    if "DTSTART" not in ev:
        return None, "no DTSTART"
    first = _start_of(ev)
    if first is None:
        return None, "DTSTART is not a date or date-time"
    busy = str(ev.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    words = " ".join([str(ev.get("SUMMARY", "")), *_categories(ev)])
    if busy == "OOF":
        return "leave", ""
    if _LEAVE_WORDS.search(words):
        return "leave", ""
    all_day = not isinstance(first, datetime)
    transparent = str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" or busy == "FREE"
    named_free = bool(_FREE_WORDS.search(words))
    if all_day:
        if transparent:
            return None, (
                "all-day event marked free (TRANSP:TRANSPARENT) and not leave, vacation or "
                "out of office: read as neither free time nor unavailability"
            )
        return "leave", ""
    if named_free or (recurring and transparent):
        return "free", ""
    if transparent:
        return None, (
            "one-off event marked free without 'mentoring', 'free', 'available' or 'office "
            "hours' in SUMMARY/CATEGORIES: not read as free time"
        )
    return None, "busy event, not leave or out of office: only free time and leave are read"


def _start_of(ev: Any) -> date | None:
    """DTSTART as a date or datetime; None when missing or unreadable."""
    try:
        value = ev.decoded("DTSTART")
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    return value if isinstance(value, date) else None


def _categories(ev: Any) -> list[str]:
    value = ev.get("CATEGORIES")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        out.extend(str(c) for c in cats) if cats is not None else out.append(str(item))
    return out


def _describe(ev: Any, occurrence: bool = False) -> str:
    """'event <UID> '<SUMMARY>' on <DTSTART>' for report lines (`occurrence`: one expanded
    occurrence, which carries a RECURRENCE-ID without being a changed one)."""
    uid = str(ev.get("UID", "?"))
    uid = uid if len(uid) <= 40 else uid[:37] + "..."
    summary = str(ev.get("SUMMARY", "")).strip()
    summary = summary if len(summary) <= 60 else summary[:57] + "..."
    when = _start_of(ev)
    at = f" on {when.isoformat()}" if when is not None else ""
    moved = " (changed occurrence)" if "RECURRENCE-ID" in ev and not occurrence else ""
    return f"event {uid} {summary!r}{at}{moved}"


def _why_unseen(ev: Any, start: date, t_end: datetime, kind: Kind) -> str:
    first = _start_of(ev)
    first_day = first.date() if isinstance(first, datetime) else first
    if kind == "free" and first_day is not None and first_day >= t_end.date():
        return f"free series starts after the {HORIZON.days // 7}-week horizon ({t_end.date()})"
    return f"no occurrence on or after {start} (over, cancelled or excluded)"


def _check_zones(cal: icalendar.Calendar, events: Iterable[Any], notes: list[str]) -> None:
    """Every TZID is defined in the file, an IANA zone, or a Windows zone name (mapped
    through CLDR windowsZones, the table icalendar ships); X-WR-TIMEZONE is an IANA zone."""
    xwr = cal.get("X-WR-TIMEZONE")
    if xwr is not None:
        name = str(xwr).strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"X-WR-TIMEZONE {name!r} is not an IANA time zone (expected e.g. Europe/Berlin)"
            ) from None
        if any(_is_utc(ev) for ev in events):
            notes.append(
                f"X-WR-TIMEZONE {name}: times given in UTC ('Z') are read as that zone's wall "
                "clock on their first date and repeat at that local time, as Google Calendar "
                "shows them (see docs/calendar-import.md)"
            )
    defined = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    mapped: dict[str, str] = {}
    for ev in events:
        for key in ("DTSTART", "DTEND", "EXDATE", "RDATE", "RECURRENCE-ID"):
            for prop in _props(ev.get(key)):
                tzid = getattr(prop, "params", {}).get("TZID")
                if not tzid or tzid in defined or tzid in mapped:
                    continue
                try:
                    ZoneInfo(str(tzid))
                    continue
                except (ZoneInfoNotFoundError, ValueError):
                    pass
                iana = WINDOWS_TO_OLSON.get(str(tzid).strip())
                if iana is None:
                    raise CalendarError(
                        f"event {ev.get('UID', '?')}: {key} has TZID {tzid!r}, which is "
                        "neither defined in the file (VTIMEZONE), nor an IANA time zone, "
                        "nor a Windows time zone name (CLDR windowsZones)"
                    )
                mapped[str(tzid)] = iana
    for tzid, iana in sorted(mapped.items()):
        notes.append(f"TZID {tzid!r} has no VTIMEZONE: read as {iana} (CLDR windowsZones)")


def _props(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _is_utc(ev: Any) -> bool:
    first = _start_of(ev)
    return (
        isinstance(first, datetime)
        and first.utcoffset() == timedelta(0)
        and "TZID" not in getattr(ev.get("DTSTART"), "params", {})
    )


def _expand(
    cal: icalendar.Calendar,
    events: Sequence[Any],
    begin: datetime,
    end: datetime | None,
    *,
    lazy: bool = False,
) -> Iterable[Any]:
    """Occurrences of `events` (and their changed instances) in [begin, end), or every
    occurrence from `begin` on, lazily, when `end` is None. The calendar's VTIMEZONEs and
    X-WR-TIMEZONE come along, so times read the same as in the whole file."""
    sub = icalendar.Calendar()
    for key in ("VERSION", "PRODID", "X-WR-TIMEZONE"):
        if key in cal:
            sub.add(key, cal[key])
    for tz in cal.walk("VTIMEZONE"):
        sub.add_component(tz)
    uids = {str(ev["UID"]) for ev in events}
    for ev in cal.walk("VEVENT"):
        if str(ev["UID"]) in uids:
            sub.add_component(ev)
    try:
        query = recurring_ical_events.of(sub)
        if end is None:
            return query.after(begin) if lazy else list(query.after(begin))
        return list(query.between(begin, end))
    except Exception as exc:  # malformed RRULE/EXDATE etc. surface from the expander
        raise CalendarError(f"cannot expand recurring events: {_short(exc)}") from None


def _occurs_from(cal: icalendar.Calendar, events: Sequence[Any], begin: datetime) -> bool:
    """Whether `events` have any occurrence from `begin` on."""
    try:
        return next(iter(_expand(cal, events, begin, None, lazy=True)), None) is not None
    except CalendarError:
        raise
    except Exception as exc:  # the expander fails lazily on malformed rules
        raise CalendarError(f"cannot expand recurring events: {_short(exc)}") from None


def _bounds(occ: Any) -> tuple[date | datetime, date | datetime]:
    s = occ.decoded("DTSTART")
    if "DTEND" in occ:
        return s, occ.decoded("DTEND")
    if "DURATION" in occ:
        return s, s + occ.decoded("DURATION")
    # RFC 5545 3.6.1: no DTEND/DURATION is one day for a date, no time for a date-time
    return s, (s if isinstance(s, datetime) else s + timedelta(days=1))


def _local(value: datetime, zone: tzinfo) -> datetime:
    # floating times (no zone) are read in the person's zone
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _leave_days(s: date | datetime, e: date | datetime, zone: tzinfo) -> tuple[date, date]:
    """The local dates an unavailable occurrence touches (DTEND is exclusive)."""
    if isinstance(s, datetime):
        first = _local(s, zone)
        end = _local(e, zone) if isinstance(e, datetime) else first
        last = (end - timedelta(microseconds=1)).date() if end > first else first.date()
        return first.date(), max(first.date(), last)
    end_day = e if isinstance(e, date) and not isinstance(e, datetime) else s
    return s, (end_day - timedelta(days=1)) if end_day > s else s


def _pieces(
    s: datetime, e: datetime, zone: ZoneInfo, start: date
) -> list[tuple[date, int, int, str | None]]:
    """An occurrence as (local date, start minute, end minute, problem) pieces, split at
    local midnight, whole minutes inside it. A piece whose wall-clock times do not name the
    same instants again (a repeated or skipped hour at a clock change) is a problem line."""
    cur, stop = _local(s, zone).astimezone(UTC), _local(e, zone).astimezone(UTC)
    out: list[tuple[date, int, int, str | None]] = []
    while cur < stop and len(out) < 366:  # instants compared in UTC: folds stay apart
        day = cur.astimezone(zone).date()
        midnight = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        piece_end = min(stop, midnight)
        if piece_end <= cur:
            break
        first = cur.replace(second=0, microsecond=0)
        if first != cur:  # whole minutes inside the occurrence only
            first += timedelta(minutes=1)
        last = piece_end.replace(second=0, microsecond=0)
        cur = piece_end
        lf, ll = first.astimezone(zone), last.astimezone(zone)
        if day < start or first >= last or lf.date() != day:
            continue
        a = lf.hour * 60 + lf.minute
        b = 1440 if last == midnight else ll.hour * 60 + ll.minute
        same = (
            b > a
            and _wall(day, a, zone).astimezone(UTC) == first
            and _wall(day, b, zone).astimezone(UTC) == last
        )
        problem = None
        if not same:
            problem = (
                f"the occurrence on {day} ({_hm(a)}-{_hm(b)} {zone.key}) falls in an hour "
                "that is repeated or skipped when the clocks change: not stored"
            )
        out.append((day, a, b, problem))
    return out


def _wall(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 1440:
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    return datetime.combine(day, time(minute // 60, minute % 60), zone)


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --- free time: dated windows ---------------------------------------------------------------


def _windows_of(
    cal: icalendar.Calendar,
    ser: _Series,
    zone: ZoneInfo,
    start: date,
    t_end: datetime,
    far: datetime,
    recurring: set[str],
    notes: list[str],
) -> list[WeeklyWindow]:
    """One series' pieces as windows: per local (weekday, start, end), maximal runs of dates
    a constant number of weeks apart. The last run stays open (no end date) only when the
    series has no end, its local time never shifts, and nothing changes it later."""
    scanned_to = t_end.date()  # every date before this is read
    open_ok = False
    if ser.uid in recurring and ser.first is not None and _steady(*ser.first, zone):
        infinite, periodic, ends, changes = _future_of(ser.events, zone)
        bound = scanned_to + timedelta(weeks=8)
        if ends is not None:
            bound = max(bound, ends + timedelta(weeks=1))
        elif not infinite:
            bound = far.date()  # ends by COUNT or RDATE: follow it (at most SCAN_YEARS)
        if changes is not None:
            bound = max(bound, changes + timedelta(weeks=8))
        bound = min(bound, far.date())
        begin = datetime.combine(scanned_to, time(0), zone)
        for occ in _expand(cal, ser.events, begin, datetime.combine(bound, time(0), zone)):
            if _classify(occ, True)[0] != "free":
                continue
            s, e = _bounds(occ)
            if isinstance(s, datetime) and isinstance(e, datetime):
                for day, a, b, problem in _pieces(s, e, zone, start):
                    if problem is None and day < bound:
                        ser.add(day, a, b)
        scanned_to = bound
        open_ok = (
            infinite and periodic and (changes is None or changes + timedelta(weeks=8) <= bound)
        )
    out: list[WeeklyWindow] = []
    for (weekday, a, b), days in ser.dates.items():
        for first, last, step in _runs(sorted(days)):
            until: date | None = last
            if open_ok and step and last + timedelta(days=step) >= scanned_to:
                until = None
            end = time(0) if b == 1440 else time(b // 60, b % 60)
            out.append(
                WeeklyWindow(
                    weekday=weekday,
                    start=time(a // 60, a % 60),
                    end=end,
                    valid_from=first,
                    valid_until=until,
                    every_weeks=step // 7 if step else 1,
                )
            )
    stored = [w.valid_until for w in out]
    if ser.uid in recurring and ser.first is not None and out and None not in stored:
        last_day = max(d for d in stored if d is not None)
        after = datetime.combine(last_day + timedelta(days=1), time(0), zone)
        if _occurs_from(cal, ser.events, after):
            why = (
                f"its time in {zone.key} is not the same all year (the zones change clocks "
                "on different dates, or one does not)"
                if not _steady(*ser.first, zone)
                else "its later dates do not follow one weekly pattern"
            )
            notes.append(
                f"{_describe(ser.events[0])}: free windows stored up to {last_day}, because "
                f"{why}; import again before then for the weeks after"
            )
    return out


def _runs(days: list[date]) -> list[tuple[date, date, int]]:
    """Sorted dates of one weekday -> (first, last, step in days) runs, using the most common
    gap as the step (ties: the shorter); a lone date has step 0."""
    gaps = Counter((b - a).days for a, b in pairwise(days))
    usable = [(n, g) for g, n in gaps.items() if g <= 7 * 52]
    step = min(usable, key=lambda ng: (-ng[0], ng[1]))[1] if usable else 0
    out: list[tuple[date, date, int]] = []
    first = last = days[0]
    for d in days[1:]:
        if step and (d - last).days == step:
            last = d
            continue
        out.append((first, last, step if last != first else 0))
        first = last = d
    out.append((first, last, step if last != first else 0))
    return out


def _steady(s: datetime, e: datetime, zone: ZoneInfo) -> bool:
    """Whether this occurrence, repeated at its own wall-clock time every week for a year,
    lands at one local time in `zone` every week (true for the same zone, floating times,
    and zones whose offsets differ by a constant)."""
    if s.tzinfo is None:
        return True
    base = [(_local(x, zone).weekday() - x.weekday(), _local(x, zone).time()) for x in (s, e)]
    for k in range(1, 54):
        moved = [
            (x.replace(tzinfo=None) + timedelta(weeks=k)).replace(tzinfo=x.tzinfo) for x in (s, e)
        ]
        if [(_local(x, zone).weekday() - x.weekday(), _local(x, zone).time()) for x in moved] != (
            base
        ):
            return False
    return True


_PERIODIC_PARTS = {"FREQ", "INTERVAL", "BYDAY", "WKST", "UNTIL", "COUNT"}


def _future_of(
    events: Sequence[Any], zone: ZoneInfo
) -> tuple[bool, bool, date | None, date | None]:
    """(no end at all, repeats with a period of whole weeks, last date by UNTIL, last date
    an occurrence is excluded or changed)."""
    infinite = False
    periodic = True
    ends: date | None = None
    changes: list[date | None] = []
    for ev in events:
        if "RECURRENCE-ID" in ev:
            changes += [
                _day_of(getattr(p, "dt", None), zone) for p in _props(ev.get("RECURRENCE-ID"))
            ]
            continue
        if "RDATE" in ev:
            periodic = False
        for rule in _props(ev.get("RRULE")):
            freq = (rule.get("FREQ") or [""])[0]
            days = [str(d) for d in rule.get("BYDAY") or []]
            if (
                freq not in ("WEEKLY", "DAILY")
                or set(rule) - _PERIODIC_PARTS
                or any(not d.isalpha() for d in days)
            ):
                periodic = False
            until = rule.get("UNTIL")
            if until:
                day = _day_of(until[0], zone)
                if day is not None:
                    ends = day if ends is None else max(ends, day)
            elif not rule.get("COUNT"):
                infinite = True
        for exdate in _props(ev.get("EXDATE")):
            changes += [_day_of(getattr(d, "dt", None), zone) for d in getattr(exdate, "dts", [])]
    if infinite:
        ends = None
    known = [d for d in changes if d is not None]
    return infinite, periodic, ends, max(known) if known else None


def _day_of(value: object, zone: ZoneInfo) -> date | None:
    if isinstance(value, datetime):
        return _local(value, zone).date()
    return value if isinstance(value, date) else None


def _cap(windows: list[WeeklyWindow], last: date, notes: list[str]) -> list[WeeklyWindow]:
    """Windows end by `last` (the leave read goes no further); one left with no date goes."""
    out: list[WeeklyWindow] = []
    cut = False
    for w in windows:
        if w.valid_until is not None and w.valid_until <= last:
            out.append(w)
            continue
        cut = True
        try:
            out.append(WeeklyWindow.model_validate({**w.model_dump(), "valid_until": last}))
        except ValidationError:
            continue  # it claims no date on or before `last`
    if cut:
        notes.append(
            f"free windows stored up to {last}: the calendar's unavailability is read no further"
        )
    return out


def _merge_same_dates(windows: list[WeeklyWindow]) -> list[WeeklyWindow]:
    """Windows on exactly the same dates whose times touch or overlap become one."""
    groups: dict[tuple[Any, ...], list[WeeklyWindow]] = {}
    for w in windows:
        groups.setdefault((w.weekday, w.valid_from, w.valid_until, w.every_weeks), []).append(w)
    out: list[WeeklyWindow] = []
    for same in groups.values():
        same.sort(key=lambda w: w.start_minute)
        merged = [same[0]]
        for w in same[1:]:
            top = merged[-1]
            if w.start_minute <= top.end_minute:
                if w.end_minute > top.end_minute:
                    merged[-1] = top.model_copy(update={"end": w.end})
            else:
                merged.append(w)
        out += merged
    return out


# --- unavailability -------------------------------------------------------------------------


def _merged_leave(
    ranges: list[tuple[date, date]], start: date, notes: list[str]
) -> tuple[list[AvailabilityException], date | None]:
    """Touching/overlapping ranges merged; the earliest MAX_ROWS kept. Returns them and the
    last date they cover completely (None = all of them are kept)."""
    merged: list[tuple[date, date]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    known_until: date | None = None
    if len(merged) > MAX_ROWS:
        known_until = merged[MAX_ROWS][0] - timedelta(days=1)
        notes.append(
            f"{len(merged)} unavailable ranges; kept the first {MAX_ROWS} (up to {known_until})"
        )
        merged = merged[:MAX_ROWS]
    exceptions = [AvailabilityException(start=a, end=b, reason="calendar") for a, b in merged]
    return exceptions, known_until


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


__all__ = [
    "HORIZON",
    "Availability",
    "CalendarError",
    "CalendarFileResult",
    "CalendarImportReport",
    "availability_of",
    "import_availability",
    "parse_calendar",
]
