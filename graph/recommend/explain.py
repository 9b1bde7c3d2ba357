"""Reasons in words a mentee understands, built from what the ranking measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.model import Person
from graph.recommend.scoring import PRIOR_RATING, PRIOR_WEIGHT, SkillPath


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


def path_reason(path: SkillPath, who: str) -> str:
    """'Your goal "x" → skill (under S1.4 presenting information); Ana has level 4'."""
    where = ""
    if path.via_id is not None and path.via_label is not None:
        cluster = f"{path.via_code} {path.via_label}" if path.via_code else path.via_label
        if path.target_id in (path.skill_id, path.via_id):
            where = f" (under {cluster})"
        else:
            where = f" (close to {path.target_label}: both under {cluster})"
    elif path.target_id != path.skill_id:  # the route turns at the skill: it is broader
        where = f" (broader than {path.target_label})"
    goal = f'Your goal "{path.goal_text}"'
    return f"{goal} → {path.skill_label}{where}; {who} has level {path.mentor_level}"


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
        out.append("Asynchronous mentoring: no common hours needed")
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
