"""Conversation guide, calendar invitation, skill gaps and growth into mentoring.

- `GET /pairings/{id}/guide`: the first-meeting guide (participants and coordinators);
- `GET /pairings/{id}/invite.ics`: an iCalendar invitation for the first shared slot;
- `GET /people/{id}/skill-gap?role=TITLE`: what a person has, what their goals need, what a
  role typically has (the person, their accepted mentors, coordinators);
- `GET /mentors/suggested`: mentees grown to the mentoring level in a skill (coordinators);
- `POST /people/{id}/mentoring/opt-in`: the person offers skills for mentoring (only they).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import Allow, PrincipalDep, StateDep, person_in_path
from api.routes.pairings import PARTICIPANT_OR_ORG
from api.schemas.guides import MentorOptIn, MentorOptInResult, SuggestedMentorsPublic
from api.state import AppState
from api.usecases import goals as goal_access
from api.usecases import growth, guides
from graph.analytics.growth import MENTOR_LEVEL
from graph.analytics.skill_gap import MIN_GROUP, SkillGap
from graph.model import Role
from graph.recommend.guide import Guide
from loaders.invite import Cadence

router = APIRouter(tags=["guides"])
ORG = (Role.coordinator, Role.admin)
ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "iCal"}
}


def person_and_mentors(state: AppState, path: Mapping[str, Any]) -> Iterable[str]:
    person_id = path["person_id"]
    return [person_id, *goal_access.mentors_of(state, person_id)]


@router.get("/pairings/{pairing_id}/guide", response_model=Guide, dependencies=[PARTICIPANT_OR_ORG])
def get_guide(pairing_id: str, state: StateDep, principal: PrincipalDep) -> Guide:
    """Target skills with the mentees' levels, the mentor's matching skills, bridging skills
    with their descriptions, conversation topics, milestones, and the first 3 shared slots."""
    return guides.guide(state, principal, pairing_id)


@router.get(
    "/pairings/{pairing_id}/invite.ics",
    response_class=Response,
    responses=ICS,
    dependencies=[PARTICIPANT_OR_ORG],
)
def get_invite(
    pairing_id: str,
    state: StateDep,
    cadence: Annotated[
        Cadence | None, Query(description="default: from the pairing's hours per month")
    ] = None,
) -> Response:
    """The first shared slot as an RFC 5545 invitation, recurring at the pair's cadence."""
    body = guides.invite(state, pairing_id, cadence=cadence)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{pairing_id}.ics"'},
    )


@router.get(
    "/people/{person_id}/skill-gap",
    response_model=SkillGap,
    dependencies=[Allow(*ORG, own=(Role.mentee, Role.mentor), owners=person_and_mentors)],
)
def get_skill_gap(
    person_id: str,
    state: StateDep,
    role: Annotated[
        str | None, Query(min_length=1, max_length=200, description="a job title to aim for")
    ] = None,
) -> SkillGap:
    """Skills held, the open goals' needs, and (with `role`) the skills people with that
    title here typically hold (at least 5 of them, else "not enough people"), with goals
    proposed for the gaps."""
    return guides.person_skill_gap(state, person_id, title=role, min_group=MIN_GROUP)


@router.get("/mentors/suggested", response_model=SuggestedMentorsPublic, dependencies=[Allow(*ORG)])
def get_suggested(
    state: StateDep, threshold: Annotated[int, Query(ge=1, le=5)] = MENTOR_LEVEL
) -> SuggestedMentorsPublic:
    """People whose achieved goal brought a skill to `threshold`: invite them to mentor it
    (they opt in themselves; nothing changes here)."""
    rows, grown = guides.suggested(state, threshold=threshold)
    return SuggestedMentorsPublic(
        data=rows, count=len(rows), grown_from_mentees=grown, threshold=threshold
    )


@router.post(
    "/people/{person_id}/mentoring/opt-in",
    response_model=MentorOptInResult,
    dependencies=[Allow(own=(Role.mentee, Role.mentor), owners=person_in_path)],
)
def opt_in(
    person_id: str, body: MentorOptIn, state: StateDep, principal: PrincipalDep
) -> MentorOptInResult:
    """Offer skills you hold for mentoring (and become a mentor): only you can."""
    person, skills = growth.opt_in(
        state,
        principal,
        person_id,
        body.skill_ids,
        max_mentees=body.max_mentees,
        max_hours_per_month=body.max_hours_per_month,
    )
    return MentorOptInResult(person=person, skills=skills)
