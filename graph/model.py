"""The competency graph's node and relationship kinds, as plain validated data.

Every store speaks these models: loaders and the API build them, stores persist them, the
recommender reads them. Validation that needs only the row itself (ranges, formats, time
zones) lives here; validation that needs the graph (unknown ids) lives in the stores.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from graph.errors import BatchRejected, RowProblem
from graph.text import label_key

AttrKey = Annotated[str, Field(min_length=1, max_length=64)]
AttrValue = Annotated[str, Field(max_length=200)]
NodeId = Annotated[str, Field(min_length=1, max_length=512, pattern=r"^\S(.*\S)?$")]
# People, goals, pairings and check-ins are addressed as one URL path segment, so their own
# ids cannot hold "/" (taxonomy ids can: ESCO's are URIs).
RecordId = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[^/\s]([^/\r\n]*[^/\s])?$")
]
Label = Annotated[str, Field(min_length=1, max_length=500)]
Level = Annotated[int, Field(ge=1, le=5)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1024)
def _check_timezone(name: str) -> str:
    """An IANA zone name or link (`Europe/Berlin`, `US/Pacific`, `EST`), as written; else
    ValueError naming it, with the right spelling when only the case is wrong
    (`europe/berlin`). Windows names and the like are read by the importers
    (loaders.timezones), not here."""
    known = name in _KNOWN_ZONES or name == "UTC"
    if known:
        # ZoneInfo("") and ZoneInfo("../x") raise ValueError, unknown names ZoneInfoNotFoundError.
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            known = False
    if not known:
        hints = _zone_hints(name)
        did_you_mean = f"; did you mean {' or '.join(map(repr, hints))}?" if hints else ""
        raise ValueError(
            f"unknown IANA time zone {name!r}: expected a name such as 'Europe/Berlin'"
            f"{did_you_mean}"
        )
    return name


def _zone_hints(name: str) -> list[str]:
    """The valid names nearest to an unknown one: the same name in another case
    (`europe/berlin` -> Europe/Berlin), else up to 3 close spellings (difflib over the
    case-folded names of zoneinfo.available_timezones: `Europe/Berln`, `europe/berln`)."""
    same = _ZONES_BY_CASEFOLD.get(name.casefold())
    if same:
        return [same]
    close = difflib.get_close_matches(name.casefold(), list(_ZONES_BY_CASEFOLD), n=3, cutoff=0.8)
    return [_ZONES_BY_CASEFOLD[c] for c in close]


_KNOWN_ZONES = frozenset(available_timezones())
_ZONES_BY_CASEFOLD = {z.casefold(): z for z in sorted(_KNOWN_ZONES | {"UTC"})}
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


# --- taxonomy -------------------------------------------------------------------------------


class NodeStatus(StrEnum):
    active = "active"
    deprecated = "deprecated"


class NodeKind(StrEnum):
    skill = "skill"
    cluster = "cluster"


# A language as ESCO names its downloads: "en", "de", "pt", "nb", ... (ISO 639, lower case),
# optionally with a region or script subtag ("pt-BR").
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


@lru_cache(maxsize=1 << 17)
def name_key(text: str) -> str:
    """`graph.text.label_key(text)`, remembered: every read and write of the taxonomy keys
    the same ~100k ESCO names again (about 10 us each, 0.1 us when remembered)."""
    return label_key(text)


def dedupe_labels(labels: Iterable[str], *, besides: str = "") -> list[str]:
    """`labels` without repeats and without `besides`, compared by `label_key` (the first
    spelling of each is kept, in order). Blank entries are dropped."""
    labels = list(labels)
    keys = list(map(name_key, labels))
    own = name_key(besides) if besides else None
    distinct = set(keys)
    if len(distinct) == len(keys) and own not in distinct and "" not in distinct:
        return labels  # the common case, without a Python-level loop
    seen = {own} if own is not None else set()
    out: list[str] = []
    for text, key in zip(labels, keys, strict=True):
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


class TaxonomyNode(Model):
    id: NodeId
    label: Label
    description: str = Field(default="", max_length=10_000)
    aliases: list[Label] = Field(default_factory=list)
    source: str = Field(default="company", max_length=64)  # "esco", "company", ...
    status: NodeStatus = NodeStatus.active
    # Where references went when this node was merged, split or deprecated.
    replaced_by: list[NodeId] = Field(default_factory=list)
    # The language of `label` and `aliases` (ESCO: the language of the download imported).
    language: LanguageCode = "en"
    # Labels in other languages, by language code: that language's preferred label first,
    # then its alternative labels. Found by find_by_label/search like aliases; never the
    # node's own label. ESCO: added by importing a second language (`--language es`).
    aliases_by_language: dict[LanguageCode, list[Label]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dedupe_aliases(self) -> TaxonomyNode:
        """Aliases that repeat one another or the label, compared by `label_key` (case,
        Unicode form, typographic quotes and dashes, spacing), are dropped; the first spelling
        stays. Per-language lists are deduplicated within each language; a language's list
        that ends up empty is dropped. The node's own language has no entry there (its labels
        are `label` and `aliases`): ValueError."""
        if self.language in self.aliases_by_language:
            raise ValueError(
                f"aliases_by_language has the node's own language {self.language!r}; "
                "its labels belong in label and aliases"
            )
        aliases = dedupe_labels(self.aliases, besides=self.label)
        if aliases != self.aliases:
            self.aliases = aliases
        if self.aliases_by_language:
            by_language = {
                lang: dedupe_labels(labels)
                for lang, labels in sorted(self.aliases_by_language.items())
            }
            self.aliases_by_language = {lang: v for lang, v in by_language.items() if v}
        return self

    def all_names(self) -> list[str]:
        """The label, the aliases and every language's labels: what a label lookup matches."""
        return [
            self.label,
            *self.aliases,
            *(a for labels in self.aliases_by_language.values() for a in labels),
        ]


