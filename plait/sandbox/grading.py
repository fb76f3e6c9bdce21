"""Grading in the parent: run code + the runner in a sandbox, then judge the runner's records here.

The sandbox never sees expected values. A test passes only if its record arrived and the
record's canonical value serialises exactly like the expected value; a run passes only if every
test passed and the program exited ``ok``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plait.core.errors import InputError
from plait.sandbox.api import run
from plait.sandbox.types import ExecResult, Limits

RUNNER = (Path(__file__).with_name("runner.py")).read_text(encoding="utf-8")


@dataclass
class GradeResult:
    verdict: str  # "pass" | "fail"
    tests: list[dict[str, Any]]
    result: ExecResult
    load_error: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "tests": self.tests,
            "load_error": self.load_error,
            "status": self.result.status,
            "backend": self.result.backend,
            "stderr": self.result.stderr[-2000:],
        }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _records(stdout: str) -> list[dict[str, Any]]:
    out = []
    for line in stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def run_job(code: str, job: dict[str, Any], *, extra_files: dict[str, str] | None = None, **run_kwargs: Any):
    """Run the runner on ``code`` with ``job``; returns (records, ExecResult)."""
    files = {"solution.py": code, "_plait_runner.py": RUNNER, "_plait_job.json": json.dumps(job)}
    files.update(extra_files or {})
    result = run(argv=["python3", "-I", "_plait_runner.py"], files=files, **run_kwargs)
    return _records(result.stdout), result


def _check_cases(tests: Any) -> list[dict[str, Any]]:
    if not isinstance(tests, list) or not tests:
        raise InputError("tests must be a non-empty JSON list of {\"args\": [...], \"kwargs\": {...}, \"expected\": value}")
    for i, t in enumerate(tests):
        if not isinstance(t, dict) or ("expected" not in t and "raises" not in t):
            raise InputError(f"test {i} must be an object with \"expected\" (or \"raises\"), got {t!r}")
        if not isinstance(t.get("args", []), list) or not isinstance(t.get("kwargs", {}), dict):
            raise InputError(f"test {i}: \"args\" must be a list and \"kwargs\" an object")
    return tests


def grade(
    code: str,
    entry: str,
    tests: list[dict[str, Any]],
    *,
    limits: Limits | None = None,
    backend: str | None = None,
    allow_process: bool = False,
) -> GradeResult:
    """Grade function ``entry`` of ``code`` on input/output cases (all in one sandbox run)."""
    if not entry.isidentifier():
        raise InputError(f"entry {entry!r} is not a Python function name")
    tests = _check_cases(tests)
    job = {"mode": "cases", "entry": entry, "cases": [{"args": t.get("args", []), "kwargs": t.get("kwargs", {})} for t in tests]}
    records, result = run_job(code, job, limits=limits, backend=backend, allow_process=allow_process)
    load_error = next((r["load_error"] for r in records if "load_error" in r), None)
    by_index = {r["i"]: r for r in records if isinstance(r.get("i"), int)}
    verdicts = []
    for i, t in enumerate(tests):
        rec = by_index.get(i)
        row: dict[str, Any] = {"index": i, "args": t.get("args", []), "kwargs": t.get("kwargs", {})}
        if "expected" in t:
            row["expected"] = t["expected"]
        if rec is None:
            row.update(passed=False, outcome="missing", error=load_error or f"no record (sandbox status {result.status})")
        elif rec.get("ok"):
            row["got"] = rec.get("value")
            same = "expected" in t and canonical_json(rec.get("value")) == canonical_json(t["expected"])
            row.update(passed=same, outcome="pass" if same else "wrong")
        else:
            want = t.get("raises")
            same = bool(want) and rec.get("type") == want
            row.update(passed=same, outcome="pass" if same else "error", error=rec.get("error"))
        verdicts.append(row)
    ok = result.status == "ok" and all(r["passed"] for r in verdicts)
    return GradeResult("pass" if ok else "fail", verdicts, result, load_error, records)


def grade_program(
    code: str,
    test: str,
    entry: str,
    *,
    limits: Limits | None = None,
    backend: str | None = None,
    allow_process: bool = False,
) -> GradeResult:
    """Grade with a test program defining ``check(candidate)`` (HumanEval style)."""
    job = {"mode": "check", "entry": entry, "test": test}
    records, result = run_job(code, job, limits=limits, backend=backend, allow_process=allow_process)
    load_error = next((r["load_error"] for r in records if "load_error" in r), None)
    rec = next((r for r in records if r.get("i") == 0), None)
    passed = rec is not None and rec.get("ok") is True
    row = {"index": 0, "passed": passed, "outcome": "pass" if passed else ("missing" if rec is None else "error"),
           "error": (rec or {}).get("error") or load_error}
    ok = passed and result.status == "ok"
    return GradeResult("pass" if ok else "fail", [row], result, load_error, records)


def unittest_ids(tests_source: str) -> list[str]:
    """``module.Class.test_name`` ids the parent expects, read from the test source (never run)."""
    tree = ast.parse(tests_source)
    ids = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    ids.append(f"plait_tests.{node.name}.{item.name}")
    return ids


def grade_unittest(
    code: str,
    tests_source: str,
    *,
    limits: Limits | None = None,
    backend: str | None = None,
    allow_process: bool = False,
) -> GradeResult:
    """Run a unittest module against ``code`` (imported as ``solution``); every test must report pass."""
    try:
        expected = unittest_ids(tests_source)
    except SyntaxError as exc:
        raise InputError(f"the unittest source does not parse: {exc}") from exc
    job = {"mode": "unittest", "tests": "test_solution.py"}
    records, result = run_job(
        code, job, extra_files={"test_solution.py": tests_source}, limits=limits, backend=backend,
        allow_process=allow_process,
    )
    load_error = next((r["load_error"] for r in records if "load_error" in r), None)
    by_id = {r["test"]: r for r in records if "test" in r}
    rows = []
    for tid in expected:
        rec = by_id.get(tid)
        outcome = rec["outcome"] if rec else "missing"
        rows.append({"test": tid, "passed": outcome == "pass", "outcome": outcome,
                     "error": (rec or {}).get("error") or (load_error if not rec else None)})
    ok = bool(expected) and result.status == "ok" and all(r["passed"] for r in rows)
    return GradeResult("pass" if ok else "fail", rows, result, load_error, records)
