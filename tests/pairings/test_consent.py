"""Consent and authority, and every rule at every door (issue 13), on both stores.

A pairing is accepted only by the side that did not propose it (each mentee of a group), or
by the program; the proposer may withdraw, never accept. Capacity, guardrails and "wants
mentoring" are checked again at accept and activate, against the load both sides agreed to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from graph.errors import Conflict, Forbidden
from graph.lifecycle import pairings as lc
from graph.model import Goal, GoalTarget, MentoringModel, PairingSide, PairingStatus
from graph.recommend import RecommendOptions
from graph.recommend.cohort import match_cohort
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, SetGoalTargets, UpsertGoals, UpsertPeople
from tests.pairings.conftest import NOW, seed

S = PairingStatus


@pytest.fixture
def world(store: GraphStore) -> GraphStore:
    return seed(store)


def at(days: int) -> Any:
    return NOW + timedelta(days=days)


def me(pid: str) -> lc.Acting:
    return lc.Acting(person_id=pid)


def test_the_mentee_who_proposed_cannot_accept_only_the_mentor_can(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], by="person:b", acting=me("b"), now=NOW).id
    assert lc.proposer(world.get_pairing(pid)) == (PairingSide.mentee, "b")
    with pytest.raises(Forbidden, match=r"proposed .* cannot accept"):
        lc.accept(world, pid, by="person:b", acting=me("b"), activate=True, now=at(1))
    assert world.get_pairing(pid).status == S.proposed  # nothing written
    with pytest.raises(Forbidden):  # a stranger may neither
        lc.accept(world, pid, by="person:c", acting=me("c"), now=at(1))
    p = lc.accept(world, pid, by="person:m1", acting=me("m1"), now=at(1))
    assert p.status == S.accepted
    assert (p.history[-1].side, p.history[-1].person_id) == (PairingSide.mentor, "m1")


def test_a_mentors_proposal_needs_the_mentee(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], acting=me("m1"), now=NOW).id
    with pytest.raises(Forbidden):
        lc.accept(world, pid, acting=me("m1"), now=at(1))
    assert lc.accept(world, pid, acting=me("b"), now=at(1)).status == S.accepted


def test_a_program_proposal_needs_both_sides_or_the_program(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], by="coord", now=NOW).id
    p = lc.accept(world, pid, acting=me("b"), now=at(1))
    assert p.status == S.proposed and lc.awaiting(p) == ["m1"]
    with pytest.raises(Conflict, match="already accepted"):
        lc.accept(world, pid, acting=me("b"), now=at(1))
    assert lc.accept(world, pid, acting=me("m1"), now=at(2)).status == S.accepted
    # the program accepts for everyone at once, recorded as such
    other = lc.propose(world, "m2", ["c"], by="coord", now=NOW).id
    done = lc.accept(world, other, by="coord", acting=lc.PROGRAM, now=at(1))
    assert done.status == S.accepted and done.history[-1].side == PairingSide.program
    assert done.history[-1].reason == "accepted for the program"


def test_a_group_pairing_needs_each_mentee(world: GraphStore) -> None:
    pid = lc.propose(
        world, "m2", ["b", "c"], model=MentoringModel.group, acting=me("m2"), now=NOW
    ).id
    p = lc.accept(world, pid, acting=me("b"), now=at(1))
    assert p.status == S.proposed and lc.awaiting(p) == ["c"]
    assert world.get_pairing(pid).status == S.proposed
    p = lc.accept(world, pid, acting=me("c"), now=at(2))
    assert p.status == S.accepted and lc.consented(p) == {"m2", "b", "c"}


def test_the_proposer_withdraws_the_other_side_may_not(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], acting=me("b"), now=NOW).id
    with pytest.raises(Forbidden, match="only the proposer"):
        lc.withdraw(world, pid, acting=me("m1"), now=at(1))
    p = lc.withdraw(world, pid, acting=me("b"), reason="found someone", now=at(1))
    assert p.status == S.withdrawn and p.close_reason == "found someone"
    # a withdrawn proposal frees the place and may be made again
    assert lc.propose(world, "m1", ["b"], acting=me("b"), now=at(2)).status == S.proposed
    accepted = lc.propose(world, "m2", ["c"], now=NOW).id
    lc.accept(world, accepted, now=at(1))
    with pytest.raises(Conflict):
        lc.withdraw(world, accepted, now=at(2))


def test_capacity_holds_at_accept_after_it_is_lowered(world: GraphStore) -> None:
    """The capacity-after-accept field case in the domain: two proposals reserve m2's places,
    then m2's capacity drops to 1; the first accept passes, the second is refused."""
    first = lc.propose(world, "m2", ["b"], now=NOW).id
    second = lc.propose(world, "m2", ["c"], now=NOW).id
    m2 = world.get_person("m2")
    assert m2 is not None
    world.apply([UpsertPeople([m2.model_copy(update={"max_mentees": 1})])])
    lc.accept(world, first, now=at(1))
    with pytest.raises(Conflict, match=r"cannot accept .*capacity: mentor 'm2' has 0 free") as e:
        lc.accept(world, second, now=at(1))
    assert e.value.details[0]["rule"] == "capacity"
    assert world.get_pairing(second).status == S.proposed


