"""HR exports as HR systems write them (issue 11): the shared field cases, and cases of the
same kinds (delimiters, encodings, header names and column maps, repeated rows, trailing
fields, time zone names, typed skill labels)."""

from __future__ import annotations

import codecs
import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from pydantic import ValidationError

from graph.errors import BatchRejected, InvalidInput
from graph.model import Person, Skill
from graph.store import GraphStore, UpsertPeople, UpsertSkills
from loaders.csvutil import CsvDialect, header_key, parse_column_map
from loaders.people import PeopleImportOptions, import_people
from loaders.timezones import location_zones, read_timezone
from tests.loaders.test_people import add_taxonomy

HR = Path(__file__).parent / "data" / "hr"
ON = date(2026, 6, 1)  # a summer date: New York, Denver, Berlin observe DST


@pytest.fixture
def emb(embedded_store: GraphStore) -> GraphStore:
    """The test taxonomy plus 'manage budgets' (the semicolon export's second skill)."""
    add_taxonomy(embedded_store)
    embedded_store.apply([UpsertSkills([Skill(id="skill:budget", label="manage budgets")])])
    return embedded_store


def copy(case: str, name: str, tmp_path: Path) -> Path:
    """A field-case file copied into tmp_path (reject files land beside the input)."""
    target = tmp_path / name
    shutil.copyfile(HR / case / name, target)
    return target


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(exc: pytest.ExceptionInfo[BatchRejected]) -> list[tuple[str | None, str, str]]:
    return [(p.source, p.field, p.reason) for p in exc.value.problems]


def opts(**kw: object) -> PeopleImportOptions:
    return PeopleImportOptions.build(**kw)  # type: ignore[arg-type]


# --- field case hr-semicolon-excel ------------------------------------------------------------


def test_semicolon_excel_export_is_read_with_its_delimiter(emb: GraphStore, tmp_path: Path) -> None:
    path = copy("hr-semicolon-excel", "hr-export-utf8-semicolon.csv", tmp_path)
    report = import_people(emb, path)
    assert report.added == ["E2001", "E2002", "E2003"] and not report.problems
    juergen = emb.get_person("E2001")
    assert juergen is not None and juergen.name == "Jürgen Weiß"  # BOM gone, UTF-8 read
    assert juergen.is_mentor and juergen.max_mentees == 2 and juergen.department == "Vertrieb"
    assert [(s.skill_id, s.level, s.willing_to_mentor) for s in emb.person_skills("E2001")] == [
        ("skill:neg", 4, True)
    ]
    francois = emb.get_person("E2003")
    assert francois is not None and francois.manager_id == "E2001"
    assert francois.timezone == "Europe/Paris"
    # the quoted cell keeps its own ';' list: two skills
    assert {s.skill_id for s in emb.person_skills("E2003")} == {"skill:budget", "skill:neg"}


def test_wrong_delimiter_given_names_the_one_found(emb: GraphStore, tmp_path: Path) -> None:
    path = copy("hr-semicolon-excel", "hr-export-utf8-semicolon.csv", tmp_path)
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path, options=opts(delimiter=","))
    got = problems(exc)
    assert [(s, f) for s, f, _ in got] == [
        (
            "hr-export-utf8-semicolon.csv:1",
            "id;name;email;department;manager_id;timezone;skills;is_mentor;max_mentees",
        ),
        ("hr-export-utf8-semicolon.csv:1", "id"),
        ("hr-export-utf8-semicolon.csv:1", "name"),
    ]
    missing_id = got[1][2]
    assert missing_id.startswith("missing required column 'id' (found 'id;name;email;")
    assert "found ';' delimiters, expected ','" in missing_id
    assert emb.count_people() == 0


