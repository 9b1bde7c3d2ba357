"""Reasons in words a mentee understands, built from what the ranking measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.model import Person
from graph.recommend.scoring import PRIOR_RATING, PRIOR_WEIGHT, SkillPath
from graph.recommend.skill_fit import Relation


@dataclass(frozen=True)
class Facts:
    """Everything a reason mentions, for one mentor."""

    mentor: Person
    paths: list[SkillPath]
    overlap_hours: float
    overlap_example: str | None
    asynchronous: bool
    capacity_left: int
    ratings_sum: float
    ratings_n: int
    declined_before: bool
    available_from: date | None
    # common hours in each week of the horizon; when they differ the average says so
    overlap_week_hours: tuple[float, ...] = ()


def first_name(person: Person) -> str:
    return person.name.split()[0] if person.name.split() else person.name


def _group(path: SkillPath) -> str:
    """The node a route turns at, as a reader sees it: 'S1.4 presenting information'."""
    label = path.via_label or ""
    return f"{path.via_code} {label}" if path.via_code else label


def relation_words(path: SkillPath) -> str:
    """How the mentor's skill relates to the goal's target, in the words of its credit
    (skill_fit.Relation): 'closely related to "x" (same narrow group: S1.4 presenting
    information)'. Empty for the skill itself."""
    target = f'"{path.target_label}"'
    rel = path.relation
    turns_at_target = path.via_id is not None and path.via_id == path.target_id
    if rel == Relation.skill:
        return ""
    if rel == Relation.in_target:
        return f"a skill in {target}"
    if rel == Relation.broader:
        return f"a broader skill of {target}"
    if rel == Relation.narrower:
        return f"a narrower skill of {target}"
    if rel == Relation.close:
        if path.via_id is None:  # the route turns at the mentor's skill: it is above
            return f"closely related to {target} (a broader skill, two steps up)"
        if turns_at_target:
            if path.via_kind == "skill":
                return f"closely related to {target} (a narrower skill, two steps down)"
            return f"closely related to {target} (one level further down in it)"
        if path.via_kind == "skill":
            return f'closely related to {target} (both under the broader skill "{_group(path)}")'
        return f"closely related to {target} (same narrow group: {_group(path)})"
    # loose (a loose route never turns at the mentor's skill: MAX_UP steps up reach it at 2)
    if turns_at_target:
        return f"loosely related to {target} ({path.hops} levels below it)"
    if path.hops == 2:  # only a top-level group in common
        return f"loosely related to {target} (both only under the broad group {_group(path)})"
    return f"loosely related to {target} ({path.hops} steps apart, under {_group(path)})"


def path_reason(path: SkillPath, who: str) -> str:
    """'Your goal "x": Ana holds the skill "y" (level 4)', or for any other relation
    'Your goal "x": Ben holds "z" (level 5), closely related to "y" (same narrow group: S1.4
    presenting information)'."""
    goal = f'Your goal "{path.goal_text}"'
    words = relation_words(path)
    if not words:
        return f'{goal}: {who} holds the skill "{path.skill_label}" (level {path.mentor_level})'
    return f'{goal}: {who} holds "{path.skill_label}" (level {path.mentor_level}), {words}'


NO_MENTOR_LINES = 10  # holders listed one by one when nobody is suggested; the rest counted


def no_mentor_lines(holders: list[tuple[str, int, str]]) -> list[str]:
    """Why nobody is suggested, without names: `holders` = (skill label, level, reason) of
    each person holding a skill the goals reach, closest first (ranking.unsuggested)."""
    if not holders:
        return [
            "Nobody holds a skill these goals reach in the taxonomy (the goals' skills, "
            "closely and loosely related ones)"
        ]
    if len(holders) == 1:
        skill, level, reason = holders[0]
        return [
            f'The only person holding a skill these goals reach ("{skill}", level {level}) {reason}'
        ]
    out = [f"{len(holders)} people hold a skill these goals reach; none can be suggested:"]
    out += [f'someone holding "{s}" (level {lv}) {r}' for s, lv, r in holders[:NO_MENTOR_LINES]]
    if len(holders) > NO_MENTOR_LINES:
        out.append(f"and {len(holders) - NO_MENTOR_LINES} more")
    return out


def few_mentor_lines(
    overlap: int,
    capacity: int,
    guarded: int,
    other: dict[str, int],
    *,
    min_overlap_hours: float,
) -> list[str]:
    """What limited a short list, without names: how many more mentors holding a skill the
    goals reach each rule removed (`ranking.why_few`); `other`: filter reason -> count."""

    def mentors(n: int) -> str:
        return f"{n} more mentor{'s' if n != 1 else ''} hold{'s' if n == 1 else ''}"

    out: list[str] = []
    if overlap:
        out.append(
            f"{mentors(overlap)} related skills but share{'s' if overlap == 1 else ''} under "
            f"{min_overlap_hours:g} h a week with you; try format=async or min_overlap_hours=0"
        )
    if capacity:
        out.append(
            f"{mentors(capacity)} related skills but {'has' if capacity == 1 else 'have'} no "
            "free mentee place or hours left"
        )
    if guarded:
        out.append(
            f"{mentors(guarded)} related skills but {'is' if guarded == 1 else 'are'} ruled out "
            "by a guardrail (management chain, do-not-pair-again, an open pairing with you)"
        )
    for reason, n in sorted(other.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"{mentors(n)} related skills but {'each ' if n != 1 else ''}{reason}")
    return out


def overlap_words(hours: float, week_hours: tuple[float, ...]) -> str:
    """'1.5 h/week overlap', or with the spread when the weeks of the horizon differ:
    '0.8 h/week overlap on average (0.0–1.5 h a week)'."""
    if week_hours and max(week_hours) - min(week_hours) > 1e-9:
        return (
            f"{hours:.1f} h/week overlap on average "
            f"({min(week_hours):.1f}–{max(week_hours):.1f} h a week)"
        )
    return f"{hours:.1f} h/week overlap"


def reasons(f: Facts) -> list[str]:
    who = first_name(f.mentor)
    out = [path_reason(p, who) for p in f.paths]
    if f.asynchronous:
        out.append("Asynchronous mentoring (format async): no common hours needed")
    elif f.overlap_example:
        out.append(
            f"{overlap_words(f.overlap_hours, f.overlap_week_hours)}, e.g. {f.overlap_example}"
        )
    else:
        out.append("No common free hours in the coming weeks")
    if f.available_from is not None:
        out.append(f"{who} is available from {f.available_from:%d %b %Y}")
    places = f.mentor.max_mentees
    out.append(f"{f.capacity_left} of {places} mentee place{'s' if places != 1 else ''} free")
    if f.ratings_n:
        avg = (PRIOR_WEIGHT * PRIOR_RATING + f.ratings_sum) / (PRIOR_WEIGHT + f.ratings_n)
        out.append(
            f"Mentees rated {who} {f.ratings_sum / f.ratings_n:.1f}/5 over {f.ratings_n} "
            f"check-in{'s' if f.ratings_n != 1 else ''} (counted as {avg:.1f})"
        )
    if f.declined_before:
        out.append("An earlier proposal between you two was declined, so this match ranks lower")
    return out
