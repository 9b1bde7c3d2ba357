"""The `mentorgraph` CLI end to end in a temp data dir: keys, imports, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.auth import hash_token
from api.cli import app, main
from graph.settings import Settings
from graph.stores import open_store


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORGRAPH_STORE", "embedded")
    monkeypatch.delenv("MENTORGRAPH_EMBEDDED_PATH", raising=False)
    monkeypatch.setenv("MENTORGRAPH_EMBEDDING_MODEL", "fake")  # the real model only in serve
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Through the console-script entry point, which turns domain errors into exit 1."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_help_everywhere() -> None:
    for args in (["--help"], ["keys", "--help"], ["import", "--help"], ["serve", "--help"]):
        code, out, _ = run(*args)
        assert code == 0 and "Usage" in out


def test_keys_create_list_revoke(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "keys", "create", "--role", "admin", "--label", "ops")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("mg_") and "shown only now" in err
    store = open_store(Settings())
    try:
        key = store.get_api_key_by_hash(hash_token(token))
        assert key is not None and key.roles == ["admin"] and key.label == "ops"
    finally:
        store.close()
    code, out, _ = run_main(capsys, "keys", "list")
    assert code == 0 and key.id in out and token not in out
    code, _, err = run_main(capsys, "keys", "revoke", key.id)
    assert code == 0 and "revoked" in err
    code, _, err = run_main(capsys, "keys", "revoke", "key_nope")
    assert code == 1 and err.startswith("error: API key 'key_nope' not found")
    assert "Traceback" not in err


def test_usage_errors_exit_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "keys", "create")[0] == 2
    assert run_main(capsys, "keys", "create", "--role", "wizard")[0] == 2
    assert run_main(capsys, "keys", "create", "--role", "admin", "--expires", "soon")[0] == 2
    assert run_main(capsys, "no-such-command")[0] == 2


def test_key_for_unknown_person_is_domain_error(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, "keys", "create", "--role", "mentee", "--person", "ghost")
    assert code == 1 and out == "" and "person 'ghost' not found" in err


def test_export_people_empty_store(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = env / "people.jsonl"
    code, _, err = run_main(capsys, "export", "people", str(target))
    assert code == 0, err
    assert target.read_text() == ""
    assert run_main(capsys, "export", "nonsense", str(target))[0] == 2
    code, _, err = run_main(capsys, "export", "people", str(env / "no" / "such" / "dir.jsonl"))
    assert code == 1 and err.startswith("error:") and "Traceback" not in err


FRAMEWORK = """kind,id,label,tier,parents,aliases,description
cluster,comm,Communication,0,,,
cluster,eng,Engineering,0,,,
skill,speak,public speaking,,comm,presenting,Talk to an audience
skill,py,Python programming,,eng,,Write Python
"""

PEOPLE = """id,name,timezone,skills,is_mentor,max_mentees,max_hours_per_month,programs,goals
men,Mentor One,Europe/Berlin,public speaking:5:mentor,true,2,8,,
tee,Mentee One,America/New_York,Python programming:2,false,0,0,spring,get better at public speaking
"""


def test_end_to_end_import_recommend_match_export(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "framework.csv").write_text(FRAMEWORK)
    (env / "people.csv").write_text(PEOPLE)
    code, _, err = run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))
    assert code == 0 and "added 4" in err, err
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"), "--dry-run")
    assert code == 0 and "would add 2" in err, err
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
    assert code == 0 and "mapped 1 goals" in err, err
    code, out, _ = run_main(capsys, "map-goal", "public speaking", "--k", "1")
    assert code == 0 and "speak" in out
    code, out, err = run_main(capsys, "recommend", "tee", "--asynchronous", "--json")
    assert code == 0, err
    recs = json.loads(out)["data"]  # the API's answer: {mentee_id, data, count, why_none}
    assert [r["mentor_id"] for r in recs] == ["men"] and recs[0]["reasons"]
    code, out, err = run_main(capsys, "match-cohort", "spring", "--asynchronous", "--publish")
    assert code == 0 and "published 1 proposed pairings" in err, err
    target = env / "pairings.jsonl"
    assert run_main(capsys, "export", "pairings", str(target))[0] == 0
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["mentor_id"], r["mentee_ids"], r["status"]) for r in rows] == [
        ("men", ["tee"], "proposed")
    ]


def test_domain_errors_exit_1_with_the_place(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = env / "bad.csv"
    bad.write_text("id,name,timezone\nx,X,Mars/Olympus\n")
    code, _, err = run_main(capsys, "import", "people", str(bad))
    assert code == 1 and "bad.csv:2" in err and "timezone" in err and "Traceback" not in err
    code, _, err = run_main(capsys, "recommend", "nobody")
    assert code == 1 and "nobody" in err
    assert run_main(capsys, "import", "taxonomy", str(env / "missing.csv"))[0] == 2
    (env / "empty").mkdir()
    code, _, err = run_main(capsys, "import", "availability", str(env / "empty"))
    assert code == 1 and "no .ics files" in err


def test_an_import_and_its_audit_entry_are_one_apply(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "framework.csv").write_text(FRAMEWORK)
    assert run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))[0] == 0
    bad = env / "bad.csv"
    bad.write_text(PEOPLE + "x,X,Mars/Olympus,,,,,,\n")
    store = open_store(Settings())
    try:
        version = store.data_version()
        (taxonomy_entry,) = store.list_audit()
        assert (taxonomy_entry.actor, taxonomy_entry.action) == ("cli", "taxonomy.import")
        code, _, err = run_main(capsys, "import", "people", str(bad))
        assert code == 1 and "bad.csv:4" in err
        assert store.data_version() == version and store.list_audit() == [taxonomy_entry]
        (env / "people.csv").write_text(PEOPLE)
        code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
        assert code == 0 and "mapped 1 goals" in err, err
        # people, skills, goals, the goal's targets and the entry: one apply
        assert store.data_version() == version + 1
        entry = store.list_audit()[0]
        assert (entry.actor, entry.action, entry.target) == ("cli", "people.import", "people.csv")
        assert entry.detail == {"records": 2, "added": 2, "changed": 0, "goals_mapped": 1}
        (goal,) = store.goals_of("tee")
        assert store.goal_targets(goal.id)
    finally:
        store.close()


# --- people import: HR exports as HR systems write them (issue 11) ---------------------------

WORKDAY_SEMICOLON = (
    "\ufeffEmployee ID;Full Name;Manager;Time Zone;Location;Hire Date\r\n"
    "w1;Ana Lima;;EST;New York;2019-04-01\r\n"
    "w2;Ben Ode;w1;Central Standard Time;Chicago;2023-01-09\r\n"
)


def test_import_people_with_column_map_and_delimiter(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = env / "workday.csv"
    path.write_text(WORKDAY_SEMICOLON, encoding="utf-8")
    code, _, err = run_main(capsys, "import", "people", str(path))
    assert code == 1 and "unknown column 'Employee ID'" in err and "workday.csv:1" in err
    columns = "Employee ID=id,Full Name=name,Manager=manager_id,Hire Date="
    code, _, err = run_main(
        capsys, "import", "people", str(path), "--columns", columns, "--delimiter", ";"
    )
    assert code == 0 and "added 2" in err, err
    assert "warning: workday.csv:2: timezone: EST is UTC-05:00 all year" in err
    assert "note: workday.csv:3: timezone: 'Central Standard Time' is a Windows" in err
    store = open_store(Settings())
    try:
        ben = store.get_person("w2")
        assert ben is not None and ben.timezone == "America/Chicago" and ben.manager_id == "w1"
    finally:
        store.close()


def test_commands_that_need_no_mapper_never_build_it(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Building the goal mapper embeds every taxonomy label into the on-disk cache: its
    # absence shows that no command before map-goal built one.
    embeddings = Settings().embeddings_dir
    (env / "framework.csv").write_text(FRAMEWORK)
    assert run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))[0] == 0
    code, _, err = run_main(capsys, "keys", "create", "--role", "admin")
    assert code == 0, err
    (env / "people.csv").write_text("id,name,skills\nmen,Mentor,public speaking:5\n")
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
    assert code == 0 and "added 1" in err, err  # skills by label, no goals: no mapper
    assert not embeddings.exists() or not any(embeddings.iterdir())
    code, out, err = run_main(capsys, "map-goal", "public speaking", "--k", "1")
    assert code == 0 and "speak" in out, err
    assert any(embeddings.iterdir())


def unboxed(text: str) -> str:
    """Click's usage-error box without its frame and line breaks."""
    return re.sub(r"[\s\u2500-\u257f]+", " ", text)


