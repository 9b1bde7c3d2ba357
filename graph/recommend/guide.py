"""A first-meeting guide for a pairing, built from the graph alone (no language model).

`first_meeting_guide(snapshot, pairing, now=..., visibility=...)` returns a `Guide`:

- per target of the pairing's goals (the pairing's `goal_ids`; when it names none, the
  mentees' open goals): the target node (label, ESCO description, kind), each mentee's current
  level in it (None: not held), the mentor's skills that reach it (`graph.recommend.skill_fit`:
  relation, credit, the mentor's level), the *bridges* (the target's narrower skills and its
  related skills, i.e. siblings in its groups and its broader skills, each with its
  description and who of the pair holds it), and suggested conversation topics written from
  those facts with fixed sentence templates;
- bridges are ranked by relevance to the target, no language model: closest in the hierarchy
  first (a narrower or broader skill, then a sibling under a broader skill, then a sibling in
  a group, the deepest group first), then those the mentor holds, then those a mentee holds,
  then by `word_overlap` of label and description with the target's (content words, lightly
  stemmed; Jaccard 0-1), then by label; at most `MAX_BRIDGES`. A sibling in a group that
  shares no word with the target (`relates`) is no bridge unless someone in the pair holds it;
- topics come only from skills that relate to the target: the skill itself, a narrower or
  broader skill, a skill in the targeted group, or one that `relates` (a shared label word,
  or at least `RELATED_OVERLAP` word overlap); never from a far-off skill;
- the goals' SMART milestones (title, status, due date) where the caller may see them;
- the first `SLOTS` shared meeting times of all participants (`availability.first_common_slots`
  over the participants' windows and exceptions, `MEETING_MINUTES` long), in UTC and in each
  participant's own zone.

Every function takes the participants as a list (`Pairing.mentee_ids` plus the mentor), so a
group (one mentor, several mentees) gets one guide with each mentee's levels, and a future
circle of equals can pass its members the same way.

Privacy: the caller decides per goal what the viewer may see (`GoalVisibility`): the goal text
and milestones only for the mentee, their accepted mentor and coordinators; a merely proposed
mentor sees the skills and the text only as the mentee shares them
(`Goal.share_with_proposed_mentor`), never the milestones.
A goal whose skills are hidden contributes nothing to the guide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from graph.model import Goal, GoalStatus, Milestone, Pairing
from graph.recommend import availability as av
from graph.recommend.skill_fit import Relation, level_ok
from graph.recommend.snapshot import Snapshot, State

SLOTS = 3
MEETING_MINUTES = 60
MAX_BRIDGES = 4
RELATED_OVERLAP = 0.2
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "this",
        "to",
        "use",
        "using",
        "via",
        "with",
        "within",
    }
)
MAX_MENTOR_SKILLS = 5
DESCRIPTION_CHARS = 300
DIRECT = frozenset(
    {
        Relation.skill.value,
        Relation.in_target.value,
        Relation.broader.value,
        Relation.narrower.value,
    }
)
RELATION_WORDS = {
    Relation.skill: "the skill itself",
    Relation.in_target: "a skill in the targeted group",
    Relation.broader: "the broader skill",
    Relation.narrower: "a narrower skill",
    Relation.close: "a closely related skill",
    Relation.loose: "a loosely related skill",
}


@dataclass(frozen=True)
class GoalVisibility:
    """What the viewer may see of each goal, as sets of goal ids: `text` (the SMART title),
    `milestones` and `skills` (its mapped targets)."""

    text: frozenset[str] = field(default_factory=frozenset)
    milestones: frozenset[str] = field(default_factory=frozenset)
    skills: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def everything(cls, goal_ids: Sequence[str]) -> GoalVisibility:
        ids = frozenset(goal_ids)
        return cls(text=ids, milestones=ids, skills=ids)


class MenteeLevel(BaseModel):
    person_id: str
    level: int | None = Field(description="current level 1-5; None: not held")


class MentorSkill(BaseModel):
    skill_id: str
    label: str
    level: int
    relation: str = Field(description="skill_fit relation to the target (skill, narrower, ...)")
    credit: float = Field(description="the taxonomy credit of that relation, 0-1")


class Bridge(BaseModel):
    skill_id: str
    label: str
    description: str = Field(description=f"ESCO description, first {DESCRIPTION_CHARS} chars")
    relation: str = Field(description="narrower, broader or related (a sibling in a group)")
    mentor_level: int | None
    mentee_levels: list[MenteeLevel]


class TargetGuide(BaseModel):
    goal_id: str
    node_id: str
    label: str
    kind: str
    description: str
    confidence: float
    mentee_levels: list[MenteeLevel]
    mentor_skills: list[MentorSkill] = Field(description="best first")
    bridges: list[Bridge]
    topics: list[str] = Field(description="suggested conversation topics, in order")


class GoalGuide(BaseModel):
    goal_id: str
    person_id: str
    text: str | None = Field(description="None when the viewer may not see it")
    target_date: date | None
    milestones: list[Milestone] = Field(description="[] when the viewer may not see them")


class SlotTime(BaseModel):
    person_id: str
    timezone: str
    start: datetime = Field(description="in the person's zone, with its UTC offset")
    end: datetime


class MeetingSlot(BaseModel):
    start_utc: datetime
    end_utc: datetime
    local: list[SlotTime] = Field(description="the same slot for each participant")


class Guide(BaseModel):
    pairing_id: str
    mentor_id: str
    mentee_ids: list[str]
    goals: list[GoalGuide]
    targets: list[TargetGuide]
    slots: list[MeetingSlot] = Field(description=f"the first {SLOTS} shared times, or fewer")
    notes: list[str] = Field(description="what the guide could not say, and why")


def pairing_goals(state: State, pairing: Pairing) -> list[Goal]:
    """The goals a pairing works on: its `goal_ids` (any status), else every mentee's open
    goals; sorted by id."""
    if pairing.goal_ids:
        found = [state.goals[g] for g in pairing.goal_ids if g in state.goals]
    else:
        found = [g for m in pairing.mentee_ids if m in state.people for g in state.open_goals(m)]
    return sorted(found, key=lambda g: g.id)


def _level(state: State, person_id: str, skill_id: str) -> int | None:
    row = state.skills_of.get(person_id, {}).get(skill_id)
    return row.level if row is not None else None


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def mentor_skills_for(
    snapshot: Snapshot, state: State, pairing: Pairing, target_id: str
) -> list[MentorSkill]:
    """The mentor's willing skills that reach `target_id`, best credit x level first; for
    the one-to-one and group models only those held above every mentee's level."""
    credits = snapshot.credits(state, target_id)
    own = state.skills_of.get(pairing.mentor_id, {})
    out: list[MentorSkill] = []
    for skill_id, route in zip(credits.skills, credits.routes, strict=True):
        ps = own.get(skill_id)
        if ps is None or not ps.willing_to_mentor:
            continue
        levels = [_level(state, m, skill_id) or 0 for m in pairing.mentee_ids]
        if not all(level_ok(pairing.model, ps.level, lv) for lv in levels):
            continue
        out.append(
            MentorSkill(
                skill_id=skill_id,
                label=state.hierarchy.label(skill_id),
                level=ps.level,
                relation=route.relation.value,
                credit=route.credit,
            )
        )
    out.sort(key=lambda s: (-s.credit * (0.5 + 0.1 * s.level), s.skill_id))
    return out[:MAX_MENTOR_SKILLS]


