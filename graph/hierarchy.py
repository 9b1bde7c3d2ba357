"""The competency map in memory: a networkx DiGraph with edges child -> parent.

Built from a `graph.store.TaxonomyDump` (one read of the store); pure, no I/O. A node may sit
under several parents (real ESCO does that), so "the" path to the root is the shortest one,
ties broken by parent id so every run explains things the same way. A skill's parents may be
clusters and broader skills (ESCO: "manage musical staff" under the skill "manage staff" and
under groups); walks up and down follow every BROADER edge alike, so a broader skill is one
step up from its narrower skills.

Deprecated nodes stay in the graph (history and explanations still need them); callers that
want only live nodes ask `is_active`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import Literal

import networkx as nx

from graph.errors import NotFound
from graph.model import Broader, NodeStatus, Skill, SkillCluster
from graph.store import TaxonomyDump

Node = Skill | SkillCluster


class Hierarchy:
    """Read-only view of the taxonomy: who sits under whom, distances, paths, cycles."""

    def __init__(self, graph: nx.DiGraph) -> None:
        # Every node carries its model under the "node" attribute; edges go child -> parent.
        self.graph = graph

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def from_dump(cls, dump: TaxonomyDump) -> Hierarchy:
        return cls.from_parts(dump.skills, dump.clusters, dump.broader)

    @classmethod
    def from_parts(
        cls,
        skills: Iterable[Skill],
        clusters: Iterable[SkillCluster],
        broader: Iterable[Broader],
    ) -> Hierarchy:
        """Build from loose parts. Edges naming an unknown node are left out (stores never
        hand those out; loaders check references themselves before building)."""
        g: nx.DiGraph = nx.DiGraph()
        for node in (*skills, *clusters):
            g.add_node(node.id, node=node)
        for edge in broader:
            if edge.child_id in g and edge.parent_id in g:
                g.add_edge(edge.child_id, edge.parent_id)
        return cls(g)

    def with_changes(
        self,
        *,
        nodes: Iterable[Node] = (),
        add_edges: Iterable[tuple[str, str]] = (),
        remove_edges: Iterable[tuple[str, str]] = (),
    ) -> Hierarchy:
        """A copy with some nodes upserted and edges (child, parent) added/removed."""
        g = self.graph.copy()
        for node in nodes:
            g.add_node(node.id, node=node)
        g.remove_edges_from(list(remove_edges))
        for child, parent in add_edges:
            g.add_edge(child, parent)
        return Hierarchy(g)

    # --- single nodes -------------------------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.graph

    def __len__(self) -> int:
        return int(self.graph.number_of_nodes())

    def node(self, node_id: str) -> Node:
        try:
            node: Node = self.graph.nodes[node_id]["node"]
        except KeyError:
            raise NotFound(f"unknown taxonomy node {node_id!r}") from None
        return node

    def label(self, node_id: str) -> str:
        return self.node(node_id).label

    def kind(self, node_id: str) -> Literal["skill", "cluster"]:
        if node_id in self.skill_ids:
            return "skill"
        return self.node(node_id).kind

    @cached_property
    def skill_ids(self) -> frozenset[str]:
        """Ids of all skills (a Hierarchy is never changed in place: with_changes copies),
        so hot loops can test kind by set membership."""
        return frozenset(
            n for n, data in self.graph.nodes(data=True) if data["node"].kind == "skill"
        )

    def is_active(self, node_id: str) -> bool:
        return self.node(node_id).status == NodeStatus.active

    def nodes(self, kind: Literal["skill", "cluster"] | None = None) -> Iterator[Node]:
        """All nodes (optionally of one kind), in id order."""
        for node_id in sorted(self.graph):
            node = self.graph.nodes[node_id]["node"]
            if kind is None or node.kind == kind:
                yield node

    def roots(self) -> list[str]:
        """Nodes with no parent, sorted."""
        return sorted(n for n in self.graph if self.graph.out_degree(n) == 0)

    # --- neighbourhoods -----------------------------------------------------------------------

    def _known(self, node_id: str) -> str:
        if node_id not in self.graph:
            raise NotFound(f"unknown taxonomy node {node_id!r}")
        return node_id

    def parents(self, node_id: str) -> list[str]:
        return sorted(self.graph.successors(self._known(node_id)))

    def children(self, node_id: str) -> list[str]:
        return sorted(self.graph.predecessors(self._known(node_id)))

    def ancestors_by_distance(self, node_id: str, max_depth: int | None = None) -> dict[str, int]:
        """Every node above `node_id` with its shortest number of steps up (the node itself
        is not included). `max_depth` stops the walk after that many steps."""
        return _bfs(self.graph.successors, self._known(node_id), max_depth)

    def descendants_by_distance(self, node_id: str, max_depth: int | None = None) -> dict[str, int]:
        """Every node below `node_id` with its shortest number of steps down."""
        return _bfs(self.graph.predecessors, self._known(node_id), max_depth)

    def descendant_skills(self, node_id: str) -> set[str]:
        """Skills anywhere under `node_id`, narrower skills included (a skill with no
        narrower skills gives the empty set)."""
        return {
            n
            for n in nx.ancestors(self.graph, self._known(node_id))
            if self.graph.nodes[n]["node"].kind == "skill"
        }

    def siblings(self, node_id: str) -> set[str]:
        """Nodes of the same kind that share at least one parent with `node_id`, excluding it.
        For a skill: the other skills in any of its groups and under any of its broader
        skills."""
        kind = self.kind(node_id)
        out: set[str] = set()
        for parent in self.graph.successors(node_id):
            for child in self.graph.predecessors(parent):
                if child != node_id and self.graph.nodes[child]["node"].kind == kind:
                    out.add(child)
        return out

    def path_to_root(self, node_id: str) -> list[str]:
        """The shortest chain [node, parent, grandparent, ..., root]; among equally short
        chains, the one whose ids sort first at each step. A root gives [node]."""
        start = self._known(node_id)
        # BFS upward recording the first (smallest-id) predecessor on a shortest route.
        came_from: dict[str, str | None] = {start: None}
        queue = deque([start])
        end = start
        while queue:
            current = queue.popleft()
            parents = sorted(self.graph.successors(current))
            if not parents:
                end = current
                break
            for parent in parents:
                if parent not in came_from:
                    came_from[parent] = current
                    queue.append(parent)
        path: list[str] = []
        step: str | None = end
        while step is not None:
            path.append(step)
            step = came_from[step]
        path.reverse()
        return path

    def path_labels(self, node_id: str) -> list[str]:
        return [self.label(n) for n in self.path_to_root(node_id)]

    # --- structure checks ---------------------------------------------------------------------

    def would_create_cycle(self, child_id: str, parent_id: str) -> bool:
        """True if adding the edge child -> parent would close a loop (including a self-loop).
        Unknown ids cannot be part of an existing path, so they never cause a cycle."""
        if child_id == parent_id:
            return True
        if child_id not in self.graph or parent_id not in self.graph:
            return False
        # A loop appears iff child is already reachable going up from parent.
        return bool(nx.has_path(self.graph, parent_id, child_id))

    def find_cycle(self) -> list[str] | None:
        """One cycle as [a, b, ..., a's child] (each element's parent is the next one, the
        last's is the first), or None when the hierarchy is acyclic."""
        try:
            edges = nx.find_cycle(self.graph, orientation="original")
        except nx.NetworkXNoCycle:
            return None
        return [edge[0] for edge in edges]


def _bfs(step: Callable[[str], Iterable[str]], start: str, max_depth: int | None) -> dict[str, int]:
    """Shortest distances from `start` following `step` (successors = up, predecessors = down)."""
    dist: dict[str, int] = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        d = dist[current]
        if max_depth is not None and d >= max_depth:
            continue
        for nxt in step(current):
            if nxt not in dist:
                dist[nxt] = d + 1
                queue.append(nxt)
    del dist[start]
    return dist
