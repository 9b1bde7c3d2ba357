"""Fairness audit: are mentors exposed, and mentees matched, at similar rates across groups?

The disparity ratio is the lowest group rate over the highest (the "four-fifths rule" reads
a ratio under 0.8 as adverse impact). A ratio of rates means something only with a sample
behind each rate, so a group enters the ratio only with

- at least `min_group_size` members (MIN_GROUP_SIZE = 5), so one person cannot swing it, and
- at least `min_expected_events` events it would have at the overall rate (members x all
  events / all members >= MIN_EXPECTED_EVENTS = 5: the usual rule of thumb for comparing
  counts, as for a chi-square test). Events are what the rate counts: recommendations of a
  mentor, mentees with a mentor, mentors with a mentee.

Every group is reported with `counted` saying whether it entered. With fewer than two counted
groups the table says `status: "not enough data"` and why, with `disparity_ratio` null and
never flagged: no pairings yet, or one, is not a disparity of 0.0 (nor a parity of 1.0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Final, Literal

from pydantic import BaseModel, Field

from graph.analytics.orgdata import ENGAGED_STATUSES, OrgData
from graph.errors import InvalidInput
from graph.model import Person

PERSON_ATTRIBUTES = ("department", "location", "title", "timezone")
MIN_GROUP_SIZE = 5  # members a group needs to enter a ratio
MIN_EXPECTED_EVENTS = 5.0  # events a group would have at the overall rate, to enter a ratio
NOT_ENOUGH_DATA: Final = "not enough data"


class GroupRate(BaseModel):
    group: str
    members: int
    rate: float
    events: float = Field(default=0.0, description="what the rate counts, summed over members")
    counted: bool = Field(
        default=False,
        description="enough members and expected events to enter the disparity ratio",
    )


class RateTable(BaseModel):
    metric: str
    groups: list[GroupRate]
    disparity_ratio: float | None
    flagged: bool
    status: Literal["ok", "not enough data"] = "ok"
    note: str = Field(default="", description="why there is no ratio, when there is none")


class FairnessReport(BaseModel):
    attribute: str
    threshold: float
    mentor_exposure: RateTable
    mentee_assignment: RateTable
    mentor_assignment: RateTable
    flags: list[str]
    notes: list[str] = Field(default_factory=list, description="tables without enough data")
    min_group_size: int = MIN_GROUP_SIZE
    min_expected_events: float = MIN_EXPECTED_EVENTS


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
    min_expected_events: float,
) -> RateTable:
    sizes = {g: len(ids) for g, ids in members.items() if ids}
    events = {g: sum(value.get(i, 0.0) for i in members[g]) for g in sizes}
    everyone = sum(sizes.values())
    overall = sum(events.values()) / everyone if everyone else 0.0
    groups = [
        GroupRate(
            group=g,
            members=n,
            rate=round(events[g] / n, 4),
            events=round(events[g], 4),
            counted=n >= min_group_size and n * overall >= min_expected_events,
        )
        for g, n in sorted(sizes.items())
    ]
    counted = [g.rate for g in groups if g.counted]
    if len(counted) < 2:
        return RateTable(
            metric=metric,
            groups=groups,
            disparity_ratio=None,
            flagged=False,
            status=NOT_ENOUGH_DATA,
            note=(
                f"{NOT_ENOUGH_DATA}: a ratio needs two groups, each with at least "
                f"{min_group_size} members and {min_expected_events:g} expected events at the "
                f"overall rate ({overall:.4g} per member, {sum(events.values()):g} events in "
                f"all); {len(counted)} of {len(groups)} groups qualify"
            ),
        )
    ratio = 1.0 if max(counted) == 0 else round(min(counted) / max(counted), 4)
    return RateTable(metric=metric, groups=groups, disparity_ratio=ratio, flagged=ratio < threshold)


def fairness_audit(
    data: OrgData,
    attribute: str,
    *,
    exposures: Mapping[str, int] | None = None,
    threshold: float = 0.8,
    min_group_size: int = MIN_GROUP_SIZE,
    min_expected_events: float = MIN_EXPECTED_EVENTS,
) -> FairnessReport:
    """`exposures`: mentor id -> how often they appeared in recommendations (the caller runs
    or logs the recommender); mentors with none count as zero. `min_group_size` and
    `min_expected_events`: the sample a group needs to enter a ratio (module doc).
    Raises InvalidInput for an unknown attribute, a threshold outside (0, 1] or a negative
    minimum."""
    if not 0 < threshold <= 1:
        raise InvalidInput("threshold must be in (0, 1]", details=[{"field": "threshold"}])
    if min_group_size < 1 or min_expected_events < 0:
        raise InvalidInput(
            "min_group_size must be at least 1 and min_expected_events at least 0",
            details=[{"field": "min_group_size"}, {"field": "min_expected_events"}],
        )
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
    sample = (threshold, min_group_size, min_expected_events)
    tables = {
        "mentor_exposure": _table("recommendations per mentor", mentors, exposure, *sample),
        "mentee_assignment": _table(
            "share of mentees with a mentor",
            mentees,
            dict.fromkeys(engaged_mentees, 1.0),
            *sample,
        ),
        "mentor_assignment": _table(
            "share of mentors with a mentee",
            mentors,
            dict.fromkeys(engaged_mentors, 1.0),
            *sample,
        ),
    }
    flags = [
        f"{t.metric}: disparity ratio {t.disparity_ratio} is below {threshold}"
        for t in tables.values()
        if t.flagged
    ]
    notes = [f"{t.metric}: {t.note}" for t in tables.values() if t.status == NOT_ENOUGH_DATA]
    return FairnessReport(
        attribute=attribute,
        threshold=threshold,
        flags=flags,
        notes=notes,
        min_group_size=min_group_size,
        min_expected_events=min_expected_events,
        **tables,
    )
