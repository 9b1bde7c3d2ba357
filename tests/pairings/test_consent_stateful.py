"""A hypothesis state machine over the pairing domain (issue 13): random proposals (by a
mentee, a mentor or the program), accepts (by any participant or the program), withdrawals,
activations, check-ins, closes, HR changes that lower a mentor's capacity or give a mentee a
new manager, people imports (the HR file importer: capacity, manager, hours wanted, skills by
label), cohort runs (match, then publish at once or later, after other steps), and steward
taxonomy edits (rename, alias, merge, deprecate with a replacement: the last two move
people's skills and goal targets). After every step:

- no pairing was accepted by its proposer, and an accepted one has every participant's
  consent or the program's;
- a mentor whose capacity was never lowered holds no more committed mentees or hours than
  their capacity; a mentor whose capacity was lowered is either within it or has every
  over-committed pairing listed by `find_conflicts`;
- right after an accept or activate, the mentor is within capacity and is not a mentee's
  manager (checked in those rules; with the accept-time check removed, this machine finds
  the over-capacity accept);
- at most one open pairing joins a mentor and a mentee;
- right after a cohort publish, every new pairing keeps every rule in the graph as it is then
  (guardrails, wants mentoring, places and hours with proposals counted) and nobody is both
  mentee and mentor in the run; a refused publish stored nothing;
- an open pairing whose mentor is now the mentee's manager or skip-level manager, or whose
  mentee wants no mentoring, is listed by `find_conflicts`;
- live labels are unique (by `label_key`) among live nodes of a kind, and every person's
  skill and every goal target points at a live node.

It runs on the embedded store (`TestPairingMachine`, the CI run) and, shorter, on the Bolt
store (`test_the_machine_on_the_bolt_store`, marked neo4j).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.lifecycle import pairings as lc
from graph.lifecycle.cohorts import publish
from graph.model import NodeStatus, PairingSide, PairingStatus, PersonSkill, Skill
from graph.recommend import RecommendOptions
from graph.recommend.cohort import CohortResult, match_cohort
from graph.recommend.snapshot import Snapshot
from graph.store import GraphStore, PairingFilter, UpsertPeople, UpsertPersonSkills, UpsertSkills
from graph.stores.embedded import EmbeddedStore
from graph.text import label_key
from loaders.people import import_people
from taxonomy import editing
from tests.conftest import make_neo4j_store
from tests.pairings.conftest import NOW, PROGRAM, seed

S = PairingStatus
MENTORS = ["boss", "m1", "m2"]
MENTEES = ["a", "b", "c"]
PEOPLE = [*MENTORS, *MENTEES]
REFUSED = (Conflict, Forbidden, InvalidInput, NotFound)
ASYNC = RecommendOptions(asynchronous=True)  # the seeded people have no weekly windows
SKILLS = ["s-python", "s-sql", "s-go", "s-rust"]
# labels a steward may try: the seeded ones, case and Unicode (NFKC) variants of them, new ones
LABELS = ["Python", "python", "PYTHON", "\uff30ython", "SQL", "Go", "Rust", "Golang", "Py", "Data"]
StoreFactory = Callable[[], tuple[GraphStore, Callable[[], None]]]


def embedded_factory() -> tuple[GraphStore, Callable[[], None]]:
    tmp = tempfile.TemporaryDirectory()
    store = EmbeddedStore(Path(tmp.name) / "graph.sqlite3")
    store.init_schema()

    def done() -> None:
        store.close()
        tmp.cleanup()

    return store, done


def more_skills(store: GraphStore) -> None:
    """Two more skills (Go, Rust) held by the mentors, so merges and deprecations move
    people's skills."""
    store.apply(
        [
            UpsertSkills([Skill(id="s-go", label="Go"), Skill(id="s-rust", label="Rust")]),
            UpsertPersonSkills(
                [held("m1", "s-go", 4), held("boss", "s-go", 4), held("m2", "s-rust", 5)]
            ),
        ]
    )


def held(person_id: str, skill_id: str, level: int) -> PersonSkill:
    return PersonSkill(person_id=person_id, skill_id=skill_id, level=level, willing_to_mentor=True)


