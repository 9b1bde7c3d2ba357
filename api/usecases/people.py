"""People: create, update, replace their skills."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.state import AppState
from api.usecases.base import Who, audited, person
from graph.errors import Conflict, InvalidInput
from graph.model import Person, PersonSkill
from graph.store import (
    GraphStore,
    Planned,
    RemovePersonSkills,
    StoreOp,
    UpsertPeople,
    UpsertPersonSkills,
)


def get_person(state: AppState, person_id: str) -> Person:
    """The person; NotFound."""
    return person(state.store, person_id)


def create_person(state: AppState, who: Who, new: Person) -> Person:
    """Add one person; Conflict if the id exists."""

    if new.left_on is not None or new.erased_at is not None:
        field = "left_on" if new.left_on is not None else "erased_at"
        raise InvalidInput(
            f"a new person cannot have {field}: off-board people with DELETE /v1/people/{{id}}",
            details=[{"field": f"body.{field}", "reason": "set only by off-boarding"}],
        )

    def plan(store: GraphStore) -> Planned[Person]:
        if store.get_person(new.id) is not None:
            raise Conflict(f"person {new.id!r} already exists")
        return audited(Planned([UpsertPeople([new])], new), who, "person.create", new.id)

    return state.write_plan(plan)


def update_person(state: AppState, who: Who, person_id: str, changes: Mapping[str, Any]) -> Person:
    """Change some fields (validated like a new record); NotFound. The audit names the
    fields, never their values."""

    def plan(store: GraphStore) -> Planned[Person]:
        current = person(store, person_id)
        merged = Person.model_validate({**current.model_dump(), **changes, "id": person_id})
        return audited(
            Planned([UpsertPeople([merged])], merged),
            who,
            "person.update",
            person_id,
            {"fields": sorted(changes)},
        )

    return state.write_plan(plan)


def replace_person_skills(
    state: AppState, who: Who, person_id: str, skills: list[PersonSkill]
) -> list[PersonSkill]:
    """The person's skills become exactly `skills`; returns them as stored. NotFound;
    InvalidInput naming each skill listed twice."""
    person(state.store, person_id)
    ids = [s.skill_id for s in skills]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInput(
            "a skill is listed twice",
            details=[{"field": "body.skills", "reason": f"duplicate skill {d!r}"} for d in dupes],
        )

    def plan(store: GraphStore) -> Planned[None]:
        person(store, person_id)
        old = {s.skill_id for s in store.person_skills(person_id)}
        gone = [(person_id, sid) for sid in sorted(old - set(ids))]
        ops: list[StoreOp] = []
        if gone:
            ops.append(RemovePersonSkills(gone))
        if skills:
            ops.append(UpsertPersonSkills(skills))
        detail = {"skills": len(skills), "removed": len(gone)}
        return audited(Planned(ops, None), who, "person.skills.replace", person_id, detail)

    state.write_plan(plan)
    return state.store.person_skills(person_id)
