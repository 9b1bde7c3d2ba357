"""Pairing lifecycle: propose -> accept -> activate -> (check-ins, stalls) -> close.

Each transition reads the pairing, checks the move is legal, and plans the new record (with
a `PairingEvent` appended to `history` and `updated_at` moved on) as the ops of ONE
`store.apply`, so a transition is all-or-nothing. A check-in and the status change it causes
go in the same apply. `plan_*` functions return the change (`graph.store.Planned`: its ops
and result) without writing, so a caller can add its audit entry to the same apply; the
plain names (`propose`, `accept`, ...) plan and apply at once.

States and legal moves (anything else is a `Conflict` naming both statuses):

    proposed --accept--> accepted --activate--> active <--check_in-- stalled
        |                   |                     |  \\--stall-->------^  |
        +--decline--+-------+                     +--close--> closed <---+
                    v                         accepted --close--> closed
                 declined

`accept` and `activate` are separate on purpose: accepting records that both sides agreed;
activating records that mentoring actually started (first session held). Stall detection
measures silence from activation, so an accepted pairing that never starts is not "stalled"
but still visible as accepted. Pass `activate=True` to `accept` to do both in one apply when
the program has no separate kick-off.

Capacity: a mentor's places are taken by every mentee of their open pairings (proposed,
accepted, active, stalled); a group pairing takes one place per member. Hours count once per
pairing (a group meets together). Proposals count, so publishing a cohort reserves places.
A peer circle (`circle`, its convener stored as `mentor_id`) holds no mentor capacity; a
micro session holds no place, only its session's hours while open (`Pairing.places_held`,
`Pairing.hours_held`), and its check-in (the session held) closes it.

Formats: every proposal keeps its program's declaration (graph.lifecycle.formats: the
format is offered, group and circle sizes, a micro session's one skill and length). The
rules of a circle are among equals: no mentor eligibility or capacity, and the guardrails
(manager chain, do-not-pair-again) hold between every two members. A micro session needs a
mentor who opted into micro sessions (`Person.micro_mentor`).

Concurrency: the store has no compare-and-set, so two writers racing on the same pairing
both pass their checks and the later write wins; the API serialises writes per process.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.lifecycle.formats import program_of, refuse_format_breaks
from graph.model import (
    CheckIn,
    CheckInAuthor,
    Format,
    MentoringModel,
    Pairing,
    PairingEvent,
    PairingSide,
    PairingStatus,
    Person,
    utcnow,
)
from graph.recommend.ranking import excluded_mentors, mentor_unavailable
from graph.recommend.snapshot import Snapshot, State
from graph.recommend.stalls import FUTURE_SKEW, StallReport, find_stalled
from graph.store import (
    AddCheckIns,
    GraphStore,
    PairingFilter,
    Planned,
    UpsertPairings,
    applying,
)

S = PairingStatus

OPEN_STATUSES: tuple[PairingStatus, ...] = (S.proposed, S.accepted, S.active, S.stalled)
# statuses in which both sides have agreed: these hold a mentor's places at accept/activate
COMMITTED_STATUSES: tuple[PairingStatus, ...] = (S.accepted, S.active, S.stalled)

# target status -> statuses it may be reached from
ALLOWED_FROM: dict[PairingStatus, frozenset[PairingStatus]] = {
    S.accepted: frozenset({S.proposed}),
    S.declined: frozenset({S.proposed, S.accepted}),
    S.active: frozenset({S.accepted, S.stalled}),
    S.stalled: frozenset({S.active}),
    S.closed: frozenset({S.accepted, S.active, S.stalled}),
    S.withdrawn: frozenset({S.proposed}),
}
CHECK_IN_STATUSES = frozenset({S.active, S.stalled})
CHECK_IN_SKEW = FUTURE_SKEW  # a check-in may be dated up to today + 1 day (time zones)


def check_in_author(pairing: Pairing, person_id: str | None) -> CheckInAuthor:
    """The side a check-in's writer is on: a mentee of the pairing, its mentor, or (anyone
    else allowed to write one: a coordinator or admin) the program."""
    if person_id is not None and person_id in pairing.mentee_ids:
        return CheckInAuthor.mentee
    if person_id is not None and person_id == pairing.mentor_id:
        return CheckInAuthor.mentor
    return CheckInAuthor.coordinator


SINGLE_MENTEE_MODELS = frozenset(
    {MentoringModel.one_to_one, MentoringModel.peer, MentoringModel.reverse, MentoringModel.micro}
)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def get(store: GraphStore, pairing_id: str) -> Pairing:
    pairing = store.get_pairing(pairing_id)
    if pairing is None:
        raise NotFound(f"pairing {pairing_id!r} not found")
    return pairing


def check_transition(pairing: Pairing, to: PairingStatus) -> None:
    """Raise Conflict unless `pairing` may move to status `to`."""
    if pairing.status not in ALLOWED_FROM.get(to, frozenset()):
        allowed = ", ".join(sorted(ALLOWED_FROM.get(to, frozenset())))
        raise Conflict(
            f"pairing {pairing.id!r} is {pairing.status.value}; cannot move it to {to.value} "
            f"(only from: {allowed or 'nowhere'})",
            details=[{"current": pairing.status.value, "requested": to.value}],
        )


def transitioned(
    pairing: Pairing,
    to: PairingStatus,
    *,
    by: str | None,
    reason: str = "",
    now: datetime | None = None,
    side: PairingSide | None = None,
    person_id: str | None = None,
) -> Pairing:
    """Pure: the pairing after a legal move to `to`, with the event appended."""
    check_transition(pairing, to)
    at = now or utcnow()
    event = PairingEvent(status=to, at=at, by=by, reason=reason, side=side, person_id=person_id)
    return pairing.model_copy(
        update={"status": to, "updated_at": at, "history": [*pairing.history, event]}
    )


def _move(
    store: GraphStore,
    pairing_id: str,
    to: PairingStatus,
    *,
    by: str | None,
    reason: str = "",
    now: datetime | None = None,
    **extra: object,
) -> Planned[Pairing]:
    updated = transitioned(get(store, pairing_id), to, by=by, reason=reason, now=now)
    if extra:
        updated = updated.model_copy(update=extra)
    return _planned(updated)


def _planned(pairing: Pairing) -> Planned[Pairing]:
    return Planned([UpsertPairings([pairing])], pairing)


# --- capacity -------------------------------------------------------------------------------


def mentor_load(store: GraphStore, mentor_id: str) -> tuple[int, float]:
    """(places taken, hours per month taken) by the mentor's open pairings."""
    open_ = store.list_pairings(PairingFilter(mentor_id=mentor_id, statuses=list(OPEN_STATUSES)))
    return sum(p.places_held for p in open_), sum(p.hours_held for p in open_)


