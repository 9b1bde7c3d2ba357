"""Taxonomy credit: exact target, siblings, cousins, cluster targets, multiple parents."""

from __future__ import annotations

import pytest

from graph.hierarchy import Hierarchy
from graph.model import Broader, MentoringModel
from graph.recommend.skill_fit import level_factor, level_ok, target_credits
from tests.recommend.orgs import taxonomy


def credits(h: Hierarchy, target: str) -> dict[str, tuple[float, int, str]]:
    return {s: (round(c.credit, 6), c.hops, c.via) for s, c in target_credits(h, target).items()}


def test_skill_target_gives_full_sibling_and_cousin_credit() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "present") == {
        "present": (1.0, 0, "present"),
        "slides": (0.6, 2, "S1.4"),  # same group: up 1, down 1
        "speak": (0.216, 4, "S1"),  # up 2 to S1, down 2 through S1.5
    }  # python sits under S2: reaching it needs 3 steps up, more than MAX_UP


def test_cluster_target_counts_skills_by_depth() -> None:
    h = Hierarchy.from_dump(taxonomy())
    assert credits(h, "S1.4") == {
        "present": (1.0, 1, "S1.4"),
        "slides": (1.0, 1, "S1.4"),
        "speak": (0.36, 3, "S1"),  # up 1 to S1, down 2
        "python": (0.216, 4, "S"),  # up 2 to the root, down 2
    }
    assert credits(h, "S1")["speak"] == (0.6, 2, "S1")


def test_a_second_parent_gives_the_shorter_route() -> None:
    dump = taxonomy()
    dump.broader.append(Broader(child_id="speak", parent_id="S1.4"))
    h = Hierarchy.from_dump(dump)
    assert credits(h, "present")["speak"] == (0.6, 2, "S1.4")


def test_unknown_target_reaches_nothing() -> None:
    assert target_credits(Hierarchy.from_dump(taxonomy()), "nope") == {}


@pytest.mark.parametrize(
    ("model", "mentor", "mentee", "ok"),
    [
        (MentoringModel.one_to_one, 4, 3, True),
        (MentoringModel.one_to_one, 3, 3, False),
        (MentoringModel.group, 2, 3, False),
        (MentoringModel.peer, 3, 3, True),
        (MentoringModel.reverse, 1, 4, True),
    ],
)
def test_mentor_must_know_more_except_peer_and_reverse(
    model: MentoringModel, mentor: int, mentee: int, ok: bool
) -> None:
    assert level_ok(model, mentor, mentee) is ok


def test_level_factor() -> None:
    assert [round(level_factor(lv), 2) for lv in range(1, 6)] == [0.6, 0.7, 0.8, 0.9, 1.0]
