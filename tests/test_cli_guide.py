"""The issue-14 commands end to end on a temp embedded store: guide, invite, skill-gap,
mentors suggested/opt-in, recognition, weights show/fit/set/revert; exit codes 0/1/2."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import icalendar
import pytest

from api.cli import main
from graph.model import Person, PersonSkill
from graph.settings import Settings
from graph.store import UpsertPeople, UpsertPersonSkills
from graph.stores import open_store
from tests.api.conftest import seed
from tests.api.test_guides_api import _achieve, with_calendars
from tests.api.test_ranking_weights_api import seed_outcomes


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORGRAPH_STORE", "embedded")
    monkeypatch.delenv("MENTORGRAPH_EMBEDDED_PATH", raising=False)
    monkeypatch.setenv("MENTORGRAPH_EMBEDDING_MODEL", "fake")
    store = open_store(Settings())
    try:
        store.init_schema()
        seed(store)
        with_calendars(store)
    finally:
        store.close()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_guide_invite_and_skill_gap(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "guide", "pr-p2", "--json")
    assert code == 0, err
    guide = json.loads(out)
    assert guide["targets"][0]["node_id"] == "s-present" and len(guide["slots"]) == 3
    code, out, _ = run(capsys, "guide", "pr-p2")
    assert code == 0 and "public speaking" in out and "slot " in out
    target = env / "first.ics"
    code, _, err = run(capsys, "invite", "pr-p2", str(target), "--cadence", "biweekly")
    assert code == 0, err
    (event,) = icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert event["RRULE"]["INTERVAL"] == [2]
    assert run(capsys, "invite", "pr-p2", str(target), "--cadence", "daily")[0] == 2
    code, _, err = run(capsys, "guide", "nope")
    assert code == 1 and "pairing 'nope' not found" in err
    code, out, _ = run(capsys, "skill-gap", "p2", "--role", "Data Analyst", "--json")
    assert code == 0 and json.loads(out)["role"]["enough"] is False


def test_growth_and_recognition(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(Settings())
    try:
        _achieve(store, level=4)
    finally:
        store.close()
    code, out, err = run(capsys, "mentors", "suggested", "--json")
    assert code == 0, err
    assert [(r["person_id"], r["skill_id"]) for r in json.loads(out)] == [("p2", "s-present")]
    assert run(capsys, "mentors", "opt-in", "p2", "--skill", "s-present")[0] == 2  # no consent
    code, _, err = run(capsys, "mentors", "opt-in", "p2", "--skill", "s-python", "--consent")
    assert code == 1 and "skill_ids[0]" in err
    code, _, err = run(capsys, "mentors", "opt-in", "p2", "--skill", "s-present", "--consent")
    assert code == 0 and "now mentors s-present" in err
    code, out, _ = run(capsys, "mentors", "suggested", "--json")
    assert json.loads(out) == []
    target = env / "impact.csv"
    code, _, err = run(capsys, "recognition", "--csv", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["mentor_id"] == "m1" and rows[0]["skills_transferred"] == "1"


def test_weights(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "weights", "fit")
    assert code == 1 and "too few outcomes" in err and "outcomes" in err
    code, _, err = run(capsys, "weights", "set", "skill_fit=0.9", "availability=0.5")
    assert code == 1 and "weights.capacity" in err
    args = ["skill_fit=0.6", "availability=0.1", "capacity=0.1", "preferences=0.1"]
    code, _, err = run(capsys, "weights", "set", *args, "feedback=0.5")
    assert code == 1 and "must sum to 1" in err
    code, out, err = run(capsys, "weights", "set", *args, "feedback=0.1")
    assert code == 0, err
    assert json.loads(out)["skill_fit"] == 0.6
    code, out, _ = run(capsys, "weights", "show")
    shown = json.loads(out)
    assert shown["weights"]["skill_fit"] == 0.6 and shown["source"].startswith("audit_")
    code, out, _ = run(capsys, "weights", "revert")
    assert code == 0 and json.loads(out)["skill_fit"] == 0.5
    code, out, _ = run(capsys, "weights", "show")
    assert json.loads(out)["weights"]["skill_fit"] == 0.5


def test_skill_gap_below_threshold_is_said(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No skill held by 30% of the role: the CLI says so and lists the most common, marked."""
    store = open_store(Settings())
    try:
        store.apply(
            [
                UpsertPeople(
                    [Person(id=f"da{i}", name=f"A {i}", title="Data Analyst") for i in range(21)]
                ),
                UpsertPersonSkills(
                    [
                        PersonSkill(person_id=f"da{i}", skill_id="s-python", level=3)
                        for i in (0, 1, 2)
                    ]
                ),
            ]
        )
    finally:
        store.close()
    code, out, err = run(capsys, "skill-gap", "p2", "--role", "Data Analyst")
    assert code == 0, err
    text = " ".join(out.split())
    assert "no skill is held by at least 30% of the 21 people" in text
    assert "Python programming (3 of 21)" in text and "below 30%" in text


def test_weights_fit_prints_three_decimals_and_the_interval(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(Settings())
    try:
        seed_outcomes(store)
    finally:
        store.close()
    code, out, err = run(capsys, "weights", "fit", "--min-outcomes", "20")
    assert code == 0, err
    text = " ".join(out.split())
    assert re.search(r"AUC current \d\.\d{3} proposed \d\.\d{3} difference 95% interval", text)
    assert "left out" in text  # feedback: not fitted
    message = " ".join(err.split())
    assert "keep the current weights" in message and "to accept it anyway" in message
