"""Thin glue between handlers and the domain: compose store ops, write them through the app
state (so the snapshot stays current), and audit every mutation.

Handlers do access checks and response shaping; functions here take plain arguments.
"""

from __future__ import annotations

from typing import Any

from api import audit
from api.auth import Principal
from api.state import AppState
from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import Person, PersonSkill
from graph.store import RemovePersonSkills, UpsertPeople, UpsertPersonSkills

# --- people ---------------------------------------------------------------------------------


def get_person(state: AppState, person_id: str) -> Person:
    person = state.store.get_person(person_id)
    if person is None:
        raise NotFound(f"person {person_id!r} not found")
    return person


def create_person(state: AppState, who: Principal, person: Person) -> Person:
    if state.store.get_person(person.id) is not None:
        raise Conflict(f"person {person.id!r} already exists")
    state.write([UpsertPeople([person])])
    audit.record(state.store, who, "person.create", person.id)
    return person


def update_person(
    state: AppState, who: Principal, person_id: str, changes: dict[str, Any]
) -> Person:
    current = get_person(state, person_id)
    merged = Person.model_validate({**current.model_dump(), **changes, "id": person_id})
    state.write([UpsertPeople([merged])])
    audit.record(state.store, who, "person.update", person_id, {"fields": sorted(changes)})
    return merged


def replace_person_skills(
    state: AppState, who: Principal, person_id: str, skills: list[PersonSkill]
) -> list[PersonSkill]:
    get_person(state, person_id)
    ids = [s.skill_id for s in skills]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInput(
            "a skill is listed twice",
            details=[{"field": "body.skills", "reason": f"duplicate skill {d!r}"} for d in dupes],
        )
    old = {s.skill_id for s in state.store.person_skills(person_id)}
    gone = [(person_id, sid) for sid in sorted(old - set(ids))]
    ops: list[Any] = []
    if gone:
        ops.append(RemovePersonSkills(gone))
    if skills:
        ops.append(UpsertPersonSkills(skills))
    state.write(ops)
    audit.record(
        state.store,
        who,
        "person.skills.replace",
        person_id,
        {"skills": len(skills), "removed": len(gone)},
    )
    return state.store.person_skills(person_id)