def capacity_problem(
    mentor: Person, places: int, hours: float, *, add: int, add_hours: float
) -> str | None:
    """Why adding `add` mentees / `add_hours` would overflow the mentor, or None."""
    if places + add > mentor.max_mentees:
        return (
            f"mentor {mentor.id!r} has {max(mentor.max_mentees - places, 0)} free place(s) "
            f"of {mentor.max_mentees}; {add} requested"
        )
    if hours + add_hours > mentor.max_hours_per_month + 1e-9:
        return (
            f"mentor {mentor.id!r} has {max(mentor.max_hours_per_month - hours, 0):g} free "
            f"hour(s) per month of {mentor.max_hours_per_month:g}; {add_hours:g} requested"
        )
    return None


# --- consent and authority -----------------------------------------------------------------


@dataclass(frozen=True)
class Acting:
    """Who moves a pairing. A participant (`person_id` is the mentor or a mentee) always acts
    for their own side; anyone else acts for the program only with `program=True` (a
    coordinator, an admin, a script). `Acting()` with neither is refused (Forbidden)."""

    person_id: str | None = None
    program: bool = False


PROGRAM = Acting(program=True)


def side_of(pairing: Pairing, acting: Acting) -> tuple[PairingSide, str | None]:
    """(side, participant id or None) for `acting` on `pairing`; Forbidden when they are
    neither a participant nor acting for the program."""
    pid = acting.person_id
    if pid is not None and pid == pairing.mentor_id:
        return PairingSide.mentor, pid
    if pid is not None and pid in pairing.mentee_ids:
        return PairingSide.mentee, pid
    if acting.program:
        return PairingSide.program, None
    raise Forbidden(f"only a participant of pairing {pairing.id!r} or a coordinator may do this")


