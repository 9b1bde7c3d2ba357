"""A person opts in to mentor skills (the step after a growth suggestion): never automatic.

`opt_in(state, who, person_id, skill_ids, ...)`: the named skills (which the person must hold)
become offered for mentoring, and a person who was not a mentor becomes one with at least
`max_mentees` place(s) and `max_hours_per_month` hours; one apply with the audit entry
`person.mentor_opt_in` (skill ids and counts only).
"""

from __future__ import annotations

from collections.abc import Sequence

from api.state import AppState
from api.usecases.base import Who, audited, person
from graph.errors import InvalidInput
from graph.model import Person, PersonSkill
from graph.store import GraphStore, Planned, UpsertPeople, UpsertPersonSkills


def opt_in(
    state: AppState,
    who: Who,
    person_id: str,
    skill_ids: Sequence[str],
    *,
    max_mentees: int = 1,
    max_hours_per_month: float = 2.0,
) -> tuple[Person, list[PersonSkill]]:
    """Offer `skill_ids` for mentoring (module doc). InvalidInput naming `skill_ids[i]` for a
    skill the person does not hold, or an empty list; NotFound for an unknown person."""
    if not skill_ids:
        raise InvalidInput(
            "name at least one skill to mentor",
            details=[{"field": "skill_ids", "reason": "empty; expected skill ids you hold"}],
        )

    def plan(store: GraphStore) -> Planned[tuple[Person, list[PersonSkill]]]:
        me = person(store, person_id)
        held = {ps.skill_id: ps for ps in store.person_skills(person_id)}
        problems = [
            {"field": f"skill_ids[{i}]", "reason": f"{sid!r} is not a skill you hold"}
            for i, sid in enumerate(skill_ids)
            if sid not in held
        ]
        if problems:
            raise InvalidInput(
                f"cannot offer skills you do not hold: {problems[0]['reason']}",
                details=problems,
            )
        rows = [
            held[sid].model_copy(update={"willing_to_mentor": True})
            for sid in dict.fromkeys(skill_ids)
        ]
        updated = me.model_copy(
            update={
                "is_mentor": True,
                "max_mentees": max(me.max_mentees, max_mentees),
                "max_hours_per_month": max(me.max_hours_per_month, max_hours_per_month),
            }
        )
        planned = Planned([UpsertPeople([updated]), UpsertPersonSkills(rows)], (updated, rows))
        detail = {"skill_ids": [r.skill_id for r in rows], "became_mentor": not me.is_mentor}
        return audited(planned, who, "person.mentor_opt_in", person_id, detail)

    return state.write_plan(plan)
