"""Composition stays a library of its own: no module of it imports the rest of the gateway, and its
modules import each other without cycles (rules and stages share state through the context)."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway.composition

PACKAGE = Path(gateway.composition.__file__).parent
NAME = "gateway.composition"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((NAME, *parts))


def _imports() -> dict[str, set[str]]:
    """Every module's imports, absolute, including those only made for type checking."""
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    base = node.module or ""
                else:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        out[name] = found
    return out


def test_composition_imports_nothing_else_from_the_gateway() -> None:
    outside = {
        module: sorted(i for i in imported if i.startswith("gateway.") and not i.startswith(NAME))
        for module, imported in _imports().items()
    }
    assert {m: i for m, i in outside.items() if i} == {}


def test_composition_modules_import_each_other_without_cycles() -> None:
    imports = _imports()
    graph = {m: {i for i in imported if i in imports and i != m} for m, imported in imports.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for dep in sorted(graph[module]):
            # A package's __init__ re-exporting its modules is not a cycle through them.
            if not module.startswith(dep + ".") and not dep.startswith(module + "."):
                visit(dep, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
