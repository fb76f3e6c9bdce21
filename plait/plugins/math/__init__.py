"""The math plugin: InternLM-Math's capabilities as a built-in plugin.

- tools: ``lean_check`` (Lean 4 proofs through the Lean REPL) and ``math_python`` (Python in the sandbox)
- agent: ``math`` (a LangGraph code-interpreter graph, ``graph.py``/``state.py``/``prompts.py``), which
  runs its code through the registered ``math_python`` tool
- model backend: ``internlm2/NAME`` (a raw completion endpoint serving an InternLM2 model, ``internlm2.py``)
- commands: ``plait math check|solve|prompts``, ``plait lean check``, ``plait eval math``

Heavy imports (sympy, math-verify, langgraph) happen inside functions: importing this package is cheap.
"""

from __future__ import annotations

from plait import hookimpl


def lean_check(code: str, statement: str | None = None, header: str | None = None) -> dict:
    """Check a Lean 4 proof with the Lean REPL: valid, sorry, error, timeout, statement_changed, bad_axiom or unavailable.

    Args:
        code: the Lean 4 source of the theorem and its proof (header imports may be included)
        statement: the theorem statement that must be proved, e.g. from miniF2F (optional)
        header: imports and options to load first; default from the [lean] config table
    """
    from plait.plugins.math.lean import check_proof

    return check_proof(code, statement=statement, header=header).to_json()


@hookimpl
def register_tools(register):
    register(lean_check, name="lean_check")
    from plait.plugins.math.interpreter import math_python

    register(math_python, name="math_python")


@hookimpl
def register_agents(register):
    def factory(ctx):
        from plait.plugins.math.graph import MathAgent

        return MathAgent(ctx)

    register("math", factory)


@hookimpl
def register_models(register):
    def factory(ctx):
        from plait.plugins.math.internlm2 import InternLM2CompletionModel

        return InternLM2CompletionModel.from_settings(ctx.arg or "", ctx.settings)

    register("internlm2", factory)


@hookimpl
def register_commands(cli):
    from plait.plugins.math import cli as math_cli

    math_cli.register(cli)


_API = {
    "check_answer": "plait.plugins.math.checker",
    "CheckerPool": "plait.plugins.math.checker",
    "extract_answer": "plait.plugins.math.answer",
    "check_proof": "plait.plugins.math.lean",
    "get_prompt": "plait.plugins.math.prompts",
}


def __getattr__(name: str):
    """The Python API, imported on first use: ``from plait.plugins.math import check_answer``."""
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'plait.plugins.math' has no attribute {name!r}")