def test_cp1252_excel_export_is_refused_naming_line_and_column(
    emb: GraphStore, tmp_path: Path
) -> None:
    path = copy("hr-semicolon-excel", "hr-export-cp1252-semicolon.csv", tmp_path)
    version = emb.data_version()
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    got = problems(exc)
    name = "hr-export-cp1252-semicolon.csv"
    # one problem per row, each at its line and column: "Jürgen Weiß", "Zoë Müller", "François"
    assert [(s, f) for s, f, _ in got] == [
        (f"{name}:2", "name"),
        (f"{name}:3", "name"),
        (f"{name}:4", "name"),
    ]
    assert got[0][2].startswith("not UTF-8: found byte 0xfc ('ü' in Windows-1252")
    assert got[0][2].endswith("expected UTF-8 (in Excel: save as 'CSV UTF-8')")
    assert "found byte 0xeb ('ë'" in got[1][2]
    assert emb.count_people() == 0 and emb.data_version() == version


def test_non_utf8_in_a_later_column_and_a_multiline_cell(emb: GraphStore, tmp_path: Path) -> None:
    text = 'id,name,goals\r\na,Ann,"first line\r\nsecond: caf\xe9"\r\nb,Bob,\r\n'
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    [(source, field, reason)] = problems(exc)
    assert (source, field) == ("p.csv:3", "goals")  # the byte is on the cell's second line
    assert "found byte 0xe9 ('é' in Windows-1252" in reason


