"""Named read-only graph queries for L&D, over `OrgData` (so they answer the same on both
stores: the data is read through the store contract, the walking happens here).

- `paths_between`: how two people connect through skills they share (person-skill-person...).
- `bridging_skills`: skills that link two clusters, either by sitting under both (multi-parent
  taxonomy) or through people who hold skills in both.
- `neighbourhood`: what surrounds a skill or a person, for the network view.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import islice

import networkx as nx
from pydantic import BaseModel

from graph.analytics.orgdata import FORMER_COLLEAGUE, OrgData
from graph.errors import InvalidInput, NotFound


class GraphNode(BaseModel):
    id: str
    label: str
    kind: str  # person | skill | cluster | goal


class GraphEdge(BaseModel):
    source: str
    target: str
    kind: str  # HAS_SKILL | BROADER | HAS_GOAL | TARGETS | MENTORS
    weight: float | None = None


class SubGraph(BaseModel):
    center: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class PeoplePath(BaseModel):
    nodes: list[GraphNode]  # alternating person, skill, person, ...


class BridgingSkill(BaseModel):
    skill_id: str
    label: str
    under_both: bool
    people_bridging: int  # holders of this skill who also hold a skill under the other cluster


def _person_skill_graph(data: OrgData) -> nx.Graph:
    g = nx.Graph()
    people = data.current
    for ps in data.person_skills:
        if ps.person_id in people and ps.skill_id in data.hierarchy:
            g.add_edge(("p", ps.person_id), ("s", ps.skill_id))
    return g


def _node(data: OrgData, key: tuple[str, str]) -> GraphNode:
    kind, node_id = key
    if kind == "p":
        return GraphNode(id=node_id, label=data.current[node_id].name, kind="person")
    return GraphNode(id=node_id, label=data.hierarchy.label(node_id), kind="skill")


def paths_between(
    data: OrgData, person_a: str, person_b: str, *, max_paths: int = 5, max_people: int = 4
) -> list[PeoplePath]:
    """Shortest chains person-skill-person from a to b, at most `max_people` people long."""
    for pid in (person_a, person_b):
        if pid not in data.current:
            raise NotFound(f"person {pid!r} not found (or opted out of analytics)")
    if person_a == person_b:
        raise InvalidInput("give two different people", details=[{"field": "person_b"}])
    g = _person_skill_graph(data)
    a, b = ("p", person_a), ("p", person_b)
    if a not in g or b not in g:
        return []
    cutoff = 2 * (max_people - 1)
    try:
        paths = nx.shortest_simple_paths(g, a, b)
        chosen = [p for p in islice(paths, max_paths) if len(p) - 1 <= cutoff]
    except nx.NetworkXNoPath:
        return []
    return [PeoplePath(nodes=[_node(data, k) for k in p]) for p in chosen]


def bridging_skills(
    data: OrgData, cluster_a: str, cluster_b: str, *, limit: int = 20
) -> list[BridgingSkill]:
    h = data.hierarchy
    for cid in (cluster_a, cluster_b):
        if cid not in h or h.kind(cid) != "cluster":
            raise NotFound(f"cluster {cid!r} not found")
    under_a = h.descendant_skills(cluster_a)
    under_b = h.descendant_skills(cluster_b)
    both = under_a & under_b

    held: dict[str, set[str]] = defaultdict(set)  # person -> skills
    for ps in data.person_skills:
        if ps.person_id in data.analysable:
            held[ps.person_id].add(ps.skill_id)
    bridging: Counter[str] = Counter()
    for skills in held.values():
        in_a, in_b = skills & under_a, skills & under_b
        if in_a and in_b:
            # the skills that carry a person from one side to the other
            bridging.update(in_a ^ in_b)
            bridging.update(in_a & in_b)

    ids = both | set(bridging)
    rows = [
        BridgingSkill(
            skill_id=s,
            label=h.label(s),
            under_both=s in both,
            people_bridging=bridging.get(s, 0),
        )
        for s in ids
    ]
    rows.sort(key=lambda r: (not r.under_both, -r.people_bridging, r.skill_id))
    return rows[:limit]


def neighbourhood(data: OrgData, node_id: str, *, depth: int = 1, limit: int = 60) -> SubGraph:
    """A skill's parents, siblings, holders and goals targeting it; or a person's skills,
    goals, manager and pairings. Capped at `limit` nodes, nearest first. A departed person
    is no node (NotFound as the centre); a partner who left shows as `FORMER_COLLEAGUE`
    with an anonymous id (`former-1`, ...)."""
    h = data.hierarchy
    nodes: dict[str, GraphNode] = {}
    edges: list[GraphEdge] = []

    def add(n: GraphNode) -> bool:
        if n.id in nodes:
            return True
        if len(nodes) >= limit:
            return False
        nodes[n.id] = n
        return True

    formers: dict[str, str] = {}

    def former(pid: str) -> GraphNode:
        anon = formers.setdefault(pid, f"former-{len(formers) + 1}")
        return GraphNode(id=anon, label=FORMER_COLLEAGUE, kind="person")

    if node_id in data.current:
        person = data.current[node_id]
        add(GraphNode(id=person.id, label=person.name, kind="person"))
        for ps in data.person_skills:
            if ps.person_id != node_id or ps.skill_id not in h:
                continue
            if add(GraphNode(id=ps.skill_id, label=h.label(ps.skill_id), kind="skill")):
                edges.append(
                    GraphEdge(source=node_id, target=ps.skill_id, kind="HAS_SKILL", weight=ps.level)
                )
        for p in data.pairings:
            if node_id == p.mentor_id or node_id in p.mentee_ids:
                for other in [p.mentor_id, *p.mentee_ids]:
                    if other == node_id or other not in data.analysable:
                        continue
                    shown = (
                        GraphNode(id=other, label=data.current[other].name, kind="person")
                        if other in data.current
                        else former(other)
                    )
                    if add(shown):
                        mentor = shown.id if other == p.mentor_id else p.mentor_id
                        if mentor in data.analysable and mentor not in data.current:
                            mentor = former(mentor).id
                        src, dst = (mentor, shown.id) if other != p.mentor_id else (mentor, node_id)
                        edges.append(GraphEdge(source=src, target=dst, kind="MENTORS"))
        return SubGraph(center=node_id, nodes=list(nodes.values()), edges=edges)

    if node_id not in h:
        raise NotFound(f"no skill, cluster or person {node_id!r}")
    add(GraphNode(id=node_id, label=h.label(node_id), kind=h.kind(node_id)))
    frontier = {node_id}
    for _ in range(max(1, depth)):
        nxt: set[str] = set()
        for cur in sorted(frontier):
            for parent in h.parents(cur):
                if add(GraphNode(id=parent, label=h.label(parent), kind="cluster")):
                    edges.append(GraphEdge(source=cur, target=parent, kind="BROADER"))
                    nxt.add(parent)
            for child in h.children(cur):
                if add(GraphNode(id=child, label=h.label(child), kind=h.kind(child))):
                    edges.append(GraphEdge(source=child, target=cur, kind="BROADER"))
        frontier = nxt
    holders = sorted(
        (
            ps
            for ps in data.person_skills
            if ps.skill_id == node_id and ps.person_id in data.current
        ),
        key=lambda ps: (-ps.level, ps.person_id),
    )
    for ps in holders:
        person = data.current[ps.person_id]
        if add(GraphNode(id=person.id, label=person.name, kind="person")):
            edges.append(
                GraphEdge(source=person.id, target=node_id, kind="HAS_SKILL", weight=ps.level)
            )
    for t in data.targets:
        goal = data.open_goals.get(t.goal_id)
        if (
            t.node_id == node_id
            and goal is not None
            and add(
                # goal text is confidential: the network view shows that a goal exists, not its text
                GraphNode(id=goal.id, label="goal", kind="goal")
            )
        ):
            edges.append(
                GraphEdge(source=goal.id, target=node_id, kind="TARGETS", weight=t.confidence)
            )
    return SubGraph(center=node_id, nodes=list(nodes.values()), edges=edges)
