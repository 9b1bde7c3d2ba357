"""How much a mentor's skill helps with a goal's target, through the taxonomy.

A goal TARGETS a skill or a cluster (with a confidence). From the target we walk up at most
`MAX_UP` BROADER steps to a node `via` (or stay on the target itself) and then down to a
skill, at most `MAX_HOPS` steps in all. Every such route has a *relation*, and the relation
fixes the credit:

    relation   route                                                  credit
    skill      the target skill itself (0 steps)                     EXACT    1.0
    in_target  a skill directly in a targeted group (down 1)         EXACT    1.0
    broader    the skill directly above a skill target (up 1)        ADJACENT 0.55
    narrower   a skill directly below a skill target (down 1)        ADJACENT 0.55
    close      2 steps, not through a broad group: a sibling in      CLOSE    0.45
               the same narrow group or under the same broader skill,
               a skill two steps above/below the target, a skill one
               level further down in a targeted group
    loose      3 or 4 steps, or any route that climbs to a broad     LOOSE    0.25, at 4
               group: a top-level one (tier <= TOP_TIER: ESCO "S",   steps 0.25*0.6 = 0.15
               "S1") or a very large one (more than
               BROAD_GROUP_SKILLS skills directly in it: ESCO's
               transversal groups such as T4.1 "communicating", 220)

A node may sit under several parents (real ESCO does that), so a skill is often reached by
several routes: the best credit wins, then the fewest steps, the least climb, the smallest
`via` id. (A route that *starts* at a targeted broad group is not "through" it: a goal
mapped to "languages" counts a language skill directly in it as the target itself.)

Why size counts: two skills that share only a group listing hundreds of skills (ESCO's
transversal T4.2 "supporting others" holds 423, T4.1 "communicating" 220) are no closer than
two skills under a top-level group: "keep promotions records" is no near neighbour of
"negotiate supplier arrangements" for sharing "communicating".

A mentor skill counts only when the mentor is willing to mentor it and, for the one-to-one and
group models, holds it at a higher level than the mentee does. Its value is

    confidence * credit * level_factor(mentor level),   level_factor(l) = 0.5 + 0.1 * l

and a goal's fit for a mentor is the best value over its targets and the mentor's skills.

Calibration. The level factor runs from 0.6 (level 1) to 1.0 (level 5), so the credits are
chosen so that, all else equal (same confidence, same other components):

- a mentor holding the target skill at *any* level the model accepts outranks one holding
  only a related skill at any level: ADJACENT * 1.0 = 0.55 < EXACT * 0.6 = 0.6;
- a closely related skill outranks a loosely related one at any level:
  LOOSE * 1.0 = 0.25 < CLOSE * 0.6 = 0.27;
- at equal levels: the skill > broader/narrower > close > loose.

Worked by hand for the goal "manage musical staff" (tests/recommend/test_skill_fit.py), ESCO
putting it under the skill "manage staff" and the group S4.8.1 (tier 3):

    "manage musical staff" itself                                1.0   skill
    "manage staff", its broader skill                            0.55  broader
    "manage physiotherapy staff", also under "manage staff"      0.45  close (up 1, down 1)
    "supervise work", a sibling in the same group S4.8.1         0.45  close (up 1, down 1)
    "motivate others", in another group of "manage staff"        0.25  loose (up 2, down 1)

A chain of skills uses up the climb: from a skill two steps under another skill, `MAX_UP`
reaches that skill and no group above it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from graph.hierarchy import Hierarchy
from graph.model import MentoringModel, SkillCluster

EXACT = 1.0
ADJACENT_SKILL = 0.55  # a skill directly broader/narrower than a skill target
CLOSE = 0.45  # two steps, not through a top-level group
LOOSE = 0.25  # further, or through a top-level group; x DECAY at 4 steps
DECAY = 0.6
TOP_TIER = 1  # groups of tier 0 and 1 (ESCO: the pillar "S" and "S1" .. "S8") are top-level
BROAD_GROUP_SKILLS = 150  # a group with more skills directly in it than this is broad too
MAX_UP = 2
MAX_HOPS = 4
LEVEL_MODELS = frozenset({MentoringModel.one_to_one, MentoringModel.group})


class Relation(StrEnum):
    """How a mentor's skill relates to a goal's target (module doc)."""

    skill = "skill"
    in_target = "in_target"
    broader = "broader"
    narrower = "narrower"
    close = "close"
    loose = "loose"


@dataclass(frozen=True)
class Credit:
    """How a skill is reached from a target: up `up` steps to `via`, then down."""

    skill_id: str
    credit: float
    hops: int
    up: int
    via: str  # the node where the route turns (the target itself when up == 0)
    relation: Relation = Relation.skill


def loose_credit(hops: int) -> float:
    """Credit of a loosely related skill `hops` steps away (LOOSE, less at 4 steps)."""
    return float(LOOSE * DECAY ** max(0, hops - 3))


def route_credit(
    hops: int, up: int, *, skill_target: bool, via_top_level: bool
) -> tuple[Relation, float]:
    """Relation and credit of one route (module doc): `hops` steps in all, `up` of them up;
    `skill_target`: the target is a skill; `via_top_level`: the route turns at a broad group
    (`is_broad_group`). The one formula the fast path, the reference and the Cypher twin use."""
    if hops == 0:
        return Relation.skill, EXACT
    if up >= 1 and via_top_level:
        return Relation.loose, loose_credit(hops)
    if hops == 1:
        if not skill_target:
            return Relation.in_target, EXACT
        return (Relation.broader if up == 1 else Relation.narrower), ADJACENT_SKILL
    if hops == 2:
        return Relation.close, CLOSE
    return Relation.loose, loose_credit(hops)


def is_top_level(hierarchy: Hierarchy, node_id: str) -> bool:
    """A group of tier <= TOP_TIER (skills never are)."""
    node = hierarchy.node(node_id)
    return isinstance(node, SkillCluster) and node.tier <= TOP_TIER


def is_broad_group(hierarchy: Hierarchy, node_id: str) -> bool:
    """A group credit through which is at most "loosely related": top-level (`is_top_level`)
    or holding more than BROAD_GROUP_SKILLS skills directly (skills never are broad)."""
    node = hierarchy.node(node_id)
    if not isinstance(node, SkillCluster):
        return False
    if node.tier <= TOP_TIER:
        return True
    skills = hierarchy.skill_ids
    return sum(1 for c in hierarchy.children(node_id) if c in skills) > BROAD_GROUP_SKILLS


def level_factor(level: int) -> float:
    return 0.5 + 0.1 * level


def level_ok(model: MentoringModel, mentor_level: int, mentee_level: int) -> bool:
    """Mentors must know more than the mentee, except in peer and reverse mentoring."""
    return model not in LEVEL_MODELS or mentor_level > mentee_level


def target_credits(hierarchy: Hierarchy, target_id: str) -> dict[str, Credit]:
    """Every skill reachable from `target_id` within the limits, with its best route."""
    if target_id not in hierarchy:
        return {}
    ups = {target_id: 0, **hierarchy.ancestors_by_distance(target_id, MAX_UP)}
    best: dict[str, Credit] = {}
    skill_target = target_id in hierarchy.skill_ids
    memo = _skill_downs_memo(hierarchy)
    for via, up in sorted(ups.items(), key=lambda kv: (kv[1], kv[0])):
        top = is_broad_group(hierarchy, via)
        key = (via, MAX_HOPS - up)
        downs = memo.get(key)
        if downs is None:  # shared by every target that turns at `via` (siblings etc.)
            everything = {via: 0, **hierarchy.descendants_by_distance(via, MAX_HOPS - up)}
            skills = hierarchy.skill_ids
            downs = memo[key] = [(n, d) for n, d in everything.items() if n in skills]
        routes: dict[int, tuple[Relation, float]] = {}  # hops -> (relation, credit)
        for node_id, down in downs:
            hops = up + down
            rc = routes.get(hops)
            if rc is None:
                rc = routes[hops] = route_credit(
                    hops, up, skill_target=skill_target, via_top_level=top
                )
            relation, credit = rc
            old = best.get(node_id)
            # Routes come in (up, via) order, so only a strictly better (credit, fewer hops)
            # replaces a route.
            if old is None or (-credit, hops) < (-old.credit, old.hops):
                best[node_id] = Credit(node_id, credit, hops, up, via, relation)
    return best


# hierarchy -> (via, depth) -> the skills below `via` within `depth` steps, with distances
_DOWNS: weakref.WeakKeyDictionary[Hierarchy, dict[tuple[str, int], list[tuple[str, int]]]] = (
    weakref.WeakKeyDictionary()
)
_DOWNS_LOCK = threading.Lock()


def _skill_downs_memo(hierarchy: Hierarchy) -> dict[tuple[str, int], list[tuple[str, int]]]:
    """The descendant lists of one (read-only) hierarchy, kept while it lives."""
    with _DOWNS_LOCK:
        memo = _DOWNS.get(hierarchy)
        if memo is None:
            memo = _DOWNS[hierarchy] = {}
        return memo


# --- the same credits as arrays (what the ranking uses) ---------------------------------------

_RELATIONS = tuple(Relation)


@dataclass(frozen=True)
class TargetCredits:
    """A target's reachable skills sorted by id (`target_credits` as arrays): per skill its
    credit, steps (`hops`, `up`), the node the route turns at and its relation. Skills are
    positions in `universe` (the hierarchy's skill ids, sorted; shared by every target of
    that hierarchy), so building one needs no Python object per skill; `skills`, `via` and
    `routes` are made on first use (explanations need a few)."""

    universe: tuple[str, ...]
    universe_index: Mapping[str, int]
    skill_index: NDArray[np.int32]  # ascending positions in `universe`
    credit: NDArray[np.float64]
    hops: NDArray[np.int8]
    up: NDArray[np.int8]
    vias: tuple[str, ...]
    via_index: NDArray[np.int32]  # per skill: position in `vias`
    relation: NDArray[np.int8]  # index into Relation, in declaration order

    def __len__(self) -> int:
        return len(self.skill_index)

    def skill(self, i: int) -> str:
        return self.universe[int(self.skill_index[i])]

    def position(self, skill_id: str) -> int | None:
        """Position of `skill_id` among this target's skills, None if it is not reached."""
        u = self.universe_index.get(skill_id)
        if u is None:
            return None
        i = int(np.searchsorted(self.skill_index, u))
        return i if i < len(self.skill_index) and self.skill_index[i] == u else None

    @cached_property
    def skills(self) -> tuple[str, ...]:
        return tuple(self.universe[i] for i in self.skill_index.tolist())

    def route(self, i: int) -> Credit:
        return Credit(
            self.skill(i),
            float(self.credit[i]),
            int(self.hops[i]),
            int(self.up[i]),
            self.vias[int(self.via_index[i])],
            _RELATIONS[int(self.relation[i])],
        )

    @cached_property
    def routes(self) -> tuple[Credit, ...]:
        return tuple(self.route(i) for i in range(len(self)))

    @classmethod
    def build(cls, credits: Mapping[str, Credit]) -> TargetCredits:
        """From `target_credits`'s dict (the reference the array path is tested against)."""
        skills = tuple(sorted(credits))
        routes = [credits[s] for s in skills]
        vias = tuple(sorted({r.via for r in routes}))
        return cls(
            universe=skills,
            universe_index={s: i for i, s in enumerate(skills)},
            skill_index=np.arange(len(skills), dtype=np.int32),
            credit=np.array([r.credit for r in routes], dtype=np.float64),
            hops=np.array([r.hops for r in routes], dtype=np.int8),
            up=np.array([r.up for r in routes], dtype=np.int8),
            vias=vias,
            via_index=np.array([vias.index(r.via) for r in routes], dtype=np.int32),
            relation=np.array([_RELATIONS.index(r.relation) for r in routes], dtype=np.int8),
        )


