"""The people file formats (CSV and JSON Lines): cell parsers, row models and writers.

Pure functions over strings and dicts; no store access. `loaders.people` reads a file, turns
each record into a `PersonRow` with these helpers, resolves skills against the taxonomy and
writes. The formats are documented in docs/people-format.md (a test checks that every column
named here is documented there).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph.model import (
    AvailabilityException,
    Format,
    Goal,
    GoalStatus,
    MentoringModel,
    Milestone,
    Person,
    PersonSkill,
    WeeklyWindow,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name")

# Every CSV column and what goes in it (kept in the same order as docs/people-format.md).
CSV_COLUMNS: dict[str, str] = {
    "id": "unique person id (required)",
    "name": "display name (required)",
    "email": "e-mail address",
    "title": "job title",
    "department": "department or function",
    "manager_id": "id of the person's manager (in the file or already stored)",
    "location": "office or city",
    "timezone": "IANA time zone, e.g. Europe/Berlin (Windows names are mapped)",
    "languages": "language codes separated by ';' or ','",
    "seniority": "1 (junior) .. 10 (executive)",
    "skills": "'label or id:level[:mentor]' items separated by ';'",
    "is_mentor": "true/false: offers mentoring",
    "micro_mentor": "true/false: offers micro sessions (one 30-60 minute session on one skill)",
    "max_mentees": "how many mentees at once (0-50)",
    "max_hours_per_month": "mentoring hours a month the person can give",
    "hours_wanted_per_month": "mentoring hours a month the person wants as a mentee",
    "windows": "weekly free windows in local time, e.g. 'Mon 09:00-11:00; Wed 14:00-16:00'",
    "exceptions": "unavailable date ranges, e.g. '2026-07-01..2026-07-14 leave; ..2026-02-28'",
    "pref_formats": "video, in_person, async separated by ';'",
    "pref_languages": "preferred mentoring languages separated by ';'",
    "pref_function": "same, cross or any",
    "pref_models": "one_to_one, group, peer, circle, reverse, micro separated by ';'",
    "programs": "mentoring programs separated by ';', e.g. 2026-autumn",
    "attributes": "self-reported attributes 'key=value' separated by ';'",
    "goals": "free-text development goals separated by '|' or line breaks in the cell",
    "opt_out_recommend": "true/false: never recommend this person",
    "opt_out_analytics": "true/false: leave this person out of analytics",
    "status": "active, or left (also: leaver, inactive, terminated, former): off-board them",
    "left_on": "YYYY-MM-DD the person leaves; on or before the import day: off-board them",
}
# `status` values that mark a leaver (case-insensitive); "active" and empty mean present.
LEFT_STATUSES = frozenset({"left", "leaver", "inactive", "terminated", "former"})
PRESENT_STATUSES = frozenset({"active", "present", "employed"})
# What a CSV header may name: the columns, plus `error` (a reject file fed back in).
KNOWN_CSV_COLUMNS: tuple[str, ...] = (*CSV_COLUMNS, "error")
PREFERENCE_COLUMNS = {
    "pref_formats": "formats",
    "pref_languages": "languages",
    "pref_function": "function",
    "pref_models": "models",
}

_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_TRUE = frozenset({"true", "yes", "y", "1", "t", "x"})
_FALSE = frozenset({"false", "no", "n", "0", "f", ""})
_MENTOR_FLAGS = frozenset({"mentor", "m", "yes", "true", "y"})


M = TypeVar("M", bound=BaseModel)


def trusted(cls: type[M], **values: Any) -> M:
    """Build a model from values the caller has already checked, without validation.

    Like `model_construct`, minus its per-call overhead (it matters at 100k rows); every
    field must be given."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


# --- cell parsers (raise ValueError with a message meant for the person fixing the file) -----


def parse_bool(text: str) -> bool:
    v = text.strip().casefold()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def split_items(text: str, separators: str = ";") -> list[str]:
    """Split a multi-valued cell on any of `separators`, dropping blanks."""
    if not text:
        return []
    first = separators[0]
    for other in separators[1:]:
        text = text.replace(other, first)
    return [p.strip() for p in text.split(first) if p and not p.isspace()]


def _parse_time(text: str) -> time:
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"time {text!r} is not HH:MM")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"time {text!r} is out of range")
    return time(hour, minute)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in split_items(text, ","):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _weekday(first), _weekday(last)
            if b < a:
                raise ValueError(f"day range {part!r} runs backwards")
            days.extend(range(a, b + 1))
        else:
            days.append(_weekday(part))
    if not days:
        raise ValueError("no weekday given")
    return days


def _weekday(text: str) -> int:
    day = _WEEKDAYS.get(text.strip().casefold())
    if day is None:
        raise ValueError(f"unknown weekday {text.strip()!r} (use Mon, Tue, ... Sun)")
    return day


