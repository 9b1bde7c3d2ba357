"""Ranking weights taught by outcomes: fit a proposal, accept it, set by hand, revert.

Where the weights live: every decision is an audit entry (`ranking.weights.fit` holds a
proposal: id, proposed and current weights, coefficients, held-out AUCs; `.accept`, `.set`
and `.revert` hold the weights before and after). The weights in effect are the `weights` of
the newest accept/set/revert entry, else the settings' (`MENTORGRAPH_RANKING_WEIGHTS` over the
defaults). So both stores keep them without a table of their own, each change is one apply
with its entry, and the way back is in the log. A service caches them (`AppState.
ranking_weights`) and updates the cache on its own changes; a change made by another process
(another worker of `serve --workers N`, the CLI) is picked up within `FOLLOW_S`: at most once
a second a worker reads the audit entries written since it last looked (a page of the log by
id, which starts with the time) and reads the weights again if a change is among them.

Rules: fitting with too few outcomes (`graph.analytics.ranking_fit`) is InvalidInput naming
`outcomes` and writes nothing; weights set by hand must name every component once, each in
[0, 1], summing to 1 within `SUM_TOLERANCE` (InvalidInput naming the field and the rule).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from api.state import AppState
from api.usecases.base import Who, audited
from graph.analytics.ranking_fit import MIN_OUTCOMES, WeightFit, fit_weights, outcome_rows
from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import AuditEntry, utcnow
from graph.recommend.scoring import COMPONENTS, Weights
from graph.store import GraphStore, Planned

PREFIX = "ranking.weights."
FIT, ACCEPT, SET, REVERT = (PREFIX + v for v in ("fit", "accept", "set", "revert"))
CHANGES = (ACCEPT, SET, REVERT)
AUDIT_SCAN = 200_000  # audit entries read (newest first) to find the weight decisions
FOLLOW_S = 1.0  # another process's weight change is used within this many seconds
# Audit ids start with their UTC second; entries are looked for from this long before the
# last look, so clocks of workers on other hosts may differ by as much.
CLOCK_MARGIN = timedelta(seconds=30)
FOLLOW_PAGE = 1000  # a fuller page since the last look: read the weights again anyway
SUM_TOLERANCE = 0.01


class WeightsInEffect(BaseModel):
    weights: dict[str, float]
    source: str = Field(description="settings, or the audit entry id of the last change")
    history: list[dict[str, Any]] = Field(description="weight decisions, newest first")


class WeightProposal(BaseModel):
    proposal_id: str
    fit: WeightFit


def decisions(store: GraphStore) -> list[AuditEntry]:
    """The weight decisions in the audit log, newest first."""
    return [e for e in store.list_audit(limit=AUDIT_SCAN) if e.action.startswith(PREFIX)]


def settings_weights(state: AppState) -> Weights:
    return Weights.with_overrides(state.settings.ranking_weights)


def _in_effect(state: AppState, log: list[AuditEntry]) -> tuple[Weights, str]:
    for e in log:
        if e.action in CHANGES:
            return Weights.model_validate(e.detail["weights"]), e.id
    return settings_weights(state), "settings"


def current_weights(state: AppState) -> Weights:
    """The weights the recommender ranks with now (module doc): cached, and checked at most
    once per `FOLLOW_S` for a change made by another process."""
    cached = state.ranking_weights
    now = time.monotonic()
    if cached is not None and now - state.ranking_weights_checked < FOLLOW_S:
        return cached
    looked = utcnow()
    since = state.ranking_weights_seen
    if cached is None or since is None or _changed_since(state.store, since - CLOCK_MARGIN):
        cached = state.ranking_weights = _in_effect(state, decisions(state.store))[0]
    state.ranking_weights_seen, state.ranking_weights_checked = looked, now
    return cached


def _changed_since(store: GraphStore, since: datetime) -> bool:
    """Whether a weight change may have been logged since `since` (a UTC datetime)."""
    page = store.audit_page(after=f"audit_{since:%Y%m%dT%H%M%S}", limit=FOLLOW_PAGE)
    return len(page) >= FOLLOW_PAGE or any(e.action in CHANGES for e in page)


def weights_in_effect(state: AppState) -> WeightsInEffect:
    log = decisions(state.store)
    weights, source = _in_effect(state, log)
    history = [
        {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, **e.detail}
        for e in log
    ]
    return WeightsInEffect(weights=weights.as_dict(), source=source, history=history)


def check_weights(raw: Mapping[str, Any]) -> Weights:
    """Weights given by hand: every component once, each a number in [0, 1], summing to 1
    (within SUM_TOLERANCE). InvalidInput naming the field and the rule otherwise."""
    problems: list[dict[str, Any]] = []
    unknown = sorted(set(raw) - set(COMPONENTS))
    missing = [c for c in COMPONENTS if c not in raw]
    for k in unknown:
        problems.append({"field": f"weights.{k}", "reason": f"unknown; expected {COMPONENTS}"})
    for k in missing:
        problems.append({"field": f"weights.{k}", "reason": "missing; give every component"})
    for k in COMPONENTS:
        v = raw.get(k)
        if k in raw and (isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1):
            problems.append({"field": f"weights.{k}", "reason": f"found {v!r}; expected 0..1"})
    if not problems:
        total = sum(float(raw[c]) for c in COMPONENTS)
        if abs(total - 1.0) > SUM_TOLERANCE:
            problems.append(
                {
                    "field": "weights",
                    "reason": f"they sum to {total:g}; the rule: they must sum to 1 "
                    f"(within {SUM_TOLERANCE})",
                }
            )
    if problems:
        raise InvalidInput("ranking weights refused: " + problems[0]["reason"], details=problems)
    return Weights.model_validate({c: float(raw[c]) for c in COMPONENTS})


def _write_change(
    state: AppState, who: Who, action: str, target: str, weights: Weights, extra: dict[str, Any]
) -> Weights:
    def plan(store: GraphStore) -> Planned[Weights]:
        before, _ = _in_effect(state, decisions(store))
        detail = {"before": before.as_dict(), "weights": weights.as_dict(), **extra}
        return audited(Planned([], weights), who, action, target, detail)

    out = state.write_plan(plan)
    state.ranking_weights = out
    return out


def fit(state: AppState, who: Who, *, min_outcomes: int = MIN_OUTCOMES) -> WeightProposal:
    """Fit weights on the closed pairings and store the proposal (one audit entry).
    InvalidInput (field `outcomes`) with too few outcomes: nothing written."""
    snapshot = state.current_snapshot()
    rows = outcome_rows(snapshot)
    result = fit_weights(rows, current_weights(state), min_outcomes=min_outcomes)
    if not result.enough or result.proposed is None:
        raise InvalidInput(
            result.message,
            details=[
                {"field": "outcomes", "reason": result.message, "found": result.outcomes},
            ],
        )
    proposal_id = f"wfit_{secrets.token_hex(6)}"
    detail = {"proposal_id": proposal_id, **result.model_dump(exclude={"message"})}

    def plan(store: GraphStore) -> Planned[WeightProposal]:
        return audited(
            Planned([], WeightProposal(proposal_id=proposal_id, fit=result)),
            who,
            FIT,
            proposal_id,
            detail,
        )

    return state.write_plan(plan)


def proposal(state: AppState, proposal_id: str) -> AuditEntry:
    for e in decisions(state.store):
        if e.action == FIT and e.detail.get("proposal_id") == proposal_id:
            return e
    raise NotFound(f"weight proposal {proposal_id!r} not found")


def accept(state: AppState, who: Who, proposal_id: str) -> Weights:
    """Apply a proposal's weights (one audit entry with the weights before and after).
    NotFound: no such proposal. Conflict: they are in effect already."""
    found = proposal(state, proposal_id)
    weights = Weights.model_validate(found.detail["proposed"])
    if weights.as_dict() == current_weights(state).as_dict():
        raise Conflict(f"the weights of proposal {proposal_id!r} are in effect already")
    return _write_change(state, who, ACCEPT, proposal_id, weights, {"proposal_id": proposal_id})


def set_weights(state: AppState, who: Who, raw: Mapping[str, Any]) -> Weights:
    """Weights set by hand (check_weights' rules), one audit entry."""
    weights = check_weights(raw)
    return _write_change(state, who, SET, "weights", weights, {})


def revert(state: AppState, who: Who) -> Weights:
    """Undo the last accept/set/revert: back to the weights before it. Conflict when no
    change was made."""
    for e in decisions(state.store):
        if e.action in CHANGES:
            back = Weights.model_validate(e.detail["before"])
            return _write_change(state, who, REVERT, e.id, back, {"reverts": e.id})
    raise Conflict("no change of the ranking weights to revert; the settings' weights apply")
