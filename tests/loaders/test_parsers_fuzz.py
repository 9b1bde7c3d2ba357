"""Malformed input to the people and calendar parsers: our clear errors, never anything else."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import BatchRejected, InvalidInput
from graph.model import Person, Skill
from graph.store import GraphStore, UpsertPeople, UpsertSkills
from loaders.calendar import CalendarError, availability_of, import_availability, parse_calendar
from loaders.people import import_people
from loaders.people_format import (
    parse_attributes,
    parse_exceptions,
    parse_skills,
    parse_windows,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CELL = st.text(
    alphabet=st.sampled_from(list("ab:;|,- 0123456789.=\"'\n\tMonWedFri24é")), max_size=40
)


@pytest.fixture
def fuzz_store(embedded_store: GraphStore) -> GraphStore:
    embedded_store.apply(
        [
            UpsertSkills([Skill(id="s:1", label="Python"), Skill(id="s:2", label="b")]),
            UpsertPeople([Person(id="boss", name="Boss")]),
        ]
    )
    return embedded_store


@FUZZ
@given(CELL)
def test_cell_parsers_raise_only_value_error(cell: str) -> None:
    for parse in (parse_windows, parse_skills, parse_exceptions, parse_attributes):
        try:
            parse(cell)
        except ValueError as exc:
            assert str(exc)


def _csv_line(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' if i % 2 else c for i, c in enumerate(cells))


COLUMNS = ["id", "name", "manager_id", "timezone", "skills", "windows", "is_mentor", "goals"]


@FUZZ
@given(
    header=st.lists(st.sampled_from([*COLUMNS, "bogus", ""]), min_size=1, max_size=8),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6),
)
def test_csv_import_fails_only_with_batch_rejected(
    fuzz_store: GraphStore, tmp_path: Path, header: list[str], rows: list[list[str]]
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join([",".join(header), *(_csv_line(r) for r in rows)]), "utf-8")
    version = fuzz_store.data_version()
    try:
        report = import_people(fuzz_store, path, dry_run=True)
    except BatchRejected as exc:
        assert exc.problems and all(p.source and p.field and p.reason for p in exc.problems)
    else:
        assert all(p.source for p in report.problems)
    assert fuzz_store.data_version() == version


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_as_people_file(fuzz_store: GraphStore, tmp_path: Path, data: bytes) -> None:
    for name in ("fuzz.csv", "fuzz.jsonl"):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            import_people(fuzz_store, path, allow_partial=True, reject_file=tmp_path / "r")
        except BatchRejected as exc:
            assert exc.problems


NAMES = st.text(alphabet=st.sampled_from(list("Ab ,;|\t\"'é-:")), min_size=1, max_size=12).filter(
    lambda t: t.strip() == t and t.strip()
)


def _spelled(column: str, style: int) -> str:
    """A column name as an HR system might write it: Title Case, UPPER, spaced, hyphenated."""
    words = column.split("_")
    return [
        column,
        " ".join(w.title() for w in words),
        column.upper(),
        "-".join(words),
        " ".join(words).upper(),
    ][style % 5]


@FUZZ
@given(
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    styles=st.lists(st.integers(0, 4), min_size=3, max_size=3),
    people=st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=5),
    crlf=st.booleans(),
    bom=st.booleans(),
)
def test_any_delimiter_and_header_spelling_reads_the_same(
    fuzz_store: GraphStore,
    tmp_path: Path,
    delimiter: str,
    styles: list[int],
    people: list[tuple[str, str]],
    crlf: bool,
    bom: bool,
) -> None:
    """Whatever the delimiter (detected), header spelling and line ends, the same people."""
    columns = ["id", "name", "manager_id"]
    header = [_spelled(c, st_) for c, st_ in zip(columns, styles, strict=True)]
    rows = [[f"p{i}-{pid}", name, ""] for i, (pid, name) in enumerate(people)]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n").writerows(
        [header, *rows]
    )
    path = tmp_path / "fuzz.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    report = import_people(fuzz_store, path, dry_run=True)
    assert not report.problems, report.problems
    assert sorted(report.added) == sorted(r[0].strip() for r in rows)


@FUZZ
@given(
    text=st.text(max_size=60),
    encoding=st.sampled_from(["cp1252", "latin-1", "utf-16", "utf-16-le", "utf-8", "utf-32"]),
)
def test_text_in_any_encoding_is_read_or_refused_clearly(
    fuzz_store: GraphStore, tmp_path: Path, text: str, encoding: str
) -> None:
    try:
        data = ("id,name\n" + text).encode(encoding)
    except UnicodeEncodeError:
        return
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    version = fuzz_store.data_version()
    try:
        import_people(fuzz_store, path, dry_run=True)
    except BatchRejected as exc:
        assert exc.problems and all(p.source and p.field and p.reason for p in exc.problems)
    assert fuzz_store.data_version() == version


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | CELL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELL, inner, max_size=3),
    max_leaves=8,
)
RECORDS = st.fixed_dictionaries(
    {"id": CELL, "name": CELL},
    optional={
        "manager_id": CELL | st.none(),
        "timezone": CELL,
        "skills": st.lists(
            st.fixed_dictionaries({"skill": CELL}, optional={"level": JSON_VALUES}) | CELL,
            max_size=3,
        ),
        "windows": st.lists(CELL | JSON_VALUES, max_size=3),
        "goals": st.lists(CELL | st.fixed_dictionaries({"text": CELL}), max_size=3),
        "preferences": st.dictionaries(st.sampled_from(["formats", "function", "x"]), JSON_VALUES),
        "seniority": JSON_VALUES,
    },
)


@FUZZ
@given(st.lists(RECORDS | JSON_VALUES, min_size=1, max_size=5))
def test_jsonl_import_fails_only_with_batch_rejected(
    fuzz_store: GraphStore, tmp_path: Path, records: list[object]
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    try:
        import_people(fuzz_store, path, dry_run=True)
    except BatchRejected as exc:
        assert exc.problems


ICS_LINES = st.sampled_from(
    [
        "DTSTART;TZID=Europe/Berlin:20260105T090000",
        "DTSTART:20260105T090000Z",
        "DTSTART;VALUE=DATE:20260720",
        "DTSTART:2026",
        "DTSTART;TZID=Nope/Zone:20260105T090000",
        "DTEND;TZID=Europe/Berlin:20260105T110000",
        "DTEND;VALUE=DATE:20260801",
        "DTEND:20250101T000000Z",
        "DURATION:PT1H",
        "DURATION:garbage",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE",
        "RRULE:FREQ=DAILY;COUNT=3",
        "RRULE:FREQ=SOMETIMES",
        "RRULE:FREQ=WEEKLY;UNTIL=20200101T000000Z",
        "RDATE:20260110T090000Z",
        "EXDATE:nonsense",
        "TRANSP:TRANSPARENT",
        "SUMMARY:Mentoring",
        "SUMMARY:OOO",
        "CATEGORIES:free,leave",
        "UID:same",
    ]
)


@st.composite
def calendars(draw: st.DrawFn) -> str:
    events = draw(st.lists(st.lists(ICS_LINES | CELL, max_size=6), max_size=4))
    body = "".join(
        "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in ev) + "END:VEVENT\r\n"
        for ev in events
    )
    head = draw(st.sampled_from(["BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "BEGIN:VCALENDAR\r\n", ""]))
    tail = draw(st.sampled_from(["END:VCALENDAR\r\n", ""]))
    return head + body + tail


@FUZZ
@given(calendars())
def test_calendar_parsing_raises_only_calendar_error(text: str) -> None:
    try:
        cal = parse_calendar(text.encode())
        availability_of(cal, ZoneInfo("Asia/Tokyo"), date(2026, 1, 1))
    except CalendarError as exc:
        assert str(exc)


@FUZZ
@given(st.binary(max_size=300) | calendars().map(str.encode))
def test_calendar_import_reports_never_raises(
    embedded_store: GraphStore, tmp_path: Path, data: bytes
) -> None:
    if embedded_store.get_person("ada") is None:
        embedded_store.apply([UpsertPeople([Person(id="ada", name="Ada", timezone="Asia/Tokyo")])])
    before = embedded_store.get_person("ada")
    path = tmp_path / "ada.ics"
    path.write_bytes(data)
    [result] = import_availability(embedded_store, path, as_of=date(2026, 1, 1)).files
    if not result.ok:
        assert result.error and embedded_store.get_person("ada") == before
    else:
        embedded_store.apply([UpsertPeople([before])])  # reset for the next example


def test_non_ics_errors_are_invalid_input(embedded_store: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        import_availability(embedded_store, tmp_path / "none")
