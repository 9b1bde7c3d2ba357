"""A mentee's skill gaps: what they have, what their goals need, what a role they aspire to
typically has in this organisation, and goals proposed for the gaps.

Pure functions over the recommender's `State`.

- `role_profile(state, title)`: the people whose title is `title` (compared as labels are:
  case, spacing and Unicode form do not matter; people who opted out of analytics and the
  asker are left out). With fewer than `MIN_GROUP` of them there is no profile (`enough`
  False, and the group's size is not given: a small group would point at people). Otherwise
  each skill held by at least `MIN_PREVALENCE` of them, with its prevalence (holders / group)
  and median level, most common first (at most `MAX_ROLE_SKILLS`). When no skill reaches
  `MIN_PREVALENCE`, `message` says so plainly and `below_threshold` lists the `MAX_BELOW` most
  common skills (each marked `below_threshold`, with holders of the group), so an empty table
  is never left unexplained; no goals are proposed from them (they are not typical of the role).
- `skill_gap(state, person_id, title=None)`: the person's skills; each target of their open
  goals with their level and whether it is still a gap (a skill target below `GOAL_LEVEL`; a
  targeted group with none of its skills at `GOAL_LEVEL`); the role profile with their level
  in each of its skills and whether it is a gap (below the role's median level); and proposed
  goals for the role's gaps that no open goal targets yet, most common skill first (at most
  `MAX_PROPOSALS`). A proposal is text the person may add as a goal; nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from pydantic import BaseModel, Field

from graph.model import name_key
from graph.recommend.snapshot import State

MIN_GROUP = 5
MIN_PREVALENCE = 0.3
MAX_ROLE_SKILLS = 15
MAX_PROPOSALS = 5
MAX_BELOW = 3
GOAL_LEVEL = 3


class HeldSkill(BaseModel):
    skill_id: str
    label: str
    level: int
    willing_to_mentor: bool


class GoalNeed(BaseModel):
    goal_id: str
    node_id: str
    label: str
    kind: str
    confidence: float
    level: int | None = Field(description="the person's level (best skill in a group target)")
    needed_level: int
    gap: bool


class RoleSkill(BaseModel):
    skill_id: str
    label: str
    prevalence: float = Field(description="share of the role's people holding it, 0-1")
    holders: int = Field(description="how many of the role's people hold it")
    median_level: float
    your_level: int | None
    gap: bool = Field(description="not held, or held below the role's median level")
    below_threshold: bool = Field(
        default=False, description=f"held by fewer than {MIN_PREVALENCE:.0%} of the role"
    )


class RoleProfile(BaseModel):
    title: str
    enough: bool = Field(description=f"whether at least {MIN_GROUP} people hold the title")
    group_size: int | None = Field(description="None when below the minimum group size")
    min_group: int
    message: str
    min_prevalence: float = Field(default=MIN_PREVALENCE, description="threshold, 0-1")
    skills: list[RoleSkill] = Field(description=f"held by at least {MIN_PREVALENCE:.0%}")
    below_threshold: list[RoleSkill] = Field(
        default_factory=list,
        description=f"only when `skills` is empty: the {MAX_BELOW} most common, below it",
    )


class ProposedGoal(BaseModel):
    skill_id: str
    label: str
    from_level: int | None
    to_level: int
    text: str = Field(description="a goal text the person may add (POST .../goals)")
    why: str


class SkillGap(BaseModel):
    person_id: str
    have: list[HeldSkill]
    goals: list[GoalNeed]
    role: RoleProfile | None
    proposals: list[ProposedGoal]


def role_profile(
    state: State, title: str, *, exclude: str | None = None, min_group: int = MIN_GROUP
) -> RoleProfile:
    """The skills people holding `title` typically have (module doc)."""
    key = name_key(title)
    group = [
        p.id
        for p in state.people.values()
        if p.title and name_key(p.title) == key and not p.opt_out_analytics and p.id != exclude
    ]
    if len(group) < min_group:
        return RoleProfile(
            title=title,
            enough=False,
            group_size=None,
            min_group=min_group,
            message=(
                f"not enough people: fewer than {min_group} people hold the title {title!r}, "
                "so no profile is shown"
            ),
            skills=[],
        )
    levels: dict[str, list[int]] = defaultdict(list)
    for pid in group:
        for sid, ps in state.skills_of.get(pid, {}).items():
            levels[sid].append(ps.level)
    rows = []
    for sid, lv in levels.items():
        if sid not in state.hierarchy:
            continue
        share = len(lv) / len(group)
        rows.append(
            RoleSkill(
                skill_id=sid,
                label=state.hierarchy.label(sid),
                prevalence=round(share, 3),
                holders=len(lv),
                median_level=float(median(lv)),
                your_level=None,
                gap=False,
                below_threshold=share < MIN_PREVALENCE,
            )
        )
    rows.sort(key=lambda r: (-r.holders, -r.median_level, r.label.casefold(), r.skill_id))
    typical = [r for r in rows if not r.below_threshold]
    n = len(group)
    message = f"{n} people hold the title {title!r}"
    below: list[RoleSkill] = []
    if not typical:
        below = rows[:MAX_BELOW]
        common = ", ".join(f"{r.label} ({r.holders} of {n})" for r in below)
        message += (
            f"; no skill is held by at least {MIN_PREVALENCE:.0%} of the {n} people titled "
            f"{title!r}"
            + (f"; the most common are {common}" if below else "; none of them lists a skill")
        )
    return RoleProfile(
        title=title,
        enough=True,
        group_size=n,
        min_group=min_group,
        message=message,
        skills=typical[:MAX_ROLE_SKILLS],
        below_threshold=below,
    )


def skill_gap(
    state: State, person_id: str, *, title: str | None = None, min_group: int = MIN_GROUP
) -> SkillGap:
    """The person's skill-gap view (module doc). NotFound for an unknown person."""
    state.person(person_id)
    h = state.hierarchy
    own = state.skills_of.get(person_id, {})
    have = sorted(
        (
            HeldSkill(
                skill_id=sid,
                label=h.label(sid) if sid in h else sid,
                level=ps.level,
                willing_to_mentor=ps.willing_to_mentor,
            )
            for sid, ps in own.items()
        ),
        key=lambda s: (-s.level, s.label.casefold(), s.skill_id),
    )
    needs: list[GoalNeed] = []
    targeted: set[str] = set()
    for goal in state.open_goals(person_id):
        for t in state.targets.get(goal.id, ()):
            if t.node_id not in h:
                continue
            if h.kind(t.node_id) == "skill":
                targeted.add(t.node_id)
                held = own.get(t.node_id)
                level = held.level if held else None
            else:
                inside = h.descendant_skills(t.node_id)
                targeted |= inside
                level = max((own[s].level for s in inside if s in own), default=None)
            needs.append(
                GoalNeed(
                    goal_id=goal.id,
                    node_id=t.node_id,
                    label=h.label(t.node_id),
                    kind=h.kind(t.node_id),
                    confidence=t.confidence,
                    level=level,
                    needed_level=GOAL_LEVEL,
                    gap=level is None or level < GOAL_LEVEL,
                )
            )
    role = None
    proposals: list[ProposedGoal] = []
    if title:
        role = role_profile(state, title, exclude=person_id, min_group=min_group)
        for r in [*role.skills, *role.below_threshold]:
            held = own.get(r.skill_id)
            r.your_level = held.level if held else None
            r.gap = held is None or held.level < r.median_level
        for r in role.skills:
            if not r.gap or r.skill_id in targeted or len(proposals) >= MAX_PROPOSALS:
                continue
            to = max(1, min(5, int(-(-r.median_level // 1))))  # the median, rounded up
            text = (
                f"Learn {r.label} to level {to}"
                if r.your_level is None
                else f"Grow my {r.label} from level {r.your_level} to level {to}"
            )
            proposals.append(
                ProposedGoal(
                    skill_id=r.skill_id,
                    label=r.label,
                    from_level=r.your_level,
                    to_level=to,
                    text=text,
                    why=(
                        f"{round(r.prevalence * 100)}% of people titled {role.title!r} hold it, "
                        f"median level {r.median_level:g}"
                    ),
                )
            )
    return SkillGap(person_id=person_id, have=have, goals=needs, role=role, proposals=proposals)
