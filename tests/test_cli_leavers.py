"""Leavers from the command line and from HR imports (issue 18): `people remove [--now]`,
`people export-data`, `maintenance`, and an HR file marking leavers (`status`, `left_on`,
`--full-export`)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from api.cli import main
from graph.model import utcnow
from graph.settings import Settings
from graph.stores import open_store
from tests.test_cli import FRAMEWORK

PEOPLE = """id,name,email,timezone,skills,is_mentor,max_mentees,max_hours_per_month,goals
men,Mentor One,men@example.test,Europe/Berlin,public speaking:5:mentor,true,2,8,
tee,Mentee One,tee@example.test,America/New_York,Python programming:2,false,0,0,speak up in meetings
two,Mentee Two,two@example.test,Europe/Paris,,false,0,0,
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORGRAPH_STORE", "embedded")
    monkeypatch.delenv("MENTORGRAPH_EMBEDDED_PATH", raising=False)
    monkeypatch.setenv("MENTORGRAPH_EMBEDDING_MODEL", "fake")
    (tmp_path / "framework.csv").write_text(FRAMEWORK)
    (tmp_path / "people.csv").write_text(PEOPLE)
    return tmp_path


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def imported(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))[0] == 0
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
    assert code == 0, err


def present_ids(env: Path) -> list[str]:
    store = open_store(Settings(data_dir=env, store="embedded"))
    try:
        return [p.id for p in store.list_people(include_departed=False)]
    finally:
        store.close()


def test_people_remove_then_erase_now(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imported(env, capsys)
    code, out, err = run_main(capsys, "people", "export-data", "tee")
    assert code == 0, err
    data = json.loads(out)
    assert data["person"]["email"] == "tee@example.test"
    assert [g["text"] for g in data["goals"]] == ["speak up in meetings"]
    code, out, err = run_main(capsys, "people", "remove", "tee")
    assert code == 0, err
    report = json.loads(out)
    assert report["erased"] is False and report["erase_after"]
    assert "tee" not in present_ids(env)
    code, out, err = run_main(capsys, "people", "remove", "tee", "--now")
    assert code == 0, err
    report = json.loads(out)
    assert report["erased"] is True and report["erased_counts"]["goals"] == 1
    # erased: no export, no string of theirs in the file
    code, _, err = run_main(capsys, "people", "export-data", "tee")
    assert code == 1 and "not found" in err
    # the raw bytes too: freed space is zeroed (secure_delete), the WAL truncated
    raw = b"".join(f.read_bytes() for f in env.glob("graph.sqlite3*"))
    for s in (b"tee@example.test", b"Mentee One", b"speak up in meetings"):
        assert s not in raw
    assert run_main(capsys, "people", "remove", "tee", "--now")[0] == 0  # idempotent
    code, _, err = run_main(capsys, "people", "remove", "nobody")
    assert code == 1 and "nobody" in err and "not found" in err


def test_maintenance_is_idempotent(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imported(env, capsys)
    code, out, err = run_main(capsys, "maintenance")
    assert code == 0, err
    assert json.loads(out) == {
        "erased": 0,
        "removed": {"pairing_notes": 0, "checkin_notes": 0, "audit_details": 0},
        "batches": 0,
    }


def test_hr_import_off_boards_leavers(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imported(env, capsys)
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    later = (utcnow().date() + timedelta(days=20)).isoformat()
    (env / "leavers.csv").write_text(
        "id,name,status,left_on\n"
        "men,Mentor One,Active,\n"
        f"tee,Mentee One,,{past}\n"
        f"two,Mentee Two,,{later}\n"
    )
    code, _, err = run_main(capsys, "import", "people", str(env / "leavers.csv"))
    assert code == 0, err
    assert "1 leavers, 1 off-boarded" in err and "off-boarded 1: tee" in err
    assert "leaves on" in err  # two: a warning, still present
    assert present_ids(env) == ["men", "two"]
    (env / "bad.csv").write_text("id,name,status\nmen,Mentor One,retired\n")
    code, _, err = run_main(capsys, "import", "people", str(env / "bad.csv"))
    assert code == 1 and "bad.csv:2" in err and "status" in err and "expected one of" in err


def test_full_export_off_boards_who_it_leaves_out(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(env, capsys)
    (env / "full.csv").write_text("id,name\nmen,Mentor One\n")
    code, _, err = run_main(
        capsys, "import", "people", str(env / "full.csv"), "--dry-run", "--full-export"
    )
    assert code == 0 and "2 leavers" in err, err
    assert present_ids(env) == ["men", "tee", "two"]  # a dry run off-boards nobody
    code, _, err = run_main(capsys, "import", "people", str(env / "full.csv"), "--full-export")
    assert code == 0, err
    assert present_ids(env) == ["men"]
    # without --full-export, leaving people out changes nothing
    code, _, err = run_main(capsys, "import", "people", str(env / "full.csv"))
    assert code == 0 and "leavers" not in err
