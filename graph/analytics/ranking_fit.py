"""Outcomes that teach the ranking: fit the five ranking weights on closed pairings.

Steps (pure functions; the API's `api.usecases.ranking` stores the proposal and applies it):

1. `pairing_outcome(pairing, goals, checkins)`: a closed pairing is a *success* when one of
   its goals was achieved, it never stalled, and its mentees' ratings average at least
   `GOOD_RATING` (or there are none); a *failure* otherwise (no goal reached, a stall, low
   ratings; an early close has no reached goal, so it is a failure too). Pairings that are
   not closed teach nothing (None).
2. `pairing_components(snapshot, pairing)`: the five score components (scoring.py) of the
   pairing's mentor for its mentee(s), computed by the ranking's own functions for the
   pairing's goals whatever their status now, with the calendar from the pairing's creation
   date. The mentor's capacity and feedback are today's: the store keeps no past load, so
   they are an approximation. A group's components are its mentees' mean.
3. `fit_weights(rows, current)`: a logistic regression of success on the components (L2
   penalty `C`, intercept unpenalised, the same objective as scikit-learn's
   `LogisticRegression(C=C)`, solved with scipy's L-BFGS so the service needs no extra
   dependency), trained on the older `1 - HOLDOUT` of the outcomes by close date and
   evaluated on the newest `HOLDOUT`: the ROC AUC of the score under the current weights and
   under the proposed ones, side by side (3 decimals), with a paired bootstrap 95% interval
   of their difference (`BOOTSTRAP` resamples of the held-out outcomes, fixed seed).
   `recommend` is True only when that interval excludes 0 on the proposal's side and at least
   `MIN_HELD_OUT` outcomes were held out; otherwise the message says the difference is within
   noise (or the sample too small) and to keep the current weights.

   Leakage: the feedback component is the mentor's mean mentee rating, and the outcome label
   uses the same ratings (`GOOD_RATING`), so feedback is left out (`LEAKY`): it is neither
   fitted nor scored in the held-out AUCs, and its weight is kept as it is.
   Proposed weights: the other components' positive coefficients scaled to the rest of 1 (a
   component whose coefficient is <= 0 gets weight 0: it did not help), except that
   skill_fit never goes below `SKILL_FIT_FLOOR` (the ranking is a skill match first; a
   small, noisy outcome history must not switch it off); the others are scaled down to make
   room. With fewer than `MIN_OUTCOMES` outcomes, or only one kind, or no positive
   coefficient, there is no proposal (`enough` False, `message` says why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field
from scipy.optimize import minimize
from scipy.stats import rankdata

from graph.model import CheckIn, Goal, GoalStatus, Pairing, PairingStatus
from graph.recommend import availability as av
from graph.recommend.ranking import (
    MenteeContext,
    Shared,
    goal_best,
    overlap_hours,
    preferences_component,
)
from graph.recommend.scoring import (
    COMPONENTS,
    Weights,
    availability_array,
    skill_fit_array,
)
from graph.recommend.snapshot import Snapshot

MIN_OUTCOMES = 30
MIN_EACH = 5  # successes and failures each, in the training part
HOLDOUT = 0.3
C = 1.0
GOOD_RATING = 3.0
LEAKY = ("feedback",)  # built from the ratings the outcome label uses (module doc)
SKILL_FIT_FLOOR = 0.2
MIN_HELD_OUT = 100
BOOTSTRAP = 2000
CONFIDENCE = 0.95

Floats = NDArray[np.float64]


def pairing_outcome(
    pairing: Pairing, goals: Mapping[str, Goal], checkins: Iterable[CheckIn]
) -> bool | None:
    """Success (True), failure (False) or no outcome yet (None) of a pairing (module doc)."""
    if pairing.status != PairingStatus.closed:
        return None
    reached = any(g in goals and goals[g].status == GoalStatus.achieved for g in pairing.goal_ids)
    stalled = any(e.status == PairingStatus.stalled for e in pairing.history)
    ratings = [c.rating for c in checkins if c.rates_mentor]
    low = bool(ratings) and sum(ratings) / len(ratings) < GOOD_RATING
    return reached and not stalled and not low


def closed_at(pairing: Pairing) -> datetime:
    """When a pairing closed (its last history event; its update time without history)."""
    return pairing.history[-1].at if pairing.history else pairing.updated_at


def pairing_components(snapshot: Snapshot, pairing: Pairing) -> dict[str, float] | None:
    """The five components for the pairing's mentor and mentee(s) (module doc, step 2);
    None when the mentor or every mentee is gone from the graph or its goals have no targets."""
    st = snapshot.state
    if pairing.mentor_id not in st.rows:
        return None
    now = pairing.created_at
    shared = Shared(snapshot, st, now)
    row = np.array([st.rows[pairing.mentor_id]], dtype=np.int64)
    goals = [st.goals[g] for g in pairing.goal_ids if g in st.goals]
    per_mentee: list[dict[str, float]] = []
    for mentee_id in pairing.mentee_ids:
        if mentee_id not in st.people:
            continue
        own = [g for g in goals if g.person_id == mentee_id] or [
            st.goals[g] for g in st.goals_of.get(mentee_id, ())
        ]
        targets = {g.id: st.targets.get(g.id, ()) for g in own}
        if not any(targets.values()):
            continue
        horizon = av.horizon_for(now, [g.start_date for g in own], av.DEFAULT_WEEKS)
        ctx = MenteeContext(st.people[mentee_id], own, targets, horizon, set(), set())
        fits = np.zeros((len(own), 1))
        for i, g in enumerate(own):
            best = goal_best(shared, targets[g.id], {}, pairing.model)
            hit = np.flatnonzero(best.rows == row[0])
            if len(hit):
                fits[i, 0] = best.fit[hit[0]]
        asynchronous = pairing.format.value == "async"
        comps = {
            "skill_fit": skill_fit_array(fits),
            "availability": availability_array(overlap_hours(shared, ctx, row), asynchronous),
            "preferences": preferences_component(st, ctx, row),
            **shared.mentor_components(row),
        }
        per_mentee.append({c: float(comps[c][0]) for c in COMPONENTS})
    if not per_mentee:
        return None
    return {c: float(np.mean([m[c] for m in per_mentee])) for c in COMPONENTS}


@dataclass(frozen=True)
class OutcomeRow:
    pairing_id: str
    components: dict[str, float]
    success: bool
    closed: datetime


class WeightFit(BaseModel):
    enough: bool = Field(description="whether there is a proposal")
    message: str
    outcomes: int = Field(description="closed pairings with components")
    successes: int
    train: int
    test: int
    coefficients: dict[str, float] = Field(
        description="logistic regression, per fitted component (the leaky ones are not fitted)"
    )
    left_out: list[str] = Field(
        default_factory=lambda: list(LEAKY),
        description="components neither fitted nor scored (leakage); their weight is kept",
    )
    intercept: float | None
    current: dict[str, float]
    proposed: dict[str, float] | None = Field(description="sums to 1; None: no proposal")
    auc_current: float | None = Field(description="held-out ROC AUC of the current weights")
    auc_proposed: float | None
    auc_difference: float | None = Field(default=None, description="proposed - current")
    auc_difference_ci: list[float] | None = Field(
        default=None, description="paired bootstrap 95% interval of the difference [low, high]"
    )
    recommend: bool = Field(
        default=False,
        description=f"interval above 0 and at least {MIN_HELD_OUT} held out: worth accepting",
    )


def auc(
    scores: Sequence[float] | Floats, labels: Sequence[bool] | NDArray[np.bool_]
) -> float | None:
    """ROC AUC (Mann-Whitney: the chance a success outscores a failure, ties half); None when
    one kind is missing."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def logistic_fit(x: Floats, y: NDArray[np.bool_], c: float = C) -> tuple[Floats, float]:
    """Minimise 0.5 |w|^2 + c * sum(log(1 + exp(-s_i (x_i w + b)))), s_i = +-1: the
    objective of scikit-learn's L2 LogisticRegression. Returns (w, b)."""
    s = np.where(y, 1.0, -1.0)
    n_features = x.shape[1]

    def objective(theta: Floats) -> tuple[float, Floats]:
        w, b = theta[:n_features], theta[n_features]
        z = s * (x @ w + b)
        loss = np.logaddexp(0.0, -z)
        sig = -s * np.exp(-np.logaddexp(0.0, z))  # d loss / d (xw + b)
        grad_w = w + c * (x.T @ sig)
        grad_b = c * sig.sum()
        return float(0.5 * w @ w + c * loss.sum()), np.append(grad_w, grad_b)

    res = minimize(objective, np.zeros(n_features + 1), jac=True, method="L-BFGS-B")
    return np.asarray(res.x[:n_features]), float(res.x[n_features])


