"""What the competency-map page reads beyond the taxonomy API: a node with everything around
it, search by label, alias, code or id, history in pages with imports summed up, a change's
diff in pages, and a dry run of any steward edit (its diff and who it affects) before it is
applied.

Reads are open to every role; holders' and goal owners' names only to coordinators and
admins (everyone else sees counts). The dry run is for stewards, like the edits themselves:
it runs the very edit of `taxonomy.editing` against the store with its one write held back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field, ValidationError

from api import limits
from api.auth import Principal
from api.deps import Allow, PrincipalDep, StateDep
from api.routes.taxonomy import node_public
from api.schemas.common import ApiModel
from api.schemas.taxonomy import (
    AliasIn,
    Deprecate,
    Describe,
    Merge,
    Move,
    NodePublic,
    Rename,
    Revert,
    Split,
)
from api.usecases import taxonomy as taxonomy_edits
from graph.errors import InvalidInput, NotFound
from graph.hierarchy import Hierarchy
from graph.model import Role, Skill, SkillCluster, TaxonomyChange
from graph.store import GraphStore, Planned, UpsertTaxonomyChanges
from taxonomy import editing
from taxonomy import history as H

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])
READ = Allow(*Role)
STEWARD = Allow(Role.steward)
NAMES = frozenset({Role.coordinator, Role.admin})
MAX_CHILDREN = 500
MAX_LISTED = 50
MAX_OFFSET = limits.OFFSET_MAX
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=200, description="rows per page")]
NodeQ = Annotated[str, Query(min_length=1, max_length=512, description="taxonomy node id")]


class NodeBrief(ApiModel):
    id: str
    kind: str
    label: str
    status: str
    code: str = ""


class PersonBrief(ApiModel):
    id: str
    name: str
    level: int
    willing_to_mentor: bool


class GoalBrief(ApiModel):
    id: str
    person_id: str
    person_name: str
    text: str
    confidence: float


class NodeView(ApiModel):
    node: NodePublic
    path_to_root: list[NodeBrief] = Field(description="parents up to a top node, nearest first")
    parents: list[NodeBrief]
    children: list[NodeBrief] = Field(description="narrower nodes of any kind, first 500")
    children_total: int
    replaced_by: list[NodeBrief]
    holders: int = Field(description="people who hold this skill")
    mentors: int = Field(description="holders willing to mentor it")
    goals: int = Field(description="goals aimed at this node")
    holder_list: list[PersonBrief] | None = Field(
        description="names (coordinators and admins only; others see the counts)"
    )
    goal_list: list[GoalBrief] | None = Field(description="coordinators and admins only")


class FindHit(ApiModel):
    node: NodeBrief
    matched: Literal["id", "code", "label", "alias"]
    alias: str | None = None
    path: list[str] = Field(description="labels from the top down to the node")


class FindResult(ApiModel):
    data: list[FindHit]
    count: int


class DiffRowOut(ApiModel):
    node_id: str
    node_label: str
    what: str
    field: str = ""
    before: Any = None
    after: Any = None


class ChangeView(ApiModel):
    id: str
    at: datetime
    actor: str
    actor_name: str
    op: str
    reason: str
    reverts: str | None
    reverted_by: str | None
    summary: str
    counts: dict[str, int] | None = Field(description="an import's counts; None for edits")
    nodes: int = Field(description="how many nodes it touched")
    diff: list[DiffRowOut] = Field(description="an edit's rows, or an import's rows for the node")
    diff_total: int
    diff_url: str
    affected: dict[str, int]
    revertable: bool


class ChangesPage(ApiModel):
    data: list[ChangeView]
    count: int = Field(description="changes in all (of `node`, when given)")
    offset: int
    limit: int
    has_more: bool


class DiffPage(ApiModel):
    change_id: str
    summary: str
    data: list[DiffRowOut]
    count: int = Field(description="rows in all (of `node`, when given)")
    offset: int
    limit: int
    total: int = Field(description="the same as `count` (kept for older clients)")


Op = Literal[
    "rename", "describe", "add_alias", "remove_alias", "move", "merge", "split", "deprecate",
    "revert",
]  # fmt: skip


class PreviewIn(ApiModel):
    op: Op
    node_id: str | None = Field(default=None, max_length=512, description="all ops but revert")
    change_id: str | None = Field(default=None, max_length=512, description="revert only")
    body: dict[str, Any] = Field(description="the body the edit's own route takes")


class PreviewOut(ApiModel):
    change: ChangeView
    affected_now: dict[str, int] = Field(
        description="holders, mentors and goals of the nodes it edits, as they are now"
    )


# --- helpers ---------------------------------------------------------------------------------


def _brief(h: Hierarchy, node_id: str) -> NodeBrief:
    n = h.node(node_id)
    return NodeBrief(
        id=n.id, kind=n.kind, label=n.label, status=n.status.value, code=getattr(n, "code", "")
    )


def _hierarchy(state: Any) -> Hierarchy:
    h: Hierarchy = state.current_snapshot().state.hierarchy
    return h


def _label_of(h: Hierarchy) -> Callable[[str], str]:
    def label(node_id: str) -> str:
        return h.label(node_id) if node_id in h else node_id

    return label


def _actor_name(state: Any, actor: str) -> str:
    if actor.startswith("person:"):
        person = state.current_snapshot().state.people.get(actor.removeprefix("person:"))
        if person is not None:
            return str(person.name)
    return actor


def change_summary(store: GraphStore, change: TaxonomyChange) -> str:
    """`taxonomy.history.summary`, a revert naming the change it undid."""
    undone = store.get_taxonomy_change(change.reverts) if change.reverts else None
    return H.summary(change, undone)


def change_view(
    state: Any, change: TaxonomyChange, *, node_id: str | None = None, max_rows: int = MAX_LISTED
) -> ChangeView:
    """A change as the page shows it: summary, counts, its diff rows (all of an edit's; an
    import's only those about `node_id`, none without one), who it affected."""
    h = _hierarchy(state)
    label = _label_of(h)
    bulk = H.is_bulk(change)
    # an edit's rows are few: all of them; an import's only about the node asked for
    rows = H.diff_rows(change, node_id=node_id) if bulk and node_id else []
    if not bulk:
        rows = H.diff_rows(change)
    return ChangeView(
        id=change.id,
        at=change.at,
        actor=change.actor,
        actor_name=_actor_name(state, change.actor),
        op=change.op,
        reason=change.reason,
        reverts=change.reverts,
        reverted_by=change.reverted_by,
        summary=change_summary(state.store, change),
        counts=H.import_counts(change) if bulk else None,
        nodes=len(change.node_ids),
        diff=[_row_out(r, label) for r in rows[:max_rows]],
        diff_total=len(rows),
        diff_url=f"/v1/taxonomy/changes/{change.id}/diff",
        affected=H.affected(change),
        revertable=not bulk and change.reverted_by is None,
    )


def _row_out(row: H.DiffRow, label: Callable[[str], str]) -> DiffRowOut:
    before, after = row.before, row.after
    if row.what.startswith(("parent", "edge")):
        before = label(before) if isinstance(before, str) else before
        after = label(after) if isinstance(after, str) else after
    if row.what in ("changed", "deprecated") and isinstance(before, dict):
        before = before.get("label")
    if row.field == "replaced_by":
        before = [label(x) for x in before or []]
        after = [label(x) for x in after or []]
    return DiffRowOut(
        node_id=row.node_id,
        node_label=label(row.node_id),
        what=row.what,
        field=row.field,
        before=before,
        after=after,
    )


# --- reads -----------------------------------------------------------------------------------


@router.get("/view", response_model=NodeView, dependencies=[READ])
def view(state: StateDep, principal: PrincipalDep, node: NodeQ) -> NodeView:
    """A node with its parents, path to the top, children (skill -> skill too), what replaced
    it, and who holds it and which goals aim at it (names for coordinators and admins)."""
    h = _hierarchy(state)
    stored = state.store.get_node(node)
    if stored is None or node not in h:
        raise NotFound(f"taxonomy node {node!r} not found")
    st = state.current_snapshot().state
    path = h.path_to_root(node)[1:]
    children = h.children(node)
    holders = list(st.holders_of.get(node, {}).values())
    targets = state.store.targets_of_node(node)
    names = principal.has(*NAMES)
    people = st.people
    return NodeView(
        node=node_public(stored),
        path_to_root=[_brief(h, n) for n in path],
        parents=[_brief(h, n) for n in h.parents(node)],
        children=[_brief(h, n) for n in children[:MAX_CHILDREN]],
        children_total=len(children),
        replaced_by=[_brief(h, n) for n in stored.replaced_by if n in h],
        holders=len(holders),
        mentors=sum(1 for ps in holders if ps.willing_to_mentor),
        goals=len(targets),
        holder_list=[
            PersonBrief(
                id=ps.person_id,
                name=people[ps.person_id].name if ps.person_id in people else ps.person_id,
                level=ps.level,
                willing_to_mentor=ps.willing_to_mentor,
            )
            for ps in sorted(holders, key=lambda ps: (-ps.level, ps.person_id))[:MAX_LISTED]
        ]
        if names
        else None,
        goal_list=[
            GoalBrief(
                id=t.goal_id,
                person_id=goal.person_id,
                person_name=people[goal.person_id].name
                if goal.person_id in people
                else goal.person_id,
                text=goal.text,
                confidence=t.confidence,
            )
            for t in targets[:MAX_LISTED]
            if (goal := st.goals.get(t.goal_id)) is not None
        ]
        if names
        else None,
    )


@router.get("/find", response_model=FindResult, dependencies=[READ])
def find(
    state: StateDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=limits.SEARCH_Q_MAX, description="label, alias, code or id"),
    ],
    limit: Annotated[int, Query(ge=1, le=limits.SEARCH_LIMIT_MAX)] = 25,
    offset: Offset = 0,
) -> FindResult:
    """Nodes by id (concept URI), by code (an ESCO group code such as S1.4 or K0413, exact or
    as a prefix), by label and alias words in any order and any language the taxonomy holds,
    accents and case ignored; exact hits first (taxonomy.search). `count`: all matches."""
    h = _hierarchy(state)
    found = taxonomy_edits.search(state, q, limit=limit, offset=offset)
    data = [
        FindHit(
            node=_brief(h, hit.node.id),
            matched=hit.matched,
            alias=hit.alias,
            path=list(reversed(h.path_labels(hit.node.id))),
        )
        for hit in found.hits
    ]
    return FindResult(data=data, count=found.total)