@dataclass
class _Downs:
    """One hierarchy's skills in id order, and the skills below each (via, depth) as arrays."""

    skills: tuple[str, ...]
    index: dict[str, int]
    below: dict[tuple[str, int], tuple[NDArray[np.int32], NDArray[np.int8]]]
    broad: dict[str, bool]


_ARRAY_DOWNS: weakref.WeakKeyDictionary[Hierarchy, _Downs] = weakref.WeakKeyDictionary()


def _array_downs(hierarchy: Hierarchy) -> _Downs:
    with _DOWNS_LOCK:
        memo = _ARRAY_DOWNS.get(hierarchy)
        if memo is None:
            skills = tuple(sorted(hierarchy.skill_ids))
            memo = _ARRAY_DOWNS[hierarchy] = _Downs(
                skills, {s: i for i, s in enumerate(skills)}, {}, {}
            )
        return memo


def target_credit_table(hierarchy: Hierarchy, target_id: str) -> TargetCredits:
    """`target_credits(hierarchy, target_id)` as a `TargetCredits`, computed on arrays: the
    same skills, credits and routes (best credit, then fewest steps, then the first route in
    (up, via) order), without a Python object per reachable skill. The descendant lists of
    each turning node are kept per hierarchy, so siblings share them."""
    memo = _array_downs(hierarchy)
    if target_id not in hierarchy:
        return _no_credits(memo)
    ups = {target_id: 0, **hierarchy.ancestors_by_distance(target_id, MAX_UP)}
    skill_target = target_id in hierarchy.skill_ids
    vias = sorted(ups.items(), key=lambda kv: (kv[1], kv[0]))
    idx_l: list[NDArray[np.int32]] = []
    hops_l: list[NDArray[np.int8]] = []
    order_l: list[NDArray[np.int32]] = []
    for order, (via, up) in enumerate(vias):
        key = (via, MAX_HOPS - up)
        below = memo.below.get(key)
        if below is None:
            found = {via: 0, **hierarchy.descendants_by_distance(via, MAX_HOPS - up)}
            pairs = [(memo.index[n], d) for n, d in found.items() if n in memo.index]
            below = memo.below[key] = (
                np.array([p[0] for p in pairs], dtype=np.int32),
                np.array([p[1] for p in pairs], dtype=np.int8),
            )
        if len(below[0]):
            idx_l.append(below[0])
            hops_l.append((below[1] + up).astype(np.int8))
            order_l.append(np.full(len(below[0]), order, dtype=np.int32))
    if not idx_l:
        return _no_credits(memo)
    idx, hops, order_arr = np.concatenate(idx_l), np.concatenate(hops_l), np.concatenate(order_l)
    # credit and relation per (via order, hops): few distinct values, computed once each
    combo = order_arr.astype(np.int64) * 16 + hops
    uniq, inverse = np.unique(combo, return_inverse=True)
    credit_u = np.empty(len(uniq))
    rel_u = np.empty(len(uniq), dtype=np.int8)
    for u, c in enumerate(uniq.tolist()):
        via, up = vias[c // 16]
        broad = memo.broad.get(via)
        if broad is None:
            broad = memo.broad[via] = is_broad_group(hierarchy, via)
        relation, cr = route_credit(c % 16, up, skill_target=skill_target, via_top_level=broad)
        credit_u[u], rel_u[u] = cr, _RELATIONS.index(relation)
    credit = credit_u[inverse]
    # per skill: best credit, then fewest hops, then the earliest route (module doc)
    pick = np.lexsort((order_arr, hops, -credit, idx))
    first = np.ones(len(pick), dtype=np.bool_)
    first[1:] = idx[pick[1:]] != idx[pick[:-1]]
    pick = pick[first]
    chosen_order = order_arr[pick]
    return TargetCredits(
        universe=memo.skills,
        universe_index=memo.index,
        skill_index=idx[pick],
        credit=credit[pick],
        hops=hops[pick],
        up=np.array([v[1] for v in vias], dtype=np.int8)[chosen_order],
        vias=tuple(v[0] for v in vias),
        via_index=chosen_order,
        relation=rel_u[inverse[pick]],
    )


def _no_credits(memo: _Downs) -> TargetCredits:
    z8 = np.zeros(0, np.int8)
    z32 = np.zeros(0, np.int32)
    return TargetCredits(memo.skills, memo.index, z32, np.zeros(0), z8, z8, (), z32, z8)