class ReuseLevel(StrEnum):
    """ESCO's reuse level of a skill: how widely it applies across occupations."""

    transversal = "transversal"
    cross_sector = "cross-sector"
    sector_specific = "sector-specific"
    occupation_specific = "occupation-specific"


class Skill(TaxonomyNode):
    kind: Literal["skill"] = "skill"
    skill_type: str = Field(default="", max_length=64)  # ESCO: "skill/competence", "knowledge"
    reuse_level: ReuseLevel | None = None  # ESCO's reuseLevel; None when the source has none


class SkillCluster(TaxonomyNode):
    kind: Literal["cluster"] = "cluster"
    code: str = Field(default="", max_length=64)  # ESCO group code, e.g. "S1.4"
    tier: int = Field(ge=0, le=10)  # 0 = top of the taxonomy, deeper tiers count up


class Broader(Model):
    """BROADER: child sits under parent. A skill may sit under clusters and under broader
    skills (ESCO: "manage musical staff" under "manage staff"); a cluster sits only under
    clusters. The stores check the kinds and refuse cycles."""

    child_id: NodeId
    parent_id: NodeId

    @model_validator(mode="after")
    def _not_self(self) -> Broader:
        if self.child_id == self.parent_id:
            raise ValueError("a node cannot be its own broader node")
        return self


# --- people ---------------------------------------------------------------------------------


class Format(StrEnum):
    video = "video"
    in_person = "in_person"
    async_ = "async"


class MentoringModel(StrEnum):
    """How people meet. `one_to_one`: a mentor and a mentee; `group`: one mentor, 2-N mentees
    with a shared goal cluster (N from the program); `peer`: a pair of equals; `circle`: a peer
    circle of 3-6 equals (stored with its convener as `mentor_id`, holding no mentor capacity);
    `reverse`: a junior mentors a senior; `micro`: one 30-60 minute session on one skill with a
    mentor who opted into micro sessions (no place held, only the session's hours while open)."""

    one_to_one = "one_to_one"
    group = "group"
    peer = "peer"
    reverse = "reverse"
    circle = "circle"
    micro = "micro"


