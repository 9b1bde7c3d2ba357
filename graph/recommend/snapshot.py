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

Besides plain dicts of models, a State holds what ranking needs to be fast at 100k-1M people:
- `skills` (`SkillArrays`): people x skills (HAS_SKILL) as compact arrays, never one Python
  object per row: CSR by person row and CSC by skill (int32 skill codes and person rows, int8
  levels, bool willing; ~20 bytes an entry, 10M entries ~200 MB). `skills_of`, `holders_of`
  (PersonSkill dicts built on access) and `willing[skill_id]` (the rows and levels of people
  willing to mentor that skill: array views) read it;
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
from graph.recommend.skill_fit import TargetCredits, target_credit_table
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


@dataclass(frozen=True)
class SkillArrays:
    """People x skills (HAS_SKILL) as compact arrays, never Python objects per row.

    Skills get int32 codes (`skill_ids[code]`, append-only across versions). Three sparse
    layouts of the same entries, each a scipy-style compressed index (`*_ptr[i]:*_ptr[i+1]`):
    - by person row (CSR): `skill`, `level`, `willing`, skill codes ascending in a row;
    - by skill code (CSC): `h_row` (person rows ascending), `h_level`, `h_willing`;
    - willing holders only, by skill code: `w_row`, `w_level` (`State.willing` hands out
      views of these as `Holders`).
    About 20 bytes per entry in all: 10M entries (1M people x 10 skills) take ~200 MB.
    `updated` replaces the entries of a few people in O(entries) array passes (no sort of
    the whole), as `Snapshot.refresh` needs."""

    skill_ids: tuple[str, ...]
    codes: Mapping[str, int]
    ptr: NDArray[np.int64]  # n_rows + 1
    skill: NDArray[np.int32]
    level: NDArray[np.int8]
    willing: NDArray[np.bool_]
    h_ptr: NDArray[np.int64]  # n_skills + 1
    h_row: NDArray[np.int32]
    h_level: NDArray[np.int8]
    h_willing: NDArray[np.bool_]
    w_ptr: NDArray[np.int64]
    w_row: NDArray[np.int32]
    w_level: NDArray[np.int8]

    @property
    def n_rows(self) -> int:
        return len(self.ptr) - 1

    @classmethod
    def empty(cls) -> SkillArrays:
        return cls.build(0, (), {}, *_no_entries())

    @classmethod
    def build(
        cls,
        n_rows: int,
        skill_ids: Sequence[str],
        codes: Mapping[str, int],
        row: NDArray[np.int64],
        skill: NDArray[np.int64],
        level: NDArray[np.int64],
        willing: NDArray[np.bool_],
    ) -> SkillArrays:
        """From parallel entry arrays; of repeated (row, skill) entries the last wins."""
        n_skills = len(skill_ids)
        key = row.astype(np.int64) * max(n_skills, 1) + skill
        # last occurrence of each key: unique over the reversed arrays
        _, last = np.unique(key[::-1], return_index=True)
        pick = len(key) - 1 - last  # ascending key = (row, skill) order
        r32: NDArray[np.int32] = row[pick].astype(np.int32)
        s32: NDArray[np.int32] = skill[pick].astype(np.int32)
        lv8: NDArray[np.int8] = level[pick].astype(np.int8)
        wb: NDArray[np.bool_] = willing[pick].astype(np.bool_)
        ptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(r32, minlength=n_rows), out=ptr[1:])
        by_skill = np.lexsort((r32, s32))
        h_ptr = np.zeros(n_skills + 1, dtype=np.int64)
        np.cumsum(np.bincount(s32, minlength=n_skills), out=h_ptr[1:])
        h_row, h_level, h_willing = r32[by_skill], lv8[by_skill], wb[by_skill]
        w = h_willing
        w_ptr = np.zeros(n_skills + 1, dtype=np.int64)
        np.cumsum(np.bincount(s32[by_skill][w], minlength=n_skills), out=w_ptr[1:])
        out = cls(
            tuple(skill_ids), dict(codes), ptr, s32, lv8, wb,
            h_ptr, h_row, h_level, h_willing, w_ptr, h_row[w], h_level[w],
        )  # fmt: skip
        for arr in (out.ptr, out.skill, out.level, out.willing, out.h_ptr, out.h_row,
                    out.h_level, out.h_willing, out.w_ptr, out.w_row, out.w_level):  # fmt: skip
            arr.flags.writeable = False
        return out

    def entries(
        self,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8], NDArray[np.bool_]]:
        """(row, skill code, level, willing) of every entry, in (row, skill) order."""
        row = np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.ptr))
        return row, self.skill.astype(np.int64), self.level, self.willing

    def updated(self, n_rows: int, people: Mapping[int, Sequence[PersonSkill]]) -> SkillArrays:
        """These rows' entries replaced by the given HAS_SKILL rows (none: no skills)."""
        skill_ids = list(self.skill_ids)
        codes = dict(self.codes)
        row, skill, level, willing = self.entries()
        gone = np.zeros(max(n_rows, self.n_rows), dtype=np.bool_)
        gone[list(people)] = True
        keep = ~gone[row]
        new_r: list[int] = []
        new_s: list[int] = []
        new_l: list[int] = []
        new_w: list[bool] = []
        for r, rows in people.items():
            for ps in rows:
                code = codes.setdefault(ps.skill_id, len(skill_ids))
                if code == len(skill_ids):
                    skill_ids.append(ps.skill_id)
                new_r.append(r)
                new_s.append(code)
                new_l.append(ps.level)
                new_w.append(ps.willing_to_mentor)
        return SkillArrays.build(
            n_rows,
            skill_ids,
            codes,
            np.concatenate([row[keep], np.array(new_r, dtype=np.int64)]),
            np.concatenate([skill[keep], np.array(new_s, dtype=np.int64)]),
            np.concatenate([level[keep].astype(np.int64), np.array(new_l, dtype=np.int64)]),
            np.concatenate([willing[keep], np.array(new_w, dtype=np.bool_)]),
        )

    def levels_of(self, row: int) -> dict[str, int]:
        """skill id -> level of one person row (no objects built)."""
        if row >= self.n_rows:
            return {}
        a, b = int(self.ptr[row]), int(self.ptr[row + 1])
        ids = self.skill_ids
        return {
            ids[c]: lv
            for c, lv in zip(self.skill[a:b].tolist(), self.level[a:b].tolist(), strict=True)
        }