def test_bytes_that_are_not_any_text_are_refused(emb: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,name\na,\x81\x8d\x8f\x90\x9d\n")  # undefined in Windows-1252 too
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    [(source, field, reason)] = problems(exc)
    assert (source, field) == ("p.csv:2", "name")
    assert reason == "not UTF-8: found byte 0x81; expected UTF-8 (in Excel: save as 'CSV UTF-8')"


# --- other encodings: UTF-16 from Excel "Unicode text" ---------------------------------------


def test_excel_unicode_text_utf16_tab_file_is_decoded(emb: GraphStore, tmp_path: Path) -> None:
    text = "id\tname\ttimezone\r\nu1\tZoë Ångström\tEurope/Stockholm\r\n"
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    report = import_people(emb, path)
    person = emb.get_person("u1")
    assert report.added == ["u1"] and person is not None and person.name == "Zoë Ångström"


def test_utf16_without_byte_order_mark_is_refused(emb: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("id,name\na,Ann\n".encode("utf-16-le"))
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    [(source, field, reason)] = problems(exc)
    assert (source, field) == ("p.csv:1", "(encoding)")
    assert reason.startswith("found NUL bytes (first at line 1): the file looks like UTF-16")


# --- field case hr-bamboohr -----------------------------------------------------------------


def test_bamboohr_export_with_a_repeated_row(emb: GraphStore, tmp_path: Path) -> None:
    path = copy("hr-bamboohr", "bamboohr-export.csv", tmp_path)
    report = import_people(emb, path)
    assert report.added == ["E4001", "E4002", "E4003"] and not report.problems
    assert [(n.source, n.reason) for n in report.notes] == [
        ("bamboohr-export.csv:6", "repeats bamboohr-export.csv:2 exactly: imported once")
    ]
    assert emb.reports_of("E4001") == ["E4002", "E4003"]
    # the quoted cell with a line break holds two goals
    assert sorted(g.text for g in emb.goals_of("E4002")) == [
        "get better at presenting to executives",
        "learn how to negotiate vendor contracts",
    ]
    assert emb.get_person("E4003").timezone == "Asia/Tokyo"  # type: ignore[union-attr]


def test_differing_rows_with_one_id_stay_an_error(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        "id,name,manager_id\r\n"
        "m,Mia,\r\n"
        "r,Rui,m\r\n"
        "m,Mia,\r\n"  # the same bytes: one record
        "m,Mia Moe,\r\n"  # another record for m: an error
    )
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", text))
    assert problems(exc) == [
        ("p.csv:2", "id", "duplicate id 'm' (records at p.csv:2, p.csv:5)"),
        ("p.csv:5", "id", "duplicate id 'm' (records at p.csv:2, p.csv:5)"),
    ]
    # partial: both records of m are rejected, and so is r whose manager is m
    report = import_people(emb, write(tmp_path, "p.csv", text), allow_partial=True)
    assert report.rejected == 3 and report.written and emb.count_people() == 0
    assert [r["id"] for r in _rows(report.reject_file)] == ["m", "r", "m"]


def test_whitespace_differs_so_rows_are_not_identical(emb: GraphStore, tmp_path: Path) -> None:
    text = "id,name\nm,Mia\nm,Mia \n"
    with pytest.raises(BatchRejected, match="duplicate id 'm'"):
        import_people(emb, write(tmp_path, "p.csv", text))


def test_identical_jsonl_lines_are_one_record(emb: GraphStore, tmp_path: Path) -> None:
    line = '{"id": "j", "name": "Jo", "timezone": "Europe/Oslo"}\n'
    report = import_people(emb, write(tmp_path, "p.jsonl", line + line))
    assert report.added == ["j"] and report.records == 1
    assert [n.source for n in report.notes] == ["p.jsonl:2"]


# --- trailing fields -------------------------------------------------------------------------


def test_trailing_empty_fields_are_empty(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        "id;name;title;timezone;;\r\n"  # Excel's empty trailing header cells
        "a;Ann;Engineer;Europe/Rome;;\r\n"
        "b;Bob\r\n"  # trailing fields left out: empty
        "c;Cy;Lead;UTC;;;;\r\n"  # more empty trailing fields than the header has
    )
    report = import_people(emb, write(tmp_path, "p.csv", text))
    assert report.added == ["a", "b", "c"]
    bob = emb.get_person("b")
    assert bob is not None and bob.title == "" and bob.timezone == "UTC"


def test_extra_values_beyond_the_header_are_an_error(emb: GraphStore, tmp_path: Path) -> None:
    text = "id,name\na,Ann,oops\n"
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", text))
    assert problems(exc) == [
        ("p.csv:2", "(row)", "has 3 fields split on ',', the header has 2 (extra values 'oops')")
    ]


# --- delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(emb: GraphStore, tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["id", "name", "skills", "windows"],
        ["a", "Ann, the first", "Python:3; negotiate:2", "Mon 09:00-10:00; Tue 09:00-10:00"],
        ["b", "Bo | Chen", "Python:2", ""],
    ]
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    report = import_people(emb, path)
    assert report.added == ["a", "b"]
    ann = emb.get_person("a")
    assert ann is not None and ann.name == "Ann, the first" and len(ann.windows) == 2
    assert emb.get_person("b").name == "Bo | Chen"  # type: ignore[union-attr]


def test_tsv_suffix_and_named_tab_delimiter(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.tsv", "id\tname\na\tAnn\n")
    assert import_people(emb, path, options=opts(delimiter="tab")).added == ["a"]


def test_quoted_header_names(emb: GraphStore, tmp_path: Path) -> None:
    text = '"Id";"Name";"Time Zone"\n"a";"Ann";"Europe/Rome"\n'
    report = import_people(emb, write(tmp_path, "p.csv", text))
    assert report.added == ["a"] and emb.get_person("a").timezone == "Europe/Rome"  # type: ignore[union-attr]


def test_a_delimiter_that_cannot_be_told_is_an_error(emb: GraphStore, tmp_path: Path) -> None:
    text = "id;name,email\na;b,c\n"  # as many ',' as ';' everywhere
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", text))
    [(source, field, reason)] = problems(exc)
    assert (source, field) == ("p.csv:1", "(header)")
    assert reason.startswith("cannot tell the delimiter: found ',' and ';' delimiters")
    # naming it settles it
    report = import_people(
        emb,
        write(tmp_path, "p.csv", text),
        options=opts(delimiter=";", columns='"name,email"=name'),
    )
    assert report.added == ["a"]


def test_bad_delimiter_option_is_refused() -> None:
    with pytest.raises(InvalidInput, match="delimiter ';;' is not one character"):
        opts(delimiter=";;")
    with pytest.raises(InvalidInput, match="not one character"):
        opts(delimiter='"')


# --- header names and the column map ----------------------------------------------------------


def test_header_names_match_ignoring_case_spaces_and_underscores(
    emb: GraphStore, tmp_path: Path
) -> None:
    text = (
        "ID,Name,Manager ID,Time-Zone,IS_MENTOR,Max Mentees\nboss,B,,UTC,yes,2\nx,X,boss,UTC,no,0\n"
    )
    report = import_people(emb, write(tmp_path, "p.csv", text))
    assert report.added == ["boss", "x"]
    boss = emb.get_person("boss")
    assert boss is not None and boss.is_mentor and boss.max_mentees == 2
    assert emb.reports_of("boss") == ["x"]
    assert header_key("Employee Id") == header_key("employee_id") == header_key(" EMPLOYEE-ID ")


WORKDAY = (
    "Employee ID,Full Name,Manager,Work Email,Business Title,Time Zone,Hire Date\n"
    "W1,Ana Lima,,ana@example.org,Director,America/Sao_Paulo,2019-04-01\n"
    "W2,Ben Ode,W1,ben@example.org,Analyst,Africa/Lagos,2023-01-09\n"
)
WORKDAY_MAP = (
    "Employee ID=id,Full Name=name,Manager=manager_id,Work Email=email,Business Title=title,"
    "Hire Date="
)


def test_column_map_imports_an_export_without_hand_editing(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "workday.csv", WORKDAY)
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)  # without the map: every foreign name is reported, once
    got = {f: r for _, f, r in problems(exc)}
    assert got["Employee ID"].startswith("unknown column 'Employee ID': expected one of id, name")
    assert "ignore it with 'Hire Date='" in got["Hire Date"]
    assert got["id"].startswith("missing required column 'id' (found 'Employee ID', 'Full Name'")
    assert "Time Zone" not in got  # matched: timezone

    report = import_people(emb, path, options=opts(columns=WORKDAY_MAP))
    assert report.added == ["W1", "W2"]
    ben = emb.get_person("W2")
    assert ben is not None and (ben.name, ben.manager_id, ben.email, ben.title) == (
        "Ben Ode",
        "W1",
        "ben@example.org",
        "Analyst",
    )


def test_column_map_names_match_like_header_names(emb: GraphStore, tmp_path: Path) -> None:
    # the map says "employee_id", the file "Employee Id" (and the other way round)
    text = "Employee Id,Full Name\ne1,Eve\n"
    path = write(tmp_path, "p.csv", text)
    assert import_people(
        emb, path, options=opts(columns="employee_id=id,full_name=name")
    ).added == ["e1"]
    path = write(tmp_path, "q.csv", "employee_id,FULL NAME\ne2,Eli\n")
    assert import_people(
        emb, path, options=opts(columns="Employee ID=ID,Full Name=Name")
    ).added == ["e2"]


def test_column_map_naming_an_absent_column(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "Employee ID,Full Name\ne1,Eve\n")
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path, options=opts(columns="Worker ID=id,Full Name=name"))
    got = problems(exc)
    assert (
        "p.csv:1",
        "Worker ID",
        "the column map names 'Worker ID', which is not in the header "
        "(found 'Employee ID', 'Full Name' split on ',')",
    ) in got
    assert emb.count_people() == 0


