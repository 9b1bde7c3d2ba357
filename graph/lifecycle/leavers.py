"""Leavers: off-boarding a person, and erasing their personal data afterwards.

`plan_offboard` marks a person as gone (`Person.left_on`): their open pairings end (proposed
ones declined, accepted/active/stalled ones closed, each with `LEFT_REASON`), except a group or
peer circle that can run on without them: a member (not its mentor or convener) who leaves a
group that keeps at least one mentee, or a circle that keeps at least `CIRCLE_MIN` members,
is taken out of it (mentee_ids, goal_ids, baseline_levels) with a history event
`PARTICIPANT_LEFT` that does not name them, and the others carry on. Their open goals
are dropped, their skills removed (they supply nothing any more). From then on they are in
no listing, lookup or recommendation (readers check `Person.departed`); their records stay,
so a coordinator can still see what ended and the analytics of past cohorts keep counting
them.

`plan_erase` (after the grace period, or at once) pseudonymises them in every record the store
holds: the person is re-keyed onto `pseudonym` (an `erased-...` id the caller derives), name,
e-mail, title, location, availability, preferences, attributes and skills are dropped; their
goals keep dates, status and skill targets but lose their text, outcome and milestones; the
pairings they took part in keep status, dates, ratings and skills but lose every free-text
reason and every check-in note; API keys, taxonomy history and audit entries name the
pseudonym instead. Kept, for analytics and the org's records: department, seniority, programs,
pairing/goal counts and dates, ratings, goal targets.

Both are one `Planned` (one apply) and idempotent: an already off-boarded person plans
nothing; an erased person (found by their pseudonym) plans nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from graph.errors import NotFound
from graph.model import (
    CIRCLE_MIN,
    ApiKey,
    AuditEntry,
    CheckIn,
    Goal,
    GoalStatus,
    MentoringModel,
    Pairing,
    PairingEvent,
    PairingSide,
    PairingStatus,
    Person,
    TaxonomyChange,
    utcnow,
)
from graph.store import (
    AddCheckIns,
    DeleteGoals,
    DeletePeople,
    GraphStore,
    PairingFilter,
    Planned,
    PutApiKeys,
    RemovePersonSkills,
    ReplaceAudit,
    SetGoalTargets,
    StoreOp,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertTaxonomyChanges,
)

S = PairingStatus
PSEUDONYM_PREFIX = "erased-"
LEFT_REASON = "participant left the organisation"
PARTICIPANT_LEFT = "a participant left the organisation; the others carry on"
ERASED_TEXT = "[erased]"
OPEN_STATUSES = (S.proposed, S.accepted, S.active, S.stalled)
AUDIT_PAGE = 1000
ALL_CHANGES = 1_000_000_000


@dataclass(frozen=True)
class Offboarded:
    """What off-boarding did: the pairings it ended and the groups/circles the person left
    that carry on without them (both as stored after), the goals it dropped, and whether the
    person had already left (then nothing was written)."""

    person_id: str
    left_on: date
    ended: list[Pairing] = field(default_factory=list)
    goals_dropped: list[str] = field(default_factory=list)
    already: bool = False
    left: list[Pairing] = field(default_factory=list)


def runs_without(pairing: Pairing, person_id: str) -> bool:
    """Whether `pairing` can go on once `person_id` leaves it: they are a mentee (not the
    mentor or a circle's convener) of a group that keeps at least one mentee, or of a peer
    circle that keeps at least `CIRCLE_MIN` members (convener included). One-to-one, peer
    and micro pairings end with either side."""
    if person_id not in pairing.mentee_ids:
        return False
    remaining = len(pairing.mentee_ids) - 1
    if pairing.model == MentoringModel.group:
        return remaining >= 1
    if pairing.model == MentoringModel.circle:
        return remaining + 1 >= CIRCLE_MIN
    return False


def _without(pairing: Pairing, person_id: str, goal_ids: set[str], event: PairingEvent) -> Pairing:
    """`pairing` with `person_id` taken out (mentee_ids, their goals, their baseline) and
    `event` (naming nobody) appended."""
    return pairing.model_copy(
        update={
            "mentee_ids": [m for m in pairing.mentee_ids if m != person_id],
            "goal_ids": [g for g in pairing.goal_ids if g not in goal_ids],
            "baseline_levels": {k: v for k, v in pairing.baseline_levels.items() if k != person_id},
            "updated_at": event.at,
            "history": [*pairing.history, event],
        }
    )


@dataclass(frozen=True)
class Erased:
    """What erasure rewrote (counts per kind of record) under which pseudonym; `already`:
    the person was erased before (nothing written)."""

    pseudonym: str
    counts: dict[str, int] = field(default_factory=dict)
    already: bool = False


def plan_offboard(
    store: GraphStore,
    person_id: str,
    *,
    on: date,
    by: str | None,
    now: datetime | None = None,
) -> Planned[Offboarded]:
    """The person leaves on `on`: open pairings end with LEFT_REASON (proposed -> declined,
    accepted/active/stalled -> closed, by the program), open goals are dropped. NotFound for
    an unknown person; an already departed one plans nothing (`already`)."""
    person = store.get_person(person_id)
    if person is None:
        raise NotFound(f"person {person_id!r} not found")
    if person.departed:
        assert person.left_on is not None
        return Planned([], Offboarded(person_id, person.left_on, already=True))
    at = now or utcnow()
    ended: list[Pairing] = []
    left: list[Pairing] = []
    own_goals = {g.id for g in store.goals_of(person_id)}
    for pairing in store.list_pairings(
        PairingFilter(person_id=person_id, statuses=list(OPEN_STATUSES))
    ):
        if runs_without(pairing, person_id):
            gone = PairingEvent(
                status=pairing.status,
                at=at,
                by=by,
                reason=PARTICIPANT_LEFT,
                side=PairingSide.program,
            )
            left.append(_without(pairing, person_id, own_goals, gone))
            continue
        to = S.declined if pairing.status == S.proposed else S.closed
        event = PairingEvent(status=to, at=at, by=by, reason=LEFT_REASON, side=PairingSide.program)
        ended.append(
            pairing.model_copy(
                update={
                    "status": to,
                    "updated_at": at,
                    "history": [*pairing.history, event],
                    "close_reason": LEFT_REASON,
                }
            )
        )
    dropped = [
        g.model_copy(update={"status": GoalStatus.dropped})
        for g in store.goals_of(person_id)
        if g.status == GoalStatus.open
    ]
    ops: list[StoreOp] = [UpsertPeople([person.model_copy(update={"left_on": on})])]
    skills = [(person_id, s.skill_id) for s in store.person_skills(person_id)]
    if skills:  # no longer a supplier of anything: coverage, gaps and paths drop them
        ops.append(RemovePersonSkills(skills))
    if ended or left:
        ops.append(UpsertPairings([*ended, *left]))
    if dropped:
        ops.append(UpsertGoals(dropped))
    return Planned(ops, Offboarded(person_id, on, ended, [g.id for g in dropped], left=left))


# --- erasure --------------------------------------------------------------------------------


def _id_pattern(ident: str) -> re.Pattern[str]:
    """`ident` as a whole token: not inside a longer id ("p1" is not in "p10")."""
    return re.compile(rf"(?<![\w.\-]){re.escape(ident)}(?![\w.\-])")


class _Scrubber:
    """Rewrites strings that name the person: their id, e-mail and name, each as a whole token
    ("p1" is not in "p10"), become the pseudonym (`ident` for id fields: the id alone)."""

    def __init__(self, person: Person, pseudonym: str) -> None:
        self.pseudonym = pseudonym
        self._id = _id_pattern(person.id)
        texts = [t for t in (person.email or "", person.name) if len(t) >= 3]
        self._texts = [_id_pattern(t) for t in texts]

    def ident(self, value: str) -> str:
        return self._id.sub(self.pseudonym, value)

    def text(self, value: str) -> str:
        out = self.ident(value)
        for pattern in self._texts:
            out = pattern.sub(self.pseudonym, out)
        return out

    def names(self, value: str) -> bool:
        return self.text(value) != value

    def value(self, value: Any) -> Any:
        """Any JSON-like value with every string scrubbed (dict keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def pseudonymised_person(person: Person, pseudonym: str, *, now: datetime) -> Person:
    """What is kept of a leaver: department, seniority, programs, consent to analytics, the
    day they left. Everything else is the default of a new record."""
    return Person(
        id=pseudonym,
        name=pseudonym,
        department=person.department,
        seniority=person.seniority,
        programs=person.programs,
        opt_out_recommend=True,
        opt_out_analytics=person.opt_out_analytics,
        hours_wanted_per_month=0.0,
        left_on=person.left_on or now.date(),
        erased_at=now,
    )


def _erased_goal(goal: Goal, new_id: str, pseudonym: str) -> Goal:
    return goal.model_copy(
        update={
            "id": new_id,
            "person_id": pseudonym,
            "text": ERASED_TEXT,
            "measurable_outcome": "",
            "milestones": [],
        }
    )


def _erased_pairing(p: Pairing, sc: _Scrubber, goal_ids: dict[str, str]) -> Pairing:
    def event(e: PairingEvent) -> PairingEvent:
        return e.model_copy(
            update={
                "by": sc.text(e.by) if e.by else e.by,
                "person_id": sc.ident(e.person_id) if e.person_id else e.person_id,
                "reason": e.reason if e.reason == LEFT_REASON else "",
            }
        )

    return p.model_copy(
        update={
            "mentor_id": sc.ident(p.mentor_id),
            "mentee_ids": [sc.ident(m) for m in p.mentee_ids],
            "goal_ids": [goal_ids.get(g, g) for g in p.goal_ids],
            "history": [event(e) for e in p.history],
            "close_reason": p.close_reason if p.close_reason == LEFT_REASON else "",
        }
    )


def _scrubbed_events(p: Pairing, sc: _Scrubber) -> Pairing:
    """A pairing the person left while it ran on: each event of theirs (or naming them)
    names the pseudonym and loses its reason; the others' events stay."""

    def event(e: PairingEvent) -> PairingEvent:
        theirs = (e.person_id is not None and sc.names(e.person_id)) or sc.names(e.by or "")
        if not theirs and not sc.names(e.reason):
            return e
        return e.model_copy(
            update={
                "by": sc.text(e.by) if e.by else e.by,
                "person_id": sc.ident(e.person_id) if e.person_id else e.person_id,
                "reason": "",
            }
        )

    return p.model_copy(update={"history": [event(e) for e in p.history]})


def _erased_checkin(c: CheckIn, sc: _Scrubber) -> CheckIn:
    return c.model_copy(
        update={
            "note": "",
            "by": sc.text(c.by) if c.by else c.by,
            "author_id": sc.ident(c.author_id) if c.author_id else c.author_id,
        }
    )


def _erased_key(k: ApiKey, pseudonym: str, now: datetime) -> ApiKey:
    return k.model_copy(
        update={"person_id": pseudonym, "label": "", "revoked_at": k.revoked_at or now}
    )


def _erased_change(c: TaxonomyChange, sc: _Scrubber) -> TaxonomyChange:
    mine = sc.names(c.actor)
    return c.model_copy(
        update={"actor": sc.text(c.actor), "reason": "" if mine else sc.text(c.reason)}
    )


def _erased_audit(e: AuditEntry, sc: _Scrubber) -> AuditEntry:
    return e.model_copy(
        update={
            "actor": sc.text(e.actor),
            "target": sc.text(e.target),
            "detail": sc.value(e.detail),
        }
    )


def iter_audit(store: GraphStore, page: int = AUDIT_PAGE) -> Iterator[AuditEntry]:
    """Every audit entry, in id order."""
    after = ""
    while rows := store.audit_page(after=after, limit=page):
        yield from rows
        after = rows[-1].id


def plan_erase(
    store: GraphStore,
    person_id: str,
    *,
    pseudonym_of: Callable[[str], str],
    now: datetime | None = None,
) -> Planned[Erased]:
    """Pseudonymise `person_id` everywhere (see the module doc), as one apply.

    `pseudonym_of(id)` gives the person's stable pseudonym (`erased-...`), so erasing again
    by the old id finds the erased record and plans nothing. NotFound when neither the person
    nor their pseudonym is stored."""
    at = now or utcnow()
    pseudonym = pseudonym_of(person_id)
    person = store.get_person(person_id)
    if person is None:
        done = store.get_person(pseudonym)
        if done is not None and done.erased_at is not None:
            return Planned([], Erased(pseudonym, already=True))
        raise NotFound(f"person {person_id!r} not found")
    if person.erased_at is not None:  # an erased record asked for by its pseudonym
        return Planned([], Erased(person.id, already=True))
    sc = _Scrubber(person, pseudonym)
    ops: list[StoreOp] = [UpsertPeople([pseudonymised_person(person, pseudonym, now=at)])]
    counts: dict[str, int] = {"people": 1}

    reports = [store.get_person(r) for r in store.reports_of(person_id)]
    moved = [r.model_copy(update={"manager_id": None}) for r in reports if r is not None]
    if moved:
        ops.append(UpsertPeople(moved))
    counts["reports"] = len(moved)

    goals = store.goals_of(person_id)
    goal_ids = {g.id: sc.ident(g.id) for g in goals}
    if goals:
        ops.append(UpsertGoals([_erased_goal(g, goal_ids[g.id], pseudonym) for g in goals]))
        for g in goals:
            if goal_ids[g.id] != g.id:
                new_id = goal_ids[g.id]
                targets = [
                    t.model_copy(update={"goal_id": new_id}) for t in store.goal_targets(g.id)
                ]
                ops.append(SetGoalTargets(new_id, targets))
        gone = [old for old, new in goal_ids.items() if old != new]
        if gone:
            ops.append(DeleteGoals(gone))
    counts["goals"] = len(goals)

    pairings = store.list_pairings(PairingFilter(person_id=person_id))
    rewritten = [_erased_pairing(p, sc, goal_ids) for p in pairings]
    checkins = [c for p in pairings for c in store.checkins(p.id)]
    # groups and circles they left that ran on: their own events and check-ins, and any
    # note naming them, are scrubbed; the others' records stay as they are
    mine = {p.id for p in pairings}
    for p in store.list_pairings():
        if p.id in mine or not any(e.reason == PARTICIPANT_LEFT for e in p.history):
            continue
        scrubbed = _scrubbed_events(p, sc)
        if scrubbed != p:
            rewritten.append(scrubbed)
        checkins += [
            c
            for c in store.checkins(p.id)
            if c.author_id == person_id or sc.names(c.by or "") or sc.names(c.note)
        ]
    if rewritten:
        ops.append(UpsertPairings(rewritten))
    if checkins:
        ops.append(AddCheckIns([_erased_checkin(c, sc) for c in checkins]))
    counts["pairings"], counts["checkins"] = len(rewritten), len(checkins)

    keys = [k for k in store.list_api_keys() if k.person_id == person_id]
    if keys:
        ops.append(PutApiKeys([_erased_key(k, pseudonym, at) for k in keys]))
    counts["api_keys"] = len(keys)

    changes = [
        _erased_change(c, sc)
        for c in store.taxonomy_changes(limit=ALL_CHANGES)
        if sc.names(c.actor) or sc.names(c.reason)
    ]
    if changes:
        ops.append(UpsertTaxonomyChanges(changes))
    counts["taxonomy_changes"] = len(changes)

    entries = [new for e in iter_audit(store) if (new := _erased_audit(e, sc)) != e]
    if entries:
        ops.append(ReplaceAudit(entries))
    counts["audit_entries"] = len(entries)

    ops.append(DeletePeople([person_id]))
    return Planned(ops, Erased(pseudonym, counts))
