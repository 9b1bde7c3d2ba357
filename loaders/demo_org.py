"""A realistic, seeded demo organisation on top of a taxonomy, and `load_demo` for stores.

`generate_org(taxonomy, size=..., seed=...)` is pure and deterministic: the same taxonomy,
size and seed give identical people, skills and goals. Random draws are vectorised with a
numpy Generator, so 100k people take seconds. What it builds:

- departments tied to ESCO skill groups (Engineering -> programming/ICT groups, Sales ->
  selling/negotiating, Finance -> accounting, ...; see `loaders.demo_text.DEPARTMENTS`);
- a CEO and, per department, a manager tree (each manager has about six reports; a manager
  always has a smaller index than their reports, so there is no cycle);
- offices on six continents with their IANA zones, languages and names; most people sit in
  their manager's office; 1-3 weekly windows inside local working hours;
- skills from the department's groups plus transversal ones, levels that grow with seniority;
- about a fifth willing to mentor (mostly senior), with capacities and hours;
- programs ("2026-autumn" cohort for some mentees) and preferences;
- goals in natural free text (career moves, new skills, soft skills), never a skill label.

`load_demo` writes it to a store and, by default, about nine months of program life on top
(`loaders.demo_history`: cohorts, pairings in every state, check-ins, steward edits), which
re-dates the goals and replaces the programs with the cohorts people actually joined.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from graph.model import (
    Format,
    Goal,
    GoalStatus,
    GoalTarget,
    NodeStatus,
    Person,
    PersonSkill,
    Preferences,
    ProposedMentorSharing,
    TargetSource,
    WeeklyWindow,
)
from graph.store import (
    GraphStore,
    SetGoalTargets,
    StoreOp,
    TaxonomyDump,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
)
from loaders import demo_text as T
from loaders.demo_history import load_history
from loaders.esco import bundled_esco_dir, read_esco
from loaders.people import LabelMapper, paused_gc, progress_steps
from taxonomy.importer import import_taxonomy

M = TypeVar("M", bound=BaseModel)
SPAN = 6  # reports per manager, on average
MENTOR_SHARE = 0.2
MIN_POOL = 40  # below this many keyword matches a department draws from its whole groups
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # goals' created_at, fixed for determinism
ID_PREFIX = "demo-"


@dataclass
class DemoOrg:
    people: list[Person] = field(default_factory=list)
    person_skills: list[PersonSkill] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)


@dataclass
class DemoLoadReport:
    loaded: bool  # False: the demo org was already there, nothing written
    taxonomy_imported: bool
    people: int
    person_skills: int
    goals: int
    goals_mapped: int = 0
    pairings: int = 0
    checkins: int = 0
    steward_edits: int = 0
    cohorts: list[str] = field(default_factory=list)
    reason: str = ""


def person_id(i: int, size: int) -> str:
    return f"{ID_PREFIX}{i:0{max(5, len(str(size - 1)))}d}"


# --- skill pools per department ---------------------------------------------------------------


def skill_pools(taxonomy: TaxonomyDump) -> tuple[list[list[str]], list[str]]:
    """For each department its skill ids (sorted), and the common (transversal) pool.

    A skill belongs to a group when the group is among its ancestors. A department whose groups
    are missing from the taxonomy (a small company framework) draws from every active skill."""
    codes = {c.id: c.code for c in taxonomy.clusters}
    parents: dict[str, list[str]] = {}
    for b in taxonomy.broader:
        parents.setdefault(b.child_id, []).append(b.parent_id)
    memo: dict[str, frozenset[str]] = {}

    def ancestor_codes(node: str, trail: frozenset[str] = frozenset()) -> frozenset[str]:
        if node in memo:
            return memo[node]
        out: set[str] = set()
        for p in parents.get(node, ()):
            if p in trail:
                continue  # a cycle in a broken taxonomy: ignore the back edge
            if codes.get(p):
                out.add(codes[p])
            out |= ancestor_codes(p, trail | {node})
        memo[node] = frozenset(out)
        return memo[node]

    active = sorted(s.id for s in taxonomy.skills if s.status == NodeStatus.active)
    skill_codes = {sid: ancestor_codes(sid) for sid in active}

    labels = {s.id: s.label.casefold() for s in taxonomy.skills}

    def pool(groups: Sequence[str], keywords: Sequence[str]) -> list[str]:
        wanted = set(groups)
        in_groups = [sid for sid in active if skill_codes[sid] & wanted]
        relevant = [sid for sid in in_groups if any(k in labels[sid] for k in keywords)]
        return relevant if len(relevant) >= MIN_POOL else in_groups

    pools = [pool(d.groups, d.keywords) or active for d in T.DEPARTMENTS]
    return pools, pool(T.COMMON_GROUPS, T.COMMON_KEYWORDS) or active


# --- the generator ----------------------------------------------------------------------------


def generate_org(taxonomy: TaxonomyDump, *, size: int, seed: int) -> DemoOrg:
    """A deterministic demo org of `size` people (person 0 is the CEO)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    with paused_gc():
        return _generate(taxonomy, size, seed)