def weighted(
    x: Floats, weights: Mapping[str, float], components: Sequence[str] = COMPONENTS
) -> Floats:
    """The score of each row of `x` (columns: `components`) under `weights` restricted to
    those components and renormalised (all zero: every score 0)."""
    w = np.array([weights[c] for c in components], dtype=np.float64)
    total = w.sum()
    out: Floats = x @ w / total if total > 0 else np.zeros(len(x))
    return out


def fit_weights(
    rows: Sequence[OutcomeRow],
    current: Weights,
    *,
    min_outcomes: int = MIN_OUTCOMES,
    holdout: float = HOLDOUT,
    c: float = C,
) -> WeightFit:
    """Fit and evaluate (module doc, step 3)."""
    cur = current.as_dict()
    ordered = sorted(rows, key=lambda r: (r.closed, r.pairing_id))
    n = len(ordered)
    wins = sum(r.success for r in ordered)
    base = WeightFit(
        enough=False,
        message="",
        outcomes=n,
        successes=wins,
        train=0,
        test=0,
        coefficients={},
        intercept=None,
        current=cur,
        proposed=None,
        auc_current=None,
        auc_proposed=None,
    )
    if n < min_outcomes:
        base.message = (
            f"too few outcomes: {n} closed pairings with components, at least {min_outcomes} "
            "needed; the weights stay as they are"
        )
        return base
    n_test = max(1, round(n * holdout))
    train, test = ordered[: n - n_test], ordered[n - n_test :]
    y_train = np.array([r.success for r in train])
    if min(int(y_train.sum()), int((~y_train).sum())) < MIN_EACH:
        base.message = (
            f"too few of one kind: {int(y_train.sum())} successes and "
            f"{int((~y_train).sum())} failures to learn from, at least {MIN_EACH} of each "
            "needed; the weights stay as they are"
        )
        return base
    fitted = [k for k in COMPONENTS if k not in LEAKY]
    x_train = np.array([[r.components[k] for k in fitted] for r in train])
    x_test = np.array([[r.components[k] for k in fitted] for r in test])
    y_test = np.array([r.success for r in test])
    w, b = logistic_fit(x_train, y_train, c)
    coefficients: dict[str, float] = {k: round(float(v), 4) for k, v in zip(fitted, w, strict=True)}
    base.train, base.test = len(train), len(test)
    base.coefficients, base.intercept = coefficients, round(b, 4)
    positive = np.clip(w, 0.0, None)
    if positive.sum() <= 0:
        base.message = "no component made success more likely in these outcomes; the weights stay"
        return base
    proposed = propose(dict(zip(fitted, positive.tolist(), strict=True)), cur)
    base.enough = True
    base.proposed = proposed
    s_cur, s_new = weighted(x_test, cur, fitted), weighted(x_test, proposed, fitted)
    a_cur, a_new = auc(s_cur, y_test), auc(s_new, y_test)
    base.auc_current = None if a_cur is None else round(a_cur, 3)
    base.auc_proposed = None if a_new is None else round(a_new, 3)
    if a_cur is None or a_new is None:
        base.message = (
            f"the {len(test)} held-out outcomes are all of one kind: no AUC, so no evidence "
            "for a change; keep the current weights"
        )
        return base
    diff = a_new - a_cur
    low, high = auc_difference_interval(s_cur, s_new, y_test)
    base.auc_difference = round(diff, 3)
    base.auc_difference_ci = [round(low, 3), round(high, 3)]
    base.recommend = low > 0 and len(test) >= MIN_HELD_OUT
    head = (
        f"held-out AUC: current {a_cur:.3f}, proposed {a_new:.3f}, difference {diff:+.3f} "
        f"({CONFIDENCE:.0%} bootstrap interval {low:+.3f} to {high:+.3f}; {len(train)} "
        f"outcomes to learn from, {len(test)} held out; {', '.join(LEAKY)} left out: it is "
        "built from the ratings the outcomes use)"
    )
    if base.recommend:
        verdict = "the proposal ranks the held-out outcomes better"
    elif low > 0:
        verdict = (
            f"too few held-out outcomes to rely on ({len(test)}, at least {MIN_HELD_OUT} "
            "needed): keep the current weights"
        )
    elif high < 0:
        verdict = "the proposal ranks the held-out outcomes worse: keep the current weights"
    else:
        verdict = "the difference is within noise: keep the current weights"
    base.message = f"{head}; {verdict}"
    return base


