"""What a recommendation is made of: options, weights, components and their formulas.

Every component lies in [0, 1]; the score is their weighted mean times a pair factor:

- skill_fit: the goals' fits (see skill_fit.py), best goal first:
  (best + GOAL_BONUS * sum of the others) / (1 + GOAL_BONUS * (open goals - 1)).
- availability: overlap hours per week / AVAILABILITY_FULL_HOURS, capped at 1
  (1 for asynchronous mentoring, format "async", where overlap does not matter).
- capacity: (1 - load) / (1 + EXPOSURE_STEP * recent proposals), where load is the larger of
  places taken / max_mentees and hours taken / max_hours_per_month, and recent proposals are
  the mentor's pairings created in the last EXPOSURE_DAYS days. Busy and recently suggested
  mentors sink, so the same few people are not everyone's first choice.
- preferences: mean of three 0/1 checks: format (the mentee's preferred formats meet the
  mentor's, either empty = any), language (the mentee's preferred languages, if any, include
  one the mentor speaks), function (same/cross department as the mentee asked; any = 1).
- feedback: the Bayesian average of the mentor's check-in ratings,
  (PRIOR_WEIGHT * PRIOR_RATING + sum) / (PRIOR_WEIGHT + n), mapped from 1..5 onto 0..1.

Pair factor: DECLINED_FACTOR when this mentor/mentee pair was declined before, else 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.model import Format, MentoringModel, PairingStatus
from graph.settings import RankingComponent

GOAL_BONUS = 0.2
AVAILABILITY_FULL_HOURS = 3.0
EXPOSURE_STEP = 0.25
EXPOSURE_DAYS = 30
PRIOR_RATING = 3.5
PRIOR_WEIGHT = 5.0
DECLINED_FACTOR = 0.5
# Pairings that hold a mentor's place (same as graph.lifecycle.pairings.OPEN_STATUSES).
OPEN_STATUSES = frozenset(
    {PairingStatus.proposed, PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled}
)
COMPONENTS: tuple[RankingComponent, ...] = get_args(RankingComponent)
HOURS_EPS = 1e-9

EXPOSURE_WINDOW = timedelta(days=EXPOSURE_DAYS)


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_fit: float = Field(default=0.5, ge=0.0, le=100.0)
    availability: float = Field(default=0.2, ge=0.0, le=100.0)
    capacity: float = Field(default=0.1, ge=0.0, le=100.0)
    preferences: float = Field(default=0.1, ge=0.0, le=100.0)
    feedback: float = Field(default=0.1, ge=0.0, le=100.0)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.total() <= 0:
            raise ValueError("at least one weight must be positive")
        return self

    def total(self) -> float:
        return self.skill_fit + self.availability + self.capacity + self.preferences + self.feedback

    def as_dict(self) -> dict[str, float]:
        return {c: float(getattr(self, c)) for c in COMPONENTS}

    @classmethod
    def with_overrides(cls, overrides: Mapping[RankingComponent, float]) -> Weights:
        """The defaults with some weights replaced (settings: MENTORGRAPH_RANKING_WEIGHTS)."""
        return cls.model_validate({**cls().as_dict(), **overrides})


class RecommendOptions(BaseModel):
    """What the mentee asks for. `format` filters mentors and means what it says:

    - "in_person": the mentor shares the mentee's location (Person.location, compared
      normalised: Unicode NFKC, case-folded, spaces collapsed); a mentee without a location
      gets InvalidInput;
    - "async": no shared hours needed (no overlap minimum, availability counts 1);
    - "video": shared hours needed, any location.

    Mentors who list formats must list the one asked for (a mentor listing none takes any).
    `asynchronous=True` is the older spelling of `format="async"` and kept as its alias: after
    validation `asynchronous` is True exactly when `format` is "async"; asking for both
    `asynchronous=True` and another format is a validation error.
    """

    model_config = ConfigDict(extra="forbid")

    model: MentoringModel = MentoringModel.one_to_one
    format: Format | None = Field(
        default=None,
        description="only mentors open to this format; in_person: same location; "
        "async: no shared hours needed",
    )
    asynchronous: bool = Field(
        default=False, description='alias of format="async" (no shared hours needed)'
    )
    min_overlap_hours: float = Field(
        default=1.0, ge=0.0, le=168.0, description="hours/week in common (ignored when async)"
    )
    require_common_language: bool = True
    weights: Weights = Field(default_factory=Weights)
    exclude_mentor_ids: list[str] = Field(default_factory=list)
    weeks: int = Field(default=4, ge=1, le=26, description="weeks of calendar to compare")

    @model_validator(mode="after")
    def _one_async_switch(self) -> RecommendOptions:
        if self.asynchronous and self.format not in (None, Format.async_):
            raise ValueError(
                f"asynchronous=true means format=async; it cannot be combined with "
                f"format={self.format.value if self.format else None}"
            )
        if self.asynchronous:
            self.format = Format.async_
        self.asynchronous = self.format == Format.async_
        return self


class SkillPath(BaseModel):
    """Why a mentor fits one goal: goal -> target node -> (cluster) -> mentor skill.

    fit = target_confidence * credit * level factor of mentor_level; `relation` names the
    credit (skill_fit.Relation: skill, in_target, broader, narrower, close, loose)."""

    goal_id: str
    goal_text: str
    target_id: str
    target_label: str
    target_confidence: float
    via_id: str | None  # the cluster the route turns at; None when skill == target
    via_label: str | None
    via_code: str | None
    via_kind: str | None = None  # "skill" or "cluster"; None when via_id is None
    skill_id: str
    skill_label: str
    mentor_level: int
    hops: int
    fit: float
    relation: str = "skill"
    credit: float = 1.0


class Recommendation(BaseModel):
    mentor_id: str
    mentor_name: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    skill_paths: list[SkillPath]
    overlap_hours_per_week: float
    overlap_example: str | None = None
    capacity_left: int
    available_from: date | None = None


# --- scalar formulas (reference.py; the array forms below are the same formulas) -------------


def combine_goal_fits(fits: list[float]) -> float:
    """Fits of every open goal (zeros included) -> skill_fit component."""
    if not fits:
        return 0.0
    ordered = sorted(fits, reverse=True)
    best, rest = ordered[0], sum(ordered[1:])
    return (best + GOAL_BONUS * rest) / (1 + GOAL_BONUS * (len(fits) - 1))


def availability_component(overlap_hours: float, asynchronous: bool) -> float:
    if asynchronous:
        return 1.0
    return min(overlap_hours / AVAILABILITY_FULL_HOURS, 1.0)


def load(places: int, hours: float, max_mentees: int, max_hours: float) -> float:
    a = places / max_mentees if max_mentees > 0 else 1.0
    b = hours / max_hours if max_hours > 0 else (0.0 if hours <= 0 else 1.0)
    return min(max(a, b), 1.0)


def capacity_component(load_: float, recent: int) -> float:
    return (1.0 - load_) / (1.0 + EXPOSURE_STEP * recent)


def feedback_component(ratings_sum: float, n: int) -> float:
    avg = (PRIOR_WEIGHT * PRIOR_RATING + ratings_sum) / (PRIOR_WEIGHT + n)
    return (avg - 1.0) / 4.0


def weighted_score(components: dict[str, float], weights: Weights, pair_factor: float) -> float:
    w = weights.as_dict()
    total = sum(w[c] * components[c] for c in COMPONENTS)
    return total / weights.total() * pair_factor


# --- array formulas: ranking.recommend and candidates.top_k_candidates both use these --------
# Elementwise over candidate mentors, so a mentor's value does not depend on which other
# mentors are in the array: the batch path may compute a vector once for every row and gather.

Floats = NDArray[np.float64]


def skill_fit_array(fits: Floats) -> Floats:
    """fits: (open goals, candidates) -> skill_fit per candidate (combine_goal_fits)."""
    n_goals = fits.shape[0]
    best: Floats = fits.max(axis=0)
    out: Floats = (best + GOAL_BONUS * (fits.sum(axis=0) - best)) / (1 + GOAL_BONUS * (n_goals - 1))
    return out


def availability_array(overlap_hours: Floats, asynchronous: bool) -> Floats:
    if asynchronous:
        return np.ones(len(overlap_hours))
    return np.minimum(overlap_hours / AVAILABILITY_FULL_HOURS, 1.0)


def load_array(
    places: NDArray[np.int32], hours: Floats, max_m: NDArray[np.int32], max_h: Floats
) -> Floats:
    """The larger of places and hours taken, as shares of the mentor's maxima (load)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        load_m = np.where(max_m > 0, places / np.maximum(max_m, 1), 1.0)
        load_h = np.where(max_h > 0, hours / np.where(max_h > 0, max_h, 1.0), (hours > 0) * 1.0)
    return np.asarray(np.minimum(np.maximum(load_m, load_h), 1.0), dtype=np.float64)


def capacity_array(load_: Floats, recent: Floats) -> Floats:
    return (1.0 - load_) / (1.0 + EXPOSURE_STEP * recent)


def preferences_array(fmt_ok: Floats, lang_ok: Floats, func_ok: Floats) -> Floats:
    return (fmt_ok + lang_ok + func_ok) / 3.0


def feedback_array(ratings_sum: Floats, n: NDArray[np.int32]) -> Floats:
    return ((PRIOR_WEIGHT * PRIOR_RATING + ratings_sum) / (PRIOR_WEIGHT + n) - 1) / 4


def weighted_score_array(
    components: dict[str, Floats], weights: Weights, pair_factor: Floats
) -> Floats:
    w = weights.as_dict()
    total = sum(w[c] * components[c] for c in COMPONENTS)
    return np.asarray(total / weights.total() * pair_factor, dtype=np.float64)