class WeeklyWindow(Model):
    """A free window at one wall-clock time in the person's own time zone, on one weekday.

    Undated (the default, and every record written before dates existed): every such weekday.
    Dated: only the weekdays from `valid_from` to `valid_until` (local dates, both inclusive,
    either may be open), and with `every_weeks` > 1 only every n-th week counted from
    `valid_from` (which must then be on `weekday`). A one-off window is one with
    `valid_from == valid_until` (see `once`). `end` may be 24:00, written as 00:00.
    """

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: time
    end: time
    valid_from: date | None = Field(
        default=None, description="first local date the window holds (inclusive); none = always"
    )
    valid_until: date | None = Field(
        default=None, description="last local date the window holds (inclusive); none = no end"
    )
    every_weeks: int = Field(
        default=1, ge=1, le=52, description="1 = weekly, 2 = every other week from valid_from"
    )

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyWindow:
        if self.end != time(0, 0) and self.end <= self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(
                f"window holds until {self.valid_until}, before it holds from {self.valid_from}"
            )
        if self.every_weeks > 1 and (
            self.valid_from is None or self.valid_from.weekday() != self.weekday
        ):
            raise ValueError(
                "a window every n weeks needs valid_from on its weekday (the first occurrence)"
            )
        if self.valid_from and self.valid_until and self.first_date(self.valid_from) is None:
            raise ValueError(
                f"window claims no date: no {_DAY_NAMES[self.weekday]} from {self.valid_from} "
                f"to {self.valid_until}"
            )
        return self

    @classmethod
    def once(cls, day: date, start: time, end: time) -> WeeklyWindow:
        """A one-off window on local date `day`."""
        return cls(weekday=day.weekday(), start=start, end=end, valid_from=day, valid_until=day)

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        return 1440 if self.end == time(0, 0) else self.end.hour * 60 + self.end.minute

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None

    @property
    def one_off(self) -> bool:
        return self.valid_from is not None and self.valid_from == self.valid_until

    def holds_on(self, day: date) -> bool:
        """Whether the window is there on local date `day`."""
        if day.weekday() != self.weekday:
            return False
        if self.valid_from is not None:
            if day < self.valid_from:
                return False
            if self.every_weeks > 1 and (day - self.valid_from).days % (7 * self.every_weeks):
                return False
        return self.valid_until is None or day <= self.valid_until

    def first_date(self, day: date) -> date | None:
        """The first local date on or after `day` the window holds on; None if none."""
        first = max(day, self.valid_from) if self.valid_from else day
        try:
            first += timedelta(days=(self.weekday - first.weekday()) % 7)
            if self.valid_from is not None and self.every_weeks > 1:
                weeks = (first - self.valid_from).days // 7
                first += timedelta(weeks=-weeks % self.every_weeks)
        except OverflowError:  # past 9999-12-31
            return None
        if self.valid_until is not None and first > self.valid_until:
            return None
        return first


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class AvailabilityException(Model):
    """A date-bounded period when the person is NOT available (leave, before a start date).

    Bounds are inclusive; an open start means "until end", an open end means "from start on".
    "Available from March only" is an exception with no start and end = last day of February.
    """

    start: date | None = None
    end: date | None = None
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _bounded(self) -> AvailabilityException:
        if self.start is None and self.end is None:
            raise ValueError("an exception needs a start or an end date")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"exception ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Preferences(Model):
    formats: list[Format] = Field(default_factory=list)  # empty = any
    languages: list[Annotated[str, Field(min_length=2, max_length=16)]] = Field(
        default_factory=list
    )
    function: Literal["same", "cross", "any"] = "any"
    models: list[MentoringModel] = Field(default_factory=list)  # empty = any


class Person(Model):
    id: RecordId
    name: Label
    email: str | None = Field(default=None, max_length=320)
    title: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=200)
    timezone: TimeZoneName = "UTC"
    languages: list[Annotated[str, Field(min_length=2, max_length=16)]] = Field(
        default_factory=lambda: ["en"]
    )
    manager_id: NodeId | None = None
    seniority: int = Field(default=3, ge=1, le=10)
    is_mentor: bool = False
    max_mentees: int = Field(default=0, ge=0, le=50)
    max_hours_per_month: float = Field(default=0.0, ge=0.0, le=200.0)
    hours_wanted_per_month: float = Field(default=2.0, ge=0.0, le=200.0)
    windows: list[WeeklyWindow] = Field(default_factory=list, max_length=100)
    exceptions: list[AvailabilityException] = Field(default_factory=list, max_length=100)
    preferences: Preferences = Field(default_factory=Preferences)
    # Self-reported attributes (given with consent), e.g. {"group": "..."} for fairness audits.
    attributes: dict[AttrKey, AttrValue] = Field(default_factory=dict)
    programs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, description="mentoring programs this person is enrolled in"
    )
    opt_out_recommend: bool = False
    opt_out_analytics: bool = False
    micro_mentor: bool = Field(
        default=False,
        description="opted into micro-mentoring: single 30-60 minute sessions on one skill",
    )
    # Off-boarding (api.usecases.leavers): the day they left (from then on in no listing,
    # lookup or recommendation) and when their personal data was erased (pseudonymised).
    left_on: date | None = None
    erased_at: datetime | None = None

    @property
    def departed(self) -> bool:
        """Whether the person has left (off-boarded); erased or still in the grace period."""
        return self.left_on is not None

    @model_validator(mode="after")
    def _not_own_manager(self) -> Person:
        if self.manager_id == self.id:
            raise ValueError("a person cannot be their own manager")
        return self


