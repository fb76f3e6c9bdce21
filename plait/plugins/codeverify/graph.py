"""The UnitCoder graph (LangGraph): tests -> run -> up to R rounds of k fixes -> optional polish.

    write_tests -> run_tests -> (pass) -> polish? -> END
                            -> (fail) -> fix (k candidates, tests fixed, only code edited) -> ...

Every execution goes through ``plait.sandbox`` (``grade_unittest``); the model never runs code.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from plait.plugins.codeverify import prompts
from plait.plugins.codeverify.state import UnitCoderState
from plait.core.models.base import ChatModel, ChatOptions
from plait.sandbox import Limits
from plait.sandbox.grading import grade_unittest, unittest_ids

_BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.S)
LIMITS = Limits(timeout_s=20)  # the default preset's timeout_s


def extract_code(text: str) -> str | None:
    """The first fenced code block that parses (or the whole reply if it parses as Python)."""
    for block in _BLOCK.findall(text or ""):
        if _parses(block):
            return block.strip() + "\n"
    stripped = (text or "").strip()
    return stripped + "\n" if stripped and _parses(stripped) else None


def _parses(src: str) -> bool:
    try:
        ast.parse(src)
        return True
    except (SyntaxError, ValueError):
        return False


def defines(src: str, entry: str) -> bool:
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == entry for n in tree.body)


def as_unittest(src: str) -> str | None:
    """Pytest-style tests (``def test_x(): assert ...``) or bare top-level asserts, which smaller
    models often write, wrapped into one ``unittest.TestCase``; None if there are none."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return None
    funcs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test") and not n.args.args]
    asserts = [n for n in tree.body if isinstance(n, ast.Assert)]
    if not funcs and not asserts:
        return None
    rest = ast.Module(body=[n for n in tree.body if not isinstance(n, ast.Assert)], type_ignores=[])
    lines = ["import unittest", ast.unparse(rest), "", "", "class TestGenerated(unittest.TestCase):"]
    for name in funcs:
        lines += [f"    def {name}(self):", f"        {name}()", ""]
    for i, node in enumerate(asserts):
        lines += [f"    def test_assert_{i}(self):", f"        {ast.unparse(node)}", ""]
    return "\n".join(lines) + "\n"


def _normalise_tests(src: str, entry: str) -> str:
    # the code under test is importable as ``solution``; make sure the tests import from there
    if not re.search(r"^\s*(from solution import|import solution)", src, re.M):
        src = f"from solution import *  # noqa: F403\n{src}"
    if not re.search(r"^\s*import unittest", src, re.M):
        src = "import unittest\n" + src
    return src


def _failures(result) -> tuple[str, int]:
    lines, n_pass = [], 0
    for t in result.tests:
        if t["passed"]:
            n_pass += 1
        else:
            err = (t.get("error") or t["outcome"]).strip().splitlines()
            lines.append(f"- {t['test'].split('.')[-1]}: {' | '.join(err[-3:])[:400]}")
    if result.load_error:
        lines.append(f"- loading the code failed: {result.load_error[:400]}")
    if not result.tests and result.result.status != "ok":
        lines.append(f"- the run ended with {result.result.status}: {result.result.stderr[-300:]}")
    return "\n".join(lines) or "- (no test reported)", n_pass