def _generate(taxonomy: TaxonomyDump, size: int, seed: int) -> DemoOrg:
    d = _draw(taxonomy, size, seed)
    L = d.lists(*d.arrays)  # plain Python lists: indexing numpy scalars one by one is slow
    people = _people(d.ids, L, shared=False)
    person_skills: list[PersonSkill] = []
    goals: list[Goal] = []
    pools, common = d.pools, d.common
    for i in range(size):
        pid = d.ids[i]
        pool = pools[L.dept[i]]
        chosen: dict[str, None] = {}
        if pool:
            size_p = len(pool)
            for r in L.dept_draw[i][: L.k_dept[i]]:
                chosen.setdefault(pool[int(r * size_p)], None)
        if common:
            size_c = len(common)
            for r in L.common_draw[i][: L.k_common[i]]:
                chosen.setdefault(common[int(r * size_c)], None)
        lv, wl = L.levels[i], L.willing[i]
        for slot, sid in enumerate(sorted(chosen)):
            person_skills.append(
                _person_skill(
                    person_id=pid, skill_id=sid, level=lv[slot], willing_to_mentor=wl[slot]
                )
            )

        dep = T.DEPARTMENTS[L.dept[i]]
        texts: list[str] = []
        for g in range(L.n_goals[i]):
            text = _goal_text(dep, L.goal_kind[i][g], L.goal_pick[i][g])
            if text.casefold() in (t.casefold() for t in texts):
                continue  # the same wish drawn twice: one goal
            texts.append(text)
            goals.append(
                _goal(
                    id=f"{pid}:goal:{g + 1}",
                    person_id=pid,
                    text=text,
                    measurable_outcome="",
                    start_date=None,
                    target_date=date(2026, 1, 1) + timedelta(days=30 * L.goal_months[i][g]),
                    milestones=[],
                    status=GoalStatus.open,
                    created_at=EPOCH + timedelta(minutes=i * 3 + g),
                    share_with_proposed_mentor=_SHARE_DEFAULT,
                )
            )
    return DemoOrg(people=people, person_skills=person_skills, goals=goals)


@dataclass
class DemoColumns:
    """A demo org for in-memory benchmarks at a million people: the people as `Person`
    objects, their skills as parallel arrays (no `PersonSkill` object per row), no goals.

    Entry e: person `people[person[e]]` holds skill `skill_ids[skill[e]]` at `level[e]`
    (1-5), willing to mentor it when `willing[e]`; entries come by person, skill ids
    ascending within a person. `skill_ids` is sorted. The people are to be read, not changed:
    identical windows and preferences are one shared object."""

    people: list[Person]
    skill_ids: list[str]
    person: NDArray[np.int32]
    skill: NDArray[np.int32]
    level: NDArray[np.int8]
    willing: NDArray[np.bool_]