def proposer(pairing: Pairing) -> tuple[PairingSide, str | None]:
    """Who proposed: (side, participant id or None for the program). Read from the first
    history event; for records written before sides were kept, a `by` of `person:<id>`
    naming a participant counts as that participant, anything else as the program."""
    if not pairing.history:
        return PairingSide.program, None
    first = pairing.history[0]
    if first.side is not None:
        return first.side, first.person_id
    by = first.by or ""
    pid = by.removeprefix("person:") if by.startswith("person:") else None
    if pid == pairing.mentor_id:
        return PairingSide.mentor, pid
    if pid is not None and pid in pairing.mentee_ids:
        return PairingSide.mentee, pid
    return PairingSide.program, None


def consented(pairing: Pairing) -> set[str]:
    """Participants who agreed so far: the proposer (if a participant) and everyone whose
    acceptance is in the history."""
    _, first = proposer(pairing)
    out = {first} if first is not None else set()
    for e in pairing.history:
        if e.status in (S.proposed, S.accepted) and e.person_id is not None:
            out.add(e.person_id)
    return out


def awaiting(pairing: Pairing) -> list[str]:
    """Participants whose acceptance a proposed pairing still needs (mentor first)."""
    agreed = consented(pairing)
    return [p for p in (pairing.mentor_id, *pairing.mentee_ids) if p not in agreed]


# --- rules that hold at every door -----------------------------------------------------------


def rule_problems(
    state: State, pairing: Pairing, *, capacity: bool = True, store: GraphStore | None = None
) -> list[dict[str, str]]:
    """Every rule `pairing` breaks now, as [{"rule", "mentee_id"?, "reason"}]: `capacity`
    (places or hours over the mentor's committed load, other pairings only), `guardrail`
    (self, manager chain, reports, do-not-pair-again; the pairing's own openness does not
    count), `wants_mentoring` (a mentee with hours_wanted_per_month == 0), `mentor` (not a
    mentor any more). Reads people and pairings from `state` (and pairings from `store`
    when given, which sees writes the snapshot has not)."""
    if pairing.model == MentoringModel.circle:
        return circle_problems(state, pairing)
    out: list[dict[str, str]] = []
    mentor = state.people.get(pairing.mentor_id)
    if mentor is None:
        return [{"rule": "mentor", "reason": f"mentor {pairing.mentor_id!r} is gone"}]
    if not mentor.is_mentor:
        out.append({"rule": "mentor", "reason": f"{mentor.id!r} is not a mentor"})
    if pairing.model == MentoringModel.micro and not mentor.micro_mentor:
        out.append(
            {"rule": "micro_mentor", "reason": f"{mentor.id!r} has not opted into micro sessions"}
        )
    own_open = f"pairing {pairing.id!r}"
    for mid in pairing.mentee_ids:
        mentee = state.people.get(mid)
        if mentee is None:
            out.append({"rule": "mentee", "mentee_id": mid, "reason": f"{mid!r} is gone"})
            continue
        if mentee.hours_wanted_per_month <= 0:
            out.append(
                {
                    "rule": "wants_mentoring",
                    "mentee_id": mid,
                    "reason": f"{mid!r} wants 0 hours of mentoring per month",
                }
            )
        why = excluded_mentors(state, mid).get(pairing.mentor_id)
        if why is not None and not (why.startswith("is already in ") and why.endswith(own_open)):
            out.append(
                {"rule": "guardrail", "mentee_id": mid, "reason": f"{pairing.mentor_id!r} {why}"}
            )
    if capacity:
        if store is not None:
            others = store.list_pairings(
                PairingFilter(mentor_id=mentor.id, statuses=list(COMMITTED_STATUSES))
            )
        else:
            others = [
                p
                for p in state.person_pairings(mentor.id)
                if p.mentor_id == mentor.id and p.status in COMMITTED_STATUSES
            ]
        others = [p for p in others if p.id != pairing.id]
        problem = capacity_problem(
            mentor,
            sum(p.places_held for p in others),
            sum(p.hours_held for p in others),
            add=pairing.places_held,
            add_hours=pairing.hours_held,
        )
        if problem:
            out.append({"rule": "capacity", "reason": problem})
    return out


