"""The recommender's in-memory view of the graph, kept current on writes.

`Snapshot.load(store)` reads everything once. After a write, `snapshot.refresh(store,
touched)` re-reads from the store exactly the records the write touched (`graph.store.Touched`,
from each op's `touches()`) and replaces them in the view: what an op means is written only in
the stores (SQL and Cypher), never a third time here. Records are replaced whole by a few
generic setters (set a person, a person's skills, a goal, a goal's targets, a pairing, a
pairing's check-ins; the taxonomy is read again as a whole), the same ones `from_parts` builds
with. A write touching more than `FULL_RELOAD_ABOVE` records is followed by a full load instead
(one paged read is cheaper than thousands of single-record reads). Re-reads go one record at a
time: a round trip each on Neo4j, fine for the few records a service write touches.

Readers take `snapshot.state` once and use only that `State`: a State is never changed after
it is built. `refresh` builds the next State next to the current one (copying only the dicts
and arrays it replaces records in) and swaps one reference under a lock, so a concurrent reader
sees either the whole write or none of it.

Besides plain dicts of models, a State holds what ranking needs to be fast at 100k people:
- `willing[skill_id]`: the rows of people willing to mentor that skill and their levels (numpy),
  i.e. the columns of a sparse people x skills matrix;
- `arrays`: one numpy array per mentor attribute (eligibility, capacity, load, language and
  format bitmasks, department code, feedback sums), indexed by person row.
Id lists (`goals_of`, `pairings_of`) are kept sorted by id, as the store lists them, so a
refreshed State equals a freshly loaded one. Derived caches (taxonomy credits per target, UTC
availability grids per horizon) live on the Snapshot and are checked against versions, never
trusted blindly.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from graph.errors import NotFound
from graph.hierarchy import Hierarchy
from graph.model import CheckIn, Goal, GoalTarget, Pairing, Person, PersonSkill
from graph.recommend import availability as av
from graph.recommend.scoring import OPEN_STATUSES
from graph.recommend.skill_fit import Credit, target_credits
from graph.store import GraphStore, TaxonomyDump, Touched

FORMAT_BITS = {"video": 1, "in_person": 2, "async": 4}
MODEL_BITS = {"one_to_one": 1, "group": 2, "peer": 4, "reverse": 8, "circle": 16, "micro": 32}
LANGUAGE_BITS = 64
PAGE = 5_000
# Above this many records to re-read, `refresh` loads the whole graph instead.
FULL_RELOAD_ABOVE = 2_000

V = TypeVar("V")


@dataclass(frozen=True)
class Holders:
    """People willing to mentor one skill: their rows (ascending) and levels."""

    rows: NDArray[np.int32]
    levels: NDArray[np.int8]


EMPTY_HOLDERS = Holders(np.zeros(0, np.int32), np.zeros(0, np.int8))

# name -> dtype of the per-person arrays in `State.arrays`
ARRAY_FIELDS: dict[str, type[np.generic]] = {
    "mentor_ok": np.bool_,  # is_mentor, not opted out, max_mentees > 0
    "places": np.int32,  # mentee places taken by open pairings as mentor
    "hours": np.float64,  # hours/month taken by open pairings as mentor
    "max_mentees": np.int32,
    "max_hours": np.float64,
    "seniority": np.int16,
    "dept": np.int32,  # department code, -1 = none
    "lang_mask": np.uint64,
    "lang_exact": np.bool_,  # a language beyond the bitmask: check the lists
    "fmt_mask": np.uint8,  # 0 = any format
    "model_mask": np.uint8,  # 0 = any model
    "fb_sum": np.float64,  # sum of mentees' check-in ratings on pairings as mentor
    "fb_n": np.int32,
    "has_pairings": np.bool_,  # mentor of at least one pairing (exposure needs a look)
    "avail_ver": np.int64,  # State.version when timezone/windows/exceptions last changed
}

RowValue = bool | int | float | np.uint64


@dataclass(frozen=True)
class State:
    """One consistent, never-mutated view of the graph."""

    version: int
    data_version: int
    hierarchy: Hierarchy
    people: Mapping[str, Person]
    ids: Sequence[str]  # row -> person id (append-only across versions)
    rows: Mapping[str, int]
    reports: Mapping[str, frozenset[str]]  # manager id -> direct reports
    skills_of: Mapping[str, Mapping[str, PersonSkill]]  # person -> skill -> row
    holders_of: Mapping[str, Mapping[str, PersonSkill]]  # skill -> person -> row
    willing: Mapping[str, Holders]
    goals: Mapping[str, Goal]
    goals_of: Mapping[str, tuple[str, ...]]  # person -> goal ids, sorted
    targets: Mapping[str, tuple[GoalTarget, ...]]  # confidence desc, then node id
    pairings: Mapping[str, Pairing]
    pairings_of: Mapping[str, tuple[str, ...]]  # person (any role) -> pairing ids, sorted
    checkins: Mapping[str, Mapping[str, CheckIn]]  # pairing id -> check-in id -> row
    arrays: Mapping[str, NDArray[Any]]
    lang_bits: Mapping[str, int]
    dept_codes: Mapping[str, int]

    def person(self, person_id: str) -> Person:
        person = self.people.get(person_id)
        if person is None:
            raise NotFound(f"person {person_id!r} not found")
        return person

    def person_pairings(self, person_id: str) -> list[Pairing]:
        return [self.pairings[p] for p in self.pairings_of.get(person_id, ())]

    def open_goals(self, person_id: str) -> list[Goal]:
        goals = (self.goals[g] for g in self.goals_of.get(person_id, ()))
        return sorted((g for g in goals if g.status == "open"), key=lambda g: g.id)


def sort_targets(targets: Iterable[GoalTarget]) -> tuple[GoalTarget, ...]:
    return tuple(sorted(targets, key=lambda t: (-t.confidence, t.node_id)))


class Snapshot:
    """Holder of the current State plus derived caches; `refresh` swaps in the next State."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._credits: dict[str, tuple[Hierarchy, TargetCredits]] = {}
        self._grids: dict[av.Horizon, _GridCache] = {}
        self._grid_lock = threading.Lock()

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def load(cls, store: GraphStore, *, progress: bool = False) -> Snapshot:
        """Read the whole graph from `store` (people and skills in pages)."""
        return cls(_read_state(store, progress=progress))

    @classmethod
    def from_parts(
        cls,
        *,
        taxonomy: TaxonomyDump | Hierarchy,
        people: Iterable[Person] = (),
        person_skills: Iterable[PersonSkill] = (),
        goals: Iterable[Goal] = (),
        targets: Iterable[GoalTarget] = (),
        pairings: Iterable[Pairing] = (),
        checkins: Iterable[CheckIn] = (),
        data_version: int = 0,
    ) -> Snapshot:
        """Build from plain models (tests, benchmarks, loaders); references are trusted."""
        hierarchy = taxonomy if isinstance(taxonomy, Hierarchy) else Hierarchy.from_dump(taxonomy)
        state = _build_state(
            _empty_state(hierarchy),
            people=people,
            person_skills=person_skills,
            goals=goals,
            targets=targets,
            pairings=pairings,
            checkins=checkins,
            data_version=data_version,
        )
        return cls(state)

    # --- reading ------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The current consistent view; hold on to it for the whole of one computation."""
        return self._state

    @property
    def data_version(self) -> int:
        """The store's data_version this view matches (compare with `store.data_version()`)."""
        return self._state.data_version

    def is_stale(self, store: GraphStore) -> bool:
        return store.data_version() != self._state.data_version

    @property
    def hierarchy(self) -> Hierarchy:
        return self._state.hierarchy

    # --- following writes ---------------------------------------------------------------------

    def refresh(
        self, store: GraphStore, touched: Touched, *, data_version: int | None = None
    ) -> None:
        """Re-read from `store` what a committed write touched (`touched_by(ops)` of its ops,
        merged over several applies if need be) and swap in the next State.

        `data_version`: the store's version the write left (default: read from the store
        before re-reading, so the view never claims a version newer than what it read).
        Records are read as the store has them now. Above `FULL_RELOAD_ABOVE` records to
        re-read, or if a record the view holds is no longer in the store (no op deletes people
        or pairings), the whole graph is loaded again instead."""
        with self._lock:
            current = self._state
            version = store.data_version() if data_version is None else data_version
            plan = _plan(current, touched)
            state = None
            if plan.size() <= FULL_RELOAD_ABOVE:
                state = _reread(store, current, plan, data_version=version)
            if state is None:
                state = _read_state(store, after=current)
            self._state = state

    # --- caches -------------------------------------------------------------------------------

    def credits(self, state: State, target_id: str) -> TargetCredits:
        """Skills reachable from a target (skill_fit.target_credits), cached per hierarchy."""
        hit = self._credits.get(target_id)
        if hit is not None and hit[0] is state.hierarchy:
            return hit[1]
        tc = TargetCredits.build(target_credits(state.hierarchy, target_id))
        if len(self._credits) > 50_000:
            self._credits.clear()
        self._credits[target_id] = (state.hierarchy, tc)
        return tc

    def packed_grids(
        self, state: State, horizon: av.Horizon, rows: NDArray[np.int64]
    ) -> NDArray[np.uint8]:
        """Packed availability grids of `rows` over `horizon` (computed once per person)."""
        with self._grid_lock:
            cache = self._grids.get(horizon)
            if cache is None:
                if len(self._grids) >= 8:
                    self._grids.pop(next(iter(self._grids)))
                cache = _GridCache(horizon)
                self._grids[horizon] = cache
            return cache.get(state, rows)


