"""Fitting the ranking weights on outcomes: a generated history whose true effects are known
(the fit recovers their signs and order), the same optimum as scikit-learn, too few outcomes,
and how a pairing's outcome is read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from graph.analytics.ranking_fit import (
    MIN_HELD_OUT,
    SKILL_FIT_FLOOR,
    OutcomeRow,
    auc,
    fit_weights,
    logistic_fit,
    pairing_outcome,
)
from graph.model import (
    CheckIn,
    CheckInAuthor,
    Goal,
    GoalStatus,
    Pairing,
    PairingEvent,
    PairingStatus,
)
from graph.recommend.scoring import COMPONENTS, Weights

# true effect of each component on the log-odds of success
TRUE = {
    "skill_fit": 4.0,
    "availability": 2.0,
    "preferences": 1.0,
    "capacity": 0.0,
    "feedback": -1.5,
}
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def history(n: int, seed: int = 7) -> list[OutcomeRow]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, len(COMPONENTS)))
    beta = np.array([TRUE[c] for c in COMPONENTS])
    p = 1 / (1 + np.exp(-(x @ beta - 2.5)))
    y = rng.uniform(0, 1, size=n) < p
    return [
        OutcomeRow(
            pairing_id=f"h{i:04d}",
            components={c: float(x[i, j]) for j, c in enumerate(COMPONENTS)},
            success=bool(y[i]),
            closed=T0 + timedelta(days=i),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_fit_recovers_sign_and_order(seed: int) -> None:
    fit = fit_weights(history(1500, seed), Weights())
    assert fit.enough, fit.message
    c = fit.coefficients
    assert c["skill_fit"] > c["availability"] > c["preferences"] > 0
    assert abs(c["capacity"]) < 0.6  # no true effect
    # feedback is built from the ratings the outcome label uses: neither fitted nor scored
    assert "feedback" not in c and fit.left_out == ["feedback"]
    w = fit.proposed
    assert w is not None
    assert w["skill_fit"] > w["availability"] > w["preferences"]
    assert w["feedback"] == Weights().feedback  # kept as it is
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-3)
    assert fit.train + fit.test == 1500 and fit.test == 450
    assert fit.auc_current is not None and fit.auc_proposed is not None
    assert fit.auc_proposed > fit.auc_current
    assert fit.auc_difference_ci is not None
    low, high = fit.auc_difference_ci
    assert low <= fit.auc_difference <= high  # type: ignore[operator]
    assert "held-out AUC: current" in fit.message and "bootstrap interval" in fit.message
    assert fit.recommend == (low > 0)


def test_same_optimum_as_scikit_learn() -> None:
    rows = history(800, 3)
    x = np.array([[r.components[c] for c in COMPONENTS] for r in rows])
    y = np.array([r.success for r in rows])
    w, b = logistic_fit(x, y, 1.0)
    ref = LogisticRegression(C=1.0, tol=1e-8, max_iter=10_000).fit(x, y)
    assert np.allclose(w, ref.coef_[0], atol=1e-3)
    assert b == pytest.approx(float(ref.intercept_[0]), abs=1e-3)


def test_too_few_outcomes_change_nothing() -> None:
    for n in (0, 12):
        fit = fit_weights(history(n), Weights())
        assert not fit.enough and fit.proposed is None
        assert "too few outcomes" in fit.message and f"{n} closed" in fit.message
    one_kind = [OutcomeRow(r.pairing_id, r.components, True, r.closed) for r in history(50)]
    fit = fit_weights(one_kind, Weights())
    assert not fit.enough and "too few of one kind" in fit.message


def test_auc_by_hand() -> None:
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    assert auc([0.5], [True]) is None


def _pairing(status: PairingStatus, *, stalled: bool = False) -> Pairing:
    events = [PairingEvent(status=PairingStatus.proposed, at=T0)]
    events.append(PairingEvent(status=PairingStatus.active, at=T0 + timedelta(days=2)))
    if stalled:
        events.append(PairingEvent(status=PairingStatus.stalled, at=T0 + timedelta(days=30)))
    if status == PairingStatus.closed:
        events.append(PairingEvent(status=status, at=T0 + timedelta(days=90)))
    return Pairing(
        id="pr", mentor_id="m", mentee_ids=["e"], goal_ids=["g"], status=status, history=events
    )


def _checkin(rating: int, author: CheckInAuthor) -> CheckIn:
    return CheckIn(
        id=f"c{rating}{author}", pairing_id="pr", on=date(2025, 2, 1), rating=rating,
        author_role=author,
    )  # fmt: skip


def test_pairing_outcome() -> None:
    achieved = {"g": Goal(id="g", person_id="e", text="x", status=GoalStatus.achieved)}
    open_ = {"g": Goal(id="g", person_id="e", text="x")}
    good = [_checkin(4, CheckInAuthor.mentee)]
    assert pairing_outcome(_pairing(PairingStatus.closed), achieved, good) is True
    assert pairing_outcome(_pairing(PairingStatus.closed), open_, good) is False
    assert pairing_outcome(_pairing(PairingStatus.closed, stalled=True), achieved, good) is False
    low = [_checkin(2, CheckInAuthor.mentee), _checkin(5, CheckInAuthor.mentor)]
    assert pairing_outcome(_pairing(PairingStatus.closed), achieved, low) is False  # mentee's
    assert pairing_outcome(_pairing(PairingStatus.active), achieved, good) is None


def _noise(n: int, seed: int, effect: dict[str, float] | None = None) -> list[OutcomeRow]:
    """Outcomes drawn with the given true effects (none: pure noise)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, len(COMPONENTS)))
    beta = np.array([(effect or {}).get(c, 0.0) for c in COMPONENTS])
    y = rng.uniform(0, 1, size=n) < 1 / (1 + np.exp(-(x @ beta - beta.sum() / 2)))
    return [
        OutcomeRow(
            f"n{i:04d}",
            {c: float(x[i, j]) for j, c in enumerate(COMPONENTS)},
            bool(y[i]),
            T0 + timedelta(days=i),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_noise_is_called_noise_not_a_better_ranking(seed: int) -> None:
    """226 outcomes with no true effect (68 held out, as in the demo): the AUCs differ by
    chance; the fit gives an interval, recommends nothing and says so; 3 decimals."""
    fit = fit_weights(_noise(226, seed), Weights())
    assert fit.test == 68
    if not fit.enough:
        return  # no positive coefficient at all: nothing proposed, nothing to judge
    assert fit.recommend is False
    assert "ranks the held-out outcomes better" not in fit.message
    assert "keep the current weights" in fit.message
    for v in (fit.auc_current, fit.auc_proposed):
        assert v is not None and round(v, 3) == v
    assert f"current {fit.auc_current:.3f}," in fit.message


def test_a_real_gain_on_too_few_held_out_is_not_recommended() -> None:
    """Even an interval above 0 recommends nothing below MIN_HELD_OUT held-out outcomes."""
    rows = _noise(200, 5, {"skill_fit": -6.0, "availability": 6.0})
    fit = fit_weights(rows, Weights())
    assert fit.enough and fit.test == 60 < MIN_HELD_OUT
    assert fit.recommend is False and "keep the current weights" in fit.message


def test_skill_fit_never_proposed_below_the_floor() -> None:
    """Outcomes where skill fit hurts: the proposal still keeps skill_fit at the floor."""
    fit = fit_weights(_noise(1500, 9, {"skill_fit": -3.0, "availability": 3.0}), Weights())
    assert fit.coefficients["skill_fit"] < 0
    assert fit.proposed is not None
    assert fit.proposed["skill_fit"] == SKILL_FIT_FLOOR
    assert fit.proposed["feedback"] == Weights().feedback
    assert sum(fit.proposed.values()) == pytest.approx(1.0, abs=1e-3)
    assert fit.proposed["availability"] > fit.proposed["preferences"]