def test_hours_hold_at_activate(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], hours_per_month=3, now=NOW).id
    other = lc.propose(world, "m1", ["c"], hours_per_month=1, now=NOW).id
    lc.accept(world, pid, now=at(1))
    lc.accept(world, other, now=at(1))
    m1 = world.get_person("m1")
    assert m1 is not None
    world.apply([UpsertPeople([m1.model_copy(update={"max_hours_per_month": 3.5})])])
    with pytest.raises(Conflict, match=r"activate .*capacity: .*free hour"):
        lc.activate(world, other, now=at(2))


def test_guardrails_hold_at_accept_after_a_new_manager(world: GraphStore) -> None:
    pid = lc.propose(world, "m1", ["b"], now=NOW).id
    b = world.get_person("b")
    assert b is not None
    world.apply([UpsertPeople([b.model_copy(update={"manager_id": "m1"})])])
    with pytest.raises(Conflict, match="guardrail: 'm1' is the mentee's manager"):
        lc.accept(world, pid, now=at(1))


def test_nobody_is_paired_who_wants_no_mentoring(world: GraphStore) -> None:
    c = world.get_person("c")
    assert c is not None
    pid = lc.propose(world, "m1", ["c"], now=NOW).id
    world.apply([UpsertPeople([c.model_copy(update={"hours_wanted_per_month": 0})])])
    with pytest.raises(Conflict, match="wants_mentoring"):
        lc.accept(world, pid, now=at(1))
    with pytest.raises(Conflict, match="wants_mentoring"):
        lc.propose(world, "m2", ["c"], now=NOW)


def test_one_role_per_person_per_cohort_run(world: GraphStore) -> None:
    """m2 mentors python and is also enrolled as a mentee: by default a run never uses a
    mentee of the run as a mentor (`mentees_may_mentor=True` lifts it)."""

    m2, m1, boss = world.get_person("m2"), world.get_person("m1"), world.get_person("boss")
    assert m2 is not None and m1 is not None and boss is not None
    goal = Goal(id="g-m2", person_id="m2", text="m2 wants python too", created_at=NOW)
    world.apply(
        [
            UpsertPeople(
                [
                    m2.model_copy(update={"programs": ["spring"]}),
                    m1.model_copy(update={"max_mentees": 1}),
                    boss.model_copy(update={"max_mentees": 0}),
                ]
            ),
            UpsertGoals([goal]),
            SetGoalTargets(
                "g-m2", [GoalTarget(goal_id="g-m2", node_id="s-python", confidence=0.9)]
            ),
        ]
    )
    opts = RecommendOptions(asynchronous=True)
    run = match_cohort(Snapshot.load(world), "spring", now=NOW, options=opts)
    mentees = {p.mentee_id for p in run.proposals}
    assert not mentees & {p.mentor_id for p in run.proposals}
    assert "m2" not in {p.mentor_id for p in run.proposals}
    loose = match_cohort(
        Snapshot.load(world), "spring", now=NOW, options=opts, mentees_may_mentor=True
    )
    assert "m2" in {p.mentor_id for p in loose.proposals}
    assert len(loose.proposals) > len(run.proposals)


def test_a_cohort_run_skips_mentees_who_want_no_mentoring(world: GraphStore) -> None:

    c = world.get_person("c")
    assert c is not None
    world.apply([UpsertPeople([c.model_copy(update={"hours_wanted_per_month": 0})])])
    run = match_cohort(
        Snapshot.load(world), "spring", now=NOW, options=RecommendOptions(asynchronous=True)
    )
    assert "c" not in {p.mentee_id for p in run.proposals}
    assert [u.reason for u in run.unmatched if u.mentee_id == "c"] == [
        "wants no mentoring (hours_wanted_per_month is 0)"
    ]
