"""Program declarations (UpsertPrograms) and the format fields of a pairing (a circle, a
micro session's skill and length), on every store."""

from __future__ import annotations

import pytest

from graph.errors import BatchRejected
from graph.model import MentoringModel, Pairing, Person, Program, Skill
from graph.store import GraphStore, UpsertPairings, UpsertPeople, UpsertPrograms, UpsertSkills
from tests.contract.conftest import T0

M = MentoringModel


def program(pid: str, **kw: object) -> Program:
    return Program(id=pid, models=[M.one_to_one, M.group], created_at=T0, **kw)  # type: ignore[arg-type]


def test_programs_upsert_read_and_list(store: GraphStore) -> None:
    assert store.get_program("spring") is None and store.list_programs() == []
    v = store.data_version()
    spring = program("spring", max_group_size=4, hours_per_month=3.5, months=6)
    store.apply([UpsertPrograms([program("zeta"), spring])])
    assert store.data_version() == v + 1
    assert store.get_program("spring") == spring
    assert [p.id for p in store.list_programs()] == ["spring", "zeta"]
    # an upsert replaces the whole record
    again = Program(id="spring", models=[M.circle, M.micro], created_at=T0)
    store.apply([UpsertPrograms([again])])
    got = store.get_program("spring")
    assert got == again and got is not None and got.max_group_size == 5


def test_program_rows_are_validated(store: GraphStore) -> None:
    with pytest.raises(BatchRejected) as info:
        store.apply(
            [
                UpsertPrograms(
                    [
                        {"id": "a", "models": []},  # type: ignore[list-item]
                        {"id": "b", "models": ["group"], "max_circle_size": 7},  # type: ignore[list-item]
                        program("c"),
                    ]
                )
            ]
        )
    fields = sorted((p.row, p.field) for p in info.value.problems)
    assert fields == [
        (0, "ops[0].UpsertPrograms.models"),
        (1, "ops[0].UpsertPrograms.max_circle_size"),
    ]
    with pytest.raises(BatchRejected) as info:
        store.apply([UpsertPrograms([program("c"), program("c")])])
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "ops[0].UpsertPrograms.id")]
    assert store.list_programs() == []


def test_circle_and_micro_pairings_round_trip(store: GraphStore) -> None:
    people = [Person(id=x, name=x.upper()) for x in ("a", "b", "c", "m")]
    circle = Pairing(
        id="pr-c",
        mentor_id="a",
        mentee_ids=["b", "c"],
        model=M.circle,
        created_at=T0,
        updated_at=T0,
    )
    micro = Pairing(
        id="pr-m",
        mentor_id="m",
        mentee_ids=["a"],
        model=M.micro,
        skill_id="s1",
        session_minutes=30,
        hours_per_month=0.5,
        created_at=T0,
        updated_at=T0,
    )
    store.apply(
        [
            UpsertSkills([Skill(id="s1", label="one")]),
            UpsertPeople(people),
            UpsertPairings([circle, micro]),
        ]
    )
    assert store.get_pairing("pr-c") == circle
    got = store.get_pairing("pr-m")
    assert got == micro and got is not None and got.places_held == 0 and got.hours_held == 0.5
    assert (
        circle.places_held == 0 and circle.hours_held == 0.0 and circle.members == ["a", "b", "c"]
    )
    # a micro session's skill must exist
    bad = micro.model_copy(update={"id": "pr-x", "skill_id": "nope"})
    with pytest.raises(BatchRejected) as info:
        store.apply([UpsertPairings([bad])])
    assert [p.field for p in info.value.problems] == ["ops[0].UpsertPairings.skill_id"]
    assert store.get_pairing("pr-x") is None