@dataclass(frozen=True)
class TargetCredits:
    """A target's reachable skills sorted by id, with credits and routes, as arrays."""

    skills: tuple[str, ...]
    credit: NDArray[np.float64]
    routes: tuple[Credit, ...]

    @classmethod
    def build(cls, credits: Mapping[str, Credit]) -> TargetCredits:
        skills = tuple(sorted(credits))
        routes = tuple(credits[s] for s in skills)
        return cls(skills, np.array([r.credit for r in routes], dtype=np.float64), routes)


class _GridCache:
    def __init__(self, horizon: av.Horizon) -> None:
        self.horizon = horizon
        self.nbytes = (horizon.n_slots + 7) // 8
        self.packed = np.zeros((0, self.nbytes), dtype=np.uint8)
        self.ver = np.zeros(0, dtype=np.int64)

    def get(self, state: State, rows: NDArray[np.int64]) -> NDArray[np.uint8]:
        n = len(state.ids)
        if len(self.ver) < n:
            grow = n - len(self.ver)
            self.packed = np.vstack([self.packed, np.zeros((grow, self.nbytes), np.uint8)])
            self.ver = np.concatenate([self.ver, np.full(grow, -1, np.int64)])
        want = state.arrays["avail_ver"][rows]
        stale = rows[self.ver[rows] != want]
        for r in np.unique(stale):
            p = state.people[state.ids[int(r)]]
            grid = av.person_grid(p.timezone, p.windows, p.exceptions, self.horizon)
            self.packed[r] = av.pack(grid)
            self.ver[r] = state.arrays["avail_ver"][r]
        return self.packed[rows]