class PersonSkill(Model):
    """HAS_SKILL: person -> skill {level 1-5, willing to mentor}."""

    person_id: NodeId
    skill_id: NodeId
    level: Level
    willing_to_mentor: bool = False


# --- goals ----------------------------------------------------------------------------------


class Milestone(Model):
    title: Label
    status: Literal["todo", "doing", "done"] = "todo"
    due: date | None = None


class GoalStatus(StrEnum):
    open = "open"
    achieved = "achieved"
    dropped = "dropped"


class ProposedMentorSharing(Model):
    """What a mentor merely PROPOSED for the mentee may see of a goal (the mentee chooses):
    its mapped skills (default on) and its text, the SMART title (default off). Outcome and
    milestones stay with the mentee, their accepted mentor and coordinators."""

    skills: bool = True
    text: bool = False


class Goal(Model):
    id: RecordId
    person_id: NodeId
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    measurable_outcome: str = Field(default="", max_length=2000)
    start_date: date | None = None  # earliest date the mentee wants to start
    target_date: date | None = None
    milestones: list[Milestone] = Field(default_factory=list, max_length=50)
    status: GoalStatus = GoalStatus.open
    created_at: datetime = Field(default_factory=utcnow)
    share_with_proposed_mentor: ProposedMentorSharing = Field(default_factory=ProposedMentorSharing)

    @model_validator(mode="after")
    def _dates(self) -> Goal:
        if self.start_date and self.target_date and self.target_date < self.start_date:
            raise ValueError("target_date is before start_date")
        return self


def milestone_order_problems(goal: Goal) -> list[tuple[str, str]]:
    """(field, reason) for each milestone due before the goal's `start_date` or after its
    `target_date` (`milestones.<i>.due`); [] when the dates are in order."""
    problems: list[tuple[str, str]] = []
    for i, m in enumerate(goal.milestones):
        if m.due is None:
            continue
        if goal.target_date is not None and m.due > goal.target_date:
            problems.append((f"milestones.{i}.due", f"{m.due} is after target_date"))
        elif goal.start_date is not None and m.due < goal.start_date:
            problems.append((f"milestones.{i}.due", f"{m.due} is before start_date"))
    return problems


def open_duplicate(goals: Iterable[Goal], goal: Goal) -> Goal | None:
    """The first of `goals` (sorted by id) that is another open goal of the same person with
    the same text as `goal` by `graph.text.label_key` (case, spacing, typographic quotes and
    accents' encodings ignored); None when `goal` is not open or has no such twin."""
    if goal.status != GoalStatus.open:
        return None
    key = label_key(goal.text)
    for other in sorted(goals, key=lambda g: g.id):
        if (
            other.id != goal.id
            and other.person_id == goal.person_id
            and other.status == GoalStatus.open
            and label_key(other.text) == key
        ):
            return other
    return None


class TargetSource(StrEnum):
    embedding = "embedding"
    steward = "steward"
    import_ = "import"
    manual = "manual"


class GoalTarget(Model):
    """TARGETS: goal -> skill or cluster {confidence, source}."""

    goal_id: NodeId
    node_id: NodeId
    confidence: Confidence
    source: TargetSource = TargetSource.embedding


# --- pairings -------------------------------------------------------------------------------


class PairingStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    active = "active"
    stalled = "stalled"
    closed = "closed"
    withdrawn = "withdrawn"  # the proposer took the proposal back before it was accepted