@dataclass(frozen=True)
class SkillColumns:
    """HAS_SKILL rows as parallel arrays, for bulk builds without one `PersonSkill` object
    per row (`Snapshot.from_parts(skill_columns=...)`, a million people's ~10M rows).

    Entry e: person `person_ids[person[e]]` holds skill `skill_ids[skill[e]]` at `level[e]`
    (1-5), willing to mentor it when `willing[e]`. The arrays have one length; indexes are
    integers in range. Raises ValueError naming the field otherwise."""

    person_ids: Sequence[str]
    skill_ids: Sequence[str]
    person: NDArray[np.integer[Any]]
    skill: NDArray[np.integer[Any]]
    level: NDArray[np.integer[Any]]
    willing: NDArray[np.bool_]

    def __post_init__(self) -> None:
        n = len(self.person)
        for name in ("skill", "level", "willing"):
            got = len(getattr(self, name))
            if got != n:
                raise ValueError(
                    f"skill columns: {name} has {got} entries, expected {n} (as person)"
                )
        for name, arr, hi in (
            ("person", self.person, len(self.person_ids)),
            ("skill", self.skill, len(self.skill_ids)),
            ("level", self.level, 6),
        ):
            if not np.issubdtype(np.asarray(arr).dtype, np.integer):
                raise ValueError(f"skill columns: {name} has dtype {arr.dtype}, expected integers")
            lo = 1 if name == "level" else 0
            bad = np.flatnonzero((arr < lo) | (arr >= hi))
            if len(bad):
                e = int(bad[0])
                raise ValueError(
                    f"skill columns: {name}[{e}] is {int(arr[e])}, expected {lo}..{hi - 1}"
                )


def _no_entries() -> tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]
]:
    z = np.zeros(0, np.int64)
    return z, z, z, np.zeros(0, np.bool_)


class _SkillsOf(Mapping[str, Mapping[str, PersonSkill]]):
    """person id -> {skill id -> PersonSkill}, built on access from `SkillArrays` (only
    people with at least one skill are keys, as with the dicts this replaces)."""

    def __init__(self, arrays: SkillArrays, ids: Sequence[str], rows: Mapping[str, int]) -> None:
        self._a, self._ids, self._rows = arrays, ids, rows

    def __getitem__(self, person_id: str) -> Mapping[str, PersonSkill]:
        row = self._rows.get(person_id)
        a = self._a
        if row is None or row >= a.n_rows or a.ptr[row] == a.ptr[row + 1]:
            raise KeyError(person_id)
        lo, hi = int(a.ptr[row]), int(a.ptr[row + 1])
        sids = a.skill_ids
        return {
            sids[c]: PersonSkill(
                person_id=person_id, skill_id=sids[c], level=lv, willing_to_mentor=w
            )
            for c, lv, w in zip(
                a.skill[lo:hi].tolist(),
                a.level[lo:hi].tolist(),
                a.willing[lo:hi].tolist(),
                strict=True,
            )
        }

    def __iter__(self) -> Iterator[str]:
        a = self._a
        for row in np.flatnonzero(np.diff(a.ptr)).tolist():
            yield self._ids[row]

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._a.ptr)))