# --- reading states from a store --------------------------------------------------------------


def _read_state(store: GraphStore, *, progress: bool = False, after: State | None = None) -> State:
    """The whole graph as a State. `after`: the State this one replaces in the same Snapshot;
    versions continue from it, so cached availability grids are never mistaken for current."""
    version = store.data_version()
    steps = _progress(progress)
    steps("taxonomy")
    dump = store.taxonomy()
    steps("people")
    people: list[Person] = []
    offset = 0
    while True:
        page = store.list_people(offset=offset, limit=PAGE)
        people.extend(page)
        offset += len(page)
        if len(page) < PAGE:
            break
    steps("skills")
    skills = [ps for batch in store.iter_person_skills() for ps in batch]
    steps("goals")
    goals = store.list_goals()
    targets = store.all_goal_targets()
    steps("pairings")
    pairings = store.list_pairings()
    checkins = store.all_checkins()
    steps("indexes")
    base = _empty_state(Hierarchy.from_dump(dump), version=after.version if after else 0)
    return _build_state(
        base,
        people=people,
        person_skills=skills,
        goals=goals,
        targets=targets,
        pairings=pairings,
        checkins=checkins,
        data_version=version,
    )


@dataclass(frozen=True)
class _Plan:
    """The records to read again: `Touched` with referenced nodes resolved on the old State."""

    taxonomy: bool
    people: frozenset[str]
    person_skills: frozenset[str]
    goals: frozenset[str]
    goal_targets: frozenset[str]
    pairings: frozenset[str]
    checkins: frozenset[str]  # pairing ids

    def size(self) -> int:
        return sum(
            map(
                len,
                (
                    self.people,
                    self.person_skills,
                    self.goals,
                    self.goal_targets,
                    self.pairings,
                    self.checkins,
                ),
            )
        )