def content_words(text: str) -> frozenset[str]:
    """Lower-case words of 3+ letters, stop words out, a common suffix cut off ("presentations"
    and "presenting" both give "present")."""
    out = set()
    for w in re.findall(r"[a-z]+", text.casefold()):
        if len(w) < 3 or w in STOP_WORDS:
            continue
        for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s", "e"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return frozenset(out)


def word_overlap(state: State, a: str, b: str) -> float:
    """Jaccard overlap (0-1) of the content words of two nodes' label and description."""
    h = state.hierarchy
    wa = content_words(f"{h.label(a)} {h.node(a).description}")
    wb = content_words(f"{h.label(b)} {h.node(b).description}")
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def _label_words(label: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all content words of a label, those after its first word when it has several)."""
    first, _, rest = label.partition(" ")
    return content_words(label), content_words(rest) if rest else content_words(first)


def relates(state: State, target_id: str, skill_id: str) -> bool:
    """Whether a skill relates to the target by its words: a shared label word that is not
    just both labels' leading verb, or at least `RELATED_OVERLAP` overlap of label and
    description (module doc)."""
    h = state.hierarchy
    a, b = _label_words(h.label(target_id)), _label_words(h.label(skill_id))
    # a shared word other than both labels' leading verb ("conduct", "manage", ...)
    if (a[1] & b[0]) or (a[0] & b[1]):
        return True
    return word_overlap(state, target_id, skill_id) >= RELATED_OVERLAP


def bridges_for(state: State, pairing: Pairing, target_id: str) -> list[Bridge]:
    """Skills between the target and what the pair knows, most relevant first (module doc):
    the target's narrower skills (for a group target: the skills in it), its broader skills
    and its siblings; live skills only; at most `MAX_BRIDGES`."""
    h = state.hierarchy
    skills = h.skill_ids
    found: dict[str, tuple[str, int]] = {}  # skill -> (relation, hierarchy distance rank)
    for child in h.children(target_id):
        if child in skills:
            found.setdefault(child, ("narrower", 0))
    if h.kind(target_id) == "skill":
        for parent in h.parents(target_id):
            if parent in skills:
                found.setdefault(parent, ("broader", 0))
        # siblings through each parent: under a broader skill closer than in a group, and in
        # a deeper (narrower) group closer than in a shallower one
        for parent in sorted(h.parents(target_id)):
            tier = int(getattr(h.node(parent), "tier", 0))
            rank = 1 if parent in skills else 10 - min(tier, 8)
            for sib in h.children(parent):
                if sib == target_id or sib not in skills:
                    continue
                if sib not in found or found[sib][1] > rank:
                    found[sib] = ("related", rank)
    scored: list[tuple[tuple[int, bool, bool, float, str, str], Bridge]] = []
    for skill_id, (relation, rank) in found.items():
        if not h.is_active(skill_id):
            continue
        node = h.node(skill_id)
        bridge = Bridge(
            skill_id=skill_id,
            label=node.label,
            description=_short(node.description),
            relation=relation,
            mentor_level=_level(state, pairing.mentor_id, skill_id),
            mentee_levels=[
                MenteeLevel(person_id=m, level=_level(state, m, skill_id))
                for m in pairing.mentee_ids
            ],
        )
        mentee_holds = any(x.level is not None for x in bridge.mentee_levels)
        held = bridge.mentor_level is not None or mentee_holds
        if rank > 1 and not held and not relates(state, target_id, skill_id):
            continue  # a far-off sibling in a large group: no bridge
        key = (
            rank,
            bridge.mentor_level is None,
            not mentee_holds,
            -word_overlap(state, target_id, skill_id),
            node.label.casefold(),
            skill_id,
        )
        scored.append((key, bridge))
    scored.sort(key=lambda kb: kb[0])
    return [b for _, b in scored[:MAX_BRIDGES]]


def topics_for(
    label: str,
    description: str,
    mentee_levels: Sequence[MenteeLevel],
    mentor_name: str,
    mentor_skills: Sequence[MentorSkill],
    bridges: Sequence[Bridge],
    related: frozenset[str] = frozenset(),
) -> list[str]:
    """Conversation topics for one target, from fixed templates over the facts above; a
    mentor skill or bridge other than the skill itself, a narrower/broader one or one in the
    targeted group is used only when its id is in `related` (`relates` to the target)."""
    topics: list[str] = []
    known = [x.level for x in mentee_levels if x.level is not None]
    if not known:
        topics.append(f"Starting out in {label}: what it covers and where it shows up at work")
    else:
        topics.append(
            f"Where you stand in {label} today (level {min(known)} of 5) and what the next "
            "level looks like"
        )
    if description:
        topics.append(f"What {label} means in practice: {_first_sentence(description)}")
    for ms in [m for m in mentor_skills if m.relation in DIRECT or m.skill_id in related][:2]:
        if ms.relation == Relation.skill:
            topics.append(f"How {mentor_name} learned and uses {ms.label} (level {ms.level})")
        else:
            topics.append(
                f"What {mentor_name}'s {ms.label} (level {ms.level}, "
                f"{RELATION_WORDS.get(Relation(ms.relation), ms.relation)}) teaches about {label}"
            )
    for b in [x for x in bridges if x.relation != "related" or x.skill_id in related][:3]:
        if b.relation == "narrower":
            topics.append(f"A first concrete step: {b.label}")
        elif b.mentor_level is not None:
            topics.append(f"Connecting {label} with {b.label}, which {mentor_name} also knows")
        else:
            topics.append(f"How {label} relates to {b.label}")
    return topics


def first_slots(
    state: State, people: Sequence[str], now: datetime, start_dates: Sequence[date | None]
) -> list[MeetingSlot]:
    """The first `SLOTS` meeting times everyone in `people` has free, from now (or the goals'
    later start) over four weeks; each in UTC and in every participant's zone."""
    horizon = av.horizon_for(now, start_dates, av.DEFAULT_WEEKS)
    persons = [state.people[p] for p in people if p in state.people]
    grids = [av.person_grid(p.timezone, p.windows, p.exceptions, horizon) for p in persons]
    found = av.first_common_slots(
        grids, horizon, count=SLOTS, minutes=MEETING_MINUTES, not_before=now
    )
    return [
        MeetingSlot(
            start_utc=start,
            end_utc=end,
            local=[
                SlotTime(
                    person_id=p.id,
                    timezone=p.timezone,
                    start=start.astimezone(ZoneInfo(p.timezone)),
                    end=end.astimezone(ZoneInfo(p.timezone)),
                )
                for p in persons
            ],
        )
        for start, end in found
    ]


