"""People import (CSV / JSONL) on real stores: formats, dry run, partial import, bad input."""

from __future__ import annotations

import csv
import json
from datetime import date, time
from pathlib import Path

import pytest

from graph.errors import BatchRejected
from graph.model import Broader, Goal, NodeStatus, Person, Skill, SkillCluster
from graph.store import AddBroader, GraphStore, UpsertClusters, UpsertPeople, UpsertSkills
from loaders.people import import_people
from loaders.people_format import (
    CSV_COLUMNS,
    goal_id_for,
    parse_skill,
    parse_windows,
    person_to_csv_values,
    person_to_json,
    write_csv,
    write_jsonl,
)
from tests.conftest import make_embedded_store

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def add_taxonomy(store: GraphStore) -> None:
    """ict > python; communication > negotiating contracts (id with a colon), old-neg (deprecated
    -> skill:neg)."""
    store.apply(
        [
            UpsertClusters(
                [
                    SkillCluster(id="c:ict", label="ICT", tier=0),
                    SkillCluster(id="c:comm", label="communication", tier=0),
                ]
            ),
            UpsertSkills(
                [
                    Skill(id="skill:py", label="Python", aliases=["python programming"]),
                    Skill(id="skill:neg", label="negotiating contracts", aliases=["negotiate"]),
                    Skill(
                        id="skill:old-neg",
                        label="bargaining",
                        status=NodeStatus.deprecated,
                        replaced_by=["skill:neg"],
                    ),
                ]
            ),
            AddBroader(
                [
                    Broader(child_id="skill:py", parent_id="c:ict"),
                    Broader(child_id="skill:neg", parent_id="c:comm"),
                    Broader(child_id="skill:old-neg", parent_id="c:comm"),
                ]
            ),
        ]
    )


@pytest.fixture
def tax_store(store: GraphStore) -> GraphStore:
    add_taxonomy(store)
    return store


@pytest.fixture
def emb(embedded_store: GraphStore) -> GraphStore:
    add_taxonomy(embedded_store)
    return embedded_store


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(exc: pytest.ExceptionInfo[BatchRejected]) -> list[tuple[str | None, str, str]]:
    return [(p.source, p.field, p.reason) for p in exc.value.problems]


# --- the formats ----------------------------------------------------------------------------


def test_csv_import_builds_people_skills_and_goals(tax_store: GraphStore) -> None:
    report = import_people(tax_store, DATA / "people.csv")
    assert report.written and report.added == ["ada", "bo"] and not report.problems

    ada = tax_store.get_person("ada")
    assert ada is not None
    assert ada.timezone == "Europe/London" and ada.languages == ["en", "fr"]
    assert ada.is_mentor and ada.max_mentees == 3 and ada.max_hours_per_month == 6.0
    assert [(w.weekday, w.start, w.end) for w in ada.windows] == [
        (0, time(9), time(11)),
        (2, time(14), time(16)),
    ]
    assert [f.value for f in ada.preferences.formats] == ["video", "in_person"]
    bo = tax_store.get_person("bo")
    assert bo is not None and bo.manager_id == "ada" and bo.programs == ["2026-autumn"]
    assert bo.preferences.function == "cross"
    assert [w.weekday for w in bo.windows] == [1, 2, 3]  # Tue-Thu

    ada_skills = {
        (s.skill_id, s.level, s.willing_to_mentor) for s in tax_store.person_skills("ada")
    }
    assert ada_skills == {("skill:py", 5, True), ("skill:neg", 3, False)}
    bo_skills = {(s.skill_id, s.level) for s in tax_store.person_skills("bo")}
    assert bo_skills == {("skill:py", 2), ("skill:neg", 1)}  # alias and an id with ':'

    texts = sorted(g.text for g in tax_store.goals_of("bo"))
    assert texts == [
        "learn how to negotiate vendor contracts",
        "move into a people-lead role next year",
    ]
    # how labels were resolved is reported: Python by label, the rest by alias
    by = {(r.ref, r.skill_id, r.via) for r in report.resolutions}
    assert by == {
        ("Python", "skill:py", "label"),
        ("negotiating contracts", "skill:neg", "label"),
        ("python programming", "skill:py", "alias"),
    }


