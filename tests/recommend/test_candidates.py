"""The batch scorer gives every mentee exactly recommend()'s top k; goal-free guardrails."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput, NotFound
from graph.model import Goal, GoalTarget, Pairing
from graph.recommend import RecommendOptions, Snapshot, recommend
from graph.recommend.candidates import CandidateScorer, explain_edges, top_k_candidates
from graph.recommend.ranking import excluded_mentors, mentor_unavailable
from tests.recommend.orgs import NODES, NOW, random_options, random_org, tiny_parts, tiny_snapshot
from tests.recommend.reference import recommend_reference


def many_mentees(rnd: random.Random, n: int) -> tuple[dict[str, Any], list[str]]:
    """random_org with open goals for a few more people, so they share targets and mentors."""
    parts = random_org(rnd, n)
    mentees = ["p0"]
    for i in range(1, min(n, 5)):
        if rnd.random() < 0.7:
            pid = f"p{i}"
            mentees.append(pid)
            goal = Goal(id=f"g-{pid}", person_id=pid, text=f"goal of {pid}")
            parts["goals"].append(goal)
            for node in rnd.sample(NODES, rnd.randint(0, 2)):  # 0: a goal without targets
                parts["targets"].append(
                    GoalTarget(goal_id=goal.id, node_id=node, confidence=rnd.choice([0.3, 1.0]))
                )
    return parts, mentees


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14), st.integers(1, 6))
def test_batch_equals_recommend_and_reference(seed: int, n: int, k: int) -> None:
    rnd = random.Random(seed)
    parts, mentees = many_mentees(rnd, n)
    snap = Snapshot.from_parts(**parts)
    options = random_options(rnd)
    edges = top_k_candidates(snap, mentees, k=k, options=options, now=NOW, components=True)
    assert edges.components is not None
    by_mentee: dict[str, list[int]] = {}
    for e, i in enumerate(edges.mentee_index.tolist()):
        by_mentee.setdefault(mentees[i], []).append(e)
    mentor_ids = edges.mentor_ids(snap.state)
    for mid in mentees:
        try:
            recs = recommend(snap, mid, k=k, options=options, now=NOW)
        except InvalidInput as exc:
            assert mid in edges.problems and edges.problems[mid] == exc.message
            assert mid not in by_mentee
            continue
        got = by_mentee.get(mid, [])
        # exactly recommend's mentors, order and scores (bit for bit) and components
        assert [mentor_ids[e] for e in got] == [r.mentor_id for r in recs]
        assert [float(edges.score[e]) for e in got] == [r.score for r in recs]
        for e, r in zip(got, recs, strict=True):
            assert {c: float(v[e]) for c, v in edges.components.items()} == r.components
            assert edges.mentee_row[e] == snap.state.rows[mid]
        # and the slow reference's scores (ties may order differently there)
        slow = recommend_reference(snap, mid, k=k, options=options, now=NOW)
        assert [float(edges.score[e]) for e in got] == pytest.approx(
            [r.score for r in slow], abs=1e-9
        )
    # reasons for chosen pairs only: the same Recommendation recommend() builds
    pairs = [(mentees[int(edges.mentee_index[e])], mentor_ids[e]) for e in range(edges.n_edges)]
    explained = explain_edges(snap, pairs, options=options, now=NOW)
    for (mentee, mentor), rec in zip(pairs, explained, strict=True):
        full = {r.mentor_id: r for r in recommend(snap, mentee, k=k, options=options, now=NOW)}
        assert rec == full[mentor]


def test_tiny_org_batch_matches_hand_ranking() -> None:
    snap = tiny_snapshot()
    opts = RecommendOptions()
    edges = top_k_candidates(snap, ["mia"], k=10, options=opts, now=NOW)
    recs = recommend(snap, "mia", k=10, options=opts, now=NOW)
    assert edges.mentor_ids(snap.state) == [r.mentor_id for r in recs]
    assert edges.count_per_mentee().tolist() == [len(recs)]
    assert edges.components is None
    assert top_k_candidates(snap, ["mia"], k=0, options=opts, now=NOW).n_edges == 0
    assert top_k_candidates(snap, [], k=5, options=opts, now=NOW).n_edges == 0


def test_problems_and_unknown_mentees() -> None:
    snap = tiny_snapshot()
    edges = top_k_candidates(snap, ["zed", "mia"], k=3, now=NOW)
    assert set(edges.problems) == {"zed"} and "no open goals" in edges.problems["zed"]
    assert set(edges.mentee_index.tolist()) == {1}
    with pytest.raises(NotFound, match="ghost"):
        top_k_candidates(snap, ["ghost"], k=3, now=NOW)


def test_among_keeps_the_unlimited_scores() -> None:
    snap = tiny_snapshot()
    full = {r.mentor_id: r for r in recommend(snap, "mia", k=10, now=NOW)}
    for mentor_id, rec in full.items():
        only = recommend(snap, "mia", k=10, now=NOW, among=[mentor_id])
        assert only == [rec]
    assert recommend(snap, "mia", k=10, now=NOW, among=["mgr", "nobody"]) == []  # guardrail
    assert explain_edges(snap, [("mia", "mgr")], now=NOW) == [None]


# --- goal-free guardrails ---------------------------------------------------------------------


def test_excluded_mentors_names_each_guardrail() -> None:
    parts = tiny_parts()
    # mia manages nobody in tiny_parts; give her a report with a report, a skip-level boss,
    # a do-not-pair-again history with fay and an open pairing with ben.
    from graph.model import Person

    people = {p.id: p for p in parts["people"]}
    people["mgr"] = people["mgr"].model_copy(update={"manager_id": "gus"})
    people["cat"] = people["cat"].model_copy(update={"manager_id": "mia"})
    people["eve"] = people["eve"].model_copy(update={"manager_id": "cat"})
    people["noor"] = Person(id="noor", name="Noor")  # no goals needed for the guardrails
    parts["people"] = list(people.values())
    parts["pairings"] = [
        *parts["pairings"],
        Pairing(id="x1", mentor_id="fay", mentee_ids=["mia"], status="declined",
                do_not_pair_again=True),
        Pairing(id="x2", mentor_id="ben", mentee_ids=["mia"], status="accepted"),
        Pairing(id="x3", mentor_id="ana", mentee_ids=["mia"], status="closed"),
    ]  # fmt: skip
    snap = Snapshot.from_parts(**parts)
    got = excluded_mentors(snap.state, "mia", RecommendOptions(exclude_mentor_ids=["zed"]))
    assert got == {
        "mia": "is the mentee",
        "zed": "was excluded by the request",
        "mgr": "is the mentee's manager",
        "gus": "is the mentee's skip-level manager",
        "cat": "reports to the mentee",
        "eve": "reports to one of the mentee's reports (skip-level)",
        "fay": "shares pairing 'x1' marked do-not-pair-again",
        "ben": "is already in accepted pairing 'x2'",
    }
    # the same set the ranking filters with
    from graph.recommend.ranking import mentee_context

    ctx = mentee_context(snap.state, "mia", RecommendOptions(exclude_mentor_ids=["zed"]), NOW)
    assert ctx.excluded == set(got)
    assert excluded_mentors(snap.state, "noor") == {"noor": "is the mentee"}
    with pytest.raises(NotFound):
        excluded_mentors(snap.state, "ghost")


def test_mentor_unavailable() -> None:
    people = {p.id: p for p in tiny_parts()["people"]}
    assert mentor_unavailable(people["ana"]) is None
    assert mentor_unavailable(people["dan"]) == "has opted out of recommendations"
    assert mentor_unavailable(people["zed"]) == "is not a mentor"


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14))
def test_eligible_edges_are_every_mentor_recommend_ranks(seed: int, n: int) -> None:
    """The vectorised all-edges scorer (cohort candidates): for every mentee, exactly the
    mentors recommend(k=everyone) gives, with the same scores bit for bit."""
    rnd = random.Random(seed)
    parts, mentees = many_mentees(rnd, n)
    # same targets for two mentees now and then: they share one group in the scorer
    if len(mentees) > 1 and rnd.random() < 0.5:
        first = [t for t in parts["targets"] if t.goal_id == f"g-{mentees[0]}"]
        parts["targets"] = [t for t in parts["targets"] if t.goal_id != f"g-{mentees[1]}"]
        parts["targets"] += [t.model_copy(update={"goal_id": f"g-{mentees[1]}"}) for t in first]
    snap = Snapshot.from_parts(**parts)
    options = random_options(rnd)
    scorer = CandidateScorer(snap, options=options, now=NOW)
    list(scorer.eligible(mentees[-1:]))  # caches built for fewer people must not leak
    problems: dict[str, str] = {}
    got: dict[str, dict[str, float]] = {}
    for block in scorer.eligible(mentees, problems=problems):
        for i, r, s in zip(block.mentee_index, block.mentor_row, block.score, strict=True):
            got.setdefault(mentees[int(i)], {})[snap.state.ids[int(r)]] = float(s)
    for mid in mentees:
        try:
            recs = recommend(snap, mid, k=10_000, options=options, now=NOW)
        except InvalidInput as exc:
            assert problems[mid] == exc.message and mid not in got
            continue
        assert got.get(mid, {}) == {r.mentor_id: r.score for r in recs}


def test_eligible_leaves_out_excluded_rows() -> None:
    snap = tiny_snapshot()
    scorer = CandidateScorer(snap, now=NOW)
    everyone = {snap.state.ids[int(r)] for b in scorer.eligible(["mia"]) for r in b.mentor_row}
    assert everyone
    gone = sorted(everyone)[0]
    exclude = np.zeros(len(snap.state.ids), dtype=bool)
    exclude[snap.state.rows[gone]] = True
    rest = {
        snap.state.ids[int(r)]
        for b in scorer.eligible(["mia"], exclude_rows=exclude)
        for r in b.mentor_row
    }
    assert rest == everyone - {gone}
