"""What every use case shares: who acts, the audit entry that goes with a change, lookups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from api import audit
from api.auth import Principal
from graph.errors import NotFound
from graph.model import Goal, Pairing, Person
from graph.store import AppendAudit, GraphStore, Planned

T = TypeVar("T")

Who = Principal | str  # a request's principal, or a name such as "cli"


def audited(
    planned: Planned[T],
    who: Who,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> Planned[T]:
    """The change with its audit entry as one more op of the same apply."""
    return planned.plus(AppendAudit([audit.entry(who, action, target, detail)]))


def person(store: GraphStore, person_id: str) -> Person:
    """The person; NotFound if unknown or departed (a leaver is looked up nowhere)."""
    found = store.get_person(person_id)
    if found is None or found.departed:
        raise NotFound(f"person {person_id!r} not found")
    return found


def goal(store: GraphStore, goal_id: str) -> Goal:
    found = store.get_goal(goal_id)
    if found is None:
        raise NotFound(f"goal {goal_id!r} not found")
    return found


def pairing(store: GraphStore, pairing_id: str) -> Pairing:
    found = store.get_pairing(pairing_id)
    if found is None:
        raise NotFound(f"pairing {pairing_id!r} not found")
    return found