def circle_problems(state: State, pairing: Pairing) -> list[dict[str, str]]:
    """The rules a peer circle breaks now, among equals: a member who is gone (`mentee`), a
    guardrail between two members (manager chain either way, do-not-pair-again; `guardrail`,
    naming the member it is about). Membership of other open pairings does not count."""
    out: list[dict[str, str]] = []
    members = pairing.members
    gone = [m for m in members if m not in state.people]
    for m in gone:
        out.append({"rule": "mentee", "mentee_id": m, "reason": f"{m!r} is gone"})
    here = [m for m in members if m not in gone]
    for i, a in enumerate(here):
        refused = excluded_mentors(state, a)
        for b in here[i + 1 :]:
            why = refused.get(b)
            if why is not None and not why.startswith("is already in "):
                out.append({"rule": "guardrail", "mentee_id": a, "reason": f"{b!r} {why}"})
    return out


def _state_for(store: GraphStore, snapshot: Snapshot | None) -> State:
    if snapshot is None or snapshot.is_stale(store):
        snapshot = Snapshot.load(store)
    return snapshot.state


def refuse_rule_breaks(
    store: GraphStore, pairing: Pairing, doing: str, *, snapshot: Snapshot | None = None
) -> None:
    """Conflict naming the first rule `pairing` would break by `doing` (e.g. "accept")."""
    problems = rule_problems(_state_for(store, snapshot), pairing, store=store)
    if problems:
        first = problems[0]
        raise Conflict(
            f"cannot {doing} pairing {pairing.id!r}: {first['rule']}: {first['reason']}",
            details=problems,
        )


@dataclass(frozen=True)
class PairingConflict:
    """An open pairing that breaks a rule now (after an import or edit): its id, mentor,
    mentees, status and every problem as `rule_problems` gives them."""

    pairing_id: str
    mentor_id: str
    mentee_ids: tuple[str, ...]
    status: PairingStatus
    problems: tuple[dict[str, str], ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "pairing_id": self.pairing_id,
            "mentor_id": self.mentor_id,
            "mentee_ids": list(self.mentee_ids),
            "status": self.status.value,
            "problems": [dict(p) for p in self.problems],
        }


def find_conflicts(state: State, people: Sequence[str] | None = None) -> list[PairingConflict]:
    """Open pairings (proposed, accepted, active, stalled) that break a rule now, sorted by
    id; only those of `people` (as mentor or mentee) when given. A committed pairing is over
    capacity when the mentor's committed load exceeds their places or hours (every pairing
    of such a mentor is listed); a proposal when accepting it would overflow."""
    if people is None:
        candidates = list(state.pairings.values())
    else:
        seen: dict[str, Pairing] = {}
        for pid in people:
            for p in state.person_pairings(pid):
                seen[p.id] = p
        candidates = list(seen.values())
    out: list[PairingConflict] = []
    for p in sorted(candidates, key=lambda x: x.id):
        if p.status not in OPEN_STATUSES:
            continue
        problems = rule_problems(state, p)
        if problems:
            out.append(
                PairingConflict(p.id, p.mentor_id, tuple(p.mentee_ids), p.status, tuple(problems))
            )
    return out


# --- transitions ----------------------------------------------------------------------------


def build_proposal(
    *,
    mentor_id: str,
    mentee_ids: Sequence[str],
    program: str | None = None,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format = Format.video,
    goal_ids: Sequence[str] = (),
    hours_per_month: float = 2.0,
    score: float | None = None,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    pairing_id: str | None = None,
    acting: Acting = PROGRAM,
    skill_id: str | None = None,
    session_minutes: int | None = None,
) -> Pairing:
    """Pure: a new proposed pairing with its first history event (not stored); the event
    names the proposer's side (`acting`: a participant, or the program by default).
    Forbidden when `acting` is neither a participant nor the program."""
    at = now or utcnow()
    try:
        pairing = Pairing(
            id=pairing_id or new_id("pairing"),
            mentor_id=mentor_id,
            mentee_ids=list(mentee_ids),
            program=program,
            model=model,
            format=format,
            goal_ids=list(goal_ids),
            status=S.proposed,
            hours_per_month=hours_per_month,
            score=score,
            created_at=at,
            updated_at=at,
            history=[PairingEvent(status=S.proposed, at=at, by=by, reason=reason)],
            skill_id=skill_id,
            session_minutes=session_minutes,
        )
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        raise InvalidInput(f"invalid pairing: {exc}") from exc
    side, person_id = side_of(pairing, acting)
    first = pairing.history[0].model_copy(update={"side": side, "person_id": person_id})
    return pairing.model_copy(update={"history": [first]})