def parse_window(text: str) -> list[WeeklyWindow]:
    """'Mon 09:00-11:00', 'Mon,Wed 09:00-11:00' or 'Mon-Fri 08:30-09:00' -> windows."""
    item = text.strip()
    days_part, _, hours = item.rpartition(" ")
    if not days_part or "-" not in hours:
        raise ValueError(f"window {item!r} is not 'Day HH:MM-HH:MM'")
    start_text, _, end_text = hours.partition("-")
    start, end = _parse_time(start_text), _parse_time(end_text)
    try:
        return [WeeklyWindow(weekday=d, start=start, end=end) for d in _parse_days(days_part)]
    except ValidationError as exc:
        raise ValueError(f"window {item!r}: {exc.errors()[0]['msg']}") from None


def parse_windows(text: str) -> list[WeeklyWindow]:
    out: list[WeeklyWindow] = []
    for item in split_items(text, ";"):
        out.extend(parse_window(item))
    return out


def format_window(w: WeeklyWindow) -> str:
    end = "24:00" if w.end == time(0, 0) else w.end.strftime("%H:%M")
    return f"{WEEKDAY_NAMES[w.weekday]} {w.start.strftime('%H:%M')}-{end}"


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD") from None


def parse_exceptions(text: str) -> list[AvailabilityException]:
    """'2026-07-01..2026-07-14 summer leave; ..2026-02-28 not started; 2026-12-24' ->
    exceptions (bounds inclusive, either side may be open; a single date is one day)."""
    out: list[AvailabilityException] = []
    for item in split_items(text, ";"):
        span, _, reason = item.partition(" ")
        if ".." in span:
            first, _, last = span.partition("..")
            start, end = _parse_date(first), _parse_date(last)
        else:
            start = end = _parse_date(span)
        try:
            out.append(AvailabilityException(start=start, end=end, reason=reason.strip()))
        except ValidationError as exc:
            raise ValueError(f"exception {item!r}: {exc.errors()[0]['msg']}") from None
    return out


def format_exception(e: AvailabilityException) -> str:
    if e.start is not None and e.start == e.end:
        span = e.start.isoformat()
    else:
        span = f"{e.start.isoformat() if e.start else ''}..{e.end.isoformat() if e.end else ''}"
    return f"{span} {e.reason}".strip()


def parse_attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in split_items(text, ";"):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"attribute {item!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


class SkillEntry(BaseModel):
    """One skill of a person as the file gives it: a taxonomy id or label, before resolution."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    skill: Annotated[str, Field(min_length=1, max_length=500)]
    level: int = Field(ge=1, le=5)
    mentor: bool = False


def parse_skill(text: str) -> SkillEntry:
    """'python:4', 'python:4:mentor', 'http://data.europa.eu/esco/skill/ab12:3' -> entry.

    Read from the right, so labels and ids may themselves contain ':'."""
    item = text.strip()
    rest, sep, last = item.rpartition(":")
    mentor = False
    if sep and last.strip().casefold() in _MENTOR_FLAGS:
        mentor = True
        rest, sep, last = rest.rpartition(":")
    if not sep or not rest.strip():
        raise ValueError(f"skill {item!r} is not 'label or id:level[:mentor]'")
    try:
        level = int(last.strip())
    except ValueError:
        raise ValueError(f"skill {item!r}: level {last.strip()!r} is not a number 1-5") from None
    if not 1 <= level <= 5:
        raise ValueError(f"skill {item!r}: level {level} is not between 1 and 5")
    ref = rest.strip()
    if len(ref) > 500:
        raise ValueError(f"skill {ref[:40]!r}...: longer than 500 characters")
    # already checked field by field: skip re-validation (this runs for every skill of a file)
    return trusted(SkillEntry, skill=ref, level=level, mentor=mentor)


def parse_skills(text: str) -> list[SkillEntry]:
    return [parse_skill(item) for item in split_items(text, ";")]


def format_skill(ref: str, level: int, mentor: bool) -> str:
    return f"{ref}:{level}{':mentor' if mentor else ''}"


# --- the row model both formats validate into ------------------------------------------------


class GoalEntry(BaseModel):
    """A goal as a JSONL record gives it (CSV gives only the text)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=512, pattern=r"^\S(.*\S)?$")] | None = None
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    measurable_outcome: str = Field(default="", max_length=2000)
    start_date: date | None = None
    target_date: date | None = None
    milestones: list[Milestone] = Field(default_factory=list, max_length=50)
    status: GoalStatus = GoalStatus.open


class PreferencesRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    formats: list[Format] | None = None
    languages: list[Annotated[str, Field(min_length=2, max_length=16)]] | None = None
    function: Literal["same", "cross", "any"] | None = None
    models: list[MentoringModel] | None = None


