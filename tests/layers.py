"""The house rules as data: which package may import which, read from the code's own imports.

docs/architecture.md draws the same table; tests/unit/test_layers.py holds the tree to it.
Every import counts, including those inside functions and under TYPE_CHECKING: a lazy import
is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# package -> the packages of ours it may import (besides itself)
MAY_IMPORT: dict[str, frozenset[str]] = {
    "rollout": frozenset(),
    "sim": frozenset({"rollout"}),
    "store": frozenset({"rollout"}),
    "adapters": frozenset({"rollout"}),
    "agent": frozenset({"rollout", "adapters"}),
    "bot": frozenset({"rollout", "sim", "store", "adapters"}),
    "cli": frozenset({"rollout", "sim", "store", "adapters", "agent", "bot"}),
}
SLACK = frozenset({"slack_bolt", "slack_sdk"})
# package -> third-party libraries it must never import
MAY_NOT_USE: dict[str, frozenset[str]] = {
    "rollout": SLACK | {"simpy", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "httpx"},
    "adapters": SLACK,
    "agent": SLACK,
    "sim": SLACK | {"sqlalchemy", "sqlmodel"},
    "store": SLACK | {"simpy"},
}
SKIPPED_DIRS = {"migrations"}  # Alembic's scripts are run by Alembic, not imported


@dataclass(frozen=True)
class Import:
    """One import statement: the module that has it, the line, and the module it names."""

    module: str
    line: int
    target: str


def modules(root: Path) -> dict[str, Path]:
    """Every module of our packages under `root`, by dotted name."""
    found: dict[str, Path] = {}
    for package in MAY_IMPORT:
        for path in sorted((root / package).rglob("*.py")):
            if SKIPPED_DIRS & set(path.relative_to(root).parts):
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path) -> Iterator[Import]:
    """The imports in one module, relative ones resolved to absolute names."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module)
            yield Import(name, node.lineno, base)
            for alias in node.names:  # `from pkg import module` imports pkg.module
                yield Import(name, node.lineno, f"{base}.{alias.name}")


def _absolute(name: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, *([module] if module else [])])


def violations(root: Path) -> list[str]:
    """Every import that breaks the table, as "module:line imports target (why)"."""
    found = []
    for name, path in modules(root).items():
        package = name.split(".")[0]
        for imp in imports(name, path):
            top = imp.target.split(".")[0]
            if top in MAY_IMPORT and top != package and top not in MAY_IMPORT[package]:
                found.append(f"{name}:{imp.line} imports {imp.target} ({package} may not)")
            if top in MAY_NOT_USE.get(package, frozenset()):
                found.append(f"{name}:{imp.line} imports {imp.target} (no {top} in {package})")
    return sorted(set(found))


def cycles(root: Path) -> list[list[str]]:
    """Import cycles between modules (strongly connected components of more than one)."""
    known = modules(root)
    graph = {
        name: sorted({i.target for i in imports(name, path) if i.target in known} - {name})
        for name, path in known.items()
    }
    return [sorted(c) for c in _components(graph) if len(c) > 1]


def _components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found
