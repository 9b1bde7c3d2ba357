"""People: create, read, update, list; their skills with levels."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, status

from api.auth import Principal, require_self_or_org
from api.deps import Allow, PageDep, PrincipalDep, StateDep, person_in_path
from api.schemas.leavers import EndedPairing, PersonDataExport, PersonRemoval
from api.schemas.pairings import PairingConflictPublic
from api.schemas.people import (
    ImportProblem,
    PeopleImport,
    PeopleImportResult,
    PeoplePublic,
    PersonCreate,
    PersonPublic,
    PersonSkillPublic,
    PersonSkillsPublic,
    PersonSkillsReplace,
    PersonUpdate,
)
from api.usecases import imports, leavers, people
from graph.errors import Forbidden
from graph.model import Person, PersonSkill, Role
from loaders.people import PeopleImportOptions

router = APIRouter(prefix="/people", tags=["people"])

ALL = tuple(Role)
ORG = (Role.coordinator, Role.admin)
SELF_OR_ORG = Allow(*ORG, own=(Role.mentee, Role.mentor, Role.steward), owners=person_in_path)
# Set by the HR import (coordinators and admins may correct them); a person changing their
# own manager would slip past the never-your-manager rule.
HR_FIELDS = frozenset({"name", "email", "title", "department", "manager_id", "seniority"})


def public_person(person: Person, viewer: Principal) -> PersonPublic:
    """Self-reported attributes and leave reasons are for the person and coordinators only."""
    data = person.model_dump()
    if not (viewer.org_wide or viewer.is_person(person.id)):
        data["attributes"] = {}
        for exc in data["exceptions"]:
            exc["reason"] = ""
    return PersonPublic.model_validate(data)


@router.post(
    "",
    response_model=PersonPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*ORG)],
)
def create_person(body: PersonCreate, state: StateDep, principal: PrincipalDep) -> PersonPublic:
    """Add one person (coordinators/admins). 409 if the id exists."""
    person = people.create_person(state, principal, Person.model_validate(body.model_dump()))
    return public_person(person, principal)


@router.post("/import", response_model=PeopleImportResult, dependencies=[Allow(*ORG)])
def import_people(
    body: PeopleImport, state: StateDep, principal: PrincipalDep
) -> PeopleImportResult:
    """Import an HR export (CSV or JSON Lines): all or nothing, a dry run, or partial.

    Without `allow_partial` any bad record rejects the whole import (422, every problem
    listed with its line); new goals are mapped onto the taxonomy."""
    options = PeopleImportOptions.build(
        columns=body.columns,
        delimiter=body.delimiter,
        max_bytes=state.settings.max_import_bytes,
    )
    done = imports.import_people_text(
        state,
        principal,
        body.format,
        body.content,
        dry_run=body.dry_run,
        allow_partial=body.allow_partial,
        options=options,
        full_export=body.full_export,
    )
    report = done.report
    return PeopleImportResult(
        dry_run=report.dry_run,
        written=report.written,
        records=report.records,
        added=report.added,
        changed=report.changed,
        unchanged=report.unchanged,
        skills_written=report.skills_written,
        skills_removed=report.skills_removed,
        goals_added=report.goals_added,
        goals_changed=report.goals_changed,
        goals_mapped=report.goals_mapped,
        problems=[ImportProblem(**p.as_dict()) for p in report.problems],
        warnings=[ImportProblem(**p.as_dict()) for p in report.warnings],
        notes=[ImportProblem(**p.as_dict()) for p in report.notes],
        rejected=done.rejected,
        conflicts=[PairingConflictPublic.model_validate(c) for c in report.conflicts],
        leavers=report.leavers,
        offboarded=report.offboarded,
        summary=report.summary(),
    )


@router.get("", response_model=PeoplePublic, dependencies=[Allow(*ORG)])
def list_people(state: StateDep, principal: PrincipalDep, page: PageDep) -> PeoplePublic:
    """Everyone, a page at a time (org-wide: coordinators/admins)."""
    people = state.store.list_people(offset=page.offset, limit=page.limit, include_departed=False)
    return PeoplePublic(
        data=[public_person(p, principal) for p in people],
        count=state.store.count_people(include_departed=False),
    )


@router.get("/{person_id}", response_model=PersonPublic, dependencies=[Allow(*ALL)])
def read_person(person_id: str, state: StateDep, principal: PrincipalDep) -> PersonPublic:
    """One person's profile (directory view unless it is you or you coordinate)."""
    return public_person(people.get_person(state, person_id), principal)