class PairingMachine(RuleBasedStateMachine):
    factory: StoreFactory = staticmethod(embedded_factory)  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        store, self.done = type(self).factory()
        self.store: GraphStore = seed(store)
        more_skills(self.store)
        self.lowered: set[str] = set()
        self.day = 0
        self.ids: list[str] = []
        self.runs: list[CohortResult] = []
        self.tmp = tempfile.TemporaryDirectory()

    def teardown(self) -> None:
        self.done()
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

    # --- imports --------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(PEOPLE),
        places=st.integers(0, 3),
        hours=st.integers(0, 8),
        wanted=st.sampled_from([0.0, 2.0, 4.0]),
        manager=st.sampled_from([None, *MENTORS]),
        skill=st.one_of(st.none(), st.sampled_from(LABELS)),
        level=st.integers(1, 5),
    )
    def import_person(
        self,
        who: str,
        places: int,
        hours: int,
        wanted: float,
        manager: str | None,
        skill: str | None,
        level: int,
    ) -> None:
        """An HR file with one record: capacity, manager, hours wanted and maybe a skill named
        by its label (the importer resolves labels: a duplicate live label would break it)."""
        person = self.store.get_person(who)
        assert person is not None
        record: dict[str, object] = {
            "id": who,
            "name": person.name,
            "manager_id": manager if manager != who else None,
            "is_mentor": person.is_mentor,
            "max_mentees": places,
            "max_hours_per_month": hours,
            "hours_wanted_per_month": wanted,
            "programs": person.programs,
        }
        if skill is not None:
            record["skills"] = [{"skill": skill, "level": level, "mentor": True}]
        path = Path(self.tmp.name) / "people.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        try:
            import_people(self.store, path)
        except REFUSED as exc:
            event(f"import refused: {type(exc).__name__}")
            return
        event("import written")
        if places < person.max_mentees or hours < person.max_hours_per_month:
            self.lowered.add(who)

    # --- cohort runs ----------------------------------------------------------------------

    @rule(may_mentor=st.booleans())
    def cohort_match(self, may_mentor: bool) -> None:
        """Match the program's open mentees and keep the run for a later publish."""
        with contextlib.suppress(*REFUSED):
            snap = Snapshot.load(self.store)
            self.runs.append(
                match_cohort(
                    snap, PROGRAM, now=self.now(), options=ASYNC, mentees_may_mentor=may_mentor
                )
            )

    @rule(i=st.integers(0, 50))
    def cohort_publish(self, i: int) -> None:
        """Publish a kept run, maybe made before other steps changed the graph."""
        if self.runs:
            self.publish(self.runs.pop(i % len(self.runs)))

    @rule(may_mentor=st.booleans())
    def cohort_match_and_publish(self, may_mentor: bool) -> None:
        with contextlib.suppress(*REFUSED):
            snap = Snapshot.load(self.store)
            res = match_cohort(
                snap, PROGRAM, now=self.now(), options=ASYNC, mentees_may_mentor=may_mentor
            )
            self.publish(res)

    def publish(self, res: CohortResult) -> None:
        before = {p.id: p for p in self.store.list_pairings(PairingFilter())}
        loads = {m: lc.mentor_load(self.store, m) for m in MENTORS}
        try:
            stored = publish(self.store, res, by="coordinator", now=self.now())
        except Conflict as exc:
            after = {p.id: p for p in self.store.list_pairings(PairingFilter())}
            assert after == before, "a refused publish stored something"
            event("publish refused: " + str(exc).split(":")[0][:40])
            return
        event(f"publish stored {min(len(stored), 2)}+ pairings")
        self.ids.extend(p.id for p in stored)
        state = Snapshot.load(self.store).state
        mentees = {m for p in stored for m in p.mentee_ids}
        added: dict[str, tuple[int, float]] = {}
        for p in stored:
            problems = lc.rule_problems(state, p, capacity=False)
            assert problems == [], (p.mentor_id, p.mentee_ids, problems)
            if not res.mentees_may_mentor:
                assert p.mentor_id not in mentees, "one role per run"
            n, h = added.get(p.mentor_id, (0, 0.0))
            added[p.mentor_id] = (n + len(p.mentee_ids), h + p.hours_per_month)
        for mentor_id, (n, h) in added.items():
            mentor = state.people[mentor_id]
            places, hours = loads[mentor_id]
            assert places + n <= mentor.max_mentees, (mentor_id, places, n)
            assert hours + h <= mentor.max_hours_per_month + 1e-9, (mentor_id, hours, h)

    # --- taxonomy edits -------------------------------------------------------------------

    @rule(node=st.sampled_from(SKILLS), label=st.sampled_from(LABELS))
    def rename(self, node: str, label: str) -> None:
        with contextlib.suppress(*REFUSED):
            editing.plan_rename(self.store, node, label, actor="steward").apply_to(self.store)

    @rule(node=st.sampled_from(SKILLS), alias=st.sampled_from(LABELS))
    def add_alias(self, node: str, alias: str) -> None:
        with contextlib.suppress(*REFUSED):
            editing.plan_add_alias(self.store, node, alias, actor="steward").apply_to(self.store)

    @rule(source=st.sampled_from(SKILLS), survivor=st.sampled_from(SKILLS))
    def merge(self, source: str, survivor: str) -> None:
        with contextlib.suppress(*REFUSED):
            plan = editing.plan_merge(self.store, source, survivor, actor="steward")
            plan.apply_to(self.store)

    @rule(node=st.sampled_from(SKILLS), replacement=st.sampled_from([None, *SKILLS]))
    def deprecate(self, node: str, replacement: str | None) -> None:
        with contextlib.suppress(*REFUSED):
            plan = editing.plan_deprecate(
                self.store, node, replacement_id=replacement, actor="steward"
            )
            plan.apply_to(self.store)

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

    @invariant()
    def guardrail_breaks_are_listed(self) -> None:
        """Found from the definitions (manager chain, hours wanted), not from rule_problems."""
        state = Snapshot.load(self.store).state
        listed = {c.pairing_id for c in lc.find_conflicts(state)}
        for p in self.store.list_pairings(PairingFilter(statuses=list(lc.OPEN_STATUSES))):
            for m in p.mentee_ids:
                mentee = self.store.get_person(m)
                assert mentee is not None
                chain = []
                boss = mentee.manager_id
                while boss is not None and len(chain) < 2:
                    chain.append(boss)
                    up = self.store.get_person(boss)
                    boss = up.manager_id if up is not None else None
                if p.mentor_id in chain or mentee.hours_wanted_per_month <= 0:
                    assert p.id in listed, (p.id, p.mentor_id, m, chain)

    @invariant()
    def live_labels_are_unique(self) -> None:
        seen: dict[str, str] = {}
        for skill in self.store.list_skills():
            if skill.status == NodeStatus.deprecated:
                continue
            key = label_key(skill.label)
            assert key not in seen, (skill.id, seen.get(key), skill.label)
            seen[key] = skill.id

    @invariant()
    def skills_and_targets_point_at_live_nodes(self) -> None:
        for pid in PEOPLE:
            for ps in self.store.person_skills(pid):
                node = self.store.get_node(ps.skill_id)
                assert node is not None and node.status != NodeStatus.deprecated, ps
            for goal in self.store.goals_of(pid):
                for t in self.store.goal_targets(goal.id):
                    node = self.store.get_node(t.node_id)
                    assert node is not None and node.status != NodeStatus.deprecated, t


PairingMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPairingMachine = PairingMachine.TestCase


@pytest.mark.neo4j
def test_the_machine_on_the_bolt_store(bolt_driver: object) -> None:
    """A shorter run of the same machine on the Bolt (Neo4j) store."""

    def bolt_factory() -> tuple[GraphStore, Callable[[], None]]:
        store = make_neo4j_store(bolt_driver)
        return store, store.close

    class BoltMachine(PairingMachine):
        factory = staticmethod(bolt_factory)  # type: ignore[assignment]

    run_state_machine_as_test(
        BoltMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
