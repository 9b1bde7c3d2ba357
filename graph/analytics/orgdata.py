"""The plain data every analytic reads, gathered from a store in one place."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from graph.model import (
    CheckIn,
    Goal,
    GoalStatus,
    GoalTarget,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
)
from graph.store import GraphStore

if TYPE_CHECKING:
    from graph.recommend.snapshot import State
from graph.hierarchy import Hierarchy

# Pairings that hold a mentor's time: they count against capacity.
LIVE_STATUSES = frozenset(
    {PairingStatus.proposed, PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled}
)
ENGAGED_STATUSES = frozenset({PairingStatus.accepted, PairingStatus.active, PairingStatus.stalled})
# How a departed person (off-boarded, or erased) appears in someone else's view: no name, no id.
FORMER_COLLEAGUE = "a former colleague"


@dataclass
class OrgData:
    hierarchy: Hierarchy
    people: list[Person]
    person_skills: list[PersonSkill]
    goals: list[Goal]
    targets: list[GoalTarget]
    pairings: list[Pairing]
    checkins: list[CheckIn] = field(default_factory=list)

    @classmethod
    def from_store(cls, store: GraphStore, *, page: int = 5000) -> OrgData:
        people: list[Person] = []
        while batch := store.list_people(offset=len(people), limit=page):
            people.extend(batch)
        person_skills = [row for chunk in store.iter_person_skills() for row in chunk]
        goals: list[Goal] = []
        while gbatch := store.list_goals(offset=len(goals), limit=page):
            goals.extend(gbatch)
        return cls(
            hierarchy=Hierarchy.from_dump(store.taxonomy()),
            people=people,
            person_skills=person_skills,
            goals=goals,
            targets=store.all_goal_targets(),
            pairings=store.list_pairings(),
            checkins=store.all_checkins(),
        )

    @classmethod
    def from_snapshot(cls, state: State) -> OrgData:
        """The same data from the recommender's in-memory snapshot: no store read at all."""
        return cls(
            hierarchy=state.hierarchy,
            people=list(state.people.values()),
            person_skills=[ps for skills in state.skills_of.values() for ps in skills.values()],
            goals=list(state.goals.values()),
            targets=[t for ts in state.targets.values() for t in ts],
            pairings=list(state.pairings.values()),
            checkins=[c for cs in state.checkins.values() for c in cs.values()],
        )

    # --- derived views (consent applied) ------------------------------------------------------

    @cached_property
    def analysable(self) -> dict[str, Person]:
        return {p.id: p for p in self.people if not p.opt_out_analytics}

    @cached_property
    def current(self) -> dict[str, Person]:
        """The analysable people who have not left: the only ones analytics name or show
        as a node; a leaver still counts in totals, anonymously (`FORMER_COLLEAGUE`)."""
        return {pid: p for pid, p in self.analysable.items() if not p.departed}

    @cached_property
    def open_goals(self) -> dict[str, Goal]:
        return {
            g.id: g
            for g in self.goals
            if g.status == GoalStatus.open and g.person_id in self.analysable
        }

    @cached_property
    def live_load(self) -> dict[str, tuple[int, float]]:
        """mentor id -> (mentees in live pairings, hours per month they take)."""
        load: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for p in self.pairings:
            if p.status in LIVE_STATUSES:
                load[p.mentor_id][0] += p.places_held  # a circle or micro session: none
                load[p.mentor_id][1] += p.hours_held
        return {k: (int(v[0]), v[1]) for k, v in load.items()}

    def places_left(self, person: Person) -> int:
        used, _ = self.live_load.get(person.id, (0, 0.0))
        return max(0, person.max_mentees - used)
