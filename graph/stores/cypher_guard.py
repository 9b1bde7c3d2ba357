"""Refuse ad-hoc Cypher that could write, before it reaches the server.

The Neo4j store runs ad-hoc queries in a READ-access session, which Neo4j itself enforces;
this guard is the second wall, and the only one on Bolt servers that do not enforce access
modes (ArcadeDB). It reads the query with string literals, quoted names and comments blanked
out, so a keyword inside a string (`WHERE n.name = 'CREATE'`) is not mistaken for a clause,
and a clause hidden in a comment cannot sneak through.
"""

from __future__ import annotations

import re
from typing import Any

from neo4j.graph import Node, Path, Relationship

from graph.errors import InvalidInput

WRITE_CLAUSES = (
    "CREATE",
    "MERGE",
    "SET",
    "DELETE",
    "DETACH",
    "REMOVE",
    "DROP",
    "FOREACH",
    "LOAD",
    "USE",  # switching database is not a read of ours
    "GRANT",
    "DENY",
    "REVOKE",
    "ALTER",
    "START",
    "STOP",
    "TERMINATE",
)
# Procedures that only read the schema; any other CALL (e.g. db.create.setNodeVectorProperty,
# apoc.*, CALL { ... } IN TRANSACTIONS) is refused.
READ_PROCEDURES = frozenset(
    {"db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization"}
)

_LITERALS = re.compile(
    r"""
      '(?:[^'\\]|\\.)*'      # 'single quoted'
    | "(?:[^"\\]|\\.)*"      # "double quoted"
    | `[^`]*`                # `quoted name`
    | //[^\n]*               # line comment
    | /\*.*?\*/              # block comment
    """,
    re.VERBOSE | re.DOTALL,
)
# A clause keyword stands alone: not part of a dotted name (apoc.create.node, n.set) or a $param.
_WRITE = re.compile(r"(?<![\w.$])(" + "|".join(WRITE_CLAUSES) + r")(?![\w.])", re.IGNORECASE)
_CALL = re.compile(r"\bCALL\b\s*([A-Za-z_][\w.]*)?", re.IGNORECASE)


def _blank_literals(query: str) -> str:
    return _LITERALS.sub(lambda m: " " * len(m.group(0)), query)


def check_read_only(query: str) -> None:
    """Raise InvalidInput naming the offending clause if `query` could write."""
    bare = _blank_literals(query)
    if "'" in bare or '"' in bare or "`" in bare or "/*" in bare:
        raise _refuse("an unterminated string, name or comment")
    if m := _WRITE.search(bare):
        raise _refuse(f"the {m.group(1).upper()} clause")
    for m in _CALL.finditer(bare):
        name = (m.group(1) or "").lower()
        if name not in READ_PROCEDURES:
            what = f"CALL {m.group(1)}" if m.group(1) else "CALL { ... } subqueries"
            raise _refuse(what)


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(
        f"read-only queries only: {what} is not allowed",
        details=[{"field": "body.query", "reason": f"{what} is not allowed"}],
    )


def jsonable(value: Any) -> Any:
    """A driver value (node, relationship, path, temporal, spatial) as plain JSON data."""

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": jsonable(dict(value))}
    if isinstance(value, Relationship):
        return {"type": value.type, "properties": jsonable(dict(value))}
    if isinstance(value, Path):
        return {
            "nodes": [jsonable(n) for n in value.nodes],
            "relationships": [jsonable(r) for r in value.relationships],
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)
