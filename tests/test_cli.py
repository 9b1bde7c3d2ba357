"""The `mentorgraph` CLI end to end in a temp data dir: keys, imports, exit codes."""

from __future__ import annotations

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
