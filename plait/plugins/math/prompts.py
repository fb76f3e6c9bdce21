"""The math capability's prompts: the math agent's (code-interpreter style, as InternLM-Math and
ToRA use it) and InternLM-Math's task templates as named prompts (the query formats its SFT data used).

``get_prompt("outcome_verification").render(question=..., answer=...)``; ``plait math prompts``
lists them. The wording follows the model's training format (typos included: the model was
trained on them); ``lean`` defaults to ``Lean 3`` as in training and can be set to ``Lean 4``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from plait.core.errors import InputError, NotFound


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str
    template: str
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        return [f for _, f, _, _ in string.Formatter().parse(self.template) if f]

    def render(self, **values: str) -> str:
        merged = {**self.defaults, **values}
        missing = [v for v in self.variables if v not in merged]
        unknown = [k for k in values if k not in self.variables]
        if missing or unknown:
            raise InputError(
                f"prompt {self.name!r} needs {self.variables} (defaults: {self.defaults or 'none'}); "
                f"missing {missing}, unknown {unknown}"
            )
        return self.template.format(**merged)


_LEAN = {"lean": "Lean 3"}

_ALL = [
    Prompt("cot", "solve with chain-of-thought", "{question}"),
    Prompt("lean_solve", "solve a GSM8K-style problem by writing Lean", "{question}\nSolve this via {lean}", _LEAN),
    Prompt("outcome_verification", "outcome reward: is the final answer correct?",
           "Given a question and an answer, check is it correct?\nQuestion:{question}\nAnswer:{answer}"),
    Prompt("process_verification", "process reward: is each step correct?",
           "Given a question and an answer, check correctness of each step.\nQuestion:{question}\nAnswer:{answer}"),
    Prompt("pairwise_verification", "reward model: which of two answers is better?",
           "Given a question and two answers, which one is better? \nQuestion:{question}\nAnswer 1:{answer_1}\nAnswer 2:{answer_2}"),
    Prompt("cot_to_lean", "convert a chain-of-thought answer into Lean",
           "Convert this answer into {lean}. Question:{question}\nAnswer:{answer}", _LEAN),
    Prompt("lean_to_problem", "turn Lean code into a natural-language problem with answer",
           "Convert this {lean} code into a natural language problem with answers:\n{code}", _LEAN),
    Prompt("to_proof", "turn a question and its answer into a statement to prove",
           "Convert this question and answer into a proof format.\nQuestion:{question}\nAnswer:{answer}"),
    Prompt("lean_formalisation", "formalise a natural-language statement as a Lean theorem statement",
           "Convert this natural langauge statement into a {lean} theorem statement:{theorem}", _LEAN),
    Prompt("lean_informalisation", "state a Lean theorem in natural language",
           "Convert this {lean} theorem statement into natural language:{statement}", _LEAN),
    Prompt("tactic_suggestion", "suggest the next tactic from a Lean tactic state",
           "Given the {lean} tactic state, suggest a next tactic:\n{state}", _LEAN),
    Prompt("rephrase", "augmentation: rephrase a problem", "Describe this problem in another way. {question}"),
    Prompt("augmentation", "augmentation: a new problem based on this one", "Please augment a new problem based on: {question}"),
    Prompt("augmentation_harder", "augmentation: a harder problem", "Increase the complexity of the problem: {question}"),
    Prompt("change_numbers", "augmentation: change specific numbers", "Change specific numbers: {question}"),
    Prompt("fractions_percentages", "augmentation: introduce fractions or percentages", "Introduce fractions or percentages: {question}"),
]

PROMPTS: dict[str, Prompt] = {p.name: p for p in _ALL}


def get_prompt(name: str) -> Prompt:
    try:
        return PROMPTS[name]
    except KeyError:
        raise NotFound(f"no math prompt named {name!r} (known: {', '.join(PROMPTS)}); see `plait math prompts`") from None


# -- the math agent ------------------------------------------------------------------------------
TOOL_NAME = "math_python"  # the registered tool the agent runs code through

SYSTEM = (
    "You are a careful mathematician. Solve the problem step by step. When a computation is involved, "
    f"write Python and run it with the `{TOOL_NAME}` tool (sympy is available; print what you need to see); "
    "you will get the output back. When you are done, give the final answer in \\boxed{}."
)

# Names under which models call a code interpreter; every one runs through the math_python tool.
INTERPRETER_NAMES = ("python", TOOL_NAME, "IPythonInterpreter", "python_interpreter", "run_python")

# ToRA-style: code in a fenced block, the output returned in an ```output block.
OUTPUT_BLOCK = "```output\n{output}\n```"

OUT_OF_TURNS = "(the agent stopped after {turns} turns without a final \\boxed{{}} answer)"

TOOL_DISABLED = (
    "the math agent needs the tool {tool!r}, which is not registered (known tools: {known}); it is registered "
    "by the built-in plugin 'plait.math': enable it by removing it from --disable, or add it to "
    "PLAIT_LOAD_PLUGINS if you limit which plugins load"
)


def initial_messages(problem: str, history: list[dict] | None = None, system: str | None = None) -> list[dict]:
    """``system`` replaces plait's prompt (e.g. InternLM-Math's interpreter prompt under ``--preset paper``)."""
    return [{"role": "system", "content": SYSTEM if system is None else system}, *(history or []),
            {"role": "user", "content": problem}]
