"""Prompts of the math agent (code-interpreter style, as InternLM-Math and ToRA use it)."""

from __future__ import annotations

SYSTEM = (
    "You are a careful mathematician. Solve the problem step by step. When a computation is involved, "
    "write Python and run it with the `python` tool (sympy is available; print what you need to see); "
    "you will get the output back. When you are done, give the final answer in \\boxed{}."
)

PYTHON_TOOL = {
    "type": "function",
    "function": {
        "name": "python",
        "description": "Run Python code (sympy available) in a sandboxed, stateful notebook and return what it prints.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "the Python code to run"}},
            "required": ["code"],
        },
    },
}

# Names under which models call a code interpreter.
INTERPRETER_NAMES = ("python", "math_python", "IPythonInterpreter", "python_interpreter", "run_python")

# ToRA-style: code in a fenced block, the output returned in an ```output block.
OUTPUT_BLOCK = "```output\n{output}\n```"

OUT_OF_TURNS = "(the agent stopped after {turns} turns without a final \\boxed{{}} answer)"


def initial_messages(problem: str, history: list[dict] | None = None) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, *(history or []), {"role": "user", "content": problem}]