def plan_propose(
    store: GraphStore,
    mentor_id: str,
    mentee_ids: Sequence[str],
    *,
    program: str | None = None,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Format = Format.video,
    goal_ids: Sequence[str] = (),
    hours_per_month: float = 2.0,
    score: float | None = None,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    acting: Acting = PROGRAM,
    skill_id: str | None = None,
    session_minutes: int | None = None,
) -> Planned[Pairing]:
    """A new proposed pairing, group, peer circle or micro session, after checking people,
    goals, the program's formats, guardrails and capacity. `acting` is the proposer
    (recorded in the first history event; see `Acting`). A circle's `mentor_id` is its
    convener; a micro session's hours are its `session_minutes` / 60.

    NotFound: unknown mentor/mentee. InvalidInput: a goal that is not a mentee's, several
    mentees for a one-to-one/peer/reverse/micro pairing, a format the program does not run
    or a size it does not allow (graph.lifecycle.formats, naming the field and rule).
    Conflict: a guardrail forbids the pair (self, manager chain, reports, do-not-pair-again,
    opt-out), an open pairing already joins them, the mentor's places or hours would
    overflow, or a micro mentor who did not opt into micro sessions. `snapshot` (a current
    `graph.recommend.Snapshot`) saves loading one for the guardrail check.
    """
    if model == MentoringModel.micro and session_minutes is not None:
        hours_per_month = round(session_minutes / 60, 4)
    pairing = build_proposal(
        mentor_id=mentor_id,
        mentee_ids=mentee_ids,
        program=program,
        model=model,
        format=format,
        goal_ids=goal_ids,
        hours_per_month=hours_per_month,
        score=score,
        by=by,
        reason=reason,
        now=now,
        acting=acting,
        skill_id=skill_id,
        session_minutes=session_minutes,
    )
    refuse_format_breaks(program_of(store, program), pairing)
    if model in SINGLE_MENTEE_MODELS and len(pairing.mentee_ids) != 1:
        raise InvalidInput(f"a {model.value} pairing has exactly one mentee")
    if skill_id is not None and store.get_node(skill_id) is None:
        raise InvalidInput(
            f"skill_id: unknown skill {skill_id!r}",
            details=[{"field": "skill_id", "reason": f"unknown skill {skill_id!r}"}],
        )
    if model == MentoringModel.circle:
        return _plan_circle(store, pairing, snapshot=snapshot)
    mentor = store.get_person(mentor_id)
    if mentor is None:
        raise NotFound(f"person {mentor_id!r} not found")
    for mid in pairing.mentee_ids:
        if store.get_person(mid) is None:
            raise NotFound(f"person {mid!r} not found")
    for gid in pairing.goal_ids:
        goal = store.get_goal(gid)
        # another person's goal reads as a missing one: the message must not tell a caller
        # who owns a goal (or that it exists) they may not see
        if goal is None or goal.person_id not in pairing.mentee_ids:
            raise NotFound(f"goal {gid!r} not found")
    _refuse_duplicates(store, pairing)
    places, hours = mentor_load(store, mentor_id)
    problem = capacity_problem(
        mentor, places, hours, add=pairing.places_held, add_hours=pairing.hours_held
    )
    if problem:
        raise Conflict(f"cannot propose: capacity: {problem}")
    _refuse_guardrails(store, pairing, snapshot=snapshot)
    refuse_rule_breaks(store, pairing, "propose", snapshot=snapshot)
    return _planned(with_baseline(store, pairing))


