"""The package's shape: one-way layers, no import circles, no private names across modules.

Every import is read from the source with :mod:`ast`, including imports inside
functions and under ``TYPE_CHECKING``: a lazy import that points up or closes
a circle is still a dependency.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from support import PROJECT

ROOT = PROJECT
PKG = ROOT / "simulator"
#: The layers, lowest first: a module may import from its own layer and those before it.
LAYERS = ("model", "inputs", "engine", "results", "analysis", "viz", "app", "cli")
#: What model code must never import: plotting, the command line, file formats.
MODEL_FORBIDDEN = ("matplotlib", "typer", "rich", "tomllib", "pandas", "simulator.inputs")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(path: Path, me: str | None = None) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` for every import in ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = me or _module(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.append((base, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
    return found


def _target(module: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads."""
    out = []
    for cand in [f"{module}.{n}" for n in names] + [module]:
        while cand and cand not in MODULES:
            cand = cand.rsplit(".", 1)[0] if "." in cand else ""
        if cand:
            out.append(cand)
    return out


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return None  # simulator/__init__.py, the public facade
    return LAYERS.index(parts[1])


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for module, names, _ in _imports(path):
            for t in _target(module, names):
                if t != m and not m.startswith(t + "."):
                    graph[m].add(t)
    return graph


def test_every_module_is_in_a_layer() -> None:
    stray = [m for m in MODULES if m != "simulator" and _layer(m) is None]
    assert stray == [], f"modules outside the layers {LAYERS}: {stray}"


def test_no_import_points_up() -> None:
    bad = []
    for m, path in MODULES.items():
        mine = _layer(m)
        if mine is None:
            continue
        for module, names, line in _imports(path):
            for t in _target(module, names):
                theirs = _layer(t)
                if t == "simulator" or (theirs is not None and theirs > mine):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {t}")
    assert bad == []


def test_no_import_circles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v:
                comp.append(w)
            comp.append(v)
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


def test_the_checks_see_a_circle_and_an_upward_import(tmp_path: Path) -> None:
    """The graph code finds what it is meant to find (a check that cannot fail proves nothing)."""
    src = tmp_path / "simulator" / "model"
    src.mkdir(parents=True)
    (src / "a.py").write_text("def f():\n    from ..viz import figures\n")
    imports = _imports(src / "a.py", "simulator.model.a")
    assert imports == [("simulator.viz", ["figures"], 2)]  # lazy and relative, still seen
    assert _target(*imports[0][:2]) == ["simulator.viz.figures", "simulator.viz"]
    assert _layer("simulator.viz.figures") > _layer("simulator.model.a")  # type: ignore[operator]


def test_no_private_names_across_modules() -> None:
    bad = []
    for m, path in MODULES.items():
        for module, names, line in _imports(path):
            if module.startswith("simulator") and module != m:
                bad += [
                    f"{path.relative_to(ROOT)}:{line} {module}.{n}"
                    for n in names
                    if n.startswith("_")
                ]
    assert bad == []


def test_model_code_does_no_io_plotting_or_cli() -> None:
    bad = []
    for m, path in MODULES.items():
        if _layer(m) != 0:
            continue
        for module, _, line in _imports(path):
            if module.startswith(MODEL_FORBIDDEN):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text, f"{path.relative_to(ROOT)} opens files"
    assert bad == []


def test_top_level_cli_only_assembles() -> None:
    """cli.py imports the command modules and typer, nothing of the engine or the analyses."""
    imported = [module for module, _, _ in _imports(ROOT / "cli.py")]
    assert all(m.startswith(("simulator.cli", "typer", "collections", "typing", "__future__"))
               or m == "simulator" for m in imported), imported  # fmt: skip


def test_packaging_lists_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    code = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    data = {"simulator.scenarios"} | {
        "simulator.scenarios." + d.name
        for d in (ROOT / "scenarios").iterdir()
        if d.is_dir() and not d.name.startswith((".", "_"))
    }
    assert listed == code | data
    assert config["tool"]["setuptools"]["py-modules"] == ["cli"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_has_a_docstring(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc and doc.strip(), f"{module} has no module docstring"
