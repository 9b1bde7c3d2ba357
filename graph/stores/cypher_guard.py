"""Refuse ad-hoc Cypher that could write or look past the data, before it reaches the server.

The Neo4j store runs ad-hoc queries in a READ-access transaction that is always rolled back
(and, when configured, as a reader-only database user), which Neo4j itself enforces; this
guard is the wall in front, and the only one on Bolt servers that do not enforce access
modes (ArcadeDB). It reads the query with string literals and comments blanked out, so a
keyword inside a string (`WHERE n.name = 'CREATE'`) is not mistaken for a clause, and a
clause hidden in a comment cannot sneak through. It refuses:

- write and admin clauses anywhere (CREATE, MERGE, SET, DELETE, FOREACH, LOAD CSV, USE...),
  including inside subqueries, FOREACH and comprehensions (it looks at every token);
- every SHOW command (SHOW TRANSACTIONS lists other users' queries and parameters);
- CALL of any procedure outside READ_PROCEDURES, and CALL { ... } subqueries;
- namespaced function calls outside the built-in namespaces (BUILTIN_FUNCTION_NAMESPACES):
  no `apoc.*` (`apoc.cypher.runFirstColumnSingle` runs any Cypher), no `db.`/`dbms.` or
  plugin functions. Backticks and spaces or comments around the dots do not hide a name.
"""

from __future__ import annotations

import re
from typing import Any

from neo4j.graph import Node, Path, Relationship

from graph.errors import InvalidInput

WRITE_CLAUSES = (
    "CREATE",
    "INSERT",  # GQL's CREATE (Cypher 25)
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
    "RENAME",
    "START",
    "STOP",
    "TERMINATE",
    "ENABLE",
    "DEALLOCATE",
    "REALLOCATE",
)
# Commands that only read, but what they read is not ours to show (settings, other users'
# transactions and their parameters, users, privileges, procedures, servers).
REFUSED_COMMANDS = ("SHOW",)
# Procedures that only read the schema; any other CALL (e.g. db.create.setNodeVectorProperty,
# apoc.*, CALL { ... } IN TRANSACTIONS) is refused.
READ_PROCEDURES = frozenset(
    {"db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization"}
)
# Namespaces of Neo4j's own functions (lower case). A call `ns.name(...)` in any other
# namespace (apoc, db, dbms, gds, custom plugins) is refused.
BUILTIN_FUNCTION_NAMESPACES = frozenset(
    {
        "date",
        "datetime",
        "localdatetime",
        "localtime",
        "time",
        "duration",
        "point",
        "vector",
        "vector.similarity",
    }
)

_TOKENS = re.compile(
    r"""
      (?P<s>'(?:[^'\\]|\\.)*')      # 'single quoted'
    | (?P<d>"(?:[^"\\]|\\.)*")      # "double quoted"
    | (?P<n>`(?:[^`]|``)*`)          # `quoted name` (`` is a backtick inside)
    | (?P<c>//[^\n]*|/\*.*?\*/)      # line or block comment
    """,
    re.VERBOSE | re.DOTALL,
)
_WORDS = WRITE_CLAUSES + REFUSED_COMMANDS
# A clause keyword stands alone: not part of a dotted name (apoc.create.node, n.set) or a $param.
_WRITE = re.compile(r"(?<![\w.$])(" + "|".join(_WORDS) + r")(?![\w.])", re.IGNORECASE)
_NAME = r"[A-Za-z_]\w*"
_DOTTED = _NAME + r"(?:\s*\.\s*" + _NAME + r")*"
_CALL = re.compile(r"(?<![\w.$])CALL\b\s*(" + _DOTTED + r")?", re.IGNORECASE)
# A namespaced function call, ns.name(...); `n.prop(` is not valid Cypher, so refusing it
# costs nothing.
_FUNCTION = re.compile(
    r"(?<![\w$.])(" + _NAME + r"(?:\s*\.\s*" + _NAME + r")+)\s*\(", re.IGNORECASE
)


def _views(query: str) -> tuple[str, str]:
    """Two readings of `query`, strings and comments blanked in both (read left to right, so
    a quote inside a name or a comment marker inside a string means what Cypher says):
    (clauses: quoted names blanked too; names: quoted names as bare ones, so `apoc`.`cypher`
    reads apoc.cypher and a name in backticks is judged like the same name without)."""
    clauses: list[str] = []
    names: list[str] = []
    end = 0
    for m in _TOKENS.finditer(query):
        clauses.append(query[end : m.start()])
        names.append(query[end : m.start()])
        text = m.group(0)
        clauses.append(" " * len(text))
        if m.lastgroup == "n":
            inner = text[1:-1].replace("``", "_")
            names.append(" " + re.sub(r"[^\w.]", "_", inner) + " ")
        else:
            names.append(" " * len(text))
        end = m.end()
    clauses.append(query[end:])
    names.append(query[end:])
    return "".join(clauses), "".join(names)


def _dotted(name: str) -> str:
    return re.sub(r"\s+", "", name)


def check_read_only(query: str) -> None:
    """Raise InvalidInput naming what is refused if `query` could write, runs a SHOW
    command, calls a procedure outside READ_PROCEDURES, or calls a function outside
    Neo4j's built-in namespaces (apoc.*, db.*, dbms.*, plugins)."""
    clauses, names = _views(query)
    if any(c in clauses for c in ("'", '"', "`", "/*")):
        raise _refuse("an unterminated string, name or comment")
    if m := _WRITE.search(clauses):
        word = m.group(1).upper()
        raise _refuse(f"the {word} command" if word in REFUSED_COMMANDS else f"the {word} clause")
    for m in _CALL.finditer(names):
        name = _dotted(m.group(1) or "")
        if name.lower() not in READ_PROCEDURES:
            raise _refuse(f"CALL {name}" if name else "CALL { ... } subqueries")
    # Procedure names are judged above; what is left that looks like ns.name( is a function.
    rest = _CALL.sub(lambda m: " " * len(m.group(0)), names)
    for m in _FUNCTION.finditer(rest):
        name = _dotted(m.group(1))
        if name.rsplit(".", 1)[0].lower() not in BUILTIN_FUNCTION_NAMESPACES:
            raise _refuse(f"the function {name}()")


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
