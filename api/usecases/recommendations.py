"""Mentor recommendations, read the same way by `GET /v1/people/{id}/recommendations` and
`mentorgraph recommend`: the options a caller may give, checked once, and the answer's shape.
(A read: nothing is written, so no audit entry.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas.pairings import RecommendationsPublic
from graph.errors import InvalidInput
from graph.model import Format, MentoringModel
from graph.recommend import RecommendOptions, Weights, recommend, why_few, why_no_mentor
from graph.settings import Settings


def check_k(settings: Settings, k: int) -> None:
    """InvalidInput (field `query.k`) when `k` is outside 1 .. `settings.max_k`."""
    if not 1 <= k <= settings.max_k:
        raise InvalidInput(
            f"k is at most {settings.max_k}",
            details=[{"field": "query.k", "reason": f"between 1 and {settings.max_k}"}],
        )


def options(
    settings: Settings,
    *,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format | None = None,
    asynchronous: bool = False,
    min_overlap_hours: float = 1.0,
    weights: Weights | None = None,
) -> RecommendOptions:
    """The ranking options of a request, with `weights` (the ones in effect,
    api.usecases.ranking.current_weights; None: the settings'). InvalidInput (field
    `query.asynchronous`) when `asynchronous` is combined with a format other than async;
    (field `query.min_overlap_hours`) outside 0 .. 168 hours a week."""
    if asynchronous and format not in (None, Format.async_):
        raise InvalidInput(
            f"asynchronous=true means format=async; it cannot be combined with format={format}",
            details=[{"field": "query.asynchronous", "reason": "conflicts with query.format"}],
        )
    if not 0.0 <= min_overlap_hours <= 168.0:
        raise InvalidInput(
            "min_overlap_hours is between 0 and 168",
            details=[{"field": "query.min_overlap_hours", "reason": "between 0 and 168"}],
        )
    return RecommendOptions(
        model=model,
        format=format,
        asynchronous=asynchronous,
        min_overlap_hours=min_overlap_hours,
        weights=weights or Weights.with_overrides(settings.ranking_weights),
    )


def answer(
    snapshot: Any, person_id: str, k: int, opts: RecommendOptions, now: datetime
) -> RecommendationsPublic:
    """The top `k` mentors for `person_id` on `snapshot` as the API answers them; when
    nobody is suggested, `why_none` says why; when fewer than `k` are, `why_few` says what
    removed the others (graph.recommend.why_few)."""
    recs = recommend(snapshot, person_id, k=k, options=opts, now=now)
    why = [] if recs else why_no_mentor(snapshot, person_id, options=opts, now=now)
    few = why_few(snapshot, person_id, options=opts, now=now) if 0 < len(recs) < k else []
    return RecommendationsPublic(
        mentee_id=person_id, data=recs, count=len(recs), why_none=why, why_few=few
    )
