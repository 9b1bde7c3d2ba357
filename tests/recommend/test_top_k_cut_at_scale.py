"""The top-k cut (`ranking._top_part`) on a demo org on the real ESCO taxonomy: thousands of
candidates per mentee, several rounds forced by a small first look; the top k and their
scores are those of the full ranking for every option set tried."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

from graph.hierarchy import Hierarchy
from graph.model import Goal, GoalTarget, MentoringModel
from graph.recommend import RecommendOptions, Snapshot, mentee_context, ranking
from graph.recommend.snapshot import SkillColumns
from loaders.demo_org import generate_org_columns
from loaders.esco import bundled_esco_dir, read_esco
from tests.recommend.orgs import NOW


@pytest.fixture(scope="module")
def org() -> tuple[Snapshot, list[str]]:
    tax = read_esco(bundled_esco_dir())
    h = Hierarchy.from_dump(tax)
    cols = generate_org_columns(tax, size=6000, seed=3, extra_skills=4)
    rnd = random.Random(3)
    goals, targets = [], []
    mentees = [i for i, p in enumerate(cols.people) if not p.is_mentor]
    for n, row in enumerate(rnd.sample(mentees, 40)):
        held = cols.skill[cols.person == row]
        skill_id = cols.skill_ids[int(rnd.choice(held.tolist()))]
        gid = f"g{n}"
        goals.append(Goal(id=gid, person_id=cols.people[row].id, text="grow"))
        targets.append(GoalTarget(goal_id=gid, node_id=skill_id, confidence=0.9))
        for parent in h.parents(skill_id)[:1]:
            targets.append(GoalTarget(goal_id=gid, node_id=parent, confidence=0.5))
    snap = Snapshot.from_parts(
        taxonomy=h,
        people=cols.people,
        skill_columns=SkillColumns(
            [p.id for p in cols.people],
            cols.skill_ids,
            cols.person,
            cols.skill,
            cols.level,
            cols.willing,
        ),
        goals=goals,
        targets=targets,
    )
    return snap, [g.person_id for g in goals]


@pytest.fixture
def small_first_look() -> Iterator[None]:
    first_look = ranking.FIRST_LOOK
    ranking.FIRST_LOOK = 8
    yield
    ranking.FIRST_LOOK = first_look


@pytest.mark.parametrize(
    ("options", "leaves_out"),
    [
        (RecommendOptions(), True),
        (RecommendOptions(format="async"), True),
        (RecommendOptions(model=MentoringModel.peer, min_overlap_hours=0), True),
        # few pass 3 common hours, or availability weighs most: the bound may leave nobody out
        (RecommendOptions(min_overlap_hours=3), False),
        (RecommendOptions(require_common_language=False, weights={"availability": 0.6}), False),
    ],
)
@pytest.mark.usefixtures("small_first_look")
def test_cut_top_k_equals_the_full_ranking(
    org: tuple[Snapshot, list[str]], options: RecommendOptions, leaves_out: bool
) -> None:
    snap, mentee_ids = org
    st = snap.state
    cut_any = 0
    for mid in mentee_ids:
        ctx = mentee_context(st, mid, options, NOW)
        full = ranking.score_mentee(ranking.Shared(snap, st, NOW), ctx, options)
        cut = ranking.score_mentee(ranking.Shared(snap, st, NOW), ctx, options, k=10)
        if full is None:
            assert cut is None
            continue
        assert cut is not None
        cut_any += len(cut.cand) < len(full.cand)
        want = ranking.top_k(st, full.cand, full.score, 10)
        got = ranking.top_k(st, cut.cand, cut.score, 10)
        assert cut.cand[got].tolist() == full.cand[want].tolist()
        assert cut.score[got].tolist() == full.score[want].tolist()
        for c in full.comps:
            assert cut.comps[c][got].tolist() == full.comps[c][want].tolist()
        assert np.all(np.diff(cut.cand) > 0)  # candidates stay ascending
    if leaves_out:
        assert cut_any > 0  # the cut did leave candidates out
