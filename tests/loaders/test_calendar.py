"""iCalendar availability import on real stores: windows, leave, time zones, bad files."""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest

from graph.errors import InvalidInput
from graph.model import AvailabilityException, Person, WeeklyWindow
from graph.store import GraphStore, UpsertPeople
from loaders.calendar import import_availability

DATA = Path(__file__).parent / "data" / "calendars"
AS_OF = date(2026, 7, 1)  # summer time in Berlin and New York


def windows(p: Person | None) -> list[tuple[int, time, time]]:
    assert p is not None
    return [(w.weekday, w.start, w.end) for w in p.windows]


def ranges(p: Person | None) -> list[tuple[date | None, date | None]]:
    assert p is not None
    return [(e.start, e.end) for e in p.exceptions]


def ics(*events: str, head: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{head}{body}END:VCALENDAR\r\n"
    ).replace("\n\n", "\n")


def add_people(store: GraphStore, *people: Person) -> None:
    store.apply([UpsertPeople(list(people))])


@pytest.fixture
def team(embedded_store: GraphStore) -> GraphStore:
    add_people(
        embedded_store,
        Person(id="ada", name="Ada", timezone="Europe/Berlin", email="Ada@Example.org"),
        Person(id="bo", name="Bo", timezone="Europe/Berlin"),
    )
    return embedded_store


def test_weekly_window_and_all_day_leave_in_berlin(store: GraphStore) -> None:
    add_people(store, Person(id="ada", name="Ada", timezone="Europe/Berlin"))
    report = import_availability(store, DATA / "ada.ics", as_of=AS_OF)
    [res] = report.files
    assert res.ok and res.person_id == "ada" and res.matched_by == "file name" and res.changed
    ada = store.get_person("ada")
    # the daily busy stand-up is neither free nor leave: it is ignored
    assert windows(ada) == [(0, time(9), time(11)), (2, time(9), time(11))]
    assert ranges(ada) == [(date(2026, 7, 20), date(2026, 7, 31))]  # DTEND is exclusive


def test_tzid_converted_to_the_persons_zone(team: GraphStore) -> None:
    # bo-calendar.ics: Tuesdays 10:00-11:00 New York, matched through X-WR-CALNAME
    report = import_availability(team, DATA / "bo-calendar.ics", as_of=AS_OF)
    assert report.files[0].matched_by == "X-WR-CALNAME"
    assert windows(team.get_person("bo")) == [(1, time(16), time(17))]  # Berlin time
    # in January New York is UTC-5 and Berlin UTC+1: still six hours apart
    import_availability(team, DATA / "bo-calendar.ics", as_of=date(2026, 1, 10))
    assert windows(team.get_person("bo")) == [(1, time(16), time(17))]


def test_utc_time_crossing_midnight_is_split(team: GraphStore, tmp_path: Path) -> None:
    # Fridays 21:30-23:30 UTC = 23:30 Fri - 01:30 Sat in Berlin (summer, UTC+2)
    path = tmp_path / "ada.ics"
    path.write_text(
        ics(
            "UID:x\r\nDTSTART:20260605T213000Z\r\nDTEND:20260605T233000Z\r\n"
            "RRULE:FREQ=WEEKLY\r\nTRANSP:TRANSPARENT"
        )
    )
    import_availability(team, path, as_of=AS_OF)
    assert windows(team.get_person("ada")) == [
        (4, time(23, 30), time(0)),
        (5, time(0), time(1, 30)),
    ]


