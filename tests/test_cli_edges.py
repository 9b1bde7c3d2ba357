"""CLI edges (issue 18): `recommend` takes the API's options and checks them the same way,
every listing command has `--json`, tables never cut ids, `export people` has goals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

import api.cli
from tests.test_cli import env, run_main  # noqa: F401  (env is a fixture)

LONG = "http://data.europa.eu/esco/skill/0637466c-4f91-4faa-99f6-1594d9d72d32"
FRAMEWORK = f"""kind,id,label,tier,parents,aliases,description
cluster,comm,Communication,0,,,
skill,{LONG},public speaking,,comm,presenting,Talk to an audience
"""
MENTOR = "mentor-with-a-rather-long-identifier-000000000000000000001"
HEADER = "id,name,timezone,location,skills,is_mentor,max_mentees,max_hours_per_month,programs,goals"
PEOPLE = f"""{HEADER}
{MENTOR},Mentor One,Europe/Berlin,Berlin,public speaking:5:mentor,true,2,8,,
tee,Mentee One,America/New_York,Boston,,false,0,0,spring,get better at public speaking
"""


@pytest.fixture
def org(env: Path, capsys: pytest.CaptureFixture[str]) -> Path:  # noqa: F811
    (env / "framework.csv").write_text(FRAMEWORK)
    (env / "people.csv").write_text(PEOPLE)
    assert run_main(capsys, "import", "taxonomy", str(env / "framework.csv"))[0] == 0
    code, _, err = run_main(capsys, "import", "people", str(env / "people.csv"))
    assert code == 0, err
    return env


def test_recommend_takes_the_api_options(org: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "recommend", "tee", "--format", "async", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert set(body) == {"mentee_id", "data", "count", "why_none", "why_few"}
    assert [r["mentor_id"] for r in body["data"]] == [MENTOR] and body["count"] == 1
    same = json.loads(run_main(capsys, "recommend", "tee", "--asynchronous", "--json")[1])
    assert [r["mentor_id"] for r in same["data"]] == [MENTOR]
    # in person: the mentor is in Berlin, the mentee in Boston -> nobody, and why
    code, out, _ = run_main(capsys, "recommend", "tee", "--format", "in_person", "--json")
    assert code == 0 and json.loads(out)["count"] == 0 and json.loads(out)["why_none"]
    code, out, _ = run_main(capsys, "recommend", "tee", "--model", "peer", "--json")
    assert code == 0 and "data" in json.loads(out)
    code, out, _ = run_main(
        capsys, "recommend", "tee", "--min-overlap-hours", "0", "--k", "100", "--json"
    )
    assert code == 0, out
    # the API's refusals, with the API's field names
    for args, field in (
        (["--k", "101"], "query.k"),  # MENTORGRAPH_MAX_K (100 by default), as the API
        (["--asynchronous", "--format", "video"], "query.asynchronous"),
        (["--min-overlap-hours", "200"], "query.min_overlap_hours"),
    ):
        code, _, err = run_main(capsys, "recommend", "tee", *args)
        assert code == 1 and field in err, (args, err)
    code, _, err = run_main(capsys, "recommend", "nobody")
    assert code == 1 and "not found" in err
    assert run_main(capsys, "recommend", "tee", "--format", "carrier-pigeon")[0] == 2


def test_tables_never_cut_ids(
    org: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.cli, "out", Console(width=100, force_terminal=False))
    code, out, err = run_main(capsys, "recommend", "tee", "--asynchronous")
    assert code == 0, err
    assert MENTOR in out and "…" not in out
    code, out, _ = run_main(capsys, "map-goal", "public speaking", "--k", "2")
    assert code == 0 and LONG in out and "…" not in out
    code, out, _ = run_main(capsys, "match-cohort", "spring", "--asynchronous")
    assert code == 0 and MENTOR in out and "…" not in out
    # a terminal too narrow for a readable table: a list, labels readable and ids whole
    monkeypatch.setattr(api.cli, "out", Console(width=80, force_terminal=False))
    code, out, _ = run_main(capsys, "map-goal", "public speaking", "--k", "2")
    assert code == 0 and LONG in out and "…" not in out
    assert "skill" in out and any(c.isalpha() for c in out.split(LONG)[0]), out


def test_every_listing_command_has_json(org: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "keys", "create", "--role", "admin")[0] == 0
    keys = json.loads(run_main(capsys, "keys", "list", "--json")[1])
    assert keys["count"] == 1 and "key_hash" not in keys["data"][0]
    mapped = json.loads(run_main(capsys, "map-goal", "public speaking", "--json")[1])
    assert LONG in {c["id"] for c in mapped["candidates"]}
    run = json.loads(run_main(capsys, "match-cohort", "spring", "--asynchronous", "--json")[1])
    assert run["matched"] == 1 and run["proposals"][0]["mentor_id"] == MENTOR


def test_export_people_has_goals(org: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = org / "people.jsonl"
    assert run_main(capsys, "export", "people", str(target))[0] == 0
    rows = {r["id"]: r for r in map(json.loads, target.read_text().splitlines())}
    (goal,) = rows["tee"]["goals"]
    assert goal["text"] == "get better at public speaking" and goal["status"] == "open"
    assert LONG in {t["node_id"] for t in goal["targets"]}
    assert rows[MENTOR]["goals"] == []
    assert run_main(capsys, "export", "people", str(target), "--no-goal-text")[0] == 0
    rows = {r["id"]: r for r in map(json.loads, target.read_text().splitlines())}
    (goal,) = rows["tee"]["goals"]
    assert "text" not in goal and "milestones" not in goal and goal["targets"]
    assert "public speaking" not in json.dumps(goal)
