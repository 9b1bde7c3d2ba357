"""Thin glue between handlers and the domain: compose store ops, write them through the app
state (so the snapshot stays current), and audit every mutation.

Handlers do access checks and response shaping; functions here take plain arguments.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api import audit
from api.auth import Principal
from api.state import AppState, refresh_mapper
from graph.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from graph.model import Goal, PairingStatus, Person, PersonSkill, TaxonomyChange
from graph.store import (
    DeleteGoals,
    GraphStore,
    PairingFilter,
    RemovePersonSkills,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
)
from loaders.people import PeopleImportOptions, import_people
from taxonomy.goal_mapping import correct_goal_mapping, map_goal

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


# --- goals ----------------------------------------------------------------------------------

GOAL_TARGETS_K = 3
MENTOR_SEES = frozenset({PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled})


def get_goal(state: AppState, goal_id: str) -> Goal:
    goal = state.store.get_goal(goal_id)
    if goal is None:
        raise NotFound(f"goal {goal_id!r} not found")
    return goal


def mentors_of(state: AppState, mentee_id: str) -> set[str]:
    """Mentors in an accepted/active/stalled pairing with the mentee."""
    pairings = state.store.list_pairings(PairingFilter(mentee_id=mentee_id))
    return {p.mentor_id for p in pairings if p.status in MENTOR_SEES}


def may_read_goal_text(state: AppState, who: Principal, owner_id: str) -> bool:
    """Goal text is confidential to the mentee, their mentor(s) and coordinators."""
    if who.org_wide or who.is_person(owner_id):
        return True
    return who.person_id is not None and who.person_id in mentors_of(state, owner_id)


def mapper_of(state: AppState) -> Any:
    if state.mapper is None:
        raise StoreUnavailable("the goal-mapping index is not loaded")
    return state.mapper


def create_goal(state: AppState, who: Principal, person_id: str, data: dict[str, Any]) -> Goal:
    get_person(state, person_id)
    goal_id = data.pop("id", None) or f"goal_{secrets.token_hex(8)}"
    if state.store.get_goal(goal_id) is not None:
        raise Conflict(f"goal {goal_id!r} already exists")
    goal = Goal.model_validate({**data, "id": goal_id, "person_id": person_id})
    mapper = mapper_of(state)
    state.write([UpsertGoals([goal])])
    state.after_domain_write(lambda store: map_goal(store, mapper, goal.id, k=GOAL_TARGETS_K))
    audit.record(state.store, who, "goal.create", goal.id, {"person_id": person_id})
    return goal


def update_goal(state: AppState, who: Principal, goal_id: str, changes: dict[str, Any]) -> Goal:
    current = get_goal(state, goal_id)
    merged = Goal.model_validate({**current.model_dump(), **changes, "id": goal_id})
    state.write([UpsertGoals([merged])])
    if "text" in changes and changes["text"] != current.text:
        mapper = mapper_of(state)
        state.after_domain_write(lambda store: map_goal(store, mapper, goal_id, k=GOAL_TARGETS_K))
    audit.record(state.store, who, "goal.update", goal_id, {"fields": sorted(changes)})
    return merged


def remap_goal(state: AppState, who: Principal, goal_id: str) -> Goal:
    goal = get_goal(state, goal_id)
    mapper = mapper_of(state)
    state.after_domain_write(lambda store: map_goal(store, mapper, goal_id, k=GOAL_TARGETS_K))
    audit.record(state.store, who, "goal.remap", goal_id)
    return goal


def correct_goal(
    state: AppState,
    who: Principal,
    goal_id: str,
    node_ids: list[str],
    *,
    reason: str,
) -> Goal:
    """Targets become exactly `node_ids`; the goal's wording is taught to the mapper (and
    kept as an alias of the first node when short enough) by the taxonomy module."""
    goal = get_goal(state, goal_id)
    mapper = mapper_of(state)
    state.after_domain_write(
        lambda store: correct_goal_mapping(
            store, mapper, goal_id, node_ids, actor=who.actor, reason=reason
        )
    )
    audit.record(state.store, who, "goal.correct", goal_id, {"targets": node_ids, "reason": reason})
    return goal


def delete_goal(state: AppState, who: Principal, goal_id: str) -> None:
    get_goal(state, goal_id)
    state.write([DeleteGoals([goal_id])])
    audit.record(state.store, who, "goal.delete", goal_id)


# --- taxonomy -------------------------------------------------------------------------------


def edit_taxonomy(
    state: AppState, who: Principal, op: str, edit: Callable[[GraphStore], TaxonomyChange]
) -> TaxonomyChange:
    """Run one steward edit (atomic in the taxonomy module), then re-index the mapper."""
    change = state.after_domain_write(edit)
    refresh_mapper(state)
    audit.record(
        state.store, who, f"taxonomy.{op}", ",".join(change.node_ids), {"change_id": change.id}
    )
    return change


# --- people import --------------------------------------------------------------------------


def import_people_text(
    state: AppState,
    who: Principal,
    fmt: str,
    content: str,
    *,
    dry_run: bool,
    allow_partial: bool,
    options: PeopleImportOptions | None = None,
) -> tuple[Any, str | None, int]:
    """Run the people importer on uploaded text; map new goals; return (report, rejects, mapped).

    The text goes to a private temp file because the importer reads files (line numbers in
    its errors then name `upload.csv:LINE`)."""

    mapper = mapper_of(state)
    with tempfile.TemporaryDirectory(prefix="mentorgraph-import-") as tmp:
        path = Path(tmp) / f"upload.{fmt}"
        path.write_text(content, encoding="utf-8")
        rejects = Path(tmp) / f"rejected.{fmt}"

        def run(store: GraphStore) -> Any:
            return import_people(
                store,
                path,
                dry_run=dry_run,
                allow_partial=allow_partial,
                reject_file=rejects if allow_partial else None,
                mapper=mapper,
                options=options,
            )

        report = state.after_domain_write(run)
        rejected = rejects.read_text(encoding="utf-8") if rejects.exists() else None
    mapped = 0
    if report.written:
        todo = [
            g.id
            for pid in [*report.added, *report.changed]
            for g in state.store.goals_of(pid)
            if not state.store.goal_targets(g.id)
        ]
        for goal_id in todo:

            def remap(store: GraphStore, goal_id: str = goal_id) -> Any:
                return map_goal(store, mapper, goal_id, k=GOAL_TARGETS_K)

            state.after_domain_write(remap)
        mapped = len(todo)
        audit.record(
            state.store,
            who,
            "people.import",
            "",
            {"records": report.records, "added": len(report.added), "changed": len(report.changed)},
        )
    return report, rejected, mapped