def _plan(state: State, touched: Touched) -> _Plan:
    """What to re-read after a write that `touched` these records of `state` (the State from
    before the write). A referenced node sends back everyone who referenced it in `state`:
    holders (their skills), goals targeting it (their targets), children (the taxonomy).
    A check-in id sends back the pairing that held it in `state` as well as its new one."""
    person_skills = set(touched.person_skills)
    goal_targets = set(touched.goal_targets)
    taxonomy = touched.taxonomy
    nodes = touched.referenced_nodes
    if nodes:
        h = state.hierarchy
        for node in nodes:
            person_skills.update(state.holders_of.get(node, {}))
            if node in h and h.children(node):
                taxonomy = True
        goal_targets.update(
            goal_id for goal_id, ts in state.targets.items() if any(t.node_id in nodes for t in ts)
        )
    checkins = set(touched.checkins)
    if touched.checkin_ids:
        checkins.update(
            pairing_id
            for pairing_id, per in state.checkins.items()
            if not touched.checkin_ids.isdisjoint(per)
        )
    return _Plan(
        taxonomy=taxonomy,
        people=touched.people,
        person_skills=frozenset(person_skills),
        goals=touched.goals,
        goal_targets=frozenset(goal_targets),
        pairings=touched.pairings,
        checkins=frozenset(checkins),
    )


def _reread(store: GraphStore, base: State, plan: _Plan, *, data_version: int) -> State | None:
    """The next State with the planned records read again from `store`; None if a person or
    pairing `base` holds is gone from the store (only a full load can drop one)."""
    b = _Builder(base)
    if plan.taxonomy:
        b.hierarchy = Hierarchy.from_dump(store.taxonomy())
    for person_id in sorted(plan.people):
        person = store.get_person(person_id)
        if person is not None:
            b.set_person(person)
        elif person_id in base.people:
            return None
    for person_id in sorted(plan.person_skills):
        b.set_person_skills(person_id, store.person_skills(person_id))
    for goal_id in sorted(plan.goals):
        goal = store.get_goal(goal_id)
        if goal is not None:
            b.set_goal(goal)
        else:
            b.remove_goal(goal_id)
    for goal_id in sorted(plan.goal_targets):
        b.set_targets(goal_id, store.goal_targets(goal_id))
    for pairing_id in sorted(plan.pairings):
        pairing = store.get_pairing(pairing_id)
        if pairing is not None:
            b.set_pairing(pairing)
        elif pairing_id in base.pairings:
            return None
    for pairing_id in sorted(plan.checkins):
        b.set_checkins(pairing_id, store.checkins(pairing_id))
    return b.finish(data_version=data_version)


# --- building states --------------------------------------------------------------------------


def _empty_state(hierarchy: Hierarchy, *, version: int = 0) -> State:
    return State(
        version=version,
        data_version=0,
        hierarchy=hierarchy,
        people={},
        ids=[],
        rows={},
        reports={},
        skills_of={},
        holders_of={},
        willing={},
        goals={},
        goals_of={},
        targets={},
        pairings={},
        pairings_of={},
        checkins={},
        arrays={name: np.zeros(0, dtype=dt) for name, dt in ARRAY_FIELDS.items()},
        lang_bits={},
        dept_codes={},
    )


def _build_state(
    base: State,
    *,
    people: Iterable[Person],
    person_skills: Iterable[PersonSkill],
    goals: Iterable[Goal],
    targets: Iterable[GoalTarget],
    pairings: Iterable[Pairing],
    checkins: Iterable[CheckIn],
    data_version: int,
) -> State:
    """`base` (an empty State) with all these records set (later rows of a key win)."""
    b = _Builder(base)
    for person in people:
        b.set_person(person)
    for person_id, skills in _grouped(person_skills, lambda ps: ps.person_id).items():
        b.set_person_skills(person_id, skills)
    for goal in goals:
        b.set_goal(goal)
    for goal_id, ts in _grouped(targets, lambda t: t.goal_id).items():
        b.set_targets(goal_id, ts)
    for pairing in pairings:
        b.set_pairing(pairing)
    for pairing_id, cs in _grouped(checkins, lambda c: c.pairing_id).items():
        b.set_checkins(pairing_id, cs)
    return b.finish(data_version=data_version)


