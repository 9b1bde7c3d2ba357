"""A hypothesis state machine over the pairing domain (issue 13), on the embedded store:
random proposals (by a mentee, a mentor or the program), accepts (by any participant or the
program), withdrawals, activations, check-ins, closes and HR imports that lower a mentor's
capacity or give a mentee a new manager. After every step:

- no pairing was accepted by its proposer, and an accepted one has every participant's
  consent or the program's;
- a mentor whose capacity was never lowered holds no more committed mentees or hours than
  their capacity; a mentor whose capacity was lowered is either within it or has every
  over-committed pairing listed by `find_conflicts`;
- right after an accept or activate, the mentor is within capacity and is not a mentee's
  manager (checked in those rules; with the accept-time check removed, this machine finds
  the over-capacity accept);
- at most one open pairing joins a mentor and a mentee.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from graph.errors import Conflict, Forbidden, InvalidInput
from graph.lifecycle import pairings as lc
from graph.model import PairingSide, PairingStatus
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, PairingFilter, UpsertPeople
from graph.stores.embedded import EmbeddedStore
from tests.pairings.conftest import NOW, seed

S = PairingStatus
MENTORS = ["boss", "m1", "m2"]
MENTEES = ["a", "b", "c"]
REFUSED = (Conflict, Forbidden, InvalidInput)


class PairingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        store = EmbeddedStore(Path(self.tmp.name) / "graph.sqlite3")
        store.init_schema()
        self.store: GraphStore = seed(store)
        self.lowered: set[str] = set()
        self.day = 0
        self.ids: list[str] = []

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()

    def now(self):  # type: ignore[no-untyped-def]
        self.day += 1
        return NOW + timedelta(days=self.day)

    def acting(self, who: str) -> lc.Acting:
        return lc.PROGRAM if who == "program" else lc.Acting(person_id=who)

    @rule(
        mentor=st.sampled_from(MENTORS),
        mentee=st.sampled_from(MENTEES),
        by=st.sampled_from(["mentee", "mentor", "program"]),
    )
    def propose(self, mentor: str, mentee: str, by: str) -> None:
        who = {"mentee": mentee, "mentor": mentor, "program": "program"}[by]
        try:
            p = lc.propose(self.store, mentor, [mentee], acting=self.acting(who), now=self.now())
        except REFUSED:
            return
        self.ids.append(p.id)

    @rule(i=st.integers(0, 50), j=st.integers(0, 3), outsider=st.booleans())
    def accept(self, i: int, j: int, outsider: bool) -> None:
        """As one of the pairing's participants, the program, or (sometimes) an outsider."""
        if self.ids:
            pid = self.ids[i % len(self.ids)]
            stored = self.store.get_pairing(pid)
            assert stored is not None
            who_all = [stored.mentor_id, *stored.mentee_ids, "program"]
            who = who_all[j % len(who_all)]
            if outsider:
                who = next(x for x in [*MENTORS, *MENTEES] if x not in who_all)
            try:
                p = lc.accept(self.store, pid, acting=self.acting(who))
            except REFUSED:
                return
            if p.status == S.accepted:
                self.entered_within_rules(p.mentor_id, p.mentee_ids)

    def entered_within_rules(self, mentor_id: str, mentee_ids: list[str]) -> None:
        """Right after an accept or activate: the mentor is within capacity and no mentee
        has them as manager or wants no mentoring."""
        mentor = self.store.get_person(mentor_id)
        assert mentor is not None
        committed = self.store.list_pairings(
            PairingFilter(mentor_id=mentor_id, statuses=list(lc.COMMITTED_STATUSES))
        )
        assert sum(len(p.mentee_ids) for p in committed) <= mentor.max_mentees
        assert sum(p.hours_per_month for p in committed) <= mentor.max_hours_per_month + 1e-9
        for m in mentee_ids:
            mentee = self.store.get_person(m)
            assert mentee is not None and mentee.manager_id != mentor_id

    @rule(i=st.integers(0, 50), who=st.sampled_from([*MENTORS, *MENTEES, "program"]))
    def withdraw(self, i: int, who: str) -> None:
        if self.ids:
            with contextlib.suppress(REFUSED):
                lc.withdraw(self.store, self.ids[i % len(self.ids)], acting=self.acting(who))

    @rule(i=st.integers(0, 50))
    def activate(self, i: int) -> None:
        if self.ids:
            try:
                p = lc.activate(self.store, self.ids[i % len(self.ids)], now=self.now())
            except REFUSED:
                return
            self.entered_within_rules(p.mentor_id, p.mentee_ids)

    @rule(i=st.integers(0, 50), rating=st.integers(1, 5))
    def check_in(self, i: int, rating: int) -> None:
        if self.ids:
            with contextlib.suppress(REFUSED):
                lc.check_in(
                    self.store, self.ids[i % len(self.ids)], on=date(2025, 3, 10), rating=rating
                )

    @rule(i=st.integers(0, 50))
    def close(self, i: int) -> None:
        if self.ids:
            with contextlib.suppress(REFUSED):
                lc.close(self.store, self.ids[i % len(self.ids)], now=self.now())

    @rule(mentor=st.sampled_from(MENTORS), places=st.integers(0, 2), hours=st.integers(0, 6))
    def import_lowers_capacity(self, mentor: str, places: int, hours: int) -> None:
        person = self.store.get_person(mentor)
        assert person is not None
        update = {"max_mentees": places, "max_hours_per_month": float(hours)}
        self.store.apply([UpsertPeople([person.model_copy(update=update)])])
        self.lowered.add(mentor)

    @rule(mentee=st.sampled_from(MENTEES), manager=st.sampled_from(MENTORS))
    def import_new_manager(self, mentee: str, manager: str) -> None:
        person = self.store.get_person(mentee)
        assert person is not None
        self.store.apply([UpsertPeople([person.model_copy(update={"manager_id": manager})])])

    @invariant()
    def consent_was_given(self) -> None:
        for p in self.store.list_pairings(PairingFilter()):
            accepts = [e for e in p.history if e.status == S.accepted]
            if not accepts:
                continue
            side, pid = lc.proposer(p)
            first = accepts[0]
            assert first.side is not None
            assert (first.side, first.person_id) != (side, pid) or side == PairingSide.program
            if first.side != PairingSide.program:
                assert set(lc.consented(p)) >= {p.mentor_id, *p.mentee_ids}, p.history

    @invariant()
    def capacity_holds_or_is_listed(self) -> None:
        state = Snapshot.load(self.store).state
        listed = {c.pairing_id for c in lc.find_conflicts(state)}
        for mentor in MENTORS:
            person = self.store.get_person(mentor)
            assert person is not None
            committed = self.store.list_pairings(
                PairingFilter(mentor_id=mentor, statuses=list(lc.COMMITTED_STATUSES))
            )
            places = sum(len(p.mentee_ids) for p in committed)
            hours = sum(p.hours_per_month for p in committed)
            within = places <= person.max_mentees and hours <= person.max_hours_per_month + 1e-9
            if mentor not in self.lowered:
                assert within, (mentor, places, hours)
            elif not within:
                assert {p.id for p in committed} <= listed

    @invariant()
    def one_open_pairing_per_pair(self) -> None:
        seen: set[tuple[str, str]] = set()
        for p in self.store.list_pairings(PairingFilter(statuses=list(lc.OPEN_STATUSES))):
            for m in p.mentee_ids:
                assert (p.mentor_id, m) not in seen
                seen.add((p.mentor_id, m))


PairingMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPairingMachine = PairingMachine.TestCase