@router.patch(
    "/{person_id}",
    response_model=PersonPublic,
    dependencies=[SELF_OR_ORG],
)
def update_person(
    person_id: str,
    body: PersonUpdate,  # type: ignore[valid-type]  # built from Person: stays in step with it
    state: StateDep,
    principal: PrincipalDep,
) -> PersonPublic:
    """Change some fields: timezone, windows, exceptions, capacity, preferences, consent...
    A person on their own profile may not change the HR fields (`HR_FIELDS`): 403."""
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    hr = sorted(HR_FIELDS.intersection(changes))
    if hr and not principal.org_wide:
        raise Forbidden(
            f"only coordinators and admins may change HR fields: {', '.join(hr)}",
            details=[{"field": f"body.{f}", "reason": "set by the HR import"} for f in hr],
        )
    person = people.update_person(state, principal, person_id, changes)
    return public_person(person, principal)


@router.get("/{person_id}/skills", response_model=PersonSkillsPublic, dependencies=[Allow(*ALL)])
def read_skills(person_id: str, state: StateDep) -> PersonSkillsPublic:
    """A person's skills with levels (1-5) and whether they will mentor in them."""
    people.get_person(state, person_id)
    return _skills_out(state, state.store.person_skills(person_id))


@router.put(
    "/{person_id}/skills",
    response_model=PersonSkillsPublic,
    dependencies=[SELF_OR_ORG],
)
def replace_skills(
    person_id: str, body: PersonSkillsReplace, state: StateDep, principal: PrincipalDep
) -> PersonSkillsPublic:
    """Replace the person's whole skill list."""
    rows = [PersonSkill(person_id=person_id, **s.model_dump()) for s in body.skills]
    return _skills_out(state, people.replace_person_skills(state, principal, person_id, rows))


def _skills_out(state: StateDep, rows: list[PersonSkill]) -> PersonSkillsPublic:
    out = []
    for r in rows:
        node = state.store.get_node(r.skill_id)
        out.append(
            PersonSkillPublic(
                skill_id=r.skill_id,
                level=r.level,
                willing_to_mentor=r.willing_to_mentor,
                label=node.label if node else None,
            )
        )
    return PersonSkillsPublic(data=out, count=len(out))


@router.delete("/{person_id}", response_model=PersonRemoval, dependencies=[Allow(*ORG)])
def remove_person(
    person_id: str,
    state: StateDep,
    principal: PrincipalDep,
    erase: Literal["now"] | None = Query(
        default=None, description="`now`: erase their personal data at once, not after the grace"
    ),
) -> PersonRemoval:
    """Off-board a person (coordinators/admins): their open pairings end (listed, with the
    reason), their mentees get alternates, their API keys are revoked, and they are in no
    listing, lookup or recommendation from now on. Their personal data is erased after
    `MENTORGRAPH_ERASE_AFTER_DAYS` (default 30), or at once with `?erase=now`. Idempotent;
    404 for an unknown person."""
    done = leavers.remove_person(state, principal, person_id, erase_now=erase == "now")
    return PersonRemoval(
        person_id=person_id,
        left_on=done.left_on,
        already_left=done.already,
        ended_pairings=[
            EndedPairing(
                id=p.id,
                status=p.status,
                mentor_id=p.mentor_id,
                mentee_ids=p.mentee_ids,
                close_reason=p.close_reason,
            )
            for p in done.ended
        ],
        left_pairings=[p.id for p in done.left],
        keys_revoked=done.keys_revoked,
        alternates=done.alternates,
        erased=done.erased is not None,
        erase_after=done.erase_after,
        erased_counts=dict(done.erased.counts) if done.erased else {},
    )


@router.get("/{person_id}/export", response_model=PersonDataExport, dependencies=[Allow(*ALL)])
def export_person(person_id: str, state: StateDep, principal: PrincipalDep) -> PersonDataExport:
    """Everything stored about a person, as JSON: for the person themselves (also
    `GET /v1/me/export`) and coordinators/admins; anyone else 403."""
    require_self_or_org(principal, person_id, "this person's data")
    return PersonDataExport.model_validate(leavers.export_person_data(state, person_id))
