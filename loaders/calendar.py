"""Import availability from iCalendar files: recurring free slots and leave.

One `.ics` per person (or a folder of them). Recurring events marked free become weekly
windows in the person's own time zone; busy all-day events and leave become date-range
exceptions. Each file is checked completely and then written in its own transaction, so a bad
file is reported and leaves that person's stored availability untouched. The conventions are
documented in docs/people-format.md ("Calendars").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from pydantic import ValidationError

from graph.errors import BatchRejected, InvalidInput
from graph.model import AvailabilityException, Person, WeeklyWindow
from graph.store import GraphStore, UpsertPeople
from loaders.csvutil import DEFAULT_MAX_IMPORT_BYTES, read_bounded
from loaders.people import progress_steps

WINDOW_HORIZON = timedelta(weeks=8)  # free windows: occurrences in the next eight weeks
LEAVE_HORIZON = timedelta(days=365)  # unavailability: the next year
MAX_ROWS = 100  # Person.windows / Person.exceptions hold at most this many

_FREE_WORDS = re.compile(r"mentoring|\bfree\b|\bavailable\b|office hours", re.IGNORECASE)
_LEAVE_WORDS = re.compile(
    r"\bleave\b|vacation|holiday|out of office|\bOOO\b|\bsick\b|parental", re.IGNORECASE
)

MatchedBy = Literal["file name", "X-WR-CALNAME", "ORGANIZER"]


class CalendarError(Exception):
    """Why one calendar file cannot be imported (reported per file, never raised out)."""


@dataclass
class CalendarFileResult:
    file: str
    ok: bool
    person_id: str | None = None
    matched_by: MatchedBy | None = None
    windows: int = 0
    exceptions: int = 0
    changed: bool = False
    windows_kept: bool = False  # leave-only calendar: the stored windows stay
    error: str | None = None

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.file}: {self.error}"
        kept = " (windows kept)" if self.windows_kept else ""
        state = "changed" if self.changed else "unchanged"
        return (
            f"{self.file}: {self.person_id} ({state}): {self.windows} windows{kept}, "
            f"{self.exceptions} unavailable ranges"
        )


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
        lines += [f"  {f}" for f in self.files]
        return "\n".join(lines)


@dataclass(frozen=True)
class Availability:
    """What one calendar says, in the person's time zone."""

    windows: list[WeeklyWindow]
    exceptions: list[AvailabilityException]
    has_free_windows: bool


# --- the import -----------------------------------------------------------------------------