def with_baseline(store: GraphStore, pairing: Pairing) -> Pairing:
    """The pairing with `baseline_levels`: each mentee's level now (0: not held) in every
    skill its goals target (skill targets; a targeted group's skills are not listed), which
    recognition later compares with their level then (skills transferred)."""
    baseline: dict[str, dict[str, int]] = {}
    for mid in pairing.mentee_ids:
        held = {ps.skill_id: ps.level for ps in store.person_skills(mid)}
        own_goals = {g.id for g in store.goals_of(mid)}
        skills = {
            t.node_id
            for g in pairing.goal_ids
            if g in own_goals
            for t in store.goal_targets(g)
            if store.get_skill(t.node_id) is not None
        }
        if skills:
            baseline[mid] = {s: held.get(s, 0) for s in sorted(skills)}
    return pairing.model_copy(update={"baseline_levels": baseline})


def _plan_circle(
    store: GraphStore, pairing: Pairing, *, snapshot: Snapshot | None
) -> Planned[Pairing]:
    """A peer circle's proposal: every member known, no guardrail between two members."""
    for pid in pairing.members:
        if store.get_person(pid) is None:
            raise NotFound(f"person {pid!r} not found")
    refuse_rule_breaks(store, pairing, "propose", snapshot=snapshot)
    return _planned(pairing)


def _refuse_duplicates(store: GraphStore, pairing: Pairing) -> None:
    open_ = store.list_pairings(
        PairingFilter(mentor_id=pairing.mentor_id, statuses=list(OPEN_STATUSES))
    )
    for other in open_:
        both = set(other.mentee_ids) & set(pairing.mentee_ids)
        if both:
            raise Conflict(
                f"pairing {other.id!r} ({other.status.value}) already joins mentor "
                f"{pairing.mentor_id!r} with {sorted(both)}"
            )


NO_PLACES = "takes no mentees (max_mentees is 0)"


def guardrail_reasons(
    state: State, mentor_id: str, mentee_ids: Sequence[str], *, micro: bool = False
) -> dict[str, str]:
    """Why the recommender's guardrails forbid `mentor_id` for each mentee ({} when allowed),
    e.g. {"a": "'boss' is the mentee's manager"}.

    Needs no goals (graph.recommend.ranking.excluded_mentors). A mentor who takes nobody (not
    a mentor, opted out, no places) is refused for every mentee with that reason. NotFound
    for unknown people."""
    mentor = state.person(mentor_id)
    why_not = mentor_unavailable(mentor)
    if micro and why_not == NO_PLACES:  # a micro session takes no place
        why_not = None
    out: dict[str, str] = {}
    for mid in mentee_ids:
        if why_not is not None:
            out[mid] = f"{mentor_id!r} {why_not}"
            continue
        why = excluded_mentors(state, mid).get(mentor_id)
        if why is not None:
            out[mid] = f"{mentor_id!r} {why}"
    return out


def _refuse_guardrails(store: GraphStore, pairing: Pairing, *, snapshot: Snapshot | None) -> None:
    """Conflict naming the guardrail that forbids the mentor for a mentee."""
    if snapshot is None or snapshot.is_stale(store):
        snapshot = Snapshot.load(store)
    refused = guardrail_reasons(
        snapshot.state,
        pairing.mentor_id,
        pairing.mentee_ids,
        micro=pairing.model == MentoringModel.micro,
    )
    if refused:
        mid, why = next(iter(refused.items()))
        raise Conflict(
            f"mentor {pairing.mentor_id!r} may not be paired with {mid!r}: {why}",
            details=[{"mentee_id": m, "reason": r} for m, r in refused.items()],
        )


