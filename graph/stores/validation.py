"""Checks every row of a store op against the graph, before or while a batch is written.

Store-agnostic: the only thing it asks of a store is `existing(kind, ids)`, the subset of
`ids` stored as that kind *inside the open write transaction* (so rows written by earlier
ops of the same `apply` count as present). Problems name the op, the row and the field:
`RowProblem(row=3, field="ops[1].UpsertPersonSkills.skill_id", reason="unknown skill 'x'")`.
Ops that carry no rows (SetGoalTargets.goal_id, RepointReferences) report row 0 and put the
position inside the field name (`target_ids.2`).

BROADER edges: a skill sits under clusters or broader skills, a cluster under clusters only.
Cycles can only be seen once an op's edges are written: `cycle_problems` turns the store's
own "which of these nodes is now its own ancestor" query into problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from graph.errors import BatchRejected, RowProblem
from graph.model import (
    ApiKey,
    AuditEntry,
    Broader,
    CheckIn,
    CohortRunRecord,
    Goal,
    GoalTarget,
    Pairing,
    Person,
    PersonSkill,
    Program,
    Skill,
    SkillCluster,
    TaxonomyChange,
    duplicate_problems,
    parse_rows,
)
from graph.store import (
    MAX_BROADER_DEPTH,
    AddBroader,
    AddCheckIns,
    AppendAudit,
    DeleteGoals,
    DeletePeople,
    PublishCohortRun,
    PutApiKeys,
    PutCohortRuns,
    RemoveBroader,
    RemovePersonSkills,
    ReplaceAudit,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertPrograms,
    UpsertSkills,
    UpsertTaxonomyChanges,
)

Kind = Literal["person", "skill", "cluster", "goal", "pairing", "audit", "cohort_run"]
M = TypeVar("M", bound=BaseModel)


class Lookup(Protocol):
    def existing(self, kind: Kind, ids: Iterable[str]) -> set[str]:
        """The subset of `ids` that is stored as `kind` (in the open transaction)."""

    def key_hash_owners(self, hashes: Iterable[str]) -> dict[str, str]:
        """{key_hash: id of the stored API key holding it} for those of `hashes` in use."""


# Ops whose rows are not written when they have a problem (the batch is rolled back anyway):
# their writes would fail on the store's own unique keys, or repoint from a node that is not
# there. Other ops' rows are written, so later ops referring to them are not reported too.
SKIP_WHEN_BAD: tuple[type, ...] = (
    RepointReferences,
    AppendAudit,
    PutApiKeys,
    ReplaceAudit,
    PutCohortRuns,
)


# Row models per op, so rows given as plain dicts are validated (and typed) too.
ROW_MODELS: dict[type, type[BaseModel]] = {
    UpsertSkills: Skill,
    UpsertClusters: SkillCluster,
    AddBroader: Broader,
    RemoveBroader: Broader,
    UpsertPeople: Person,
    UpsertPersonSkills: PersonSkill,
    UpsertGoals: Goal,
    UpsertPairings: Pairing,
    UpsertPrograms: Program,
    AddCheckIns: CheckIn,
    UpsertTaxonomyChanges: TaxonomyChange,
    AppendAudit: AuditEntry,
    PutApiKeys: ApiKey,
    ReplaceAudit: AuditEntry,
    PutCohortRuns: CohortRunRecord,
}


def prefix(index: int, op: object) -> str:
    return f"ops[{index}].{type(op).__name__}"


def _prefixed(problems: Iterable[RowProblem], pre: str) -> list[RowProblem]:
    return [
        RowProblem(row=p.row, field=f"{pre}.{p.field}", reason=p.reason, source=p.source)
        for p in problems
    ]


def coerce_rows(
    index: int, op: Any, model: type[M], rows: Sequence[Any]
) -> tuple[list[M], list[RowProblem]]:
    """Rows as models; pydantic failures become prefixed problems (bad rows are dropped)."""
    try:
        return parse_rows(model, rows), []
    except BatchRejected as exc:
        bad = {p.row for p in exc.problems}
        good = [
            r if isinstance(r, model) else model.model_validate(r)
            for i, r in enumerate(rows)
            if i not in bad
        ]
        return good, _prefixed(exc.problems, prefix(index, op))


def normalise_op(index: int, op: Any) -> tuple[StoreOp | None, list[RowProblem]]:
    """The op with rows as validated models, or None (and a problem) if it is not an op."""
    pre = prefix(index, op)
    model = ROW_MODELS.get(type(op))
    if model is not None:
        rows, problems = coerce_rows(index, op, model, list(op.rows))
        return type(op)(rows=rows), problems
    if isinstance(op, SetGoalTargets):
        targets, problems = coerce_rows(index, op, GoalTarget, list(op.targets))
        problems = [
            RowProblem(p.row, p.field.replace(pre, f"{pre}.targets", 1), p.reason) for p in problems
        ]
        return SetGoalTargets(goal_id=op.goal_id, targets=targets), problems
    if isinstance(op, RemovePersonSkills):
        return RemovePersonSkills(keys=[tuple(k) for k in op.keys]), []  # type: ignore[misc]
    if isinstance(op, DeleteGoals):
        return DeleteGoals(ids=list(op.ids)), []
    if isinstance(op, DeletePeople):
        return DeletePeople(ids=list(op.ids)), []
    if isinstance(op, RepointReferences):
        return RepointReferences(source_id=op.source_id, target_ids=list(op.target_ids)), []
    if isinstance(op, PublishCohortRun):
        return op, []  # its conditions are checked by the store's writer (Conflict, NotFound)
    return None, [RowProblem(row=0, field=f"ops[{index}]", reason=f"not a store op: {op!r}")]


class _Problems:
    def __init__(self, pre: str) -> None:
        self.pre = pre
        self.items: list[RowProblem] = []

    def add(self, row: int, field: str, reason: str) -> None:
        self.items.append(RowProblem(row=row, field=f"{self.pre}.{field}", reason=reason))

    def extend_dups(self, keys: Sequence[Any], field: str) -> None:
        self.items.extend(_prefixed(duplicate_problems(keys, field), self.pre))


def _node_kinds(lookup: Lookup, ids: set[str]) -> tuple[set[str], set[str]]:
    if not ids:
        return set(), set()
    return lookup.existing("skill", ids), lookup.existing("cluster", ids)


def check_op(index: int, op: StoreOp, lookup: Lookup) -> list[RowProblem]:
    """Every problem of one (normalised) op against the current transaction's state."""
    checker = _CHECKS.get(type(op))
    if checker is None:
        return []
    probs = _Problems(prefix(index, op))
    checker(op, lookup, probs)
    return probs.items