def _grouped(rows: Iterable[V], key: Callable[[V], str]) -> dict[str, list[V]]:
    out: dict[str, list[V]] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out


class _Cow(Generic[V]):
    """One str-keyed mapping of the base State, copied on the first write."""

    __slots__ = ("_base", "_own")

    def __init__(self, base: Mapping[str, V]) -> None:
        self._base = base
        self._own: dict[str, V] | None = None

    @property
    def now(self) -> Mapping[str, V]:
        """The current content (the base until the first write)."""
        return self._base if self._own is None else self._own

    def w(self) -> dict[str, V]:
        """The writable copy."""
        if self._own is None:
            self._own = dict(self._base)
        return self._own


def _add_id(index: _Cow[tuple[str, ...]], key: str, item: str) -> None:
    """Insert `item` into the sorted id tuple `index[key]`."""
    cur = index.now.get(key, ())
    at = bisect.bisect_left(cur, item)
    if at < len(cur) and cur[at] == item:
        return
    index.w()[key] = (*cur[:at], item, *cur[at:])


def _drop_id(index: _Cow[tuple[str, ...]], key: str, item: str) -> None:
    """Remove `item` from `index[key]`, and the key once its tuple is empty."""
    cur = index.now.get(key, ())
    if item not in cur:
        return
    rest = tuple(x for x in cur if x != item)
    if rest:
        index.w()[key] = rest
    else:
        index.w().pop(key, None)