def plan_accept(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    activate: bool = False,
    now: datetime | None = None,
    acting: Acting = PROGRAM,
    snapshot: Snapshot | None = None,
) -> Planned[Pairing]:
    """proposed -> accepted (or straight on to active with `activate=True`, one apply).

    Consent: a participant accepts for themselves; the pairing becomes accepted once every
    participant other than the proposer has (mentor for a mentee's proposal, each mentee for
    a mentor's, everyone for the program's); until then the acceptance is recorded as a
    `proposed` event naming them. The program (`acting.program`, not a participant) accepts
    for everyone at once, recorded as side `program`. Forbidden: the proposer accepting
    their own proposal (they may withdraw it), a non-participant not acting for the program.
    Conflict: not proposed, already accepted by this person, or a rule the pairing would
    break now (capacity, guardrails, wants mentoring; see `rule_problems`).
    """
    pairing = get(store, pairing_id)
    check_transition(pairing, S.accepted)
    side, person_id = side_of(pairing, acting)
    at = now or utcnow()
    if person_id is not None:
        if proposer(pairing) == (side, person_id):
            raise Forbidden(
                f"{person_id!r} proposed pairing {pairing_id!r} and cannot accept it; "
                f"waiting for {', '.join(awaiting(pairing))} (the proposer may withdraw it)"
            )
        if person_id not in awaiting(pairing):
            raise Conflict(
                f"{person_id!r} has already accepted pairing {pairing_id!r}; waiting for "
                f"{', '.join(awaiting(pairing))}"
            )
        left = [p for p in awaiting(pairing) if p != person_id]
        if left:
            event = PairingEvent(
                status=S.proposed,
                at=at,
                by=by,
                reason=reason or f"accepted; waiting for {', '.join(left)}",
                side=side,
                person_id=person_id,
            )
            updated = pairing.model_copy(
                update={"updated_at": at, "history": [*pairing.history, event]}
            )
            return _planned(updated)
    refuse_rule_breaks(store, pairing, "accept", snapshot=snapshot)
    updated = transitioned(
        pairing,
        S.accepted,
        by=by,
        reason=reason or ("accepted for the program" if side == PairingSide.program else ""),
        now=at,
        side=side,
        person_id=person_id,
    )
    if activate:
        updated = transitioned(
            updated, S.active, by=by, reason=reason, now=at, side=side, person_id=person_id
        )
    return _planned(updated)


def plan_activate(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    acting: Acting = PROGRAM,
    snapshot: Snapshot | None = None,
) -> Planned[Pairing]:
    """accepted -> active (mentoring has started); also stalled -> active by hand.

    Forbidden for a non-participant not acting for the program; Conflict when the pairing
    would break a rule now (see `rule_problems`)."""
    pairing = get(store, pairing_id)
    check_transition(pairing, S.active)
    side, person_id = side_of(pairing, acting)
    refuse_rule_breaks(store, pairing, "activate", snapshot=snapshot)
    return _planned(
        transitioned(
            pairing, S.active, by=by, reason=reason, now=now, side=side, person_id=person_id
        )
    )


def plan_withdraw(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    acting: Acting = PROGRAM,
) -> Planned[Pairing]:
    """proposed -> withdrawn, by its proposer (or the program, which may withdraw any
    proposal). Forbidden for another participant (they decline instead); Conflict when the
    pairing is no longer proposed."""
    pairing = get(store, pairing_id)
    check_transition(pairing, S.withdrawn)
    side, person_id = side_of(pairing, acting)
    if side != PairingSide.program and proposer(pairing) != (side, person_id):
        raise Forbidden(
            f"only the proposer of pairing {pairing_id!r} may withdraw it; "
            f"{person_id!r} may decline it"
        )
    return _planned(
        transitioned(
            pairing,
            S.withdrawn,
            by=by,
            reason=reason,
            now=now,
            side=side,
            person_id=person_id,
        ).model_copy(update={"close_reason": reason})
    )


def plan_decline(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    do_not_pair_again: bool = False,
    now: datetime | None = None,
) -> Planned[Pairing]:
    """proposed/accepted -> declined; `do_not_pair_again` keeps the ranking from re-suggesting."""
    return _move(
        store,
        pairing_id,
        S.declined,
        by=by,
        reason=reason,
        now=now,
        close_reason=reason,
        do_not_pair_again=do_not_pair_again,
    )


