"""The import graph of our packages points one way (docs/architecture.md).

Layers, lowest first: graph (model, errors, settings, store contract, hierarchy, text) <
graph.stores and graph.recommend (pure ranking) < graph.lifecycle and graph.analytics <
taxonomy < loaders < api. A module may import its own layer or lower ones; the import graph
has no cycles; imports sit at module level (a function-level import is allowed only for the
optional heavy dependencies named in LAZY, and never for our own modules).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "taxonomy", "loaders", "api")
# Third-party modules that may be imported inside a function: loading them costs seconds and
# only some commands need them (documented where they are imported).
LAZY = frozenset({"sentence_transformers", "transformers", "torch", "uvicorn"})

BASE = (
    "graph.model",
    "graph.errors",
    "graph.settings",
    "graph.store",
    "graph.hierarchy",
    "graph.text",
)


def layer(module: str) -> int:
    """Rank of a module: it may import modules of the same or a lower rank only."""
    if module == "graph" or module in BASE:
        return 0
    for prefix, rank in (
        ("graph.stores", 1),
        ("graph.recommend", 1),
        ("graph.lifecycle", 2),
        ("graph.analytics", 2),
        ("taxonomy", 3),
        ("loaders", 4),
        ("api", 5),
    ):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"module {module} has no layer; add it to tests/test_architecture.py")


def modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported module of ours, line, inside a function) for every import statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    in_function: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(n) for n in ast.walk(fn) if n is not fn)
    out: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        inner = id(node) in in_function
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((alias.name, node.lineno, inner))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append((sub if sub in known else base, node.lineno, inner))
    return out


def test_imports_point_down_without_cycles_or_hidden_imports() -> None:
    known = modules()
    g = nx.DiGraph()
    problems: list[str] = []
    for name, path in known.items():
        g.add_node(name)
        for target, line, inner in imports_of(name, path, known):
            ours = target.split(".")[0] in PACKAGES
            where = f"{path.relative_to(ROOT)}:{line}"
            if inner and (ours or target.split(".")[0] not in LAZY):
                problems.append(f"{where}: import of {target} inside a function")
            if not ours or target not in known or target == name:
                continue
            g.add_edge(name, target)
            if layer(target) > layer(name):
                problems.append(
                    f"{where}: {name} (layer {layer(name)}) imports {target} "
                    f"(layer {layer(target)}), which sits above it"
                )
    for cycle in nx.simple_cycles(g):
        problems.append("import cycle: " + " -> ".join([*cycle, cycle[0]]))
    assert not problems, "\n".join(problems)


def test_the_checker_sees_violations(tmp_path: Path) -> None:
    """The rules fail on a function-level import, an upward import and a cycle."""
    known = {"graph.a": tmp_path / "a.py", "graph.b": tmp_path / "b.py"}
    known["graph.a"].write_text("from graph import b\n\ndef f():\n    import api\n")
    found = imports_of("graph.a", known["graph.a"], known)
    assert ("graph.b", 1, False) in found
    assert ("api", 4, True) in found
    assert layer("api.cli") > layer("graph.recommend.ranking") > layer("graph.store")
