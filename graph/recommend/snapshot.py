"""The recommender's in-memory view of the graph, kept current on writes.

`Snapshot.load(store)` reads everything once; `snapshot.apply(ops)` applies the same
`graph.store` ops the service just wrote, so the view follows the store without reloading.

Readers take `snapshot.state` once and use only that `State`: a State is never changed after
it is built. `apply` builds the next State next to the current one (copying only the dicts and
arrays the ops touch) and swaps one reference under a lock, so a concurrent reader sees either
the whole write or none of it.

Besides plain dicts of models, a State holds what ranking needs to be fast at 100k people:
- `willing[skill_id]`: the rows of people willing to mentor that skill and their levels (numpy),
  i.e. the columns of a sparse people x skills matrix;
- `arrays`: one numpy array per mentor attribute (eligibility, capacity, load, language and
  format bitmasks, department code, feedback sums), indexed by person row.
Derived caches (taxonomy credits per target, UTC availability grids per horizon) live on the
Snapshot and are checked against versions, never trusted blindly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from graph.errors import NotFound
from graph.hierarchy import Hierarchy
from graph.model import CheckIn, Goal, GoalTarget, Pairing, Person, PersonSkill
from graph.recommend import availability as av
from graph.recommend.scoring import OPEN_STATUSES
from graph.recommend.skill_fit import Credit, target_credits
from graph.store import (
    AddBroader,
    AddCheckIns,
    AppendAudit,
    DeleteGoals,
    GraphStore,
    PutApiKeys,
    RemoveBroader,
    RemovePersonSkills,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
)

FORMAT_BITS = {"video": 1, "in_person": 2, "async": 4}
MODEL_BITS = {"one_to_one": 1, "group": 2, "peer": 4, "reverse": 8}
LANGUAGE_BITS = 64
PAGE = 5_000


@dataclass(frozen=True)
class Holders:
    """People willing to mentor one skill: their rows (ascending) and levels."""

    rows: NDArray[np.int32]
    levels: NDArray[np.int8]


EMPTY_HOLDERS = Holders(np.zeros(0, np.int32), np.zeros(0, np.int8))

# name -> dtype of the per-person arrays in `State.arrays`
ARRAY_FIELDS: dict[str, Any] = {
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
    "fb_sum": np.float64,  # sum of check-in ratings on pairings as mentor
    "fb_n": np.int32,
    "has_pairings": np.bool_,  # mentor of at least one pairing (exposure needs a look)
    "avail_ver": np.int64,  # State.version when timezone/windows/exceptions last changed
}


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
    goals_of: Mapping[str, tuple[str, ...]]
    targets: Mapping[str, tuple[GoalTarget, ...]]  # confidence desc, then node id
    pairings: Mapping[str, Pairing]
    pairings_of: Mapping[str, tuple[str, ...]]  # person (any role) -> pairing ids
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

    def checkins_of_mentor(self, mentor_id: str) -> list[CheckIn]:
        out: list[CheckIn] = []
        for p in self.person_pairings(mentor_id):
            if p.mentor_id == mentor_id:
                out.extend(self.checkins.get(p.id, {}).values())
        return out


def sort_targets(targets: Iterable[GoalTarget]) -> tuple[GoalTarget, ...]:
    return tuple(sorted(targets, key=lambda t: (-t.confidence, t.node_id)))


class Snapshot:
    """Holder of the current State plus derived caches; `apply` swaps in the next State."""

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
        return cls.from_parts(
            taxonomy=dump,
            people=people,
            person_skills=skills,
            goals=goals,
            targets=targets,
            pairings=pairings,
            checkins=checkins,
            data_version=version,
        )

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
        b = _Builder(_empty_state(hierarchy))
        b.upsert_people(people)
        b.upsert_person_skills(person_skills)
        b.upsert_goals(goals)
        by_goal: dict[str, list[GoalTarget]] = {}
        for t in targets:
            by_goal.setdefault(t.goal_id, []).append(t)
        for goal_id, ts in by_goal.items():
            b.set_targets(goal_id, ts)
        b.upsert_pairings(pairings)
        b.add_checkins(checkins)
        return cls(b.finish(data_version=data_version))

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

    # --- writing ------------------------------------------------------------------------------

    def apply(self, ops: Sequence[StoreOp], *, data_version: int | None = None) -> None:
        """Apply ops the store has just committed. `data_version` is the store's new version
        (default: one more than now, as each store `apply` adds one)."""
        if not ops:
            return
        with self._lock:
            current = self._state
            b = _Builder(current)
            for op in ops:
                b.op(op)
            new_dv = current.data_version + 1 if data_version is None else data_version
            self._state = b.finish(data_version=new_dv)

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


# --- building states --------------------------------------------------------------------------


def _empty_state(hierarchy: Hierarchy) -> State:
    return State(
        version=0,
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


def _copy(d: Mapping[str, Any]) -> dict[str, Any]:
    return dict(d)


class _Builder:
    """Copy-on-write edits of a State; `finish` freezes the next State."""

    people: Any
    rows: Any
    reports: Any
    skills_of: Any
    holders_of: Any
    willing: Any
    goals: Any
    goals_of: Any
    targets: Any
    pairings: Any
    pairings_of: Any
    checkins: Any
    lang_bits: Any
    dept_codes: Any
    ids: Any

    def __init__(self, base: State) -> None:
        self.base = base
        self.touched_people: set[str] = set()  # recompute their array rows
        self.avail_changed: set[str] = set()
        self.touched_skills: set[str] = set()  # rebuild their willing arrays
        self._copied: set[object] = set()
        self.taxonomy_nodes: list[Any] = []
        self.add_edges: list[tuple[str, str]] = []
        self.remove_edges: list[tuple[str, str]] = []
        self.taxonomy_touched = False
        self.version = self.base.version + 1
        self.hierarchy = self.base.hierarchy
        for name in (
            "people",
            "rows",
            "reports",
            "skills_of",
            "holders_of",
            "willing",
            "goals",
            "goals_of",
            "targets",
            "pairings",
            "pairings_of",
            "checkins",
            "lang_bits",
            "dept_codes",
        ):
            setattr(self, name, getattr(self.base, name))
        self.ids = self.base.ids

    def _w(self, name: str) -> dict[str, Any]:
        """The writable copy of one top-level dict (copied on first write)."""
        if name not in self._copied:
            setattr(self, name, _copy(getattr(self, name)))
            self._copied.add(name)
        return getattr(self, name)  # type: ignore[no-any-return]

    # --- ops ----------------------------------------------------------------------------------

    def op(self, op: StoreOp) -> None:
        if isinstance(op, UpsertSkills | UpsertClusters):
            self.taxonomy_nodes.extend(op.rows)
            self.taxonomy_touched = True
        elif isinstance(op, AddBroader):
            self.add_edges.extend((r.child_id, r.parent_id) for r in op.rows)
            self.taxonomy_touched = True
        elif isinstance(op, RemoveBroader):
            self._flush_taxonomy()
            self.remove_edges.extend((r.child_id, r.parent_id) for r in op.rows)
            self.taxonomy_touched = True
        elif isinstance(op, UpsertPeople):
            self.upsert_people(op.rows)
        elif isinstance(op, UpsertPersonSkills):
            self.upsert_person_skills(op.rows)
        elif isinstance(op, RemovePersonSkills):
            self.remove_person_skills(op.keys)
        elif isinstance(op, UpsertGoals):
            self.upsert_goals(op.rows)
        elif isinstance(op, DeleteGoals):
            self.delete_goals(op.ids)
        elif isinstance(op, SetGoalTargets):
            self.set_targets(op.goal_id, op.targets)
        elif isinstance(op, UpsertPairings):
            self.upsert_pairings(op.rows)
        elif isinstance(op, AddCheckIns):
            self.add_checkins(op.rows)
        elif isinstance(op, RepointReferences):
            self.repoint(op.source_id, op.target_ids)
        elif isinstance(op, UpsertTaxonomyChanges | AppendAudit | PutApiKeys):
            pass  # history, audit and keys; nothing the recommender reads
        else:  # pragma: no cover - a new op kind must be taught here
            raise TypeError(f"snapshot cannot apply {type(op).__name__}")

    def _flush_taxonomy(self) -> None:
        # Keep op order: pending upserts/additions land before a removal or a repoint.
        if self.taxonomy_nodes or self.add_edges or self.remove_edges:
            self.hierarchy = self.hierarchy.with_changes(
                nodes=self.taxonomy_nodes,
                add_edges=self.add_edges,
                remove_edges=self.remove_edges,
            )
            self.taxonomy_nodes, self.add_edges, self.remove_edges = [], [], []

    def upsert_people(self, rows: Iterable[Person]) -> None:
        people, reports = self._w("people"), self._w("reports")
        for p in rows:
            old = people.get(p.id)
            if old is None:
                if p.id not in self.rows:
                    if "ids" not in self._copied:
                        self.ids = list(self.ids)
                        self._copied.add("ids")
                    self._w("rows")[p.id] = len(self.ids)
                    self.ids.append(p.id)
                self.avail_changed.add(p.id)
            else:
                if (old.timezone, old.windows, old.exceptions) != (
                    p.timezone,
                    p.windows,
                    p.exceptions,
                ):
                    self.avail_changed.add(p.id)
                if old.manager_id and old.manager_id != p.manager_id:
                    reports[old.manager_id] = reports.get(old.manager_id, frozenset()) - {p.id}
            if p.manager_id:
                reports[p.manager_id] = reports.get(p.manager_id, frozenset()) | {p.id}
            people[p.id] = p
            self.touched_people.add(p.id)

    def _skill_maps(self, person_id: str, skill_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        skills_of, holders_of = self._w("skills_of"), self._w("holders_of")
        key_p, key_s = ("p", person_id), ("s", skill_id)
        if key_p not in self._copied:
            skills_of[person_id] = dict(skills_of.get(person_id, {}))
            self._copied.add(key_p)
        if key_s not in self._copied:
            holders_of[skill_id] = dict(holders_of.get(skill_id, {}))
            self._copied.add(key_s)
        self.touched_skills.add(skill_id)
        return skills_of[person_id], holders_of[skill_id]

    def upsert_person_skills(self, rows: Iterable[PersonSkill]) -> None:
        for ps in rows:
            mine, theirs = self._skill_maps(ps.person_id, ps.skill_id)
            mine[ps.skill_id] = ps
            theirs[ps.person_id] = ps

    def remove_person_skills(self, keys: Iterable[tuple[str, str]]) -> None:
        for person_id, skill_id in keys:
            if skill_id in self.skills_of.get(person_id, {}):
                mine, theirs = self._skill_maps(person_id, skill_id)
                mine.pop(skill_id, None)
                theirs.pop(person_id, None)

    def upsert_goals(self, rows: Iterable[Goal]) -> None:
        goals, goals_of = self._w("goals"), self._w("goals_of")
        for g in rows:
            old = goals.get(g.id)
            if old is not None and old.person_id != g.person_id:
                goals_of[old.person_id] = tuple(x for x in goals_of[old.person_id] if x != g.id)
            if g.id not in goals_of.get(g.person_id, ()):
                goals_of[g.person_id] = (*goals_of.get(g.person_id, ()), g.id)
            goals[g.id] = g

    def delete_goals(self, ids: Iterable[str]) -> None:
        goals, goals_of, targets = self._w("goals"), self._w("goals_of"), self._w("targets")
        for goal_id in ids:
            old = goals.pop(goal_id, None)
            targets.pop(goal_id, None)
            if old is not None:
                goals_of[old.person_id] = tuple(
                    x for x in goals_of.get(old.person_id, ()) if x != goal_id
                )

    def set_targets(self, goal_id: str, rows: Iterable[GoalTarget]) -> None:
        self._w("targets")[goal_id] = sort_targets(rows)

    def upsert_pairings(self, rows: Iterable[Pairing]) -> None:
        pairings, pairings_of = self._w("pairings"), self._w("pairings_of")
        for p in rows:
            old = pairings.get(p.id)
            members_old = _members(old) if old is not None else set()
            members_new = _members(p)
            for m in members_old - members_new:
                pairings_of[m] = tuple(x for x in pairings_of.get(m, ()) if x != p.id)
            for m in members_new - members_old:
                pairings_of[m] = (*pairings_of.get(m, ()), p.id)
            pairings[p.id] = p
            self.touched_people.add(p.mentor_id)
            if old is not None:
                self.touched_people.add(old.mentor_id)

    def add_checkins(self, rows: Iterable[CheckIn]) -> None:
        checkins = self._w("checkins")
        for c in rows:
            per = dict(checkins.get(c.pairing_id, {}))
            per[c.id] = c
            checkins[c.pairing_id] = per
            pairing = self.pairings.get(c.pairing_id)
            if pairing is not None:
                self.touched_people.add(pairing.mentor_id)
            for old_pid, old in self.checkins.items():  # a moved check-in leaves its old pairing
                if old_pid != c.pairing_id and c.id in old:
                    checkins[old_pid] = {k: v for k, v in old.items() if k != c.id}
                    if old_pid in self.pairings:
                        self.touched_people.add(self.pairings[old_pid].mentor_id)

    def repoint(self, source: str, targets: Sequence[str]) -> None:
        """Same semantics as the stores (graph/store.py, RepointReferences)."""
        self._flush_taxonomy()
        h = self.hierarchy
        targets = list(dict.fromkeys(targets))
        skill_targets = [t for t in targets if t in h and h.kind(t) == "skill"]
        cluster_targets = [t for t in targets if t in h and h.kind(t) == "cluster"]
        holders = list(self.holders_of.get(source, {}).values())
        for t in skill_targets:
            for ps in holders:
                cur = self.skills_of.get(ps.person_id, {}).get(t)
                level = max(ps.level, cur.level) if cur else ps.level
                willing = ps.willing_to_mentor or (cur.willing_to_mentor if cur else False)
                self.upsert_person_skills(
                    [
                        PersonSkill(
                            person_id=ps.person_id,
                            skill_id=t,
                            level=level,
                            willing_to_mentor=willing,
                        )
                    ]
                )
        if skill_targets:
            self.remove_person_skills([(ps.person_id, source) for ps in holders])
        for goal_id, ts in list(self.targets.items()):
            src = [t for t in ts if t.node_id == source]
            if not src:
                continue
            moved = {t.node_id: t for t in ts if t.node_id != source}
            for target in targets:
                new = src[0].model_copy(update={"node_id": target})
                cur = moved.get(target)
                if cur is None or new.confidence > cur.confidence:
                    moved[target] = new
            self.set_targets(goal_id, moved.values())
        if cluster_targets:
            children = h.children(source) if source in h else []
            add = [(c, t) for t in cluster_targets for c in children if c != t]
            self.hierarchy = h.with_changes(
                add_edges=add, remove_edges=[(c, source) for c in children]
            )
            self.taxonomy_touched = True

    # --- freezing -----------------------------------------------------------------------------

    def finish(self, *, data_version: int) -> State:
        self._flush_taxonomy()
        willing = self.willing
        if self.touched_skills:
            willing = dict(willing)
            for s in self.touched_skills:
                holders = [ps for ps in self.holders_of.get(s, {}).values() if ps.willing_to_mentor]
                if not holders:
                    willing.pop(s, None)
                    continue
                pairs = sorted((self.rows[ps.person_id], ps.level) for ps in holders)
                willing[s] = Holders(
                    np.array([r for r, _ in pairs], np.int32),
                    np.array([lv for _, lv in pairs], np.int8),
                )
        draft = State(
            version=self.version,
            data_version=data_version,
            hierarchy=self.hierarchy,
            people=self.people,
            ids=self.ids,
            rows=self.rows,
            reports=self.reports,
            skills_of=self.skills_of,
            holders_of=self.holders_of,
            willing=willing,
            goals=self.goals,
            goals_of=self.goals_of,
            targets=self.targets,
            pairings=self.pairings,
            pairings_of=self.pairings_of,
            checkins=self.checkins,
            arrays=self.base.arrays,
            lang_bits=self.lang_bits,
            dept_codes=self.dept_codes,
        )
        arrays = self._arrays(draft)  # may assign new language/department codes
        return replace(draft, arrays=arrays, lang_bits=self.lang_bits, dept_codes=self.dept_codes)

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
        lang_bits, dept_codes = self._w("lang_bits"), self._w("dept_codes")
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
) -> dict[str, Any]:
    places, hours, fb_sum, fb_n, has = 0, 0.0, 0.0, 0, False
    for pairing in st.person_pairings(p.id):
        if pairing.mentor_id != p.id:
            continue
        has = True
        if pairing.status in OPEN_STATUSES:
            places += len(pairing.mentee_ids)
            hours += pairing.hours_per_month
        for c in st.checkins.get(pairing.id, {}).values():
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
        "mentor_ok": p.is_mentor and not p.opt_out_recommend and p.max_mentees > 0,
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


def _progress(enabled: bool) -> Any:
    if not enabled:
        return lambda _msg: None

    console = Console(stderr=True)
    return lambda msg: console.log(f"snapshot: loading {msg}")