class _Builder:
    """Copy-on-write record replacement on a State; `finish` freezes the next State.

    The setters are generic (a record replaces the stored one, derived indexes follow); they
    know nothing of ops. Used by `from_parts`/`load` (everything set once) and `refresh`
    (the records a write touched, as re-read from the store)."""

    def __init__(self, base: State) -> None:
        self.base = base
        self.version = base.version + 1
        self.hierarchy = base.hierarchy
        self.people = _Cow(base.people)
        self.ids: Sequence[str] = base.ids
        self._own_ids: list[str] | None = None
        self.rows = _Cow(base.rows)
        self.reports = _Cow(base.reports)
        self.skills_of = _Cow(base.skills_of)
        self.holders_of = _Cow(base.holders_of)
        self._own_holders: dict[str, dict[str, PersonSkill]] = {}
        self.goals = _Cow(base.goals)
        self.goals_of = _Cow(base.goals_of)
        self.targets = _Cow(base.targets)
        self.pairings = _Cow(base.pairings)
        self.pairings_of = _Cow(base.pairings_of)
        self.checkins = _Cow(base.checkins)
        self.lang_bits = _Cow(base.lang_bits)
        self.dept_codes = _Cow(base.dept_codes)
        self.touched_people: set[str] = set()  # recompute their array rows
        self.avail_changed: set[str] = set()
        self.touched_skills: set[str] = set()  # rebuild their willing arrays

    # --- record setters -----------------------------------------------------------------------

    def set_person(self, p: Person) -> None:
        old = self.people.now.get(p.id)
        if old is None:
            if p.id not in self.rows.now:
                if self._own_ids is None:
                    self._own_ids = list(self.ids)
                    self.ids = self._own_ids
                self.rows.w()[p.id] = len(self._own_ids)
                self._own_ids.append(p.id)
            self.avail_changed.add(p.id)
        else:
            if (old.timezone, old.windows, old.exceptions) != (
                p.timezone,
                p.windows,
                p.exceptions,
            ):
                self.avail_changed.add(p.id)
            if old.manager_id and old.manager_id != p.manager_id:
                self._set_report(old.manager_id, p.id, present=False)
        if p.manager_id:
            self._set_report(p.manager_id, p.id, present=True)
        self.people.w()[p.id] = p
        self.touched_people.add(p.id)

    def _set_report(self, manager_id: str, person_id: str, *, present: bool) -> None:
        cur = self.reports.now.get(manager_id, frozenset())
        if (person_id in cur) == present:
            return
        new = cur | {person_id} if present else cur - {person_id}
        if new:
            self.reports.w()[manager_id] = new
        else:
            self.reports.w().pop(manager_id, None)

    def _holders(self, skill_id: str) -> dict[str, PersonSkill]:
        """The writable holders map of one skill (copied on first write)."""
        own = self._own_holders.get(skill_id)
        if own is None:
            own = dict(self.holders_of.now.get(skill_id, {}))
            self._own_holders[skill_id] = own
            self.holders_of.w()[skill_id] = own
        self.touched_skills.add(skill_id)
        return own

    def set_person_skills(self, person_id: str, rows: Iterable[PersonSkill]) -> None:
        """Replace all HAS_SKILL rows of one person."""
        new = {ps.skill_id: ps for ps in rows}
        old = self.skills_of.now.get(person_id, {})
        for skill_id in old.keys() - new.keys():
            self._holders(skill_id).pop(person_id, None)
        for skill_id, ps in new.items():
            if old.get(skill_id) != ps:
                self._holders(skill_id)[person_id] = ps
        if new:
            self.skills_of.w()[person_id] = new
        elif person_id in self.skills_of.now:
            self.skills_of.w().pop(person_id)

    def set_goal(self, g: Goal) -> None:
        old = self.goals.now.get(g.id)
        if old is not None and old.person_id != g.person_id:
            _drop_id(self.goals_of, old.person_id, g.id)
        _add_id(self.goals_of, g.person_id, g.id)
        self.goals.w()[g.id] = g

    def remove_goal(self, goal_id: str) -> None:
        old = self.goals.now.get(goal_id)
        if old is not None:
            _drop_id(self.goals_of, old.person_id, goal_id)
            self.goals.w().pop(goal_id)

    def set_targets(self, goal_id: str, rows: Iterable[GoalTarget]) -> None:
        """Replace all TARGETS of one goal (none: the goal has no entry)."""
        targets = sort_targets(rows)
        if targets:
            self.targets.w()[goal_id] = targets
        elif goal_id in self.targets.now:
            self.targets.w().pop(goal_id)

    def set_pairing(self, p: Pairing) -> None:
        old = self.pairings.now.get(p.id)
        members_old = _members(old) if old is not None else set()
        members_new = _members(p)
        for m in members_old - members_new:
            _drop_id(self.pairings_of, m, p.id)
        for m in members_new - members_old:
            _add_id(self.pairings_of, m, p.id)
        self.pairings.w()[p.id] = p
        self.touched_people.add(p.mentor_id)
        if old is not None:
            self.touched_people.add(old.mentor_id)

    def set_checkins(self, pairing_id: str, rows: Iterable[CheckIn]) -> None:
        """Replace all check-ins of one pairing (none: the pairing has no entry)."""
        per = {c.id: c for c in rows}
        if per:
            self.checkins.w()[pairing_id] = per
        elif pairing_id in self.checkins.now:
            self.checkins.w().pop(pairing_id)
        pairing = self.pairings.now.get(pairing_id)
        if pairing is not None:
            self.touched_people.add(pairing.mentor_id)

    # --- freezing -----------------------------------------------------------------------------

    def finish(self, *, data_version: int) -> State:
        willing = self.base.willing
        if self.touched_skills:
            w = dict(willing)
            rows = self.rows.now
            for s in self.touched_skills:
                holders = self.holders_of.now.get(s, {})
                if not holders:
                    self.holders_of.w().pop(s, None)
                pairs = sorted(
                    (rows[ps.person_id], ps.level)
                    for ps in holders.values()
                    if ps.willing_to_mentor
                )
                if not pairs:
                    w.pop(s, None)
                    continue
                w[s] = Holders(
                    np.array([r for r, _ in pairs], np.int32),
                    np.array([lv for _, lv in pairs], np.int8),
                )
            willing = w
        draft = State(
            version=self.version,
            data_version=data_version,
            hierarchy=self.hierarchy,
            people=self.people.now,
            ids=self.ids,
            rows=self.rows.now,
            reports=self.reports.now,
            skills_of=self.skills_of.now,
            holders_of=self.holders_of.now,
            willing=willing,
            goals=self.goals.now,
            goals_of=self.goals_of.now,
            targets=self.targets.now,
            pairings=self.pairings.now,
            pairings_of=self.pairings_of.now,
            checkins=self.checkins.now,
            arrays=self.base.arrays,
            lang_bits=self.lang_bits.now,
            dept_codes=self.dept_codes.now,
        )
        arrays = self._arrays(draft)  # may assign new language/department codes
        return replace(
            draft, arrays=arrays, lang_bits=self.lang_bits.now, dept_codes=self.dept_codes.now
        )

    def _arrays(self, st: State) -> dict[str, NDArray[Any]]:
        if not self.touched_people and len(self.base.arrays["mentor_ok"]) == len(st.ids):
            return dict(self.base.arrays)
        n = len(st.ids)
        out: dict[str, NDArray[Any]] = {}
        for name, dt in ARRAY_FIELDS.items():
            old = self.base.arrays[name]
            arr = np.zeros(n, dtype=dt)
            arr[: len(old)] = old
            out[name] = arr
        lang_bits, dept_codes = self.lang_bits.w(), self.dept_codes.w()
        for pid in self.touched_people:
            row = st.rows.get(pid)
            person = st.people.get(pid)
            if row is None or person is None:
                continue  # a pairing's mentor not loaded (foreign data); nothing to index
            values = _row_values(st, person, lang_bits, dept_codes)
            for name, value in values.items():
                out[name][row] = value
            if pid in self.avail_changed:
                out["avail_ver"][row] = self.version
        return out


