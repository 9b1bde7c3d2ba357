"""The change log (`GraphStore.changes_since`): what each apply after a version touched, so a
process that did not make the writes (another API worker) re-reads only those records."""

from __future__ import annotations

from graph.model import AuditEntry, Person, PersonSkill, Skill
from graph.store import (
    AppendAudit,
    GraphStore,
    Touched,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    touched_from_json,
    touched_to_json,
)
from tests.contract.conftest import T0


def test_touched_round_trips_through_json() -> None:
    t = Touched(people=frozenset({"b", "a"}), taxonomy=True, checkin_ids=frozenset({"c1"}))
    assert touched_from_json(touched_to_json(t)) == t
    assert touched_from_json(touched_to_json(Touched())) == Touched()


def test_each_version_after_a_given_one_says_what_it_touched(store: GraphStore) -> None:
    v0 = store.data_version()
    store.apply([UpsertSkills([Skill(id="s1", label="One")])])
    store.apply(
        [
            UpsertPeople([Person(id="p1", name="P"), Person(id="p2", name="Q")]),
            UpsertPersonSkills([PersonSkill(person_id="p1", skill_id="s1", level=3)]),
        ]
    )
    # operational records move no version and log nothing
    store.apply([AppendAudit([AuditEntry(id="a1", at=T0, actor="t", action="x")])])
    assert store.data_version() == v0 + 2
    changes = store.changes_since(v0)
    assert changes == [
        Touched(taxonomy=True),
        Touched(people=frozenset({"p1", "p2"}), person_skills=frozenset({"p1"})),
    ]
    assert store.changes_since(v0 + 1) == changes[1:]
    assert store.changes_since(v0 + 2) == []


def test_a_version_the_log_does_not_hold_means_read_everything(store: GraphStore) -> None:
    v0 = store.data_version()
    store.apply([UpsertPeople([Person(id="p1", name="P")])])
    assert store.changes_since(v0) is not None
    # versions before any logged apply (a fresh store starts at 0): not in the log
    assert store.changes_since(-5) is None
