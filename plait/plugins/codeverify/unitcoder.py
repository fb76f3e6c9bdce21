"""UnitCoder's import-aware extraction and the pass-rate summary of a corpus run (the pipeline
itself is in ``unitcoder_pipeline.py``).

A function is taken from a corpus file when it is top-level, has arguments and returns a value,
and everything it names is a parameter, a local, a builtin or an import of the file whose top
package is in the allowed list. The extracted unit is those import lines plus the function.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from plait.plugins.codeverify.case2code import _free_names

# Standard-library packages present in every sandbox image (Debian's python3).
DEFAULT_ALLOWED = (
    "math", "re", "string", "collections", "itertools", "functools", "operator", "heapq", "bisect",
    "datetime", "json", "random", "statistics", "decimal", "fractions", "copy", "typing", "textwrap",
    "unicodedata", "hashlib", "base64", "calendar", "dataclasses", "enum", "cmath", "difflib",
)


@dataclass
class Extracted:
    name: str
    code: str
    packages: list[str]


def _imports(tree: ast.Module, source: str) -> dict[str, tuple[str, str]]:
    """Bound name -> (import line, top package) for the module's top-level imports."""
    out: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                bound = alias.asname or top
                line = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                out[bound] = (line, top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            for alias in node.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or alias.name
                line = f"from {node.module} import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                out[bound] = (line, top)
    return out


def extract(source: str, allowed: tuple[str, ...] | list[str] = DEFAULT_ALLOWED, *,
            reject: str = "function") -> list[Extracted]:
    """The file's extractable functions. A function using a package outside ``allowed`` is skipped
    (``reject="function"``), or empties the whole file (``reject="file"``, the UnitCoder release)."""
    if reject not in ("function", "file"):
        raise ValueError(f"reject must be 'function' or 'file', got {reject!r}")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    allowed_set = set(allowed)
    imports = _imports(tree, source)
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list or node.name.startswith("_"):
            continue
        if not (node.args.args or node.args.posonlyargs or node.args.kwonlyargs):
            continue
        inner = list(ast.walk(node))[1:]
        if not any(isinstance(n, ast.Return) and n.value is not None for n in inner):
            continue
        if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)) for n in inner):
            continue
        # imports inside the body count too
        local_pkgs = set()
        for n in inner:
            if isinstance(n, ast.Import):
                local_pkgs.update(a.name.split(".")[0] for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                local_pkgs.add((n.module or ".").split(".")[0] if n.level == 0 else ".")
        free = _free_names(node)
        if any(name not in imports for name in free):
            continue  # needs a module-level name that is not an import: not self-contained
        used = sorted({imports[name] for name in free})
        packages = sorted({top for _, top in used} | local_pkgs)
        if not set(packages) <= allowed_set:
            if reject == "file":
                return []  # the release drops the file as soon as one function imports outside the list
            continue
        body = ast.get_source_segment(source, node) or ast.unparse(node)
        head = "\n".join(line for line, _ in used)
        out.append(Extracted(node.name, (head + "\n\n\n" if head else "") + body + "\n", packages))
    return out


def pass_rates(trajectories: list[dict[str, Any]], rows: int, rounds: int) -> dict[str, Any]:
    """Counts by outcome and the pass rate by round (among functions that got usable tests)."""
    with_tests = [t for t in trajectories if t["status"] != "no_tests"]
    by_round = {}
    for r in range(rounds + 1):
        hit = sum(1 for t in with_tests if t["passed_round"] is not None and t["passed_round"] <= r)
        by_round[str(r)] = hit / len(with_tests) if with_tests else 0.0
    return {
        "rows": rows,
        "functions": len(trajectories),
        "with_tests": len(with_tests),
        "passed": sum(t["status"] in ("passed", "polished") for t in trajectories),
        "polished": sum(t["status"] == "polished" for t in trajectories),
        "failed": sum(t["status"] == "failed" for t in trajectories),
        "no_tests": sum(t["status"] == "no_tests" for t in trajectories),
        "pass_rate_by_round": by_round,
    }
