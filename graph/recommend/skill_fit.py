"""How much a mentor's skill helps with a goal's target, through the taxonomy.

A goal TARGETS a skill or a cluster (with a confidence). From the target we walk up at most
`MAX_UP` BROADER steps to an ancestor (or stay on the target itself) and then down to a
skill; the fewest steps over all such routes (`hops`, at most `MAX_HOPS`) decide the credit:

    credit = DECAY ** max(0, hops - 1)

so the target skill itself scores 1.0, a skill in the same group (up 1, down 1) 0.6, a skill
one group further (up 2, down 2) 0.216; for a cluster target the skills directly in it score
1.0 and those one tier deeper 0.6. Real ESCO has nodes under several parents; shortest routes
handle that, ties go to the route that climbs least, then to the smallest node id.

Skills under skills. ESCO puts some skills under a broader skill ("manage musical staff"
under "manage staff", and both in the group S4.8.1 "supervising a team or group"), and a
BROADER step between two skills counts as one hop like any other. The one exception is a
skill one step from a skill target, i.e. its directly broader or directly narrower skill: the
formula would score that 1 hop like the target itself, so it gets `ADJACENT_SKILL` = 0.8
instead, between the skill itself (1.0) and a same-group sibling (0.6). For the goal
"manage musical staff" (tests/recommend/test_skill_fit.py works these out by hand):

    "manage musical staff" itself                                1.0   0 hops
    "manage staff", its broader skill                            0.8   1 hop (adjacent)
    "manage physiotherapy staff", also under "manage staff"      0.6   up 1, down 1
    "supervise work", a sibling in the same group S4.8.1         0.6   up 1, down 1
    "motivate others", in another group of "manage staff"        0.36  up 2, down 1

so at mentor level 4 (level factor 0.9) and confidence 1.0 a mentor holding "manage staff"
scores 0.72 against 0.54 for one holding the same-group sibling. A chain of skills uses up
the climb: from a skill two steps under another skill, `MAX_UP` reaches that skill and no
group above it.

A mentor skill counts only when the mentor is willing to mentor it and, for the one-to-one and
group models, holds it at a higher level than the mentee does. Its value is

    confidence * credit * level_factor(mentor level),   level_factor(l) = 0.5 + 0.1 * l

and a goal's fit for a mentor is the best value over its targets and the mentor's skills.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.hierarchy import Hierarchy
from graph.model import MentoringModel

DECAY = 0.6
ADJACENT_SKILL = 0.8  # a skill directly broader/narrower than a skill target
MAX_UP = 2
MAX_HOPS = 4
LEVEL_MODELS = frozenset({MentoringModel.one_to_one, MentoringModel.group})


@dataclass(frozen=True)
class Credit:
    """How a skill is reached from a target: up `up` steps to `via`, then down."""

    skill_id: str
    credit: float
    hops: int
    up: int
    via: str  # the node where the route turns (the target itself when up == 0)


def credit_for_hops(hops: int, *, skill_target: bool = False) -> float:
    """Credit of a skill `hops` BROADER steps from the target (see the module doc);
    `skill_target`: the target is a skill, so 1 hop means an adjacent skill."""
    if skill_target and hops == 1:
        return ADJACENT_SKILL
    return float(DECAY ** max(0, hops - 1))


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
    skills = hierarchy.skill_ids
    skill_target = target_id in skills
    for via, up in sorted(ups.items(), key=lambda kv: (kv[1], kv[0])):
        downs = {via: 0, **hierarchy.descendants_by_distance(via, MAX_HOPS - up)}
        for node_id, down in downs.items():
            if node_id not in skills:
                continue
            hops = up + down
            old = best.get(node_id)
            # Routes come in (up, via) order, so only strictly fewer hops replace a route.
            if old is None or hops < old.hops:
                credit = credit_for_hops(hops, skill_target=skill_target)
                best[node_id] = Credit(node_id, credit, hops, up, via)
    return best