def test_organizer_email_matches_and_timed_leave_becomes_dates(
    team: GraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "export-2026.ics"
    path.write_text(
        ics(
            "UID:a\r\nORGANIZER:mailto:ada@example.org\r\n"
            "DTSTART;TZID=Europe/Berlin:20260810T120000\r\n"
            "DTEND;TZID=Europe/Berlin:20260812T000000\r\nSUMMARY:OOO - conference",
            "UID:b\r\nDTSTART;VALUE=DATE:20260601\r\nDTEND;VALUE=DATE:20260603\r\n"
            "SUMMARY:old leave, already over",
            "UID:c\r\nDTSTART;VALUE=DATE:20260813\r\nSUMMARY:public holiday",
        )
    )
    report = import_availability(team, path, as_of=AS_OF)
    [res] = report.files
    assert res.ok and res.matched_by == "ORGANIZER" and res.person_id == "ada"
    # Aug 10 noon .. Aug 12 00:00 touches the 10th and 11th only; the past leave is dropped
    assert ranges(team.get_person("ada")) == [
        (date(2026, 8, 10), date(2026, 8, 11)),
        (date(2026, 8, 13), date(2026, 8, 13)),
    ]
    assert res.windows_kept


def test_leave_only_calendar_keeps_windows(team: GraphStore, tmp_path: Path) -> None:
    monday = WeeklyWindow(weekday=0, start=time(9), end=time(10))
    old = AvailabilityException(start=date(2026, 7, 2), end=date(2026, 7, 3), reason="old")
    add_people(
        team,
        Person(id="ada", name="Ada", timezone="Europe/Berlin", windows=[monday], exceptions=[old]),
    )
    path = tmp_path / "ada.ics"
    path.write_text(ics("UID:l\r\nDTSTART;VALUE=DATE:20260901\r\nDTEND;VALUE=DATE:20260902"))
    import_availability(team, path, as_of=AS_OF)
    ada = team.get_person("ada")
    assert windows(ada) == [(0, time(9), time(10))]
    assert ranges(ada) == [(date(2026, 9, 1), date(2026, 9, 1))]  # the calendar's leave only


def test_folder_reports_bad_files_and_imports_the_rest(team: GraphStore, tmp_path: Path) -> None:
    for name in ("ada.ics", "bo-calendar.ics", "notes.ics"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "empty.ics").write_text(ics())
    (tmp_path / "nobody.ics").write_text(
        ics("UID:n\r\nDTSTART;VALUE=DATE:20260901", head="X-WR-CALNAME:ghost\r\n")
    )
    (tmp_path / "ada-latin1.ics").write_bytes("BEGIN:VCALENDAR\r\nX-X:Zoë\r\n".encode("latin-1"))
    (tmp_path / "readme.txt").write_text("not a calendar and not .ics: skipped")
    report = import_availability(team, tmp_path, as_of=AS_OF)
    assert [f.person_id for f in report.imported] == ["ada", "bo"]
    failed = {f.file: f.error for f in report.failed}
    assert failed == {
        "ada-latin1.ics": "not UTF-8 (byte offset 23)",
        "empty.ics": "no person matches this calendar (tried file name 'empty')",
        "nobody.ics": "no person matches this calendar (tried file name 'nobody', "
        "X-WR-CALNAME 'ghost')",
        "notes.ics": failed["notes.ics"],
    }
    assert failed["notes.ics"] is not None
    assert failed["notes.ics"].startswith("not an iCalendar file: ")


def test_calendar_without_events_is_reported(team: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "ada.ics"
    path.write_text(ics())
    [res] = import_availability(team, path, as_of=AS_OF).files
    assert not res.ok and res.error == "calendar has no events"


def test_failed_import_keeps_previous_availability(team: GraphStore, tmp_path: Path) -> None:
    import_availability(team, DATA / "ada.ics", as_of=AS_OF)
    before = team.get_person("ada")
    version = team.data_version()
    path = tmp_path / "ada.ics"
    path.write_text(
        ics(
            "UID:ok\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\n"
            "DTEND;TZID=Europe/Berlin:20260105T100000\r\nRRULE:FREQ=WEEKLY\r\n"
            "TRANSP:TRANSPARENT",
            "UID:bad\r\nDTSTART;TZID=Mars/Olympus:20260105T090000\r\n"
            "DTEND;TZID=Mars/Olympus:20260105T100000\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:free",
        )
    )
    [res] = import_availability(team, path, as_of=AS_OF).files
    assert not res.ok and res.person_id == "ada"
    assert res.error is not None and "TZID 'Mars/Olympus'" in res.error
    assert team.get_person("ada") == before and team.data_version() == version


def test_nothing_usable_is_reported(team: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "ada.ics"
    path.write_text(
        ics("UID:m\r\nDTSTART:20260706T090000Z\r\nDTEND:20260706T100000Z\r\nSUMMARY:meeting")
    )
    [res] = import_availability(team, path, as_of=AS_OF).files
    assert not res.ok and res.error is not None and res.error.startswith("nothing usable")


def test_reimport_is_unchanged(team: GraphStore) -> None:
    import_availability(team, DATA / "ada.ics", as_of=AS_OF)
    version = team.data_version()
    [res] = import_availability(team, DATA / "ada.ics", as_of=AS_OF).files
    assert res.ok and not res.changed and team.data_version() == version


def test_missing_path_and_empty_folder(team: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"no \.ics files"):
        import_availability(team, tmp_path)
    with pytest.raises(InvalidInput, match="neither a file nor a folder"):
        import_availability(team, tmp_path / "missing.ics")


def test_file_over_the_import_limit_is_reported_per_file(team: GraphStore, tmp_path: Path) -> None:
    shutil.copy(DATA / "ada.ics", tmp_path / "ada.ics")
    [res] = import_availability(team, tmp_path, as_of=AS_OF, max_bytes=100).files
    assert not res.ok and res.error is not None and "import limit" in res.error