class PersonRow(BaseModel):
    """One record of a people file. Fields left out keep what the store has (see docs)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=512, pattern=r"^\S(.*\S)?$")]
    name: Annotated[str, Field(min_length=1, max_length=500)]
    email: str | None = None
    title: str = ""
    department: str = ""
    manager_id: str | None = None
    location: str = ""
    timezone: str = "UTC"
    languages: list[str] = Field(default_factory=list)
    seniority: int = 3
    skills: list[SkillEntry] = Field(default_factory=list)
    is_mentor: bool = False
    micro_mentor: bool = False
    max_mentees: int = 0
    max_hours_per_month: float = 0.0
    hours_wanted_per_month: float = 2.0
    windows: list[WeeklyWindow | str] = Field(default_factory=list)
    exceptions: list[AvailabilityException | str] = Field(default_factory=list)
    preferences: PreferencesRow = Field(default_factory=PreferencesRow)
    attributes: dict[str, str] = Field(default_factory=dict)
    programs: list[str] = Field(default_factory=list)
    goals: list[GoalEntry | Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        default_factory=list
    )
    opt_out_recommend: bool = False
    opt_out_analytics: bool = False
    # HR status: leavers are off-boarded by the import's use case, not imported.
    status: str | None = None
    left_on: date | None = None

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        key = value.strip().casefold()
        if key not in LEFT_STATUSES | PRESENT_STATUSES:
            known = ", ".join(sorted(PRESENT_STATUSES | LEFT_STATUSES))
            raise ValueError(f"unknown status {value!r}: expected one of {known}")
        return key

    def leaving(self, today: date) -> bool:
        """Whether this record says the person has left by `today` (a `status` of a leaver,
        or a `left_on` on or before `today`)."""
        if self.status in LEFT_STATUSES:
            return True
        return self.left_on is not None and self.left_on <= today

    def person_fields(self) -> dict[str, Any]:
        """The Person fields this record gives (only those it sets), with text windows and
        exceptions parsed. Raises ValueError naming the field on a bad window/exception."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            if name in ("skills", "goals", "status", "left_on"):
                continue
            value = getattr(self, name)
            if name == "windows":
                value = _windows_of(value)
            elif name == "exceptions":
                value = _exceptions_of(value)
            elif name == "preferences":
                value = value.model_dump(exclude_unset=True)
            elif name in ("manager_id", "email") and value == "":
                value = None
            out[name] = value
        return out

    def goal_entries(self) -> list[GoalEntry]:
        return [GoalEntry(text=g) if isinstance(g, str) else g for g in self.goals]


class FieldError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _windows_of(items: Sequence[WeeklyWindow | str]) -> list[WeeklyWindow]:
    out: list[WeeklyWindow] = []
    for item in items:
        if isinstance(item, WeeklyWindow):
            out.append(item)
        else:
            try:
                out.extend(parse_window(item))
            except ValueError as exc:
                raise FieldError("windows", str(exc)) from None
    return out


def _exceptions_of(items: Sequence[AvailabilityException | str]) -> list[AvailabilityException]:
    out: list[AvailabilityException] = []
    for item in items:
        if isinstance(item, AvailabilityException):
            out.append(item)
        else:
            try:
                out.extend(parse_exceptions(item))
            except ValueError as exc:
                raise FieldError("exceptions", str(exc)) from None
    return out