def test_column_map_target_must_be_a_column(emb: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="column map target 'identifier' is not a people column"):
        opts(columns="Employee ID=identifier")
    with pytest.raises(InvalidInput, match="is not 'file column=our column'"):
        opts(columns="Employee ID")
    # the loader checks a dialect built by hand too
    path = write(tmp_path, "p.csv", "Employee ID,name\ne1,Eve\n")
    bad = PeopleImportOptions(dialect=CsvDialect(columns={"Employee ID": "identifier"}))
    with pytest.raises(BatchRejected, match="column map target 'identifier' is not a column"):
        import_people(emb, path, options=bad)


def test_a_column_given_twice_is_an_error(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,Name,Full Name\na,Ann,Ann Lee\n")
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path, options=opts(columns="Full Name=name"))
    assert problems(exc) == [
        (
            "p.csv:1",
            "name",
            "column 'name' appears more than once in the header (found 'Name', 'Full Name')",
        )
    ]


def test_unknown_column_suggests_the_close_one(emb: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", "id,name,timezon\na,A,UTC\n"))
    [(source, field, reason)] = problems(exc)
    assert (source, field) == ("p.csv:1", "timezon")
    assert reason.startswith("unknown column 'timezon': did you mean 'timezone'? expected")


def test_column_map_syntax() -> None:
    assert parse_column_map('Employee ID=id, "Last, First"=name,Hire Date=') == {
        "Employee ID": "id",
        "Last, First": "name",
        "Hire Date": "",
    }
    with pytest.raises(ValueError, match="twice"):
        parse_column_map("A=id,a=name")


def test_reject_file_keeps_the_inputs_names_and_delimiter(emb: GraphStore, tmp_path: Path) -> None:
    text = "Employee ID;Full Name;Time Zone\nk1;Kim;Europe/Madrid\nk2;Kai;Mars/Olympus\n"
    options = opts(columns="Employee ID=id,Full Name=name")
    path = write(tmp_path, "staff.csv", text)
    report = import_people(emb, path, allow_partial=True, options=options)
    assert report.added == ["k1"] and report.rejected == 1
    assert report.reject_file is not None
    lines = report.reject_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Employee ID;Full Name;Time Zone;error"
    assert lines[1].startswith("k2;Kai;Mars/Olympus;timezone: unknown time zone 'Mars/Olympus'")
    fixed = report.reject_file.read_text(encoding="utf-8").replace("Mars/Olympus", "UTC")
    again = import_people(emb, write(tmp_path, "fixed.csv", fixed), options=options)
    assert again.added == ["k2"]


def test_the_size_limit_comes_from_the_options(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,name\n" + "x,y\n" * 40)
    with pytest.raises(BatchRejected, match="import limit of 100 bytes"):
        import_people(emb, path, options=PeopleImportOptions(max_bytes=100))
    jsonl = write(tmp_path, "p.jsonl", '{"id": "a", "name": "A"}\n' * 10)
    with pytest.raises(BatchRejected, match="import limit of 100 bytes"):
        import_people(emb, jsonl, options=PeopleImportOptions(max_bytes=100))
    assert emb.count_people() == 0


# --- field case hr-timezone-names -------------------------------------------------------------


def test_timezone_names_as_hr_systems_write_them(emb: GraphStore, tmp_path: Path) -> None:
    path = copy("hr-timezone-names", "hr-timezones.csv", tmp_path)
    version = emb.data_version()
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    got = {(s, f): r for s, f, r in problems(exc)}
    assert set(got) == {("hr-timezones.csv:3", "timezone"), ("hr-timezones.csv:4", "timezone")}
    pst = got[("hr-timezones.csv:3", "timezone")]
    assert pst.startswith("unknown time zone 'PST': expected an IANA time zone")
    assert pst.endswith("did you mean America/Los_Angeles, America/Tijuana?")
    gmt = got[("hr-timezones.csv:4", "timezone")]
    assert gmt.startswith("'GMT+1' is not an IANA time zone, and its offset is ambiguous")
    assert "Etc/GMT+1 means UTC-01:00" in gmt
    assert gmt.endswith("did you mean Europe/Berlin (from location 'Berlin')?")
    assert emb.data_version() == version  # refused: nothing written

    report = import_people(emb, path, allow_partial=True)
    assert report.added == ["E6001", "E6004", "E6005", "E6006"] and report.rejected == 2
    zones = {p.id: p.timezone for p in emb.list_people()}
    assert zones == {
        "E6001": "EST",
        "E6004": "America/Chicago",  # Windows name through CLDR windowsZones
        "E6005": "MST",
        "E6006": "US/Pacific",  # an IANA link, kept
    }
    warned = {w.source: w.reason for w in report.warnings}
    assert set(warned) == {"hr-timezones.csv:2", "hr-timezones.csv:6"}  # EST in NY, MST in Denver
    assert warned["hr-timezones.csv:2"].startswith(
        "EST is UTC-05:00 all year, without daylight saving time, but 'New York' observes it"
    )
    assert warned["hr-timezones.csv:6"].endswith("use America/Denver")
    assert [(n.source, n.reason) for n in report.notes] == [
        (
            "hr-timezones.csv:5",
            "'Central Standard Time' is a Windows time zone name: read as America/Chicago "
            "(CLDR windowsZones)",
        )
    ]
    assert [r["id"] for r in _rows(report.reject_file)] == ["E6002", "E6003"]


def test_windows_names_follow_the_cldr_table_icalendar_ships() -> None:
    for windows, zone in WINDOWS_TO_OLSON.items():
        reading = read_timezone(windows, on=ON)
        if windows == "UTC":  # also an IANA name: kept as it is
            assert reading.zone == "UTC" and reading.note is None
            continue
        assert reading.zone == zone and reading.note is not None
        Person(id="p", name="P", timezone=reading.zone)  # every target is a valid zone
    assert read_timezone("W. Europe Standard Time").zone == "Europe/Berlin"


@pytest.mark.parametrize(
    "value,location,warned",
    [
        ("America/New_York", "New York", False),
        ("US/Eastern", "", False),  # a link to America/New_York: has DST
        ("EST5EDT", "", False),  # legacy, but with US DST rules
        ("EST", "Panama", False),  # Panama has no DST: EST is right there
        ("MST", "Phoenix", False),
        ("Etc/GMT+5", "Bogota, Colombia", False),
        ("Etc/GMT+5", "Toronto", True),
        ("EST", "", True),  # no place to check: a non-zero fixed offset is warned about
        ("EST", "Springfield", True),  # a place we do not know
        ("UTC", "", False),  # taken as meant without a place
        ("UTC", "London", True),
        ("GMT", "Britain (UK)", True),  # a country name (ISO 3166, as tzdata spells it)
        ("HST", "US", True),  # a country code: the US has DST zones
        ("Etc/GMT-1", "Berlin, Germany", True),
    ],
)
def test_fixed_offset_zones_warn_only_where_the_place_has_dst(
    value: str, location: str, warned: bool
) -> None:
    reading = read_timezone(value, location, on=ON)
    assert reading.zone == value and (reading.warning is not None) == warned, reading


@pytest.mark.parametrize(
    "value,location,suggestion",
    [
        ("europe/berlin", "", "did you mean Europe/Berlin?"),
        ("Europe/Berln", "", "did you mean Europe/Berlin?"),
        ("central standard time", "", "did you mean 'Central Standard Time' (Windows name"),
        ("CST", "Chicago", "did you mean America/Chicago?"),
        ("PST", "", "did you mean America/Los_Angeles, America/Tijuana?"),
        ("UTC+2", "Athens", "did you mean Europe/Athens (from location 'Athens')?"),
        ("GMT-5", "", "or Etc/GMT+5 for a fixed UTC-05:00 all year?"),
        ("Mars/Olympus", "", None),
        ("", "", None),
    ],
)
def test_anything_else_is_refused_with_the_value_named(
    value: str, location: str, suggestion: str | None
) -> None:
    with pytest.raises(ValueError) as exc:
        read_timezone(value, location, on=ON)
    message = str(exc.value)
    assert repr(value) in message or value == ""
    if suggestion is None:
        assert "did you mean" not in message
    else:
        assert suggestion in message


def test_location_matching() -> None:
    assert location_zones("Los Angeles") == ("America/Los_Angeles",)
    assert location_zones("Berlin, Germany") == ("Europe/Berlin", "Europe/Busingen")
    assert location_zones("germany") == ("Europe/Berlin", "Europe/Busingen")
    assert location_zones("Seattle") == () and location_zones("") == ()


def test_model_names_the_right_spelling() -> None:
    with pytest.raises(ValidationError, match="did you mean 'Europe/Berlin'"):
        Person(id="p", name="P", timezone="europe/berlin")
    assert Person(id="p", name="P", timezone="US/Pacific").timezone == "US/Pacific"


def test_jsonl_time_zones_are_read_the_same_way(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        '{"id": "a", "name": "A", "timezone": "Tokyo Standard Time"}\n'
        '{"id": "b", "name": "B", "timezone": "EST", "location": "New York"}\n'
    )
    report = import_people(emb, write(tmp_path, "p.jsonl", text))
    assert emb.get_person("a").timezone == "Asia/Tokyo"  # type: ignore[union-attr]
    assert [w.source for w in report.warnings] == ["p.jsonl:2"]


def test_stored_location_decides_when_the_file_has_none(emb: GraphStore, tmp_path: Path) -> None:
    emb.apply([UpsertPeople([Person(id="a", name="A", location="Chicago")])])
    report = import_people(emb, write(tmp_path, "p.csv", "id,name,timezone\na,A,CST6CDT\nb,B,\n"))
    assert not report.warnings  # CST6CDT observes DST; an empty cell is UTC, not a warning
    report = import_people(emb, write(tmp_path, "p.csv", "id,name,timezone\na,A,Etc/GMT+6\n"))
    assert [w.source for w in report.warnings] == ["p.csv:2"]
    assert "use America/Chicago" in report.warnings[0].reason


# --- field case skill-label-typography (people's skills) --------------------------------------


def _esco_excerpt() -> list[Skill]:
    """The five real ESCO skills (labels and alternative labels as ESCO spells them)."""
    with (HR / "skill-label-typography" / "esco-skills-excerpt.csv").open(
        encoding="utf-8", newline=""
    ) as fh:
        return [
            Skill(
                id=r["conceptUri"],
                label=r["preferredLabel"],
                aliases=[a for a in r["altLabels"].splitlines() if a.strip()],
            )
            for r in csv.DictReader(fh)
        ]


def test_typed_skill_labels_resolve_after_normalisation(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    skills = _esco_excerpt()
    embedded_store.apply([UpsertSkills(skills)])
    path = copy("skill-label-typography", "skills-typed.csv", tmp_path)
    report = import_people(embedded_store, path)  # no mapper: by label and alias only
    assert report.added == ["E7001"] and not report.problems
    by_ref = {r.ref: (r.skill_id.rsplit("/", 1)[1][:8], r.via) for r in report.resolutions}
    assert by_ref == {
        "perform customers' needs analysis": ("31c83903", "label"),  # ’ typed as '
        "arrange pick-up": ("6eeed665", "label"),  # ‐ (U+2010) typed as -
        "use GPS": ("4f6b656a", "alias"),  # ESCO has a no-break space
        "learning problems": ("731101d9", "alias"),  # ESCO has a no-break space
        "prepare canape\u0301s": ("1f6b05c1", "label"),  # é as e + combining accent
    }
    assert len(embedded_store.person_skills("E7001")) == 5


@pytest.mark.parametrize(
    "typed",
    [
        "PERFORM  customers\u2018 needs analysis",  # case, doubled space, another quote
        "perform customers\u00b4 needs analysis",
        "arrange pick\u2013up",  # en dash
        "arrange pick\u2011up",  # non-breaking hyphen
        "use \u00a0 GPS",  # spaces of any kind collapse
        "use\u2007GPS",  # figure space (NFKC: a space)
        "prepare canap\u00e9s",
        "Prepare Canape\u0301s ",
    ],
)
def test_other_typings_of_the_same_labels(
    embedded_store: GraphStore, tmp_path: Path, typed: str
) -> None:
    embedded_store.apply([UpsertSkills(_esco_excerpt())])
    path = write(tmp_path, "p.csv", f'id,name,skills\nx,X,"{typed}:2"\n')
    report = import_people(embedded_store, path)
    assert report.added == ["x"] and len(embedded_store.person_skills("x")) == 1


def _rows(path: Path | None) -> list[dict[str, str]]:
    assert path is not None
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
