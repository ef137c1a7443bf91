"""The package's layout holds: no import circle, no private import across modules, short files,
subpackage __init__ files that import nothing (read from the source, nothing is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "losslandscape"
MAX_LINES = 700


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("losslandscape", *path.relative_to(PACKAGE).with_suffix("").parts)
        out[".".join(parts).removesuffix(".__init__")] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(module, imported name) of every import of the package in a module, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - max(node.level - 1, 0)]
            target = ".".join([*base, node.module] if node.module else base)
            if node.level == 0:
                target = node.module or ""
            if target.split(".")[0] != "losslandscape":
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.append((full, "") if full in known else (target, alias.name))
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name in known]
    return found


def test_no_import_circle_anywhere_in_the_package() -> None:
    known = modules()
    edges = {m: {t for t, _ in imports(m, p, known) if t in known} for m, p in known.items()}
    # a module's package is imported before it, so an edge to an ancestor is no circle of ours
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                circle = stack[stack.index(t) :] + [t]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def test_no_module_imports_another_modules_private_names() -> None:
    known = modules()
    private = [
        f"{m} imports {target}.{name}"
        for m, p in known.items()
        for target, name in imports(m, p, known)
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private, private


def test_no_file_is_longer_than_the_limit() -> None:
    long = {str(p.relative_to(REPO)): n for p in modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}  # fmt: skip
    assert not long, long


def test_subpackage_inits_import_nothing() -> None:
    """Importing a subpackage costs a job nothing: its __init__ holds no import statement."""
    for init in PACKAGE.glob("*/__init__.py"):
        top = ast.parse(init.read_text(encoding="utf-8")).body
        assert not [n for n in top if isinstance(n, ast.Import | ast.ImportFrom)], init