def generate_org_columns(
    taxonomy: TaxonomyDump, *, size: int, seed: int, extra_skills: int = 0
) -> DemoColumns:
    """`generate_org`'s people and skills for the same taxonomy, size and seed (equal
    values), built lean: about 1 KB a person instead of about 10 KB, and seconds per 100k
    people. `extra_skills` (>= 0) adds up to that many more draws per person from their
    department's pool (from a second random stream, so the people stay the same; levels and
    willingness drawn as for the others): 4 gives about 10 skills a person instead of 6.4.
    Raises ValueError for size < 1 or extra_skills < 0."""
    if size < 1:
        raise ValueError("size must be at least 1")
    if extra_skills < 0:
        raise ValueError(f"extra_skills must be 0 or more, got {extra_skills}")
    with paused_gc():
        d = _draw(taxonomy, size, seed)
        people = _people(d.ids, d.lists(*_PERSON_FIELDS), shared=True)
        return _skill_columns(d, people, seed, extra_skills)


def _skill_columns(d: _Draws, people: list[Person], seed: int, extra: int) -> DemoColumns:
    """The skill draws of `_generate`, vectorised: per person the distinct drawn skills in
    id order, slot s taking `levels[:, s]` and `willing[:, s]`."""
    a = d.arrays
    n = len(d.ids)
    skill_ids = sorted({*d.common, *(s for pool in d.pools for s in pool)})
    code = {s: c for c, s in enumerate(skill_ids)}  # code order = id order
    none = len(skill_ids)  # sentinel: no skill in this slot
    pool_codes = [np.array([code[s] for s in pool], dtype=np.int64) for pool in d.pools]
    common_codes = np.array([code[s] for s in d.common], dtype=np.int64)
    dept, dept_draw, k_dept = a["dept"], a["dept_draw"], a["k_dept"]
    draws = np.full((n, 9 + extra), none, dtype=np.int64)
    for dep, pool in enumerate(pool_codes):
        at = np.flatnonzero(dept == dep)
        if len(pool) == 0 or len(at) == 0:
            continue
        picked = pool[(dept_draw[at] * len(pool)).astype(np.int64)]
        picked[np.arange(7)[None, :] >= k_dept[at][:, None]] = none
        draws[at, :7] = picked
    if len(common_codes):
        picked = common_codes[(a["common_draw"] * len(common_codes)).astype(np.int64)]
        picked[np.arange(2)[None, :] >= a["k_common"][:, None]] = none
        draws[:, 7:9] = picked
    levels, willing = a["levels"], a["willing"]
    if extra:
        rng = np.random.default_rng([seed, 1])
        u = rng.random((n, extra))
        noise = rng.normal(0.0, 0.9, size=(n, extra))
        teach = rng.random((n, extra)) < 0.85
        for dep, pool in enumerate(pool_codes):
            at = np.flatnonzero(dept == dep)
            if len(pool) and len(at):
                draws[at, 9:] = pool[(u[at] * len(pool)).astype(np.int64)]
        more = np.clip(np.rint(1.0 + a["seniority"][:, None] * 0.4 + noise), 1, 5).astype(int)
        levels = np.concatenate([levels, more], axis=1)
        willing = np.concatenate([willing, (more >= 3) & teach & a["is_mentor"][:, None]], axis=1)
    # distinct skills per row, ascending (a repeat becomes the sentinel, sorted to the end)
    draws.sort(axis=1)
    dup = np.zeros(draws.shape, dtype=bool)
    dup[:, 1:] = draws[:, 1:] == draws[:, :-1]
    draws[dup] = none
    draws.sort(axis=1)
    held = draws != none
    person, slot = np.nonzero(held)
    return DemoColumns(
        people=people,
        skill_ids=skill_ids,
        person=person.astype(np.int32),
        skill=draws[held].astype(np.int32),
        level=levels[person, slot].astype(np.int8),
        willing=willing[person, slot].astype(np.bool_),
    )


# the draws `_people` reads
_PERSON_FIELDS = (
    "dept", "office", "manager", "seniority", "has_reports", "is_mentor", "max_mentees",
    "hours_each", "wanted", "n_windows", "days", "start_half_hours", "length_half_hours",
    "u_prog", "u_fmt", "fmt_pick", "fn_pick", "extra_lang", "attr_pick", "first_pick",
    "last_pick",
)  # fmt: skip


