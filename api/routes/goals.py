"""Goals: a mentee's goals with their mapped taxonomy nodes; re-map; steward correction.

Goal text is confidential to the mentee, their accepted mentor(s) and coordinators: anyone
else who may see the goal (a steward correcting mappings) gets `text: null`. A mentor merely
proposed for the mentee sees what the mentee shares (`share_with_proposed_mentor`): the mapped
skills (default) and the text (off by default), never the outcome or milestones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Response, status

from api.auth import Principal
from api.deps import Allow, PrincipalDep, StateDep, person_in_path
from api.schemas.goals import (
    GoalCorrection,
    GoalCreate,
    GoalMappingPublic,
    GoalPublic,
    GoalsPublic,
    GoalTargetPublic,
    GoalUpdate,
)
from api.state import AppState
from api.usecases import goals
from api.usecases.people import get_person
from graph.errors import Forbidden
from graph.model import Goal, Role
from taxonomy.goal_mapping import MappingVerdict

router = APIRouter(tags=["goals"])

ORG = (Role.coordinator, Role.admin)


def goal_owner(state: AppState, path: Mapping[str, Any]) -> Iterable[str]:
    return [goals.get_goal(state, path["goal_id"]).person_id]


def goal_public(state: AppState, goal: Goal, viewer: Principal) -> GoalPublic:
    targets = []
    for t in state.store.goal_targets(goal.id):
        node = state.store.get_node(t.node_id)
        targets.append(
            GoalTargetPublic(
                node_id=t.node_id,
                label=node.label if node else None,
                kind=node.kind if node else None,
                confidence=t.confidence,
                source=t.source,
            )
        )
    entitled = goals.may_read_goal_text(state, viewer, goal.person_id)
    secret = not entitled
    title = None if secret else goal.text
    if (
        secret
        and not viewer.has(Role.steward)
        and goals.is_proposed_mentor(state, viewer, goal.person_id)
    ):
        # a proposed mentor: only what the mentee chose to share
        sharing = goal.share_with_proposed_mentor
        title = goal.text if sharing.text else None
        if not sharing.skills:
            targets = []
    return GoalPublic(
        id=goal.id,
        person_id=goal.person_id,
        text=title,
        measurable_outcome=None if secret else goal.measurable_outcome,
        start_date=goal.start_date,
        target_date=goal.target_date,
        milestones=[] if secret else goal.milestones,
        status=goal.status,
        created_at=goal.created_at,
        targets=targets,
        share_with_proposed_mentor=None if secret else goal.share_with_proposed_mentor,
    )


def with_mapping(
    state: AppState, public: GoalPublic, verdict: MappingVerdict | None, viewer: Principal
) -> GoalPublic:
    """`public` with the verdict on its mapping, shown only to a caller who may read the
    goal's text (the reason quotes it)."""
    if verdict is None or not goals.may_read_goal_text(state, viewer, public.person_id):
        return public
    mapping = GoalMappingPublic(
        fell_back=verdict.fell_back,
        vague=verdict.vague,
        choose=verdict.choose,
        reason=verdict.reason,
        language=verdict.language,
    )
    return public.model_copy(update={"mapping": mapping})


def check_may_see_goals(state: AppState, who: Principal, owner_id: str) -> None:
    if who.has(Role.steward) or goals.may_read_goal_text(state, who, owner_id):
        return
    if goals.is_proposed_mentor(state, who, owner_id):
        return  # each goal then shows only what the mentee shares (`visible_goals`)
    raise Forbidden("goals are visible to the mentee, their mentor, stewards and coordinators")


def shared_at_all(state: AppState, who: Principal, goal: Goal) -> bool:
    """Whether the caller may see the goal at all: entitled, a steward, or a proposed mentor
    the mentee shares something of this goal with."""
    if who.has(Role.steward) or goals.may_read_goal_text(state, who, goal.person_id):
        return True
    sharing = goal.share_with_proposed_mentor
    return (sharing.skills or sharing.text) and goals.is_proposed_mentor(state, who, goal.person_id)


@router.post(
    "/people/{person_id}/goals",
    response_model=GoalPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Allow(*ORG, own=(Role.mentee, Role.mentor, Role.steward), owners=person_in_path)],
)
def create_goal(
    person_id: str, body: GoalCreate, state: StateDep, principal: PrincipalDep
) -> GoalPublic:
    """Add a goal; it is mapped onto the taxonomy at once (`mapping`: how well)."""
    goal, verdict = goals.create_goal(state, principal, person_id, body.model_dump())
    return with_mapping(state, goal_public(state, goal, principal), verdict, principal)


@router.get("/people/{person_id}/goals", response_model=GoalsPublic, dependencies=[Allow(*Role)])
def list_goals(person_id: str, state: StateDep, principal: PrincipalDep) -> GoalsPublic:
    """A person's goals (the mentee, their mentor, stewards without text, coordinators)."""
    get_person(state, person_id)
    check_may_see_goals(state, principal, person_id)
    rows = [
        goal_public(state, g, principal)
        for g in state.store.goals_of(person_id)
        if shared_at_all(state, principal, g)
    ]
    return GoalsPublic(data=rows, count=len(rows))


@router.get("/goals/{goal_id}", response_model=GoalPublic, dependencies=[Allow(*Role)])
def read_goal(goal_id: str, state: StateDep, principal: PrincipalDep) -> GoalPublic:
    goal = goals.get_goal(state, goal_id)
    check_may_see_goals(state, principal, goal.person_id)
    if not shared_at_all(state, principal, goal):
        raise Forbidden("the mentee does not share this goal with a proposed mentor")
    return goal_public(state, goal, principal)


OWNER_OR_ORG = Allow(*ORG, own=(Role.mentee, Role.mentor, Role.steward), owners=goal_owner)


@router.patch("/goals/{goal_id}", response_model=GoalPublic, dependencies=[OWNER_OR_ORG])
def update_goal(
    goal_id: str, body: GoalUpdate, state: StateDep, principal: PrincipalDep
) -> GoalPublic:
    """Change a goal; a new text is mapped again (`mapping`: how well)."""
    changes = body.model_dump(exclude_unset=True)
    goal, verdict = goals.update_goal(state, principal, goal_id, changes)
    return with_mapping(state, goal_public(state, goal, principal), verdict, principal)


@router.delete(
    "/goals/{goal_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[OWNER_OR_ORG]
)
def delete_goal(goal_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    goals.delete_goal(state, principal, goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/goals/{goal_id}/remap", response_model=GoalPublic, dependencies=[OWNER_OR_ORG])
def remap_goal(goal_id: str, state: StateDep, principal: PrincipalDep) -> GoalPublic:
    """Map the goal again against the current taxonomy (after taxonomy edits; `mapping`:
    how well)."""
    goal, verdict = goals.remap_goal(state, principal, goal_id)
    return with_mapping(state, goal_public(state, goal, principal), verdict, principal)


@router.put(
    "/goals/{goal_id}/targets",
    response_model=GoalPublic,
    dependencies=[Allow(Role.steward)],
)
def correct_goal(
    goal_id: str, body: GoalCorrection, state: StateDep, principal: PrincipalDep
) -> GoalPublic:
    """A steward's correction of what the goal maps to; the mapper learns the wording
    privately; only `alias` (wording the steward types) is published as an alias."""
    goal = goals.correct_goal(
        state, principal, goal_id, body.node_ids, reason=body.reason, alias=body.alias
    )
    return goal_public(state, goal, principal)