class _HoldersOf(Mapping[str, Mapping[str, PersonSkill]]):
    """skill id -> {person id -> PersonSkill} of everyone holding it (willing or not)."""

    def __init__(self, arrays: SkillArrays, ids: Sequence[str]) -> None:
        self._a, self._ids = arrays, ids

    def __getitem__(self, skill_id: str) -> Mapping[str, PersonSkill]:
        a = self._a
        code = a.codes.get(skill_id)
        if code is None or a.h_ptr[code] == a.h_ptr[code + 1]:
            raise KeyError(skill_id)
        lo, hi = int(a.h_ptr[code]), int(a.h_ptr[code + 1])
        ids = self._ids
        return {
            ids[r]: PersonSkill(person_id=ids[r], skill_id=skill_id, level=lv, willing_to_mentor=w)
            for r, lv, w in zip(
                a.h_row[lo:hi].tolist(),
                a.h_level[lo:hi].tolist(),
                a.h_willing[lo:hi].tolist(),
                strict=True,
            )
        }

    def __iter__(self) -> Iterator[str]:
        a = self._a
        for code in np.flatnonzero(np.diff(a.h_ptr)).tolist():
            yield a.skill_ids[code]

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._a.h_ptr)))


class _Willing(Mapping[str, Holders]):
    """skill id -> `Holders` (willing holders' rows ascending and levels): array views."""

    def __init__(self, arrays: SkillArrays) -> None:
        self._a = arrays

    def __getitem__(self, skill_id: str) -> Holders:
        a = self._a
        code = a.codes.get(skill_id)
        if code is None or a.w_ptr[code] == a.w_ptr[code + 1]:
            raise KeyError(skill_id)
        lo, hi = int(a.w_ptr[code]), int(a.w_ptr[code + 1])
        return Holders(a.w_row[lo:hi], a.w_level[lo:hi])

    def __iter__(self) -> Iterator[str]:
        a = self._a
        for code in np.flatnonzero(np.diff(a.w_ptr)).tolist():
            yield a.skill_ids[code]

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._a.w_ptr)))


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
# the fields `_row_values` gives per person, in order (all but avail_ver)
ROW_FIELDS = tuple(name for name in ARRAY_FIELDS if name != "avail_ver")


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
    skills: SkillArrays  # people x skills, compact (skills_of / holders_of / willing: views)
    goals: Mapping[str, Goal]
    goals_of: Mapping[str, tuple[str, ...]]  # person -> goal ids, sorted
    targets: Mapping[str, tuple[GoalTarget, ...]]  # confidence desc, then node id
    pairings: Mapping[str, Pairing]
    pairings_of: Mapping[str, tuple[str, ...]]  # person (any role) -> pairing ids, sorted
    checkins: Mapping[str, Mapping[str, CheckIn]]  # pairing id -> check-in id -> row
    arrays: Mapping[str, NDArray[Any]]
    lang_bits: Mapping[str, int]
    dept_codes: Mapping[str, int]

    @property
    def skills_of(self) -> Mapping[str, Mapping[str, PersonSkill]]:
        """person id -> skill id -> HAS_SKILL row (built on access from `skills`)."""
        return _SkillsOf(self.skills, self.ids, self.rows)

    @property
    def holders_of(self) -> Mapping[str, Mapping[str, PersonSkill]]:
        """skill id -> person id -> HAS_SKILL row (built on access from `skills`)."""
        return _HoldersOf(self.skills, self.ids)

    @property
    def willing(self) -> Mapping[str, Holders]:
        """skill id -> the rows and levels of people willing to mentor it (array views)."""
        return _Willing(self.skills)

    def skill_levels(self, person_id: str) -> dict[str, int]:
        """skill id -> level of everything `person_id` holds ({} for nobody/none)."""
        row = self.rows.get(person_id)
        return {} if row is None else self.skills.levels_of(row)

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
        skill_columns: SkillColumns | None = None,
    ) -> Snapshot:
        """Build from plain models (tests, benchmarks, loaders); references are trusted.

        `skill_columns`: HAS_SKILL rows as arrays (a million people without a million
        objects), taken before `person_skills` (later rows of a (person, skill) win); rows of
        people not among `people` are left out either way."""
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
            skill_columns=skill_columns,
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
        """Skills reachable from a target (skill_fit.target_credit_table), cached per
        hierarchy."""
        hit = self._credits.get(target_id)
        if hit is not None and hit[0] is state.hierarchy:
            return hit[1]
        tc = target_credit_table(state.hierarchy, target_id)
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
        skills=SkillArrays.empty(),
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
    skill_columns: SkillColumns | None = None,
) -> State:
    """`base` (an empty State) with all these records set (later rows of a key win)."""
    b = _Builder(base)
    for person in people:
        b.set_person(person)
    if skill_columns is not None:
        b.load_skill_columns(skill_columns)
    b.load_skills(person_skills)
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
        self._skill_updates: dict[str, list[PersonSkill]] = {}  # person -> all new rows
        self._bulk_skills: list[PersonSkill] | None = None
        self._bulk_columns: SkillColumns | None = None
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

    def set_person_skills(self, person_id: str, rows: Iterable[PersonSkill]) -> None:
        """Replace all HAS_SKILL rows of one person (a person without a row in the view,
        i.e. not loaded, is left out: the ranking indexes people by row)."""
        self._skill_updates[person_id] = list(rows)

    def load_skills(self, rows: Iterable[PersonSkill]) -> None:
        """Every HAS_SKILL row at once (bulk builds; later rows of a key win)."""
        self._bulk_skills = rows if isinstance(rows, list) else list(rows)

    def load_skill_columns(self, columns: SkillColumns) -> None:
        """Every HAS_SKILL row at once as arrays (bulk builds; `load_skills` rows come after
        these, and later rows of a key win)."""
        self._bulk_columns = columns

    def _skills(self) -> SkillArrays:
        n_rows = len(self.ids)
        rows = self.rows.now
        arrays = self.base.skills
        if self._bulk_skills is not None or self._bulk_columns is not None:
            skill_ids = list(arrays.skill_ids)
            codes = dict(arrays.codes)

            def code(skill_id: str) -> int:
                c = codes.setdefault(skill_id, len(skill_ids))
                if c == len(skill_ids):
                    skill_ids.append(skill_id)
                return c

            parts: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]] = []
            cols = self._bulk_columns
            if cols is not None:  # people not in the view are left out, as below
                p_row = np.array([rows.get(p, -1) for p in cols.person_ids], dtype=np.int64)
                s_code = np.array([code(s) for s in cols.skill_ids], dtype=np.int64)
                r = p_row[cols.person]
                ok = r >= 0
                parts.append((r[ok], s_code[cols.skill[ok]], cols.level[ok], cols.willing[ok]))
            known = [ps for ps in self._bulk_skills or () if ps.person_id in rows]
            k = len(known)
            parts.append(
                (
                    np.fromiter((rows[ps.person_id] for ps in known), np.int64, k),
                    np.fromiter((code(ps.skill_id) for ps in known), np.int64, k),
                    np.fromiter((ps.level for ps in known), np.int64, k),
                    np.fromiter((ps.willing_to_mentor for ps in known), np.bool_, k),
                )
            )
            arrays = SkillArrays.build(
                n_rows,
                skill_ids,
                codes,
                np.concatenate([p[0] for p in parts]).astype(np.int64),
                np.concatenate([p[1] for p in parts]).astype(np.int64),
                np.concatenate([p[2] for p in parts]).astype(np.int64),
                np.concatenate([p[3] for p in parts]).astype(np.bool_),
            )
        updates = {rows[p]: v for p, v in self._skill_updates.items() if p in rows}
        if updates or arrays.n_rows != n_rows:
            arrays = arrays.updated(n_rows, updates)
        return arrays

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
        draft = State(
            version=self.version,
            data_version=data_version,
            hierarchy=self.hierarchy,
            people=self.people.now,
            ids=self.ids,
            rows=self.rows.now,
            reports=self.reports.now,
            skills=self._skills(),
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
        rows: list[int] = []
        values: list[tuple[RowValue, ...]] = []
        avail: list[int] = []
        for pid in self.touched_people:
            row = st.rows.get(pid)
            person = st.people.get(pid)
            if row is None or person is None:
                continue  # a pairing's mentor not loaded (foreign data); nothing to index
            rows.append(row)
            values.append(_row_values(st, person, lang_bits, dept_codes))
            if pid in self.avail_changed:
                avail.append(row)
        if rows:  # one assignment per field (a million people: not 15 million)
            at = np.array(rows, dtype=np.int64)
            for name, column in zip(ROW_FIELDS, zip(*values, strict=True), strict=True):
                out[name][at] = np.array(column, dtype=ARRAY_FIELDS[name])
        out["avail_ver"][np.array(avail, dtype=np.int64)] = self.version
        return out


def _members(p: Pairing) -> set[str]:
    return {p.mentor_id, *p.mentee_ids}


def _row_values(
    st: State, p: Person, lang_bits: dict[str, int], dept_codes: dict[str, int]
) -> tuple[RowValue, ...]:
    """The `ROW_FIELDS` of one person's row, in that order."""
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
    mentor_ok = p.is_mentor and not p.opt_out_recommend and p.max_mentees > 0 and not p.departed
    return (
        mentor_ok,
        places,
        hours,
        p.max_mentees,
        p.max_hours_per_month,
        p.seniority,
        dept,
        np.uint64(mask),
        exact,
        fmt,
        model,
        fb_sum,
        fb_n,
        has,
    )


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