def first_meeting_guide(
    snapshot: Snapshot,
    pairing: Pairing,
    *,
    now: datetime,
    visibility: GoalVisibility | None = None,
    state: State | None = None,
) -> Guide:
    """The guide for `pairing` (module doc). `visibility` None: the viewer sees everything."""
    st = state or snapshot.state
    goals = pairing_goals(st, pairing)
    vis = visibility or GoalVisibility.everything([g.id for g in goals])
    mentor = st.people.get(pairing.mentor_id)
    mentor_name = mentor.name.split()[0] if mentor else "your mentor"
    notes: list[str] = []
    goal_rows: list[GoalGuide] = []
    targets: list[TargetGuide] = []
    for g in goals:
        goal_rows.append(
            GoalGuide(
                goal_id=g.id,
                person_id=g.person_id,
                text=g.text if g.id in vis.text else None,
                target_date=g.target_date,
                milestones=list(g.milestones) if g.id in vis.milestones else [],
            )
        )
        if g.id not in vis.skills:
            notes.append(f"goal {g.id}: its skills are not shared with you")
            continue
        mapped = st.targets.get(g.id, ())
        if not mapped:
            notes.append(f"goal {g.id}: not mapped to any skill yet")
        for t in mapped:
            if t.node_id not in st.hierarchy:
                continue
            node = st.hierarchy.node(t.node_id)
            levels = [
                MenteeLevel(person_id=m, level=_level(st, m, t.node_id)) for m in pairing.mentee_ids
            ]
            ms = mentor_skills_for(snapshot, st, pairing, t.node_id)
            bridges = bridges_for(st, pairing, t.node_id)
            targets.append(
                TargetGuide(
                    goal_id=g.id,
                    node_id=t.node_id,
                    label=node.label,
                    kind=node.kind,
                    description=_short(node.description),
                    confidence=t.confidence,
                    mentee_levels=levels,
                    mentor_skills=ms,
                    bridges=bridges,
                    topics=topics_for(
                        node.label,
                        node.description,
                        levels,
                        mentor_name,
                        ms,
                        bridges,
                        frozenset(
                            x
                            for x in [m.skill_id for m in ms] + [b.skill_id for b in bridges]
                            if relates(st, t.node_id, x)
                        ),
                    ),
                )
            )
    if not goals:
        notes.append("the pairing names no goals and its mentees have no open goals")
    open_starts = [g.start_date for g in goals if g.status == GoalStatus.open] or [None]
    slots = first_slots(st, [pairing.mentor_id, *pairing.mentee_ids], now, open_starts)
    if not slots:
        notes.append("no shared free time in the next four weeks: compare calendars")
    return Guide(
        pairing_id=pairing.id,
        mentor_id=pairing.mentor_id,
        mentee_ids=list(pairing.mentee_ids),
        goals=goal_rows,
        targets=targets,
        slots=slots,
        notes=notes,
    )