def _people(ids: list[str], L: _Lists, *, shared: bool) -> list[Person]:
    """The Person rows from the draws. `shared`: equal windows and preferences are one
    object (read-only use: a million people then fit in a few GB)."""
    times = [time(h // 2, 30 * (h % 2)) for h in range(48)]
    windows_of: dict[tuple[int, int, int], WeeklyWindow] = {}
    prefs_of: dict[tuple[int, int], Preferences] = {}
    titles: dict[tuple[int, int, bool, bool], str] = {}
    people: list[Person] = []
    for i in range(len(ids)):
        dep_i = L.dept[i]
        dep = T.DEPARTMENTS[dep_i]
        off = T.OFFICES[L.office[i]]
        firsts, lasts = T.NAMES[off.region]
        first, last = firsts[L.first_pick[i]], lasts[L.last_pick[i]]
        langs = list(off.languages)
        extra = L.extra_lang[i]
        if extra >= 0 and T.EXTRA_LANGUAGES[extra] not in langs:
            langs.append(T.EXTRA_LANGUAGES[extra])
        day_row, start_row, len_row = L.days[i], L.start_half_hours[i], L.length_half_hours[i]
        windows: list[WeeklyWindow] = []
        for w in sorted(range(L.n_windows[i]), key=day_row.__getitem__):
            wkey = (day_row[w], start_row[w], min(start_row[w] + len_row[w], 36))
            window = windows_of.get(wkey) if shared else None
            if window is None:
                window = _window(
                    weekday=wkey[0],
                    start=times[wkey[1]],
                    end=times[wkey[2]],
                    valid_from=None,
                    valid_until=None,
                    every_weeks=1,
                )
                if shared:
                    windows_of[wkey] = window
            windows.append(window)
        mentor = L.is_mentor[i]
        programs: list[str] = []
        if L.u_prog[i] < (0.5 if mentor else 0.3):
            programs.append(T.PROGRAMS[0])
        elif L.u_prog[i] > 0.9:
            programs.append(T.PROGRAMS[1])
        pkey = (L.fmt_pick[i] if L.u_fmt[i] < 0.3 else -1, L.fn_pick[i])
        prefs = prefs_of.get(pkey) if shared else None
        if prefs is None:
            prefs = _prefs(
                formats=[_FORMATS[pkey[0]]] if pkey[0] >= 0 else [],
                languages=[],
                function=T.FUNCTIONS[pkey[1]],
                models=[],
            )
            if shared:
                prefs_of[pkey] = prefs
        attr = L.attr_pick[i]
        sen = L.seniority[i]
        mgr = L.manager[i]
        tkey = (dep_i, sen, L.has_reports[i], i == 0)
        title = titles.get(tkey) if shared else None
        if title is None:
            title = _title(dep, sen, tkey[2], tkey[3])
            if shared:
                titles[tkey] = title
        people.append(
            _person(
                id=ids[i],
                name=f"{first} {last}",
                email=f"{_ascii(first)}.{_ascii(last)}.{i}@demo.mentorgraph.org",
                title=title,
                department="Executive" if i == 0 else dep.name,
                location=off.city,
                timezone=off.timezone,
                languages=langs,
                manager_id=ids[mgr] if mgr >= 0 else None,
                seniority=sen,
                is_mentor=mentor,
                max_mentees=L.max_mentees[i],
                max_hours_per_month=float(L.max_mentees[i] * L.hours_each[i]),
                hours_wanted_per_month=float(L.wanted[i]),
                windows=windows,
                exceptions=[],
                preferences=prefs,
                attributes={"group": T.ATTRIBUTE_GROUPS[attr]} if attr >= 0 else {},
                programs=programs,
                opt_out_recommend=False,
                opt_out_analytics=False,
                left_on=None,
                erased_at=None,
                micro_mentor=bool(mentor) and i % 4 == 0,  # a quarter of mentors offer micro
            )
        )
    return people


@dataclass
class _Draws:
    """The random draws of one org: per-person numpy arrays, ids and skill pools."""

    ids: list[str]
    pools: list[list[str]]
    common: list[str]
    arrays: dict[str, NDArray[Any]]

    def lists(self, *names: str) -> _Lists:
        """These draws as plain Python lists (attribute access, fast indexing)."""
        return _Lists(**{name: self.arrays[name].tolist() for name in names})


def _draw(taxonomy: TaxonomyDump, size: int, seed: int) -> _Draws:
    """Every random draw of the org, as numpy arrays (one row per person)."""
    rng = np.random.default_rng(seed)
    n = size
    ids = [person_id(i, n) for i in range(n)]

    # departments and the manager tree ---------------------------------------------------------
    dep_w = np.array([d.weight for d in T.DEPARTMENTS])
    dept = rng.choice(len(T.DEPARTMENTS), size=n, p=dep_w / dep_w.sum())
    dept[0] = 0
    manager = np.full(n, -1, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    for d in range(len(T.DEPARTMENTS)):
        members = np.flatnonzero(dept == d)
        members = members[members != 0]
        if members.size == 0:
            continue
        j = np.arange(members.size)
        hi = np.maximum(j - 1, 0) // SPAN
        lo = np.maximum(hi - 1, 0)
        parent_pos = lo + (rng.random(members.size) * (hi - lo + 1)).astype(np.int64)
        parent_pos = np.minimum(parent_pos, np.maximum(j - 1, 0))
        mgr = members[parent_pos]
        mgr[0] = 0  # the department head reports to the CEO
        manager[members] = mgr
    # depth by repeated relaxation: managers always come before their reports
    for _ in range(64):
        new = np.where(manager >= 0, depth[np.maximum(manager, 0)] + 1, 0)
        if np.array_equal(new, depth):
            break
        depth = new

    noise = rng.normal(0.0, 1.2, size=n)
    seniority = np.clip(np.rint(9.5 - 1.4 * depth + noise), 1, 9).astype(np.int64)
    seniority[0] = 10
    has_reports = np.zeros(n, dtype=bool)
    has_reports[manager[manager >= 0]] = True

    # offices: most people sit with their manager ------------------------------------------------
    off_w = np.array([o.weight for o in T.OFFICES])
    office = rng.choice(len(T.OFFICES), size=n, p=off_w / off_w.sum())
    follow = rng.random(n) < 0.6
    for level in range(1, int(depth.max()) + 1):
        at = np.flatnonzero((depth == level) & follow)
        office[at] = office[manager[at]]

    # mentors: the top fifth by seniority plus noise ---------------------------------------------
    key = seniority + rng.normal(0.0, 1.5, size=n)
    is_mentor = key >= np.quantile(key, 1.0 - MENTOR_SHARE) if n > 1 else np.ones(n, bool)
    max_mentees = np.where(is_mentor, rng.integers(1, 4, size=n), 0)
    hours_each = rng.choice(np.array([2.0, 3.0, 4.0]), size=n)
    wanted = np.where(is_mentor, 0.0, rng.choice(np.array([2.0, 3.0, 4.0]), size=n))

    # windows: 1-3 distinct weekdays, inside 08:00-18:00 local -----------------------------------
    n_windows = rng.integers(1, 4, size=n)
    days = np.argsort(rng.random((n, 5)), axis=1)[:, :3]
    start_half_hours = rng.integers(16, 33, size=(n, 3))  # 08:00 .. 16:00
    length_half_hours = rng.integers(2, 5, size=(n, 3))  # 1h .. 2h

    # programs, preferences, attributes, languages ---------------------------------------------
    u_prog = rng.random(n)
    u_fmt = rng.random(n)
    fmt_pick = rng.integers(0, len(T.FORMATS), size=n)
    fn_pick = rng.integers(0, len(T.FUNCTIONS), size=n)
    extra_lang = np.where(rng.random(n) < 0.12, rng.integers(0, len(T.EXTRA_LANGUAGES), n), -1)
    attr_pick = np.where(rng.random(n) < 0.7, rng.integers(0, len(T.ATTRIBUTE_GROUPS), n), -1)
    first_pick = rng.integers(0, 20, size=n)
    last_pick = rng.integers(0, 20, size=n)

    # skills ---------------------------------------------------------------------------------------
    pools, common = skill_pools(taxonomy)
    k_dept = rng.integers(3, 8, size=n)
    k_common = rng.integers(1, 3, size=n)
    dept_draw = rng.random((n, 7))
    common_draw = rng.random((n, 2))
    level_noise = rng.normal(0.0, 0.9, size=(n, 9))
    mentor_skill = rng.random((n, 9)) < 0.85

    # goals ----------------------------------------------------------------------------------------
    goal_p = np.where(is_mentor, 0.25, 0.75)
    n_goals = np.where(rng.random(n) < goal_p, rng.integers(1, 3, size=n), 0)
    goal_kind = rng.random((n, 2))
    goal_pick = rng.integers(0, 1 << 30, size=(n, 2, 3))
    goal_months = rng.integers(3, 13, size=(n, 2))

    levels = np.clip(np.rint(1.0 + seniority[:, None] * 0.4 + level_noise), 1, 5).astype(int)
    willing = (levels >= 3) & mentor_skill & is_mentor[:, None]
    return _Draws(
        ids=ids,
        pools=pools,
        common=common,
        arrays={
            "dept": dept,
            "office": office,
            "manager": manager,
            "seniority": seniority,
            "has_reports": has_reports,
            "is_mentor": is_mentor,
            "max_mentees": max_mentees,
            "hours_each": hours_each,
            "wanted": wanted,
            "n_windows": n_windows,
            "days": days,
            "start_half_hours": start_half_hours,
            "length_half_hours": length_half_hours,
            "u_prog": u_prog,
            "u_fmt": u_fmt,
            "fmt_pick": fmt_pick,
            "fn_pick": fn_pick,
            "extra_lang": extra_lang,
            "attr_pick": attr_pick,
            "first_pick": first_pick,
            "last_pick": last_pick,
            "k_dept": k_dept,
            "k_common": k_common,
            "dept_draw": dept_draw,
            "common_draw": common_draw,
            "levels": levels,
            "willing": willing,
            "n_goals": n_goals,
            "goal_kind": goal_kind,
            "goal_pick": goal_pick,
            "goal_months": goal_months,
        },
    )


def _title(dep: T.Department, seniority: int, has_reports: bool, ceo: bool) -> str:
    if ceo:
        return "Chief Executive Officer"
    if seniority >= 9:
        return f"VP {dep.name}"
    if seniority >= 8 and has_reports:
        return f"Director, {dep.name}"
    if seniority >= 6 and has_reports:
        return f"{dep.name} Manager"
    if seniority >= 7:
        return f"Principal {dep.role}"
    if seniority >= 5:
        return f"Senior {dep.role}"
    if seniority <= 2:
        return f"Junior {dep.role}"
    return dep.role


def _goal_text(dep: T.Department, kind: float, pick: Sequence[int]) -> str:
    a, b, c = pick
    prefix = T.PREFIXES[c % len(T.PREFIXES)]
    if kind < 0.4:
        phrase = T.LEARN_FORMS[a % len(T.LEARN_FORMS)].format(x=dep.learn[b % len(dep.learn)])
    elif kind < 0.7:
        phrase = T.SOFT_FORMS[a % len(T.SOFT_FORMS)].format(x=T.SOFT[b % len(T.SOFT)])
    else:
        phrase = T.CAREER[b % len(T.CAREER)]
    text = prefix + phrase
    return text[0].upper() + text[1:] if prefix else text


@lru_cache(maxsize=4096)
def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum()) or "person"


class _Lists(SimpleNamespace):
    """Per-person draws as plain lists (attribute access for readability)."""

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - typing aid only
        raise AttributeError(name)


def _fast(cls: type[M]) -> Callable[..., M]:
    """A constructor that skips validation, like `model_construct` but without its per-call
    overhead. Only for values that are valid by construction (this module's own draws):
    every field must be given (checked on the first call)."""
    names = frozenset(cls.model_fields)
    # every field is set: one set shared by all objects of the class (pydantic only ever adds
    # a field's name to it, already there; copies get their own), ~1 KB saved a Person
    every = set(names)
    checked = False

    def make(**values: Any) -> M:
        nonlocal checked
        if not checked:
            if set(values) != names:
                raise TypeError(f"{cls.__name__}: fields {sorted(names ^ set(values))}")
            checked = True
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "__pydantic_fields_set__", every)
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj

    return make


_person = _fast(Person)
_person_skill = _fast(PersonSkill)
_goal = _fast(Goal)
_SHARE_DEFAULT = ProposedMentorSharing()  # skills shared, text not (never mutated)
_window = _fast(WeeklyWindow)
_prefs = _fast(Preferences)
_FORMATS = [Format(f) for f in T.FORMATS]


# --- loading into a store ---------------------------------------------------------------------


def load_demo(
    store: GraphStore,
    *,
    size: int = 1000,
    seed: int = 7,
    progress: bool = False,
    mapper: LabelMapper | None = None,
    map_k: int = 3,
    history: bool = True,
    today: date | None = None,
) -> DemoLoadReport:
    """Load the bundled ESCO taxonomy if the store has none, then the demo org, idempotently.

    A second call with the same size and seed finds the org (first and last demo ids present)
    and writes nothing, unless the store reports an interrupted large apply (Neo4j:
    `pending_applies()`): then the load runs again and finishes it. With a mapper, each
    goal's TARGETS are set to its `map_k` best nodes (source "embedding"). With `history`
    (the default), about nine months of program life up to `today` (default: today, UTC)
    follow: cohorts, pairings in every state, check-ins, steward edits
    (`loaders.demo_history`); only goals with targets take part in it."""
    imported = False
    if store.count_skills() == 0:
        import_taxonomy(
            store,
            read_esco(bundled_esco_dir(), progress=progress),
            actor="demo",
            source="esco",
            progress=progress,
            reason="demo data",
        )
        imported = True
    first, last = person_id(0, size), person_id(size - 1, size)
    # A store that writes large applies in batches (Neo4j) lists the ones interrupted; an
    # interrupted demo load is finished by loading again (every write is an upsert).
    pending = getattr(store, "pending_applies", None)
    interrupted = bool(pending()) if callable(pending) else False
    present = store.get_person(first) is not None and store.get_person(last) is not None
    if present and not interrupted:
        return DemoLoadReport(
            loaded=False,
            taxonomy_imported=imported,
            people=0,
            person_skills=0,
            goals=0,
            reason=f"demo org already loaded ({first} .. {last} present)",
        )
    with paused_gc(), progress_steps(progress) as step:
        gen = step(f"generating a demo org of {size}", 1)
        org = generate_org(store.taxonomy(), size=size, seed=seed)
        gen(1)
        ops: list[StoreOp] = [
            UpsertPeople(org.people),
            UpsertPersonSkills(org.person_skills),
            UpsertGoals(org.goals),
        ]
        mapped = 0
        if mapper is not None:
            advance = step("mapping goals", len(org.goals))
            for goal in org.goals:
                targets = _targets(mapper, goal, map_k)
                if targets:
                    ops.append(SetGoalTargets(goal.id, targets))
                    mapped += 1
                advance(1)
        write = step("writing", 1)
        store.apply(ops)
        write(1)
        lived = None
        if history:
            life = step("nine months of program history", 1)
            lived = load_history(
                store,
                seed=seed,
                today=today,
                people=org.people,
                person_skills=org.person_skills,
                goals=org.goals,
                targets=[t for op in ops if isinstance(op, SetGoalTargets) for t in op.targets],
            )
            life(1)
    return DemoLoadReport(
        loaded=True,
        taxonomy_imported=imported,
        people=len(org.people),
        person_skills=len(org.person_skills),
        goals=len(org.goals),
        goals_mapped=mapped,
        pairings=lived.pairings if lived else 0,
        checkins=lived.checkins if lived else 0,
        steward_edits=lived.steward_edits if lived else 0,
        cohorts=lived.cohorts if lived else [],
    )


def _targets(mapper: LabelMapper, goal: Goal, k: int) -> list[GoalTarget]:
    result: Any = mapper.map(goal.text, k)
    hits = getattr(result, "candidates", result)
    out: list[GoalTarget] = []
    for hit in hits:
        if isinstance(hit, tuple | list):
            node_id, score = str(hit[0]), float(hit[1])
        else:
            node_id, score = str(hit.id), float(hit.score)
        out.append(
            GoalTarget(
                goal_id=goal.id,
                node_id=node_id,
                confidence=min(1.0, max(0.0, score)),
                source=TargetSource.embedding,
            )
        )
    return out
