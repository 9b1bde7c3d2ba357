"""`mentorgraph programs ...` and `match-cohort --form` end to end in a temp data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.model import Goal, GoalTarget, Person, PersonSkill, Skill
from graph.settings import Settings
from graph.store import (
    SetGoalTargets,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from graph.stores import open_store
from tests.test_cli import env, run_main  # noqa: F401 - the fixture

P = "spring"


def seed() -> None:
    store = open_store(Settings())
    try:
        mentees = [Person(id=f"a{i}", name=f"A{i}", programs=[P]) for i in range(1, 5)]
        goals = [Goal(id=f"g{i}", person_id=f"a{i}", text="python") for i in range(1, 5)]
        store.apply(
            [
                UpsertSkills([Skill(id="s-py", label="Python")]),
                UpsertPeople(
                    [
                        *mentees,
                        Person(
                            id="m",
                            name="M",
                            is_mentor=True,
                            max_mentees=3,
                            max_hours_per_month=4,
                            seniority=8,
                            micro_mentor=True,
                        ),
                    ]
                ),
                UpsertPersonSkills(
                    [PersonSkill(person_id="m", skill_id="s-py", level=5, willing_to_mentor=True)]
                ),
                UpsertGoals(goals),
                *[
                    SetGoalTargets(g.id, [GoalTarget(goal_id=g.id, node_id="s-py", confidence=1)])
                    for g in goals
                ],
            ]
        )
    finally:
        store.close()


def test_programs_commands(env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    seed()
    code, _, err = run_main(
        capsys,
        "programs",
        "declare",
        P,
        "-m",
        "group",
        "-m",
        "circle",
        "-m",
        "micro",
        "--max-group-size",
        "3",
        "--hours",
        "2",
    )
    assert code == 0, err
    code, out, _ = run_main(capsys, "programs", "show", P)
    assert json.loads(out)[0]["models"] == ["group", "circle", "micro"]
    # too big a group: exit 1, the field and rule named, nothing stored
    code, _, err = run_main(
        capsys,
        "programs",
        "group",
        P,
        "--mentor",
        "m",
        "--mentee",
        "a1",
        "--mentee",
        "a2",
        "--mentee",
        "a3",
        "--mentee",
        "a4",
    )
    assert code == 1 and "mentee_ids: program.max_group_size" in err, err
    code, _, err = run_main(capsys, "programs", "circle", P, "a1")
    assert code == 1 and "program.circle_size" in err
    code, out, err = run_main(
        capsys, "programs", "group", P, "--mentor", "m", "--mentee", "a1", "--mentee", "a2"
    )
    assert code == 0, err
    gid = out.strip()
    code, out, err = run_main(capsys, "programs", "accept", gid)
    assert code == 0 and "accepted" in err
    code, out, err = run_main(capsys, "programs", "close", gid, "--reason", "done")
    assert code == 0 and "closed" in err
    code, out, err = run_main(capsys, "programs", "micro-mentors", P, "a3", "s-py")
    assert code == 0 and "m" in out
    code, out, err = run_main(
        capsys, "programs", "micro", P, "--mentor", "m", "--mentee", "a3", "--skill", "s-py"
    )
    assert code == 0 and "45 min on s-py" in err, err
    code, out, err = run_main(capsys, "programs", "circle", P, "a1", "a2", "a4")
    assert code == 0 and "circle" in err
    code, _, err = run_main(
        capsys, "programs", "declare", P, "-m", "group", "--max-circle-size", "9"
    )
    assert code == 2


def test_match_cohort_forms_groups(env: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    seed()
    assert (
        run_main(capsys, "programs", "declare", P, "-m", "group", "--max-group-size", "3")[0] == 0
    )
    code, _, err = run_main(
        capsys, "match-cohort", P, "--form", "group", "--no-pairs", "--asynchronous", "--publish"
    )
    assert code == 0, err
    assert "group led by m" in err and "published 1 proposed pairings" in err
    code, _, err = run_main(capsys, "match-cohort", P, "--form", "circle", "--asynchronous")
    assert code == 1 and "program.models" in err