def test_import_people_usage_errors_exit_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "p.csv"
    path.write_text("id,name\na,A\n")
    code, _, err = run_main(capsys, "import", "people", str(path), "--columns", "Worker=identity")
    assert code == 2 and "column map target 'identity' is not a people column" in unboxed(err)
    code, _, err = run_main(capsys, "import", "people", str(path), "--delimiter", "::")
    assert code == 2 and "is not one character" in unboxed(err)
    code, out, _ = run("import", "people", "--help")
    assert code == 0 and "Exit codes" in out and "--columns" in out and "--delimiter" in out


def test_partial_people_import_with_rejects_exits_1(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the BambooHR case made worse: the manager's two rows differ, so both are rejected and
    # every report with them; nothing is written, and that is not success
    path = env / "bamboo.csv"
    path.write_text("id,name,manager_id\nm,Mia,\nr,Rui,m\nm,Mia Moe,\n")
    code, _, err = run_main(capsys, "import", "people", str(path), "--allow-partial")
    assert code == 1 and "3 problems in 3 records" in err and "duplicate id 'm'" in err
    assert (env / "bamboo.rejected.csv").is_file()
    # some written, one rejected: still exit 1
    path.write_text("id,name,timezone\na,Ann,UTC\nb,Bob,PST\n")
    code, _, err = run_main(capsys, "import", "people", str(path), "--allow-partial")
    assert code == 1 and "added 1" in err and "did you mean America/Los_Angeles" in err
    # everything imported: 0
    path.write_text("id,name,timezone\nb,Bob,America/Los_Angeles\n")
    assert run_main(capsys, "import", "people", str(path), "--allow-partial")[0] == 0


def test_import_people_honours_the_import_size_setting(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = env / "p.csv"
    path.write_text("id,name\n" + "x,y\n" * 50)
    monkeypatch.setenv("MENTORGRAPH_MAX_IMPORT_BYTES", "100")
    code, _, err = run_main(capsys, "import", "people", str(path))
    assert code == 1 and "import limit of 100 bytes" in err


def test_short_commands_print_no_loading_progress(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Progress ("snapshot: loading ...", model loading bars) only with --verbose (or for an
    import on a terminal): a recommendation's stderr holds what the command says, no more."""
    (env / "framework.csv").write_text(FRAMEWORK)
    (env / "people.csv").write_text(PEOPLE)
    assert run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))[0] == 0
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
    assert code == 0 and "snapshot: loading" not in err, err  # not a terminal
    code, out, err = run_main(capsys, "recommend", "tee", "--asynchronous")
    assert code == 0 and "men" in out, err
    assert "snapshot: loading" not in err and "Loading" not in err, err
    code, out, err = run_main(capsys, "--verbose", "recommend", "tee", "--asynchronous")
    assert code == 0 and "snapshot: loading" in err, err
    code, out, err = run_main(capsys, "recommend", "tee", "--asynchronous")
    assert code == 0 and "snapshot: loading" not in err, err