class PairingSide(StrEnum):
    """For whom an event's actor acted: the mentor, a mentee, or the program (a coordinator,
    an admin or a script acting for it)."""

    mentor = "mentor"
    mentee = "mentee"
    program = "program"


class PairingEvent(Model):
    """One step of a pairing's history. `side` and `person_id` say for whom the actor acted
    (the first event names the proposer); an event that keeps the status `proposed` after
    the first records one participant's acceptance while others are still awaited."""

    status: PairingStatus
    at: datetime = Field(default_factory=utcnow)
    by: str | None = Field(default=None, max_length=512)
    reason: str = Field(default="", max_length=2000)
    side: PairingSide | None = None
    person_id: NodeId | None = None


class Pairing(Model):
    id: RecordId
    mentor_id: NodeId
    mentee_ids: list[NodeId] = Field(min_length=1, max_length=50)
    program: str | None = Field(default=None, max_length=200)
    model: MentoringModel = MentoringModel.one_to_one
    format: Format = Format.video
    goal_ids: list[NodeId] = Field(default_factory=list)
    status: PairingStatus = PairingStatus.proposed
    hours_per_month: float = Field(default=2.0, ge=0.0, le=200.0)
    score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    history: list[PairingEvent] = Field(default_factory=list)
    close_reason: str = Field(default="", max_length=2000)
    do_not_pair_again: bool = False
    # micro-mentoring: the one skill of the session and its length (30-60 minutes)
    skill_id: NodeId | None = None
    session_minutes: int | None = Field(default=None, ge=30, le=60)
    # Each mentee's levels, when proposed, in the skills the pairing's goals target (0: not
    # held): what "skills transferred" (recognition) compares today's levels with.
    baseline_levels: dict[NodeId, dict[NodeId, Annotated[int, Field(ge=0, le=5)]]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _distinct(self) -> Pairing:
        if self.mentor_id in self.mentee_ids:
            raise ValueError("a person cannot mentor themselves")
        if len(set(self.mentee_ids)) != len(self.mentee_ids):
            raise ValueError("mentee_ids has duplicates")
        return self

    @property
    def places_held(self) -> int:
        """Mentee places this pairing takes of its mentor's `max_mentees` while open: one per
        mentee; none for a peer circle (equals, no mentor) or a micro session."""
        if self.model in (MentoringModel.circle, MentoringModel.micro):
            return 0
        return len(self.mentee_ids)

    @property
    def hours_held(self) -> float:
        """Hours per month this pairing takes of its mentor's `max_hours_per_month` while
        open: its hours once (a group meets together), none for a peer circle; a micro
        session holds its session's length."""
        if self.model == MentoringModel.circle:
            return 0.0
        return self.hours_per_month

    @property
    def members(self) -> list[str]:
        """Everyone in it: the mentor (a circle's convener) first, then the mentees."""
        return [self.mentor_id, *self.mentee_ids]


# --- programs -------------------------------------------------------------------------------

GROUP_MIN = 2  # a group has at least two mentees
CIRCLE_MIN, CIRCLE_MAX = 3, 6  # a peer circle has 3-6 members
MICRO_MINUTES = (30, 60)


class Program(Model):
    """A mentoring program's declaration: the formats it runs and their intensity.

    `id` is the name people are enrolled under (`Person.programs`). `models`: the formats
    offered. Intensity: `hours_per_month` a pairing, group or circle meets, over `months`
    (none = open-ended); a group has 2..`max_group_size` mentees; a circle 3..`max_circle_size`
    members (at most 6); a micro session lasts `micro_session_minutes` (30-60)."""

    id: RecordId
    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    models: list[MentoringModel] = Field(min_length=1, max_length=6)
    hours_per_month: float = Field(default=2.0, gt=0.0, le=200.0)
    months: int | None = Field(default=None, ge=1, le=60)
    max_group_size: int = Field(default=5, ge=GROUP_MIN, le=50)
    max_circle_size: int = Field(default=CIRCLE_MAX, ge=CIRCLE_MIN, le=CIRCLE_MAX)
    micro_session_minutes: int = Field(default=45, ge=MICRO_MINUTES[0], le=MICRO_MINUTES[1])
    created_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _distinct_models(self) -> Program:
        if len(set(self.models)) != len(self.models):
            raise ValueError("models has duplicates")
        return self

    @classmethod
    def undeclared(cls, program_id: str) -> Program:
        """What a program nobody declared allows: every format, default intensity."""
        return cls(id=program_id, models=list(MentoringModel))


class CheckInAuthor(StrEnum):
    """Which side of the pairing wrote a check-in. Only the mentee's rating is feedback on the
    mentor; a mentor rates the relationship, a coordinator records for the program."""

    mentee = "mentee"
    mentor = "mentor"
    coordinator = "coordinator"


class CheckIn(Model):
    """One session of a pairing. `on`: the session's date; `rating` 1-5; `note` confidential
    (the pairing's participants and coordinators). `author_role`/`author_id`: who wrote it;
    None on check-ins recorded before authors were kept (counted as the mentee's)."""

    id: RecordId
    pairing_id: NodeId
    on: date
    rating: Level
    note: str = Field(default="", max_length=5000)
    by: str | None = Field(default=None, max_length=512)
    author_role: CheckInAuthor | None = None
    author_id: NodeId | None = None

    @property
    def rates_mentor(self) -> bool:
        """Whether the rating counts toward the mentor's standing (feedback score, analytics):
        the mentee's (or a legacy check-in's without an author), never the mentor's or a
        coordinator's."""
        return self.author_role in (None, CheckInAuthor.mentee)


# --- history, access and audit --------------------------------------------------------------


class TaxonomyChange(Model):
    """One steward edit, as a taxonomy version: who, when, what before/after, why."""

    id: NodeId
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(min_length=1, max_length=512)
    op: str = Field(min_length=1, max_length=64)  # create, rename, move, merge, split, ...
    node_ids: list[NodeId] = Field(min_length=1)
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    reason: str = Field(default="", max_length=2000)
    reverts: str | None = None  # id of the change this one undoes
    reverted_by: str | None = None


class Role(StrEnum):
    mentee = "mentee"
    mentor = "mentor"
    steward = "steward"
    coordinator = "coordinator"
    admin = "admin"


class ApiKey(Model):
    id: NodeId
    key_hash: str = Field(min_length=16, max_length=256)
    person_id: NodeId | None = None
    roles: list[Role] = Field(min_length=1)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class CohortRunRecord(Model):
    """A cohort match kept in the store for review until published, so any API worker can
    show or publish it. `result` is the match as JSON text (api.state encodes and decodes
    it; the store keeps it opaque); `data_version` is the store's version the match was
    computed on: publishing refuses once the graph moved on."""

    id: NodeId
    program: str = Field(min_length=1, max_length=200)
    data_version: int = Field(ge=0)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=512)
    result: str
    published_at: datetime | None = None
    published_by: str | None = Field(default=None, max_length=512)