def _page(
    store: GraphStore, node_id: str | None, offset: int, limit: int
) -> tuple[list[TaxonomyChange], bool]:
    """Newest first; the store gives the first n, so a page reads offset + limit + 1."""
    rows = store.taxonomy_changes(node_id=node_id, limit=offset + limit + 1)
    return rows[offset : offset + limit], len(rows) > offset + limit


@router.get("/history", response_model=ChangesPage, dependencies=[READ])
def history(
    state: StateDep,
    node: Annotated[
        str | None, Query(max_length=512, description="only changes of this node")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 20,
) -> ChangesPage:
    """Changes newest first, a page at a time; with `node`, only those that touched it, an
    import showing only its rows about that node (the whole diff is behind `diff_url`)."""
    if node is not None and state.store.get_node(node) is None:
        raise NotFound(f"taxonomy node {node!r} not found")
    rows, more = _page(state.store, node, offset, limit)
    return ChangesPage(
        data=[change_view(state, c, node_id=node) for c in rows],
        count=state.store.count_taxonomy_changes(node_id=node),
        offset=offset,
        limit=limit,
        has_more=more,
    )


@router.get("/changes/{change_id}/diff", response_model=DiffPage, dependencies=[READ])
def change_diff(
    change_id: str,
    state: StateDep,
    node: Annotated[str | None, Query(max_length=512, description="only rows of this node")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DiffPage:
    """A change's diff, row by row (an import: every node added, changed or deprecated and
    every edge added or removed), a page at a time."""
    change = state.store.get_taxonomy_change(change_id)
    if change is None:
        raise NotFound(f"taxonomy change {change_id!r} not found")
    rows = H.diff_rows(change, node_id=node)
    label = _label_of(_hierarchy(state))
    return DiffPage(
        change_id=change.id,
        summary=change_summary(state.store, change),
        data=[_row_out(r, label) for r in rows[offset : offset + limit]],
        count=len(rows),
        offset=offset,
        limit=limit,
        total=len(rows),
    )


# --- dry run ---------------------------------------------------------------------------------


def _body(model: type[ApiModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid " + model.__name__.lower() + " body",
            details=[
                {"field": "body." + ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                for e in exc.errors()
            ],
        ) from None


def _edit(
    state: Any, who: Principal, req: PreviewIn
) -> Callable[[GraphStore], Planned[TaxonomyChange]]:
    """The plan of the edit the request names (the same plan its own route's use case
    writes), bound to a store: working it out writes nothing."""
    actor = who.actor
    if req.op == "revert":
        if not req.change_id:
            raise InvalidInput("revert needs change_id", details=[{"field": "body.change_id"}])
        r = _body(Revert, req.body)
        change_id = req.change_id
        return lambda s: editing.plan_revert(s, change_id, actor=actor, reason=r.reason)
    if not req.node_id:
        raise InvalidInput(f"{req.op} needs node_id", details=[{"field": "body.node_id"}])
    node_id = req.node_id
    if req.op == "rename":
        b = _body(Rename, req.body)
        return lambda s: editing.plan_rename(
            s, node_id, b.label, actor=actor, reason=b.reason, keep_old_as_alias=b.keep_old_as_alias
        )
    if req.op == "describe":
        d = _body(Describe, req.body)
        return lambda s: editing.plan_describe(
            s, node_id, d.description, actor=actor, reason=d.reason
        )
    if req.op in ("add_alias", "remove_alias"):
        a = _body(AliasIn, req.body)
        fn = editing.plan_add_alias if req.op == "add_alias" else editing.plan_remove_alias
        return lambda s: fn(s, node_id, a.alias, actor=actor, reason=a.reason)
    if req.op == "move":
        m = _body(Move, req.body)
        return lambda s: editing.plan_move(s, node_id, m.parent_ids, actor=actor, reason=m.reason)
    if req.op == "merge":
        g = _body(Merge, req.body)
        return lambda s: editing.plan_merge(s, node_id, g.into, actor=actor, reason=g.reason)
    if req.op == "split":
        sp = _body(Split, req.body)
        source = state.store.get_node(node_id)
        if source is None:
            raise NotFound(f"taxonomy node {node_id!r} not found")
        new: list[Skill | SkillCluster]
        if isinstance(source, SkillCluster):
            new = [SkillCluster(tier=source.tier, **n.model_dump()) for n in sp.into]
        else:
            new = [Skill(**n.model_dump()) for n in sp.into]
        return lambda s: editing.plan_split(s, node_id, new, actor=actor, reason=sp.reason)
    dp = _body(Deprecate, req.body)
    return lambda s: editing.plan_deprecate(
        s, node_id, replacement_id=dp.replacement_id, actor=actor, reason=dp.reason
    )


@router.post("/preview", response_model=PreviewOut, dependencies=[STEWARD])
def preview(req: PreviewIn, state: StateDep, principal: PrincipalDep) -> PreviewOut:
    """Dry run of a steward edit: the change it would record (diff rows, people and goals it
    would move) and who holds or aims at the edited nodes now. Nothing is written; errors are
    the ones the edit itself would give (404, 409, 422)."""
    plan = _edit(state, principal, req)(state.store)
    change = plan.result
    recorded = next(
        (
            row
            for op in plan.ops
            if isinstance(op, UpsertTaxonomyChanges)
            for row in op.rows
            if row.id == change.id
        ),
        change,
    )
    st = state.current_snapshot().state
    edited = [n for n in recorded.node_ids if n in st.hierarchy]
    holders = {p for n in edited for p in st.holders_of.get(n, {})}
    mentors = {
        p for n in edited for p, ps in st.holders_of.get(n, {}).items() if ps.willing_to_mentor
    }
    goals = {t.goal_id for n in edited for t in state.store.targets_of_node(n)}
    return PreviewOut(
        change=change_view(state, recorded, max_rows=200),
        affected_now={"holders": len(holders), "mentors": len(mentors), "goals": len(goals)},
    )