def test_jsonl_import_with_smart_goals(tax_store: GraphStore) -> None:
    report = import_people(tax_store, DATA / "people.jsonl")
    assert report.format == "jsonl" and report.added == ["ada", "bo"]
    goal = tax_store.get_goal("bo-g2")
    assert goal is not None
    assert goal.measurable_outcome == "leading a team of 3"
    assert (goal.start_date, goal.target_date) == (date(2026, 9, 1), date(2027, 6, 30))
    assert [m.title for m in goal.milestones] == ["shadow a lead"]
    plain = tax_store.get_goal(goal_id_for("bo", "learn how to negotiate vendor contracts"))
    assert plain is not None and plain.person_id == "bo"
    ada = tax_store.get_person("ada")
    assert ada is not None and [w.weekday for w in ada.windows] == [0, 2]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_then_import_round_trips(tax_store: GraphStore, tmp_path: Path, fmt: str) -> None:
    import_people(tax_store, DATA / "people.jsonl")
    import_people(tax_store, DATA / "people.csv")  # adds the CSV's goals and fields on top
    people = tax_store.list_people()
    skills = {p.id: tax_store.person_skills(p.id) for p in people}
    goals = {p.id: tax_store.goals_of(p.id) for p in people}

    out = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        rows = [person_to_csv_values(p, skills[p.id], goals[p.id]) for p in people]
        write_csv(out, rows, list(CSV_COLUMNS))
    else:
        write_jsonl(out, [person_to_json(p, skills[p.id], goals[p.id]) for p in people])

    (tmp_path / "fresh").mkdir()
    fresh = make_embedded_store(tmp_path / "fresh")  # a second, separate store
    try:
        add_taxonomy(fresh)
        assert fresh.count_people() == 0
        import_people(fresh, out)
        assert fresh.list_people() == people
        for p in people:
            assert fresh.person_skills(p.id) == skills[p.id]
            # bo has the same text twice (JSONL id bo-g2, CSV hash id): one goal per text in CSV
            texts = {g.text for g in fresh.goals_of(p.id)}
            assert texts == {g.text for g in goals[p.id]}
        if fmt == "jsonl":  # JSONL keeps the SMART fields and goal ids (not created_at)

            def strip(gs: list[Goal]) -> list[dict[str, object]]:
                return [g.model_dump(exclude={"created_at"}) for g in gs]

            assert strip(fresh.list_goals()) == strip(tax_store.list_goals())
    finally:
        fresh.close()


# --- dry run, idempotence, replacement ------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(emb: GraphStore, tmp_path: Path) -> None:
    version = emb.data_version()
    report = import_people(emb, DATA / "people.csv", dry_run=True)
    assert report.dry_run and not report.written
    assert report.added == ["ada", "bo"] and report.goals_added == 3 and report.skills_written == 4
    assert emb.count_people() == 0 and emb.data_version() == version

    import_people(emb, DATA / "people.csv")
    changed = DATA.joinpath("people.csv").read_text().replace("VP Engineering", "CTO")
    version = emb.data_version()
    report = import_people(emb, write(tmp_path, "p.csv", changed), dry_run=True)
    assert (report.added, report.changed, report.unchanged) == ([], ["ada"], ["bo"])
    assert emb.data_version() == version
    ada = emb.get_person("ada")
    assert ada is not None and ada.title == "VP Engineering"


def test_reimport_is_idempotent(tax_store: GraphStore) -> None:
    import_people(tax_store, DATA / "people.csv")
    before = (tax_store.list_people(), tax_store.list_goals(), tax_store.person_skills("bo"))
    version = tax_store.data_version()
    report = import_people(tax_store, DATA / "people.csv")
    assert report.unchanged == ["ada", "bo"] and report.added == report.changed == []
    assert report.skills_written == report.goals_added == report.goals_changed == 0
    assert tax_store.data_version() == version  # nothing to write, nothing written
    assert (
        tax_store.list_people(),
        tax_store.list_goals(),
        tax_store.person_skills("bo"),
    ) == before