def csv_values_to_data(values: Mapping[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    """Turn one CSV record (column -> cell) into PersonRow input; unknown columns are errors.

    Only columns present in the file appear in the result, so absent columns keep the store's
    values. Empty cells in optional columns mean "empty" / the default."""
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    prefs: dict[str, Any] = {}
    for column, cell in values.items():
        try:
            if column in ("id", "name", "title", "department", "location"):
                data[column] = cell
            elif column in ("email", "manager_id"):
                data[column] = cell or None
            elif column == "timezone":
                data[column] = cell or "UTC"
            elif column in ("languages", "programs"):
                data[column] = split_items(cell, ";,")
            elif column == "seniority":
                data[column] = cell or 3
            elif column in ("max_mentees",):
                data[column] = cell or 0
            elif column in ("max_hours_per_month",):
                data[column] = cell or 0.0
            elif column in ("hours_wanted_per_month",):
                data[column] = cell or 2.0
            elif column in ("is_mentor", "micro_mentor", "opt_out_recommend", "opt_out_analytics"):
                data[column] = parse_bool(cell)
            elif column == "skills":
                data[column] = parse_skills(cell)
            elif column == "windows":
                data[column] = parse_windows(cell)
            elif column == "exceptions":
                data[column] = parse_exceptions(cell)
            elif column == "attributes":
                data[column] = parse_attributes(cell)
            elif column == "goals":  # '|' or a line break inside the (quoted) cell
                data[column] = split_items(cell.replace("\r\n", "\n"), "|\n\r")
            elif column in PREFERENCE_COLUMNS:
                key = PREFERENCE_COLUMNS[column]
                prefs[key] = (cell or "any") if key == "function" else split_items(cell, ";,")
            elif column == "status":
                data[column] = cell or None
            elif column == "left_on":
                data[column] = _parse_date(cell)
            elif column == "error":
                continue  # a reject file fed back in: its error column is ignored
            else:
                errors.append(FieldError(column, "unknown column (see docs/people-format.md)"))
        except ValueError as exc:
            errors.append(FieldError(column, str(exc)))
    if prefs:
        data["preferences"] = prefs
    return data, errors


def column_of(loc: Sequence[str | int], csv_format: bool) -> str:
    """Which column/key a pydantic error location points at."""
    if not loc:
        return "(row)"
    head = str(loc[0])
    if head == "preferences" and len(loc) > 1:
        sub = str(loc[1])
        if csv_format:
            return next((c for c, k in PREFERENCE_COLUMNS.items() if k == sub), head)
        return f"preferences.{sub}"
    if csv_format:
        return head
    return ".".join(str(p) for p in loc)


def goal_id_for(person_id: str, text: str) -> str:
    """Stable id for a goal given only as text: same person + same text -> same goal."""
    digest = hashlib.sha1(text.strip().casefold().encode(), usedforsecurity=False).hexdigest()
    return f"{person_id}:goal:{digest[:12]}"


# --- writing (export, reject files, fixtures) ------------------------------------------------


def person_to_csv_values(
    person: Person, skills: Iterable[PersonSkill] = (), goals: Iterable[Goal] = ()
) -> dict[str, str]:
    """One Person (+ its skills by id, goal texts) as CSV cells, in CSV_COLUMNS order."""
    p = person.preferences

    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    return {
        "id": person.id,
        "name": person.name,
        "email": person.email or "",
        "title": person.title,
        "department": person.department,
        "manager_id": person.manager_id or "",
        "location": person.location,
        "timezone": person.timezone,
        "languages": ";".join(person.languages),
        "seniority": str(person.seniority),
        "skills": "; ".join(format_skill(s.skill_id, s.level, s.willing_to_mentor) for s in skills),
        "is_mentor": "true" if person.is_mentor else "false",
        "micro_mentor": "true" if person.micro_mentor else "false",
        "max_mentees": str(person.max_mentees),
        "max_hours_per_month": num(person.max_hours_per_month),
        "hours_wanted_per_month": num(person.hours_wanted_per_month),
        "windows": "; ".join(format_window(w) for w in person.windows),
        "exceptions": "; ".join(format_exception(e) for e in person.exceptions),
        "pref_formats": ";".join(f.value for f in p.formats),
        "pref_languages": ";".join(p.languages),
        "pref_function": p.function,
        "pref_models": ";".join(m.value for m in p.models),
        "programs": ";".join(person.programs),
        "attributes": "; ".join(f"{k}={v}" for k, v in person.attributes.items()),
        "goals": " | ".join(g.text for g in goals),
        "opt_out_recommend": "true" if person.opt_out_recommend else "false",
        "opt_out_analytics": "true" if person.opt_out_analytics else "false",
        "status": "left" if person.departed else "",
        "left_on": person.left_on.isoformat() if person.left_on else "",
    }


def person_to_json(
    person: Person, skills: Iterable[PersonSkill] = (), goals: Iterable[Goal] = ()
) -> dict[str, Any]:
    """One Person (+ skills by id, goals with their SMART fields) as a JSONL record."""
    out = person.model_dump(mode="json", exclude={"erased_at"})
    if out.get("left_on") is None:
        out.pop("left_on", None)
    out["windows"] = [
        w.model_dump(mode="json") if w.dated else format_window(w) for w in person.windows
    ]
    out["skills"] = [
        {"skill": s.skill_id, "level": s.level, "mentor": s.willing_to_mentor} for s in skills
    ]
    out["goals"] = [
        g.model_dump(
            mode="json",
            include={
                "id",
                "text",
                "measurable_outcome",
                "start_date",
                "target_date",
                "milestones",
                "status",
            },
        )
        for g in goals
    ]
    return out


def write_csv(path: Path, rows: Iterable[Mapping[str, str]], columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_csv_cells(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = ","
) -> None:
    """Write a header and rows of cells as they are (UTF-8, RFC 4180 quoting, `delimiter`):
    how a reject file keeps the input's own header names and delimiter."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str))
            fh.write("\n")