def import_availability(
    store: GraphStore,
    path: str | Path,
    *,
    progress: bool = False,
    as_of: date | None = None,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> CalendarImportReport:
    """Import one `.ics` file or every `*.ics` in a folder; one transaction per file. A file
    over `max_bytes` (the caller's Settings.max_import_bytes) is reported, not read."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".ics" and p.is_file())
        if not files:
            raise InvalidInput(f"no .ics files in {path}")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInput(f"{path} is neither a file nor a folder")
    today = as_of or date.today()
    report = CalendarImportReport(source=str(path))
    emails = _EmailIndex(store)
    with progress_steps(progress) as step:
        advance = step(f"calendars in {path.name}", len(files))
        for f in files:
            report.files.append(_import_file(store, f, today, emails, max_bytes))
            advance(1)
    return report


def _import_file(
    store: GraphStore, path: Path, today: date, emails: _EmailIndex, max_bytes: int
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
        avail = availability_of(cal, ZoneInfo(person.timezone), today)
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
                p.email.casefold(): p.id for p in self._store.list_people() if p.email
            }
        return self._by_email.get(email.casefold())


def _person_for(
    store: GraphStore, path: Path, cal: icalendar.Calendar, emails: _EmailIndex
) -> tuple[Person, MatchedBy]:
    person = store.get_person(path.stem)
    if person is not None:
        return person, "file name"
    calname = str(cal.get("X-WR-CALNAME", "")).strip()
    if calname:
        person = store.get_person(calname)
        if person is not None:
            return person, "X-WR-CALNAME"
    organizer = _organizer_email(cal)
    if organizer:
        pid = emails.get(organizer)
        person = store.get_person(pid) if pid else None
        if person is not None:
            return person, "ORGANIZER"
    tried = [f"file name {path.stem!r}"]
    if calname:
        tried.append(f"X-WR-CALNAME {calname!r}")
    if organizer:
        tried.append(f"ORGANIZER {organizer!r}")
    raise CalendarError(f"no person matches this calendar (tried {', '.join(tried)})")


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


def availability_of(cal: icalendar.Calendar, zone: ZoneInfo, today: date) -> Availability:
    """Free weekly windows and unavailable date ranges of one calendar, in `zone`."""
    events = list(cal.walk("VEVENT"))
    if not events:
        raise CalendarError("calendar has no events")
    _check_tzids(cal, events)
    free_uids: set[str] = set()
    busy_uids: set[str] = set()
    for i, ev in enumerate(events):
        if not ev.get("UID"):
            ev["UID"] = f"mentorgraph-event-{i}"
        uid = str(ev["UID"])
        try:
            start = ev.decoded("DTSTART")
        except (KeyError, ValueError):
            continue  # an event without a start has no time to contribute
        transparent = str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
        words = " ".join([str(ev.get("SUMMARY", "")), *_categories(ev)])
        recurring = "RRULE" in ev or "RDATE" in ev
        all_day = isinstance(start, date) and not isinstance(start, datetime)
        if recurring and not all_day and (transparent or _FREE_WORDS.search(words)):
            free_uids.add(uid)
        elif not transparent and (all_day or _LEAVE_WORDS.search(words)):
            busy_uids.add(uid)

    windows = _windows(cal, free_uids, zone, today) if free_uids else []
    exceptions = _exceptions(cal, busy_uids, zone, today) if busy_uids else []
    if not windows and not exceptions:
        raise CalendarError(
            "nothing usable: no recurring free windows (TRANSP:TRANSPARENT or "
            "'mentoring'/'free' in SUMMARY/CATEGORIES) and no current leave or all-day busy events"
        )
    if len(windows) > MAX_ROWS:
        raise CalendarError(f"{len(windows)} distinct weekly windows, at most {MAX_ROWS}")
    return Availability(windows=windows, exceptions=exceptions, has_free_windows=bool(windows))


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


def _check_tzids(cal: icalendar.Calendar, events: Iterable[Any]) -> None:
    defined = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    for ev in events:
        for key in ("DTSTART", "DTEND"):
            prop = ev.get(key)
            tzid = getattr(prop, "params", {}).get("TZID") if prop is not None else None
            if tzid and tzid not in defined:
                try:
                    ZoneInfo(str(tzid))
                except (ZoneInfoNotFoundError, ValueError):
                    raise CalendarError(
                        f"event {ev.get('UID', '?')}: {key} has TZID {tzid!r}, which is "
                        "neither defined in the file (VTIMEZONE) nor an IANA time zone"
                    ) from None


def _occurrences(
    cal: icalendar.Calendar, uids: set[str], start: date, end: date
) -> list[tuple[Any, Any]]:
    try:
        occurrences = recurring_ical_events.of(cal).between(start, end)
    except Exception as exc:  # malformed RRULE/EXDATE etc. surface from the expander
        raise CalendarError(f"cannot expand recurring events: {_short(exc)}") from None
    out: list[tuple[Any, Any]] = []
    for occ in occurrences:
        if str(occ.get("UID")) not in uids:
            continue
        s = occ.decoded("DTSTART")
        e = occ.decoded("DTEND") if "DTEND" in occ else None
        if e is None:
            e = s + (occ.decoded("DURATION") if "DURATION" in occ else timedelta(0))
        out.append((s, e))
    return out


def _local(value: datetime, zone: tzinfo) -> datetime:
    # floating times (no zone) are read in the person's zone
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _windows(
    cal: icalendar.Calendar, uids: set[str], zone: ZoneInfo, today: date
) -> list[WeeklyWindow]:
    spans: dict[int, list[tuple[int, int]]] = {}
    for s, e in _occurrences(cal, uids, today, today + WINDOW_HORIZON):
        if not isinstance(s, datetime) or not isinstance(e, datetime):
            continue
        start, end = _local(s, zone), _local(e, zone)
        end = min(end, start + timedelta(days=1))
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(0), zone)
            piece_end = min(end, midnight)
            a = start.hour * 60 + start.minute
            b = 1440 if piece_end == midnight else piece_end.hour * 60 + piece_end.minute
            if b > a:
                spans.setdefault(start.weekday(), []).append((a, b))
            start = piece_end
    out: list[WeeklyWindow] = []
    for day in sorted(spans):
        for a, b in _merge(sorted(spans[day])):
            end_t = time(0) if b == 1440 else time(b // 60, b % 60)
            out.append(WeeklyWindow(weekday=day, start=time(a // 60, a % 60), end=end_t))
    return out


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _exceptions(
    cal: icalendar.Calendar, uids: set[str], zone: ZoneInfo, today: date
) -> list[AvailabilityException]:
    ranges: list[tuple[date, date]] = []
    for s, e in _occurrences(cal, uids, today, today + LEAVE_HORIZON):
        if isinstance(s, datetime):
            first = _local(s, zone).date()
            end_dt = _local(e, zone) if isinstance(e, datetime) else _local(s, zone)
            # an event ending exactly at midnight does not touch that day
            last = (
                (end_dt - timedelta(microseconds=1)).date() if end_dt > _local(s, zone) else first
            )
        else:
            first = s
            last = (e - timedelta(days=1)) if isinstance(e, date) and e > s else s
        if last >= today:
            ranges.append((first, max(first, last)))
    merged: list[tuple[date, date]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return [AvailabilityException(start=a, end=b, reason="calendar") for a, b in merged[:MAX_ROWS]]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


__all__ = [
    "Availability",
    "CalendarError",
    "CalendarFileResult",
    "CalendarImportReport",
    "availability_of",
    "import_availability",
    "parse_calendar",
]
