"""Publishing a matched cohort: its proposals become proposed pairings in one apply, after
every pairing rule is checked again against the graph as it is at publish time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from graph.errors import Conflict
from graph.lifecycle.pairings import (
    build_proposal,
    capacity_problem,
    mentor_load,
    rule_problems,
    with_baseline,
)
from graph.model import Pairing
from graph.recommend.cohort import CohortResult, ProposedPairing
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, Planned, UpsertPairings, touched_by


def cohort_reason(proposal: ProposedPairing) -> str:
    """The pairing-history reason of a published proposal: the skill names it rests on, never
    the recommendation's reasons (they quote the mentee's goal text, which the proposed
    mentor may not read)."""
    if not proposal.skills:
        return "cohort match"
    return "cohort match on skills: " + ", ".join(proposal.skills[:3])


def _pairing(
    result: CohortResult, p: ProposedPairing, *, by: str | None, now: datetime | None
) -> Pairing:
    return build_proposal(
        mentor_id=p.mentor_id,
        mentee_ids=[p.mentee_id],
        program=result.program,
        model=result.model,
        goal_ids=p.goal_ids,
        hours_per_month=p.hours_per_month,
        score=p.score,
        by=by,
        reason=cohort_reason(p),
        now=now,
    )


def publish_problems(
    store: GraphStore, result: CohortResult, *, mentees_may_mentor: bool | None = None
) -> list[dict[str, str]]:
    """Every rule the run's proposals break in the CURRENT graph (not the run's snapshot),
    as [{"rule", "mentor_id", "mentee_id", "reason"}] in proposal order:

    - `mentor`, `mentee`, `wants_mentoring`, `guardrail` (never self, manager / skip-level /
      reports, do-not-pair-again, an open pairing already joining them): `rule_problems`;
    - `capacity`: the mentor's open load now (proposals count, as at propose) plus this run's
      proposals to them so far, in places and in hours;
    - `one_role_per_run`: a mentee of one proposal who mentors in another, unless the program
      allows it (`mentees_may_mentor`; by default the run's own setting).
    """
    if mentees_may_mentor is None:
        mentees_may_mentor = result.mentees_may_mentor
    state = Snapshot.load(store).state
    out: list[dict[str, str]] = []
    as_mentee = {p.mentee_id for p in result.proposals}
    load: dict[str, tuple[int, float]] = {}
    added: dict[str, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    for p in result.proposals:
        pair = {"mentor_id": p.mentor_id, "mentee_id": p.mentee_id}
        if p.mentor_id == p.mentee_id:
            out.append({"rule": "guardrail", **pair, "reason": f"{p.mentor_id!r} is the mentee"})
            continue
        if not mentees_may_mentor and p.mentor_id in as_mentee:
            why = f"{p.mentor_id!r} is a mentee in this run and may not mentor in it"
            out.append({"rule": "one_role_per_run", **pair, "reason": why})
        built = _pairing(result, p, by=None, now=None)
        for problem in rule_problems(state, built, capacity=False):
            out.append({**pair, **problem})
        mentor = state.people.get(p.mentor_id)
        if mentor is None:
            continue
        if p.mentor_id not in load:
            load[p.mentor_id] = mentor_load(store, p.mentor_id)
        places, hours = load[p.mentor_id]
        run_places, run_hours = added[p.mentor_id]
        full = capacity_problem(
            mentor, places + run_places, hours + run_hours, add=1, add_hours=p.hours_per_month
        )
        if full is not None:
            out.append({"rule": "capacity", **pair, "reason": full})
        added[p.mentor_id] = (run_places + 1, run_hours + p.hours_per_month)
    return out


def plan_publish(
    store: GraphStore,
    result: CohortResult,
    *,
    by: str | None,
    now: datetime | None = None,
    mentees_may_mentor: bool | None = None,
) -> Planned[list[Pairing]]:
    """The result's proposals as proposed pairings: the ops of ONE apply (none when the
    result has no proposals).

    Refuses (Conflict, nothing planned) when a proposal breaks a pairing rule in the graph as
    it is NOW (`publish_problems`): the message names the rule and the mentor -> mentee pair,
    `details` lists every problem. Otherwise refuses (Conflict) if the store changed since the
    snapshot the result was computed on (the matching may no longer be the best one). Call it
    where no other write can come between the check and the apply (the app's write lock).
    """
    problems = publish_problems(store, result, mentees_may_mentor=mentees_may_mentor)
    if problems:
        first = problems[0]
        raise Conflict(
            f"cannot publish cohort run: pairing {first['mentor_id']!r} -> "
            f"{first['mentee_id']!r}: {first['rule']}: {first['reason']}",
            details=problems,
        )
    if store.data_version() != result.data_version:
        raise Conflict(
            f"the graph changed since this cohort was matched (data version "
            f"{result.data_version} -> {store.data_version()}); match it again"
        )
    pairings = [with_baseline(store, _pairing(result, p, by=by, now=now)) for p in result.proposals]
    return Planned([UpsertPairings(pairings)] if pairings else [], pairings)


def publish(
    store: GraphStore,
    result: CohortResult,
    *,
    by: str | None,
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    mentees_may_mentor: bool | None = None,
) -> list[Pairing]:
    """Store the result's proposals as proposed pairings in ONE apply (see `plan_publish`).
    With `snapshot`, it re-reads the new pairings from the store so it stays current."""
    planned = plan_publish(store, result, by=by, now=now, mentees_may_mentor=mentees_may_mentor)
    planned.apply_to(store)
    if snapshot is not None and planned.ops:
        snapshot.refresh(store, touched_by(planned.ops))
    return planned.result