class AuditEntry(Model):
    id: NodeId
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=512)
    action: str = Field(max_length=200)
    target: str = Field(default="", max_length=1000)
    detail: dict[str, Any] = Field(default_factory=dict)


# --- validating raw rows --------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def parse_rows(
    model: type[M],
    rows: Iterable[Mapping[str, Any] | M],
    *,
    what: str | None = None,
    sources: Sequence[str] | None = None,
) -> list[M]:
    """Validate every row; on any failure raise BatchRejected naming each bad row and field.

    `sources` optionally gives a location per row (e.g. "people.csv:17") for the error.
    """
    out: list[M] = []
    problems: list[RowProblem] = []
    for i, row in enumerate(rows):
        src = sources[i] if sources is not None and i < len(sources) else None
        if isinstance(row, model):
            out.append(row)
            continue
        try:
            out.append(model.model_validate(row))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(row)"
                problems.append(RowProblem(row=i, field=loc, reason=err["msg"], source=src))
    if problems:
        raise BatchRejected(problems=problems, what=what or f"{model.__name__} batch")
    return out


def duplicate_problems(keys: Sequence[Any], field: str) -> list[RowProblem]:
    """Rows whose key repeats an earlier row's in the same batch."""
    seen: dict[Any, int] = {}
    problems: list[RowProblem] = []
    for i, key in enumerate(keys):
        if key in seen:
            problems.append(
                RowProblem(row=i, field=field, reason=f"duplicate of row {seen[key]} ({key!r})")
            )
        else:
            seen[key] = i
    return problems