def test_reimport_replaces_skills_and_keeps_absent_columns(emb: GraphStore, tmp_path: Path) -> None:
    import_people(emb, DATA / "people.csv")
    # a later export without windows/goals columns, Ada now only knows negotiation
    path = write(
        tmp_path,
        "later.csv",
        "id,name,skills\nada,Ada King,negotiate:4\nbo,Bo Chen,Python:3\n",
    )
    report = import_people(emb, path)
    assert report.changed == ["ada", "bo"] and report.skills_removed == 2
    assert [(s.skill_id, s.level) for s in emb.person_skills("ada")] == [("skill:neg", 4)]
    ada = emb.get_person("ada")
    assert ada is not None and ada.name == "Ada King"
    assert len(ada.windows) == 2 and ada.timezone == "Europe/London"  # absent columns kept
    assert len(emb.goals_of("bo")) == 2


def test_deprecated_skill_resolves_to_replacement(emb: GraphStore, tmp_path: Path) -> None:
    report = import_people(emb, write(tmp_path, "p.csv", "id,name,skills\nx,X,bargaining:2\n"))
    assert [(s.skill_id, s.level) for s in emb.person_skills("x")] == [("skill:neg", 2)]
    assert [(r.ref, r.via) for r in report.resolutions] == [("bargaining", "replacement")]


class FakeMapper:
    """Deterministic stand-in for the embedding mapper: knows one paraphrase."""

    def map(self, text: str, k: int) -> list[tuple[str, float]]:
        if text == "coding in py":
            return [("c:ict", 0.9), ("skill:py", 0.71)][:k]  # clusters are skipped
        return [("skill:neg", 0.2)]


def test_embedding_fallback_reported_with_score(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,name,skills\nx,X,coding in py:3\n")
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)  # no mapper: unknown label
    assert problems_of(exc) == [
        (
            "p.csv:2",
            "skills",
            "unknown skill 'coding in py' (not an id, label or alias in the taxonomy)",
        )
    ]
    report = import_people(emb, path, mapper=FakeMapper())
    assert [(r.ref, r.skill_id, r.via, r.score) for r in report.resolutions] == [
        ("coding in py", "skill:py", "embedding", 0.71)
    ]
    # below the score threshold the label stays unknown
    low = write(tmp_path, "q.csv", "id,name,skills\ny,Y,haggling:3\n")
    with pytest.raises(BatchRejected):
        import_people(emb, low, mapper=FakeMapper())


# --- bad input ------------------------------------------------------------------------------


def test_not_utf8_is_rejected_with_line(emb: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("id,name\na,Ann\nb,Zoë\n".encode("latin-1"))
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, path)
    [(source, field, reason)] = problems_of(exc)
    assert (source, field) == ("p.csv:3", "name") and "not UTF-8" in reason  # line, column
    assert emb.count_people() == 0


