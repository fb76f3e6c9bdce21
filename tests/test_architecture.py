"""The layering of DESIGN.md, checked from the source like an import-linter contract.

surfaces (cli, serve) -> agents -> retrieval / pipeline / sandbox -> core. Built-in capabilities
live in ``plait/plugins/<name>/``: no layer imports a plugin (the host names the built-ins as
strings in one tuple), and no plugin imports another plugin. Every import counts, including the
ones inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "plait"

# layer -> the plait layers it must not import
FORBIDDEN = {
    "core": ("agents", "retrieval", "pipeline", "sandbox", "cli", "serve", "plugins", "testing"),
    "retrieval": ("agents", "pipeline", "cli", "serve", "plugins"),
    "sandbox": ("agents", "retrieval", "pipeline", "cli", "serve", "plugins"),
    "pipeline": ("agents", "cli", "serve", "plugins"),
    "agents": ("cli", "serve", "plugins"),
    "serve": ("cli", "plugins"),
    "cli": ("plugins",),  # `plait serve` starts the server: cli may import serve, never the reverse
}


def _shims() -> set[str]:
    try:
        from plait._deprecated import SHIMS
    except ImportError:
        return set()
    return set(SHIMS)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every plait module ``path`` imports, absolute or relative, at any depth of the file."""
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # `from plait.plugins import math`
    return {m for m in found if m == "plait" or m.startswith("plait.")}


def source_modules() -> dict[str, set[str]]:
    shims = _shims()
    out = {}
    for path in PKG.rglob("*.py"):
        name = module_name(path)
        if name not in shims:
            out[name] = imports_of(path)
    return out


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def plugin_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "plugins" else None


def breaches(modules: dict[str, set[str]]) -> list[str]:
    found = []
    for mod, targets in sorted(modules.items()):
        own = layer(mod)
        for target in sorted(targets):
            if own in FORBIDDEN and layer(target) in FORBIDDEN[own]:
                found.append(f"{mod} imports {target} (layer {own} must not import {layer(target)})")
            mine, theirs = plugin_of(mod), plugin_of(target)
            if mine and theirs and mine != theirs:
                found.append(f"{mod} imports {target} (a plugin never imports another plugin)")
    return found


def test_no_layer_imports_upward_or_into_a_plugin():
    assert breaches(source_modules()) == []


def test_the_checker_catches_a_breach():
    """The contract is only worth something if it fails on a breach: feed it two."""
    fake = {
        "plait.agents.rag.graph": {"plait.plugins.math.answer"},
        "plait.plugins.math.graph": {"plait.plugins.characters.model"},
        "plait.core.config": {"plait.retrieval.store"},
        "plait.plugins.math.cli": {"plait.plugins.math.answer", "plait.agents.base"},
    }
    found = breaches(fake)
    assert len(found) == 3
    assert any("plait.agents.rag.graph imports plait.plugins.math.answer" in f for f in found)
    assert any("never imports another plugin" in f for f in found)


def test_relative_imports_are_resolved(tmp_path):
    pkg = ROOT / "plait" / "agents" / "rag"
    assert "plait.agents.rag.prompts" in imports_of(pkg / "graph.py") or any(
        m.startswith("plait.agents.rag") for m in imports_of(pkg / "graph.py")
    )


def _cycles(modules: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan) of the module graph with more than one module."""
    graph = {m: {t for t in targets if t in modules and t != m} for m, targets in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    import sys

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _without_package_inits(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's ``__init__`` re-exporting its own submodules is not a circle between modules."""
    out = {}
    for mod, targets in modules.items():
        out[mod] = {t for t in targets if not (mod.startswith(t + ".") and t in modules)}
    return out


def test_no_import_circles():
    cycles = _cycles(_without_package_inits(source_modules()))
    assert cycles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("limit", [600])
def test_no_module_past_the_size_limit(limit):
    big = {module_name(p): n for p in PKG.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit}
    assert big == {}


def _rootless_test_modules(tests_root: Path) -> dict[str, list[Path]]:
    """Test files that pytest imports by basename (their folder is no package)."""
    by_name: dict[str, list[Path]] = {}
    for path in tests_root.rglob("test_*.py"):
        if not (path.parent / "__init__.py").exists():
            by_name.setdefault(path.name, []).append(path)
    return by_name


def test_test_module_basenames_are_unique():
    # Two test_cli.py outside packages make pytest stop at collection ("import file mismatch")
    # on a clean checkout, though a warm __pycache__ can hide it locally.
    clashes = {name: paths for name, paths in _rootless_test_modules(Path(__file__).parent).items() if len(paths) > 1}
    assert not clashes, f"rename one of each: {clashes}"


def test_the_basename_check_catches_a_clash(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_cli.py").write_text("")
    assert len(_rootless_test_modules(tmp_path)["test_cli.py"]) == 2