def _members(p: Pairing) -> set[str]:
    return {p.mentor_id, *p.mentee_ids}


def _row_values(
    st: State, p: Person, lang_bits: dict[str, int], dept_codes: dict[str, int]
) -> dict[str, RowValue]:
    places, hours, fb_sum, fb_n, has = 0, 0.0, 0.0, 0, False
    for pairing in st.person_pairings(p.id):
        if pairing.mentor_id != p.id:
            continue
        has = True
        if pairing.status in OPEN_STATUSES:
            places += pairing.places_held
            hours += pairing.hours_held
        for c in st.checkins.get(pairing.id, {}).values():
            if not c.rates_mentor:  # the mentor's own rating of the relationship
                continue
            fb_sum += c.rating
            fb_n += 1
    mask, exact = 0, False
    for lang in p.languages:
        bit = lang_bits.setdefault(lang.casefold(), len(lang_bits))
        if bit < LANGUAGE_BITS:
            mask |= 1 << bit
        else:
            exact = True
    dept = -1
    if p.department:
        dept = dept_codes.setdefault(p.department.casefold(), len(dept_codes))
    fmt = 0
    for f in p.preferences.formats:
        fmt |= FORMAT_BITS[f.value]
    model = 0
    for m in p.preferences.models:
        model |= MODEL_BITS[m.value]
    return {
        "mentor_ok": (
            p.is_mentor and not p.opt_out_recommend and p.max_mentees > 0 and not p.departed
        ),
        "places": places,
        "hours": hours,
        "max_mentees": p.max_mentees,
        "max_hours": p.max_hours_per_month,
        "seniority": p.seniority,
        "dept": dept,
        "lang_mask": np.uint64(mask),
        "lang_exact": exact,
        "fmt_mask": fmt,
        "model_mask": model,
        "fb_sum": fb_sum,
        "fb_n": fb_n,
        "has_pairings": has,
    }


def language_mask(languages: Iterable[str], lang_bits: Mapping[str, int]) -> tuple[int, bool]:
    """Bitmask of known languages, and whether some language has no bit (check exactly)."""
    mask, exact = 0, False
    for lang in languages:
        bit = lang_bits.get(lang.casefold())
        if bit is None:
            continue  # nobody indexed speaks it, so it cannot match anyone's mask
        if bit < LANGUAGE_BITS:
            mask |= 1 << bit
        else:
            exact = True
    return mask, exact


def _progress(enabled: bool) -> Callable[[str], None]:
    if not enabled:
        return lambda _msg: None

    console = Console(stderr=True)
    return lambda msg: console.log(f"snapshot: loading {msg}")
