"""Group, peer and reverse mentoring on the tiny conftest world."""

from __future__ import annotations

from graph.recommend import RecommendOptions, Snapshot
from graph.recommend.groups import match_groups, match_peers, match_reverse
from graph.store import GraphStore, UpsertPeople
from tests.pairings.conftest import NOW, PROGRAM, seed

ASYNC = RecommendOptions(asynchronous=True)


def test_group_of_shared_goals_gets_one_mentor(embedded_store: GraphStore) -> None:
    snap = Snapshot.load(seed(embedded_store))
    groups = match_groups(snap, PROGRAM, now=NOW, options=ASYNC, max_group_size=2)
    # a, b, c all target python: two groups (sizes 2 and 1), balanced
    assert sorted(len(g.mentee_ids) for g in groups) == [1, 2]
    assert sorted(m for g in groups for m in g.mentee_ids) == ["a", "b", "c"]
    mentors = [g.mentor_id for g in groups if g.mentor_id]
    assert len(mentors) == len(set(mentors))  # one new group per mentor
    for g in groups:
        if "a" in g.mentee_ids:
            assert g.mentor_id != "boss"  # a's manager never leads a's group


def test_reverse_mentors_are_junior(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    people = {p.id: p for p in embedded_store.list_people()}
    # b becomes a senior mentee; m1 becomes a junior mentor
    embedded_store.apply(
        [
            UpsertPeople(
                [
                    people["b"].model_copy(update={"seniority": 9}),
                    people["m1"].model_copy(update={"seniority": 3}),
                ]
            )
        ]
    )
    snap = Snapshot.load(embedded_store)
    res = match_reverse(snap, PROGRAM, now=NOW, options=ASYNC)
    by = {p.mentee_id: p.mentor_id for p in res.proposals}
    assert by.get("b") == "m1"
    for p in res.proposals:
        assert snap.state.people[p.mentor_id].seniority < snap.state.people[p.mentee_id].seniority


def test_peers_pair_equals_each_at_most_once(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    people = {p.id: p for p in embedded_store.list_people()}
    # m1 and m2 join the program as peers with seniority 7 and goals of their own
    from graph.model import Goal, GoalTarget
    from graph.store import SetGoalTargets, UpsertGoals

    embedded_store.apply(
        [
            UpsertPeople(
                [
                    people["m1"].model_copy(update={"programs": [PROGRAM]}),
                    people["m2"].model_copy(update={"programs": [PROGRAM]}),
                ]
            ),
            UpsertGoals([Goal(id="g-m1", person_id="m1", text="sql", created_at=NOW)]),
            SetGoalTargets("g-m1", [GoalTarget(goal_id="g-m1", node_id="s-sql", confidence=1)]),
            UpsertGoals([Goal(id="g-m2", person_id="m2", text="py", created_at=NOW)]),
            SetGoalTargets("g-m2", [GoalTarget(goal_id="g-m2", node_id="s-python", confidence=1)]),
        ]
    )
    res = match_peers(Snapshot.load(embedded_store), PROGRAM, now=NOW, options=ASYNC)
    # m1 (python 5) helps m2's python goal; m2 (sql 5) helps m1's sql goal: complementary
    assert [(p.a, p.b) for p in res.pairs] == [("m1", "m2")]
    assert res.pairs[0].weight > 0 and res.pairs[0].reasons
    assert {"a", "b", "c"} <= set(res.unmatched)  # seniority 2 vs 7: not peers