def test_missing_required_column(emb: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", "id,title\na,Engineer\n"))
    assert problems_of(exc) == [
        ("p.csv:1", "name", "missing required column 'name' (found 'id', 'title' split on ',')")
    ]


def test_each_bad_record_is_named_and_nothing_written(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        "id,name,manager_id,timezone,windows,skills,max_mentees\n"
        "a,Ann,,Europe/Berlin,Mon 09:00-11:00,Python:3,1\n"  # fine
        "b,Bob,zed,Europe/Berlin,,,\n"  # unknown manager
        "c,Cy,,Mars/Olympus,,,\n"  # bad time zone
        "d,Di,,UTC,Mon 25:00-26:00,,\n"  # malformed window
        "e,Ed,,UTC,Funday 09:00-10:00,,\n"  # unknown weekday
        "f,Fy,,UTC,,cooking:3,\n"  # unknown skill
        "g,Gus,,UTC,,Python:7,\n"  # level out of range
        "a,Ann again,,UTC,,,\n"  # duplicate id
        "h,Hal,,UTC,,,lots\n"  # not a number
    )
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", text))
    got = {(s, f): r for s, f, r in problems_of(exc)}
    assert (
        got[("p.csv:3", "manager_id")] == "unknown manager 'zed' (not in the file nor in the store)"
    )
    assert got[("p.csv:4", "timezone")].startswith("unknown time zone 'Mars/Olympus': expected")
    assert got[("p.csv:5", "windows")] == "time '25:00' is out of range"
    assert "unknown weekday 'Funday'" in got[("p.csv:6", "windows")]
    assert got[("p.csv:7", "skills")].startswith("unknown skill 'cooking'")
    assert got[("p.csv:8", "skills")] == "skill 'Python:7': level 7 is not between 1 and 5"
    assert got[("p.csv:2", "id")] == got[("p.csv:9", "id")]
    assert got[("p.csv:2", "id")] == "duplicate id 'a' (records at p.csv:2, p.csv:9)"
    assert ("p.csv:10", "max_mentees") in got
    assert len(got) == 9
    assert emb.count_people() == 0 and emb.person_skills("a") == []


def test_window_ending_before_start(emb: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(BatchRejected) as exc:
        import_people(
            emb, write(tmp_path, "p.jsonl", '{"id":"a","name":"A","windows":["Mon 11:00-09:00"]}\n')
        )
    [(source, field, reason)] = problems_of(exc)
    assert (source, field) == ("p.jsonl:1", "windows") and "before it starts" in reason


def test_manager_cycle_is_reported(emb: GraphStore, tmp_path: Path) -> None:
    text = "id,name,manager_id\na,A,c\nb,B,a\nc,C,b\nd,D,a\n"
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", text))
    got = problems_of(exc)
    assert [s for s, _, _ in got] == ["p.csv:2", "p.csv:3", "p.csv:4"]
    assert all(f == "manager_id" and r.startswith("manager cycle: ") for _, f, r in got)
    assert got[0][2] == "manager cycle: a -> c -> b -> a"


def test_cycle_through_stored_people(emb: GraphStore, tmp_path: Path) -> None:
    emb.apply(
        [
            UpsertPeople(
                [Person(id="boss", name="Boss"), Person(id="x", name="X", manager_id="boss")]
            )
        ]
    )
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.csv", "id,name,manager_id\nboss,Boss,x\n"))
    assert problems_of(exc) == [("p.csv:2", "manager_id", "manager cycle: boss -> x -> boss")]


def test_manager_in_store_is_known(emb: GraphStore, tmp_path: Path) -> None:
    emb.apply([UpsertPeople([Person(id="boss", name="Boss")])])
    import_people(emb, write(tmp_path, "p.csv", "id,name,manager_id\nb,B,boss\n"))
    assert emb.reports_of("boss") == ["b"]


def test_jsonl_bad_lines(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        '{"id":"a","name":"A"}\n\n{"id":"b",\n[1,2]\n{"name":"nobody"}\n'
        '{"id":"c","name":"C","x":1}\n'
    )
    with pytest.raises(BatchRejected) as exc:
        import_people(emb, write(tmp_path, "p.jsonl", text))
    got = problems_of(exc)
    assert [(s, f) for s, f, _ in got] == [
        ("p.jsonl:3", "(json)"),
        ("p.jsonl:4", "(json)"),
        ("p.jsonl:5", "id"),
        ("p.jsonl:6", "x"),
    ]
    assert got[1][2] == "expected a JSON object, got list"


def test_partial_import_writes_valid_rows_and_reject_file(emb: GraphStore, tmp_path: Path) -> None:
    text = (
        "id,name,manager_id,timezone\n"
        "a,Ann,,Europe/Berlin\n"
        "b,Bob,a,Nowhere/Town\n"  # bad zone
        "c,Cy,b,UTC\n"  # manager on a rejected record: rejected too
        "d,Di,a,UTC\n"
    )
    path = write(tmp_path, "p.csv", text)
    report = import_people(emb, path, allow_partial=True)
    assert [p.id for p in emb.list_people()] == ["a", "d"]
    assert report.added == ["a", "d"] and report.rejected == 2
    assert report.reject_file == tmp_path / "p.rejected.csv"
    with report.reject_file.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["b", "c"]
    assert list(rows[0]) == ["id", "name", "manager_id", "timezone", "error"]
    assert rows[0]["error"].startswith("timezone: ")
    assert rows[1]["error"] == "manager_id: manager 'b' is on a rejected record (p.csv:3)"

    # fixing the reject file and importing it finishes the job (the error column is ignored)
    fixed = report.reject_file.read_text(encoding="utf-8").replace("Nowhere/Town", "UTC")
    report2 = import_people(emb, write(tmp_path, "fixed.csv", fixed))
    assert report2.added == ["b", "c"] and emb.count_people() == 4


def test_partial_jsonl_reject_file(emb: GraphStore, tmp_path: Path) -> None:
    text = '{"id":"a","name":"A"}\nnot json\n{"id":"b","name":"B","seniority":99}\n'
    out = tmp_path / "rej.jsonl"
    report = import_people(
        emb, write(tmp_path, "p.jsonl", text), allow_partial=True, reject_file=out
    )
    assert report.added == ["a"] and report.reject_file == out
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["line"] == "not json" and lines[0]["error"].startswith("(json): not valid JSON")
    assert lines[1]["id"] == "b" and lines[1]["error"].startswith("seniority: ")


def test_dry_run_returns_problems_instead_of_raising(emb: GraphStore, tmp_path: Path) -> None:
    report = import_people(
        emb, write(tmp_path, "p.csv", "id,name,manager_id\na,A,\nb,B,ghost\n"), dry_run=True
    )
    assert [(p.source, p.field) for p in report.problems] == [("p.csv:3", "manager_id")]
    assert report.added == ["a"] and emb.count_people() == 0


# --- cell parsers and docs ------------------------------------------------------------------


def test_cell_parsers_by_hand() -> None:
    assert parse_skill("http://x/skill/1:4:mentor").model_dump() == {
        "skill": "http://x/skill/1",
        "level": 4,
        "mentor": True,
    }
    windows = parse_windows("Mon,Wed 09:00-10:30; Fri 22:00-24:00")
    assert [(w.weekday, w.start_minute, w.end_minute) for w in windows] == [
        (0, 540, 630),
        (2, 540, 630),
        (4, 1320, 1440),
    ]


def test_every_csv_column_is_documented() -> None:
    doc = (ROOT / "docs" / "people-format.md").read_text(encoding="utf-8")
    missing = [c for c in CSV_COLUMNS if f"`{c}`" not in doc]
    assert missing == []


class ResultMapper:
    """Returns the real GoalMapper result shape (MappingResult of MappedNode)."""

    def map(self, text: str, k: int) -> object:
        from taxonomy.mapping import MappedNode, MappingResult

        return MappingResult(
            candidates=[
                MappedNode(id="skill:neg", label="negotiating contracts", kind="skill", score=0.66)
            ][:k]
        )


def test_goal_mapper_result_shape_is_understood(emb: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "id,name,skills\nx,X,haggling with suppliers:2\n")
    report = import_people(emb, path, mapper=ResultMapper())
    assert [(r.skill_id, r.via, r.score) for r in report.resolutions] == [
        ("skill:neg", "embedding", 0.66)
    ]


def test_micro_mentor_column(tax_store: GraphStore, tmp_path: Path) -> None:
    """Issue 14: mentors opt into micro sessions with the `micro_mentor` column; a value
    that is not a yes/no is refused naming the row and the column, and nothing is written."""
    text = "id,name,is_mentor,micro_mentor\nm1,Mia,true,yes\nm2,Max,true,no\nm3,Moe,true,\n"
    import_people(tax_store, write(tmp_path, "p.csv", text))
    opted = {p.id: p.micro_mentor for p in tax_store.list_people()}
    assert opted == {"m1": True, "m2": False, "m3": False}
    bad = "id,name,micro_mentor\nm4,Four,maybe\n"
    with pytest.raises(BatchRejected) as exc:
        import_people(tax_store, write(tmp_path, "bad.csv", bad))
    assert [(src, field) for src, field, _ in problems_of(exc)] == [("bad.csv:2", "micro_mentor")]
    assert tax_store.get_person("m4") is None
