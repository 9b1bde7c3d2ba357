"""Mentees who could become mentors: suggestions for coordinators, never automatic.

`suggested_mentors(state)` lists, per person and skill, people who

- were a mentee in a pairing (accepted at some time) working on a goal that is achieved now,
- hold a skill that goal targets (a skill target, or a skill inside a targeted group) at level
  `MENTOR_LEVEL` or more (the level the mentoring threshold asks for), and
- do not offer that skill for mentoring yet, and have not opted out of recommendations.

The person opts in themselves (`POST /v1/people/{id}/mentoring/opt-in`); a suggestion
changes nothing. Sorted by level (highest first), then person and skill id.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph.model import GoalStatus, PairingStatus
from graph.recommend.snapshot import State

MENTOR_LEVEL = 4
ENGAGED_EVER = frozenset(
    {PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled, PairingStatus.closed}
)


class SuggestedMentor(BaseModel):
    person_id: str
    name: str
    department: str
    skill_id: str
    skill_label: str
    level: int
    goal_id: str = Field(description="the achieved goal that aimed at the skill")
    mentored_by: str = Field(description="the mentor of that pairing (id)")
    already_mentor: bool = Field(description="mentors other skills already")


def suggested_mentors(state: State, *, threshold: int = MENTOR_LEVEL) -> list[SuggestedMentor]:
    """The suggestions (module doc)."""
    h = state.hierarchy
    found: dict[tuple[str, str], SuggestedMentor] = {}
    for p in sorted(state.pairings.values(), key=lambda p: (p.created_at, p.id)):
        if p.status not in ENGAGED_EVER and not any(
            e.status == PairingStatus.accepted for e in p.history
        ):
            continue
        for gid in p.goal_ids:
            goal = state.goals.get(gid)
            if goal is None or goal.status != GoalStatus.achieved:
                continue
            pid = goal.person_id
            person = state.people.get(pid)
            if pid not in p.mentee_ids or person is None or person.opt_out_recommend:
                continue
            own = state.skills_of.get(pid, {})
            for t in state.targets.get(gid, ()):
                if t.node_id not in h:
                    continue
                skills = (
                    {t.node_id} if h.kind(t.node_id) == "skill" else h.descendant_skills(t.node_id)
                )
                for sid in sorted(skills):
                    ps = own.get(sid)
                    if ps is None or ps.level < threshold or ps.willing_to_mentor:
                        continue
                    found.setdefault(
                        (pid, sid),
                        SuggestedMentor(
                            person_id=pid,
                            name=person.name,
                            department=person.department,
                            skill_id=sid,
                            skill_label=h.label(sid),
                            level=ps.level,
                            goal_id=gid,
                            mentored_by=p.mentor_id,
                            already_mentor=person.is_mentor
                            and any(x.willing_to_mentor for x in own.values()),
                        ),
                    )
    return sorted(found.values(), key=lambda s: (-s.level, s.person_id, s.skill_id))