def plan_stall(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Planned[Pairing]:
    """active -> stalled."""
    return _move(store, pairing_id, S.stalled, by=by, reason=reason, now=now)


def plan_close(
    store: GraphStore,
    pairing_id: str,
    *,
    by: str | None = None,
    reason: str = "",
    do_not_pair_again: bool = False,
    now: datetime | None = None,
) -> Planned[Pairing]:
    """accepted/active/stalled -> closed, keeping the reason."""
    pairing = get(store, pairing_id)
    return _move(
        store,
        pairing_id,
        S.closed,
        by=by,
        reason=reason,
        now=now,
        close_reason=reason,
        do_not_pair_again=do_not_pair_again or pairing.do_not_pair_again,
    )


def plan_check_in(
    store: GraphStore,
    pairing_id: str,
    *,
    on: date,
    rating: int,
    note: str = "",
    by: str | None = None,
    author_id: str | None = None,
    author_role: CheckInAuthor | None = None,
    now: datetime | None = None,
) -> Planned[CheckIn]:
    """Record a check-in on an active or stalled pairing; a stalled one becomes active again.

    The check-in, the pairing's `updated_at` and (if stalled) its reactivation are one apply.
    `author_id`/`author_role`: who wrote it (`check_in_author` finds the role); only a
    mentee's rating counts toward the mentor's standing (`CheckIn.rates_mentor`).

    InvalidInput (422, field "on"): a date after today by the server clock (`now`, UTC) plus
    `CHECK_IN_SKEW` for time zones: a future-dated check-in would hide a stall.
    Conflict: the pairing is not active or stalled. NotFound: unknown pairing."""
    at = now or utcnow()
    latest = (at + CHECK_IN_SKEW).date()
    if on > latest:
        raise InvalidInput(
            f"check-in date {on.isoformat()} is in the future; expected a date no later than "
            f"{latest.isoformat()}",
            details=[{"field": "on", "found": on.isoformat(), "expected": f"<= {latest}"}],
        )
    pairing = get(store, pairing_id)
    if pairing.status not in CHECK_IN_STATUSES:
        raise Conflict(
            f"pairing {pairing_id!r} is {pairing.status.value}; check-ins need an active or "
            "stalled pairing",
            details=[{"current": pairing.status.value, "requested": "check_in"}],
        )
    try:
        checkin = CheckIn(
            id=new_id("checkin"),
            pairing_id=pairing_id,
            on=on,
            rating=rating,
            note=note,
            by=by,
            author_id=author_id,
            author_role=author_role,
        )
    except ValueError:  # the message would quote the (confidential) note
        raise InvalidInput(
            "invalid check-in: rating must be 1-5 and the note at most 5000 characters",
            details=[{"field": "rating/note"}],
        ) from None
    if pairing.model == MentoringModel.micro:  # the one session is held: nothing stays held
        updated = transitioned(pairing, S.closed, by=by, reason="micro session held", now=at)
        updated = updated.model_copy(update={"close_reason": "micro session held"})
    elif pairing.status == S.stalled:
        updated = transitioned(pairing, S.active, by=by, reason="check-in", now=at)
    else:
        updated = pairing.model_copy(update={"updated_at": at})
    return Planned([AddCheckIns([checkin]), UpsertPairings([updated])], checkin)


def plan_mark_stalled(
    store: GraphStore,
    reports: Sequence[StallReport] | None = None,
    *,
    now: datetime,
    by: str | None = "stall-detector",
    stall_after_days: int = 21,
    falling_ratings_window: int = 3,
) -> Planned[list[Pairing]]:
    """Set every reported pairing to stalled, with its reasons, in ONE apply.

    Without `reports`, `find_stalled(store, ...)` decides. A report whose pairing is no
    longer active (someone checked in or closed it meanwhile) raises Conflict and nothing is
    written.
    """
    if reports is None:
        reports = find_stalled(
            store,
            now=now,
            stall_after_days=stall_after_days,
            falling_ratings_window=falling_ratings_window,
        )
    updated = [
        transitioned(
            get(store, r.pairing_id),
            PairingStatus.stalled,
            by=by,
            reason=r.reason,
            now=now,
        )
        for r in reports
    ]
    return Planned([UpsertPairings(updated)] if updated else [], updated)


# --- the same, planned and applied at once ---------------------------------------------------

propose = applying(plan_propose)
accept = applying(plan_accept)
activate = applying(plan_activate)
withdraw = applying(plan_withdraw)
decline = applying(plan_decline)
stall = applying(plan_stall)
close = applying(plan_close)
check_in = applying(plan_check_in)
mark_stalled = applying(plan_mark_stalled)
