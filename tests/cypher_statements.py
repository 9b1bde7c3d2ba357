"""Every Cypher statement the Neo4j store can send, enumerated from graph/stores/cypher.py:
its string constants, tuples of statements, and each builder called with every value it
accepts (every label, both sides of each flag, every filter set). A builder with a parameter
this module does not know fails the enumeration, so a new one cannot slip past the tests
that use it (the Neo4j parser check, the query-shape checks)."""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from graph.stores import cypher as q

ROOT = Path(__file__).resolve().parent.parent


def _is_statement(value: object) -> bool:
    return isinstance(value, str) and " " in value.strip()


def _argument_sets(fn: Callable[..., str]) -> Iterator[dict[str, Any]]:
    choices: dict[str, list[Any]] = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name == "label":
            choices[name] = sorted(q._NODE_LABELS)
        elif name == "filters":
            names = q.PAIRING_FILTERS
            choices[name] = [
                frozenset(c)
                for k in range(len(names) + 1)
                for c in itertools.combinations(names, k)
            ]
        elif param.annotation in (bool, "bool"):
            choices[name] = [False, True]
        else:
            raise AssertionError(
                f"tests/cypher_statements.py: teach me the values of {fn.__name__}({name})"
            )
    keys = list(choices)
    for values in itertools.product(*(choices[k] for k in keys)):
        yield dict(zip(keys, values, strict=True))


def store_statements() -> dict[str, str]:
    """{name: statement} for everything graph/stores/cypher.py can produce."""
    out: dict[str, str] = {}
    for name, value in vars(q).items():
        if name.startswith("_"):
            continue
        if _is_statement(value):
            out[name] = value
        elif isinstance(value, tuple) and value and all(_is_statement(v) for v in value):
            out.update({f"{name}[{i}]": v for i, v in enumerate(value)})
        elif inspect.isfunction(value) and value.__module__ == q.__name__:
            for args in _argument_sets(value):
                shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
                out[f"{name}({shown})"] = value(**args)
    return out


_FENCE = re.compile(r"^```cypher[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def doc_statements() -> dict[str, str]:
    """{"file:line": statement} for every ```cypher block in README.md and docs/*.md
    (a block may hold several statements, separated by `;`)."""
    out: dict[str, str] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 2
            for k, part in enumerate(p for p in m.group(1).split(";\n") if p.strip()):
                out[f"{path.relative_to(ROOT)}:{line}#{k}"] = part.strip().rstrip(";")
    return out