def _check_nodes(op: UpsertSkills | UpsertClusters, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    ids = [r.id for r in rows]
    p.extend_dups(ids, "id")
    own = set(ids)
    other_kind: Kind = "cluster" if isinstance(op, UpsertSkills) else "skill"
    clash = lookup.existing(other_kind, own)
    refs = {rid for r in rows for rid in r.replaced_by} - own
    skills, clusters = _node_kinds(lookup, refs)
    known = own | skills | clusters
    for i, r in enumerate(rows):
        if r.id in clash:
            p.add(i, "id", f"{r.id!r} is already a {other_kind}; ids are shared by all nodes")
        for k, rid in enumerate(r.replaced_by):
            if rid not in known:
                p.add(i, f"replaced_by.{k}", f"unknown skill or cluster {rid!r}")


def _check_add_broader(op: AddBroader, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([(r.child_id, r.parent_id) for r in rows], "child_id,parent_id")
    skills, clusters = _node_kinds(lookup, {r.child_id for r in rows} | {r.parent_id for r in rows})
    for i, r in enumerate(rows):
        if r.child_id not in skills and r.child_id not in clusters:
            p.add(i, "child_id", f"unknown skill or cluster {r.child_id!r}")
        if r.parent_id in skills:
            if r.child_id in clusters:
                p.add(
                    i,
                    "parent_id",
                    f"{r.parent_id!r} is a skill; a cluster's BROADER parent must be a cluster",
                )
        elif r.parent_id not in clusters:
            p.add(i, "parent_id", f"unknown skill or cluster {r.parent_id!r}")


def _check_people(op: UpsertPeople, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    ids = [r.id for r in rows]
    p.extend_dups(ids, "id")
    managers = {r.manager_id for r in rows if r.manager_id} - set(ids)
    known = set(ids) | lookup.existing("person", managers)
    for i, r in enumerate(rows):
        if r.manager_id and r.manager_id not in known:
            p.add(i, "manager_id", f"unknown person {r.manager_id!r}")


def _check_person_skills(op: UpsertPersonSkills, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([(r.person_id, r.skill_id) for r in rows], "person_id,skill_id")
    people = lookup.existing("person", {r.person_id for r in rows})
    skill_ids = {r.skill_id for r in rows}
    skills = lookup.existing("skill", skill_ids)
    clusters = lookup.existing("cluster", skill_ids - skills)
    for i, r in enumerate(rows):
        if r.person_id not in people:
            p.add(i, "person_id", f"unknown person {r.person_id!r}")
        if r.skill_id in clusters:
            p.add(i, "skill_id", f"{r.skill_id!r} is a cluster; HAS_SKILL needs a skill")
        elif r.skill_id not in skills:
            p.add(i, "skill_id", f"unknown skill {r.skill_id!r}")


def _check_goals(op: UpsertGoals, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    people = lookup.existing("person", {r.person_id for r in rows})
    for i, r in enumerate(rows):
        if r.person_id not in people:
            p.add(i, "person_id", f"unknown person {r.person_id!r}")


def _check_goal_targets(op: SetGoalTargets, lookup: Lookup, p: _Problems) -> None:
    if not lookup.existing("goal", {op.goal_id}):
        p.add(0, "goal_id", f"unknown goal {op.goal_id!r}")
    p.extend_dups([t.node_id for t in op.targets], "targets.node_id")
    skills, clusters = _node_kinds(lookup, {t.node_id for t in op.targets})
    for i, t in enumerate(op.targets):
        if t.goal_id != op.goal_id:
            p.add(i, "targets.goal_id", f"{t.goal_id!r} differs from the op's goal {op.goal_id!r}")
        if t.node_id not in skills and t.node_id not in clusters:
            p.add(i, "targets.node_id", f"unknown skill or cluster {t.node_id!r}")


def _check_pairings(op: UpsertPairings, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    people = lookup.existing(
        "person", {r.mentor_id for r in rows} | {m for r in rows for m in r.mentee_ids}
    )
    goals = lookup.existing("goal", {g for r in rows for g in r.goal_ids})
    skills, clusters = _node_kinds(lookup, {r.skill_id for r in rows if r.skill_id})
    for i, r in enumerate(rows):
        if r.skill_id is not None and r.skill_id not in skills | clusters:
            p.add(i, "skill_id", f"unknown skill {r.skill_id!r}")
        if r.mentor_id not in people:
            p.add(i, "mentor_id", f"unknown person {r.mentor_id!r}")
        for k, m in enumerate(r.mentee_ids):
            if m not in people:
                p.add(i, f"mentee_ids.{k}", f"unknown person {m!r}")
        for k, g in enumerate(r.goal_ids):
            if g not in goals:
                p.add(i, f"goal_ids.{k}", f"unknown goal {g!r}")


def _check_programs(op: UpsertPrograms, lookup: Lookup, p: _Problems) -> None:
    p.extend_dups([r.id for r in op.rows], "id")


def _check_checkins(op: AddCheckIns, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    pairings = lookup.existing("pairing", {r.pairing_id for r in rows})
    for i, r in enumerate(rows):
        if r.pairing_id not in pairings:
            p.add(i, "pairing_id", f"unknown pairing {r.pairing_id!r}")


def _check_repoint(op: RepointReferences, lookup: Lookup, p: _Problems) -> None:
    ids = {op.source_id, *op.target_ids}
    skills, clusters = _node_kinds(lookup, ids)
    known = skills | clusters
    if op.source_id not in known:
        p.add(0, "source_id", f"unknown skill or cluster {op.source_id!r}")
    if not op.target_ids:
        p.add(0, "target_ids", "at least one target is needed")
    p.items.extend(
        RowProblem(0, f"{p.pre}.target_ids.{d.row}", d.reason)
        for d in duplicate_problems(list(op.target_ids), "target_ids")
    )
    for k, t in enumerate(op.target_ids):
        if t == op.source_id:
            p.add(0, f"target_ids.{k}", "a node cannot be repointed onto itself")
        elif t not in known:
            p.add(0, f"target_ids.{k}", f"unknown skill or cluster {t!r}")


def _check_changes(op: UpsertTaxonomyChanges, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    skills, clusters = _node_kinds(lookup, {n for r in rows for n in r.node_ids})
    for i, r in enumerate(rows):
        for k, n in enumerate(r.node_ids):
            if n not in skills and n not in clusters:
                p.add(i, f"node_ids.{k}", f"unknown skill or cluster {n!r}")


def _check_audit(op: AppendAudit, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    stored = lookup.existing("audit", {r.id for r in rows})
    for i, r in enumerate(rows):
        if r.id in stored:
            p.add(i, "id", f"audit entry {r.id!r} already exists (the log is append-only)")


def _check_replace_audit(op: ReplaceAudit, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    stored = lookup.existing("audit", {r.id for r in rows})
    for i, r in enumerate(rows):
        if r.id not in stored:
            p.add(i, "id", f"no audit entry {r.id!r} to replace")


def _check_cohort_runs(op: PutCohortRuns, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    stored = lookup.existing("cohort_run", {r.id for r in rows})
    for i, r in enumerate(rows):
        if r.id in stored:
            p.add(i, "id", f"cohort run {r.id!r} already exists (runs are never rewritten)")


def _check_api_keys(op: PutApiKeys, lookup: Lookup, p: _Problems) -> None:
    rows = op.rows
    p.extend_dups([r.id for r in rows], "id")
    owners = lookup.key_hash_owners({r.key_hash for r in rows})
    first: dict[str, int] = {}
    for i, r in enumerate(rows):
        # Problems name the row and the other key, never the hash itself.
        if r.key_hash in first:
            p.add(i, "key_hash", f"same key_hash as row {first[r.key_hash]}")
            continue
        first[r.key_hash] = i
        owner = owners.get(r.key_hash)
        if owner is not None and owner != r.id:
            p.add(i, "key_hash", f"already used by API key {owner!r}")


_CHECKS: dict[type, Callable[[Any, Lookup, _Problems], None]] = {
    UpsertSkills: _check_nodes,
    UpsertClusters: _check_nodes,
    AddBroader: _check_add_broader,
    UpsertPeople: _check_people,
    UpsertPersonSkills: _check_person_skills,
    UpsertGoals: _check_goals,
    SetGoalTargets: _check_goal_targets,
    UpsertPairings: _check_pairings,
    UpsertPrograms: _check_programs,
    AddCheckIns: _check_checkins,
    RepointReferences: _check_repoint,
    UpsertTaxonomyChanges: _check_changes,
    AppendAudit: _check_audit,
    PutApiKeys: _check_api_keys,
    ReplaceAudit: _check_replace_audit,
    PutCohortRuns: _check_cohort_runs,
}


def cycle_problems(
    index: int,
    op: StoreOp,
    lookup: Lookup,
    cycles: Callable[[set[str]], set[str]],
) -> list[RowProblem]:
    """BROADER cycles the op just made, checked after writing it inside the transaction.

    `cycles(node_ids)` is the store's query: those of the given nodes (skills or clusters)
    that are now their own ancestor. Only AddBroader and RepointReferences can close a cycle.
    """
    if isinstance(op, AddBroader):
        cyc = cycles({r.child_id for r in op.rows})
        return [
            RowProblem(
                row=k,
                field=f"{prefix(index, op)}.parent_id",
                reason=(
                    f"{r.child_id!r} -> {r.parent_id!r} makes a BROADER cycle (or a chain "
                    f"of {MAX_BROADER_DEPTH} or more BROADER edges above it)"
                ),
            )
            for k, r in enumerate(op.rows)
            if r.child_id in cyc
        ]
    if isinstance(op, RepointReferences):
        cyc = cycles(lookup.existing("cluster", op.target_ids))
        return [
            RowProblem(
                row=0,
                field=f"{prefix(index, op)}.target_ids",
                reason=f"moving children onto {t!r} makes a BROADER cycle",
            )
            for t in sorted(cyc)
        ]
    return []