def propose(positive: Mapping[str, float], current: Mapping[str, float]) -> dict[str, float]:
    """Proposed weights (sum 1, 4 decimals) from the fitted components' positive coefficients
    `positive` (not all 0): the left-out components keep their `current` weight, the fitted
    share the rest in proportion, and skill_fit gets at least `SKILL_FIT_FLOOR` (module doc)."""
    kept = {k: current[k] for k in COMPONENTS if k not in positive}
    rest = 1.0 - sum(kept.values())
    total = sum(positive.values())
    share = {k: rest * v / total for k, v in positive.items()}
    floor = min(SKILL_FIT_FLOOR, rest)
    if "skill_fit" in share and share["skill_fit"] < floor:
        others = {k: v for k, v in positive.items() if k != "skill_fit"}
        room = rest - floor
        o_total = sum(others.values())
        share = {k: room * v / o_total if o_total > 0 else 0.0 for k, v in others.items()}
        share["skill_fit"] = floor if o_total > 0 else rest
    out: dict[str, float] = {str(k): v for k, v in kept.items()}
    out.update(share)
    return {k: round(out[k], 4) for k in COMPONENTS}


def auc_difference_interval(
    current: Floats, proposed: Floats, labels: NDArray[np.bool_], *, seed: int = 0
) -> tuple[float, float]:
    """Paired bootstrap `CONFIDENCE` interval (percentiles) of AUC(proposed) - AUC(current)
    over `BOOTSTRAP` resamples of the same held-out outcomes (resamples with one kind only
    are skipped). (low, high); (-inf, inf) when no resample has both kinds."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    diffs = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, n, size=n)
        a, b = auc(current[i], labels[i]), auc(proposed[i], labels[i])
        if a is not None and b is not None:
            diffs.append(b - a)
    if not diffs:
        return float("-inf"), float("inf")
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(low), float(high)


def outcome_rows(snapshot: Snapshot) -> list[OutcomeRow]:
    """Every closed pairing of the snapshot with its outcome and components."""
    st = snapshot.state
    out: list[OutcomeRow] = []
    for p in sorted(st.pairings.values(), key=lambda p: p.id):
        ok = pairing_outcome(p, st.goals, st.checkins.get(p.id, {}).values())
        if ok is None:
            continue
        comps = pairing_components(snapshot, p)
        if comps is None:
            continue
        out.append(OutcomeRow(p.id, comps, ok, closed_at(p)))
    return out