class UnitCoder:
    """Builds and runs the graph for one model and sandbox backend.

    ``settings`` are a UnitCoder preset's effective values (``unitcoder_presets.PRESETS``):
    ``keep_passing`` (passing fixes kept per round), the temperatures of the three model calls,
    the polish ``polish_spec`` and the sandbox ``timeout_s``; missing keys take the default preset's.
    """

    def __init__(self, model: ChatModel, *, backend: str | None = None, limits: Limits | None = None,
                 settings: dict[str, Any] | None = None):
        from plait.plugins.codeverify.unitcoder_presets import PRESETS

        self.settings = {**PRESETS["default"], **(settings or {})}
        self.model = model
        self.backend = backend
        self.limits = limits or Limits(timeout_s=self.settings["timeout_s"])
        self.keep_passing = max(1, int(self.settings["keep_passing"]))
        self.graph = self._build()

    # -- nodes ---------------------------------------------------------------------------------
    def _ask(self, prompt: str, n: int = 1, temperature: float = 0.2) -> list[str]:
        texts: list[str] = []
        while len(texts) < n:  # some servers (llama.cpp) ignore n > 1
            result = self.model.chat([{"role": "user", "content": prompt}],
                                     ChatOptions(n=n - len(texts), temperature=temperature, max_tokens=1200))
            got = [c.text for c in result.choices] or [""]
            texts.extend(got)
        return texts[:n]

    def write_tests(self, state: UnitCoderState) -> dict[str, Any]:
        task = f" for this task: {state['task']}" if state.get("task") else ""
        prompt = prompts.TESTS.format(task=task, code=state["code"], entry=state["entry"])
        attempts = state.get("test_attempts", 0) + 1
        src = extract_code(self._ask(prompt, temperature=self.settings["tests_temperature"] * attempts)[0])
        ids = unittest_ids(src) if src else []
        if src and not ids:
            src = as_unittest(src)
            ids = unittest_ids(src) if src else []
        if not ids:
            return {"test_attempts": attempts, "tests": None, "test_ids": []}
        return {"test_attempts": attempts, "tests": _normalise_tests(src, state["entry"]), "test_ids": ids}

    def _grade(self, code: str, tests: str):
        return grade_unittest(code, tests, limits=self.limits, backend=self.backend)

    def run_tests(self, state: UnitCoderState) -> dict[str, Any]:
        res = self._grade(state["code"], state["tests"])
        failures, n_pass = _failures(res)
        record = {"round": state.get("round", 0), "stage": "initial", "passed": res.passed, "n_pass": n_pass,
                  "n_tests": len(res.tests), "backend": res.result.backend}
        out: dict[str, Any] = {"history": state.get("history", []) + [record], "failures": failures, "n_pass": n_pass,
                               "backend": res.result.backend}
        if res.passed:
            out.update(status="passed", passed_round=0)
        return out

    def fix(self, state: UnitCoderState) -> dict[str, Any]:
        rnd = state.get("round", 0) + 1
        prompt = prompts.FIX.format(code=state["code"], tests=state["tests"], failures=state["failures"], entry=state["entry"])
        candidates = []
        best = None
        kept: list[str] = []  # passing fixes kept this round (the first is the one carried on)
        for text in self._ask(prompt, n=state.get("k", 3), temperature=self.settings["fix_temperature"]):
            code = extract_code(text)
            if code is None or not defines(code, state["entry"]):
                candidates.append({"valid": False, "passed": False, "n_pass": 0})
                continue
            res = self._grade(code, state["tests"])
            failures, n_pass = _failures(res)
            candidates.append({"valid": True, "passed": res.passed, "n_pass": n_pass, "code": code})
            if best is None or (res.passed, n_pass) > (best[0], best[1]):
                best = (res.passed, n_pass, code, failures)
            if res.passed:
                kept.append(code)
                if len(kept) >= self.keep_passing:
                    break  # enough passing fixes (default 1: the first one wins)
        passed = bool(kept)
        record = {"round": rnd, "stage": "fix", "passed": passed, "candidates": candidates, "kept": len(kept),
                  "pass_rate": sum(c["passed"] for c in candidates) / max(1, len(candidates))}
        out: dict[str, Any] = {"round": rnd, "history": state.get("history", []) + [record]}
        if passed:
            out.update(code=kept[0], failures=best[3], n_pass=best[1])  # the first passing fix
        elif best is not None and best[1] > state.get("n_pass", 0):
            out.update(code=best[2], failures=best[3], n_pass=best[1])  # only the code changes
        if passed:
            out.update(status="passed", passed_round=rnd, fixes=kept)
        elif rnd >= state.get("max_rounds", 3):
            out["status"] = "failed"
        return out

    def polish(self, state: UnitCoderState) -> dict[str, Any]:
        prompt = prompts.polish(state["code"], state["entry"], state.get("tests"), self.settings["polish_spec"])
        text = self._ask(prompt, temperature=self.settings["polish_temperature"])[0]
        code = extract_code(text)
        ok = False
        if code and defines(code, state["entry"]) and code.strip() != state["code"].strip():
            ok = self._grade(code, state["tests"]).passed  # the polished code must still pass
        record = {"round": state.get("round", 0), "stage": "polish", "passed": ok}
        out: dict[str, Any] = {"history": state.get("history", []) + [record]}
        if ok:
            out.update(polished=code, status="polished")
        return out

    # -- wiring -------------------------------------------------------------------------------
    def _build(self):
        from langgraph.graph import END, START, StateGraph

        g = StateGraph(UnitCoderState)
        g.add_node("write_tests", self.write_tests)
        g.add_node("run_tests", self.run_tests)
        g.add_node("fix", self.fix)
        g.add_node("polish", self.polish)
        g.add_node("no_tests", lambda s: {"status": "no_tests"})
        g.add_edge(START, "write_tests")

        def after_tests(s: UnitCoderState) -> str:
            if s.get("tests"):
                return "run_tests"
            return "write_tests" if s.get("test_attempts", 0) < 2 else "no_tests"

        def after_run(s: UnitCoderState) -> str:
            if s.get("status") == "passed":
                return "polish" if s.get("polish") else END
            return "fix" if s.get("max_rounds", 3) > 0 else "give_up"

        def after_fix(s: UnitCoderState) -> str:
            if s.get("status") == "passed":
                return "polish" if s.get("polish") else END
            return END if s.get("status") == "failed" else "fix"

        g.add_node("give_up", lambda s: {"status": "failed"})
        g.add_conditional_edges("write_tests", after_tests, ["run_tests", "write_tests", "no_tests"])
        g.add_conditional_edges("run_tests", after_run, ["polish", "fix", "give_up", END])
        g.add_conditional_edges("fix", after_fix, ["polish", "fix", END])
        g.add_edge("polish", END)
        g.add_edge("no_tests", END)
        g.add_edge("give_up", END)
        return g.compile()

    def verify(self, code: str, entry: str, *, task: str | None = None, rounds: int = 3, k: int = 3,
               polish: bool = False) -> UnitCoderState:
        state: UnitCoderState = {
            "entry": entry, "task": task, "original": code, "code": code, "round": 0, "max_rounds": rounds,
            "k": k, "polish": polish, "status": "running", "history": [], "passed_round": None, "polished": None,
            "test_attempts": 0, "fixes": [],
        }
        return self.graph.invoke(state, {"recursion_limit": 8 + 2 * rounds})
