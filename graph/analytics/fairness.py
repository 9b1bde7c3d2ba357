"""Fairness audit: are mentors exposed, and mentees matched, at similar rates across groups?

The disparity ratio is the lowest group rate over the highest (the "four-fifths rule" reads
a ratio under 0.8 as adverse impact). Groups smaller than `min_group_size` are reported but
left out of the ratio, so one person cannot swing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pydantic import BaseModel

from graph.analytics.orgdata import ENGAGED_STATUSES, OrgData
from graph.errors import InvalidInput
from graph.model import Person

PERSON_ATTRIBUTES = ("department", "location", "title", "timezone")


class GroupRate(BaseModel):
    group: str
    members: int
    rate: float


class RateTable(BaseModel):
    metric: str
    groups: list[GroupRate]
    disparity_ratio: float | None
    flagged: bool


class FairnessReport(BaseModel):
    attribute: str
    threshold: float
    mentor_exposure: RateTable
    mentee_assignment: RateTable
    mentor_assignment: RateTable
    flags: list[str]


def attribute_value(person: Person, attribute: str) -> str | None:
    """The person's group for `attribute`; None when they gave none (self-reported ones)."""
    if attribute in PERSON_ATTRIBUTES:
        value = getattr(person, attribute)
        return value or "(none)"
    if attribute.startswith("attributes."):
        return person.attributes.get(attribute.removeprefix("attributes."))
    raise InvalidInput(
        f"unknown attribute {attribute!r}: use one of {', '.join(PERSON_ATTRIBUTES)} "
        "or attributes.<key> for a self-reported attribute",
        details=[{"field": "attribute", "reason": "unknown attribute"}],
    )


def _table(
    metric: str,
    members: Mapping[str, list[str]],
    value: Mapping[str, float],
    threshold: float,
    min_group_size: int,
) -> RateTable:
    groups = [
        GroupRate(
            group=g,
            members=len(ids),
            rate=round(sum(value.get(i, 0.0) for i in ids) / len(ids), 4),
        )
        for g, ids in sorted(members.items())
        if ids
    ]
    counted = [g.rate for g in groups if g.members >= min_group_size]
    ratio: float | None = None
    if len(counted) >= 2:
        ratio = 1.0 if max(counted) == 0 else round(min(counted) / max(counted), 4)
    return RateTable(
        metric=metric,
        groups=groups,
        disparity_ratio=ratio,
        flagged=ratio is not None and ratio < threshold,
    )


def fairness_audit(
    data: OrgData,
    attribute: str,
    *,
    exposures: Mapping[str, int] | None = None,
    threshold: float = 0.8,
    min_group_size: int = 5,
) -> FairnessReport:
    """`exposures`: mentor id -> how often they appeared in recommendations (the caller runs
    or logs the recommender); mentors with none count as zero."""
    if not 0 < threshold <= 1:
        raise InvalidInput("threshold must be in (0, 1]", details=[{"field": "threshold"}])
    people = data.analysable
    if people:  # validates the attribute name even for an empty org
        attribute_value(next(iter(people.values())), attribute)
    else:
        attribute_value(Person(id="probe", name="probe"), attribute)

    mentors: dict[str, list[str]] = defaultdict(list)
    mentees: dict[str, list[str]] = defaultdict(list)
    seekers = {g.person_id for g in data.open_goals.values()}
    for p in people.values():
        group = attribute_value(p, attribute)
        if group is None:
            continue
        if p.is_mentor:
            mentors[group].append(p.id)
        if p.id in seekers:
            mentees[group].append(p.id)

    engaged_mentees: set[str] = set()
    engaged_mentors: set[str] = set()
    for pairing in data.pairings:
        if pairing.status in ENGAGED_STATUSES:
            engaged_mentors.add(pairing.mentor_id)
            engaged_mentees.update(pairing.mentee_ids)

    exposure = {k: float(v) for k, v in (exposures or {}).items()}
    tables = {
        "mentor_exposure": _table(
            "recommendations per mentor", mentors, exposure, threshold, min_group_size
        ),
        "mentee_assignment": _table(
            "share of mentees with a mentor",
            mentees,
            dict.fromkeys(engaged_mentees, 1.0),
            threshold,
            min_group_size,
        ),
        "mentor_assignment": _table(
            "share of mentors with a mentee",
            mentors,
            dict.fromkeys(engaged_mentors, 1.0),
            threshold,
            min_group_size,
        ),
    }
    flags = [
        f"{t.metric}: disparity ratio {t.disparity_ratio} is below {threshold}"
        for t in tables.values()
        if t.flagged
    ]
    return FairnessReport(attribute=attribute, threshold=threshold, flags=flags, **tables)
