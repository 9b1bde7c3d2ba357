"""The fast ranking agrees with the slow reference on random small orgs."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.recommend import Recommendation, Snapshot, ranking, recommend
from tests.recommend.orgs import NOW, random_options, random_org
from tests.recommend.reference import recommend_reference


def same(fast: list[Recommendation], slow: list[Recommendation]) -> None:
    assert [r.score for r in fast] == pytest.approx([r.score for r in slow], abs=1e-9)
    # order may differ only between scores equal up to rounding
    for a, b in zip(fast, slow, strict=True):
        if a.mentor_id != b.mentor_id:
            assert abs(a.score - b.score) < 1e-9
            continue
        assert a.components == pytest.approx(b.components, abs=1e-9)
        assert [(p.goal_id, p.skill_id, p.target_id, p.via_id) for p in a.skill_paths] == [
            (p.goal_id, p.skill_id, p.target_id, p.via_id) for p in b.skill_paths
        ]
        assert a.overlap_hours_per_week == pytest.approx(b.overlap_hours_per_week)
        assert a.capacity_left == b.capacity_left
        assert a.reasons == b.reasons


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14))
def test_fast_equals_reference(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    snap = Snapshot.from_parts(**random_org(rnd, n))
    options = random_options(rnd)
    try:
        slow = recommend_reference(snap, "p0", k=n, options=options, now=NOW)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            recommend(snap, "p0", k=n, options=options, now=NOW)
        return
    fast = recommend(snap, "p0", k=n, options=options, now=NOW)
    same(fast, slow)
    top = recommend(snap, "p0", k=3, options=options, now=NOW)
    assert [r.score for r in top] == pytest.approx([r.score for r in slow[:3]], abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(6, 16), st.integers(1, 4))
def test_top_k_cut_gives_the_full_ranking_top(seed: int, n: int, k: int) -> None:
    """With `k`, common hours are counted only for candidates whose score bound can reach the
    top k (ranking._reachable); forced here with a first look of one candidate, the top k
    and their scores are those of the full ranking, for every option set."""
    rnd = random.Random(seed)
    snap = Snapshot.from_parts(**random_org(rnd, n))
    options = random_options(rnd)
    try:
        full = recommend(snap, "p0", k=n, options=options, now=NOW)
    except InvalidInput:
        return
    first_look = ranking.FIRST_LOOK
    ranking.FIRST_LOOK = 1
    try:
        cut = recommend(snap, "p0", k=k, options=options, now=NOW)
    finally:
        ranking.FIRST_LOOK = first_look
    assert [(r.mentor_id, r.score) for r in cut] == [(r.mentor_id, r.score) for r in full[:k]]
    assert [r.reasons for r in cut] == [r.reasons for r in full[:k]]
