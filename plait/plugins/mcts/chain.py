"""The chain environment: step-chain arithmetic problems and a stochastic policy whose values are known.

A problem is "start with S, then add/subtract a_1..a_L"; its answer is the final value. The policy
(model ``chain``) writes one step per block, gets each step right with the problem's step accuracy
``p`` (written in the question, so the model needs no side channel), and otherwise overshoots by 1-5;
every later step carries the error on, and errors only add up, never cancel (so one wrong step
makes the answer wrong). Every step costs
exactly ``step_tokens`` completion tokens. Hence the true value of a prefix of k steps is
``p ** (L - k)`` when all its steps are right and 0 otherwise (:func:`prefix_value`).

Correct steps come in ``PHRASINGS`` wordings chosen at random, so a problem has
``len(PHRASINGS) ** L`` distinct correct solutions and search can find many of them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator

from plait import ChatOptions, ChatResult, Choice, InputError, Message

PHRASINGS = (
    "Step {k}: {prev} {op} {a} = {v}.",
    "Step {k}: {op_word} {a} gives {v}.",
    "Step {k}: we now have {v} (from {prev} {op} {a}).",
)
HEADER = re.compile(r"^Chain problem \(step accuracy (?P<p>[0-9.]+)\)\. Start with (?P<start>-?\d+)\.")
OP_RE = re.compile(r"Then (add|subtract) (\d+)")
VALUE_RE = re.compile(r"(?:= |gives |have )(-?\d+)")
ANSWER_RE = re.compile(r"Answer:\s*(-?\d+)")
FALLBACK_MARK = "\n\nSolution so far:\n"


@dataclass(frozen=True)
class ChainProblem:
    start: int
    ops: tuple[int, ...]  # signed amounts
    p: float

    @property
    def answer(self) -> int:
        return self.start + sum(self.ops)

    @property
    def question(self) -> str:
        parts = [f"Chain problem (step accuracy {self.p:.2f}). Start with {self.start}."]
        parts += [f"Then {'add' if a >= 0 else 'subtract'} {abs(a)}." for a in self.ops]
        return " ".join(parts) + " What is the final value?"


def parse_question(question: str) -> ChainProblem:
    head = HEADER.match(question)
    if not head:
        raise InputError(f"the chain model reads chain problems only (from `plait synth mcts --env chain`); "
                         f"got {question[:60]!r}")
    ops = tuple(int(n) if w == "add" else -int(n) for w, n in OP_RE.findall(question))
    return ChainProblem(int(head["start"]), ops, float(head["p"]))


def make_problems(n: int, *, steps: int = 5, seed: int = 0,
                  accuracies: tuple[float, ...] = (0.95, 0.85, 0.7, 0.55)) -> list[dict]:
    """``n`` problems ``{"id", "question", "answer", "p", "steps"}``, difficulties cycling through ``accuracies``."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        prob = ChainProblem(rng.randint(1, 20), tuple(rng.choice([-1, 1]) * rng.randint(1, 9) for _ in range(steps)),
                            accuracies[i % len(accuracies)])
        rows.append({"id": f"chain-{i}", "question": prob.question, "answer": str(prob.answer),
                     "p": prob.p, "steps": steps})
    return rows


def prefix_value(problem: ChainProblem, prefix_values: list[int]) -> float:
    """The true probability that the policy, continuing after these step values, ends right."""
    v = problem.start
    for k, got in enumerate(prefix_values):
        v += problem.ops[k]
        if got != v:
            return 0.0
    return problem.p ** (len(problem.ops) - len(prefix_values))


def step_value(step: str) -> int:
    found = VALUE_RE.search(step)
    if not found:
        raise InputError(f"chain step without a value: {step!r}")
    return int(found.group(1))


class ChainPolicy:
    """The ``chain`` model: continues a chain solution from any prefix (completion endpoint)."""

    def __init__(self, step_tokens: int = 20, name: str = "chain"):
        self.step_tokens = step_tokens
        self.name = name

    def complete(self, prompt: str, options: ChatOptions | None = None) -> ChatResult:
        question, *steps = [b for b in prompt.split("\n\n") if b.strip()]
        return self._continue(question, steps, options or ChatOptions())

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        # The chat fallback sends the question, then FALLBACK_MARK and the steps so far.
        text = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        question, _, rest = text.partition(FALLBACK_MARK)
        steps = [b for b in rest.split("\n\n")[:-1] if b.strip()] if rest else []
        return self._continue(question.strip(), steps, options or ChatOptions())

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        yield self.chat(messages, options).text

    def _continue(self, question: str, steps: list[str], options: ChatOptions) -> ChatResult:
        problem = parse_question(question)
        rng = random.Random(options.seed)
        value = step_value(steps[-1]) if steps else problem.start
        out = []
        for k in range(len(steps), len(problem.ops)):
            a = problem.ops[k]
            right = value + a
            new = right if rng.random() < problem.p else right + rng.randint(1, 5)
            text = rng.choice(PHRASINGS).format(k=k + 1, prev=value, op="+" if a >= 0 else "-", a=abs(a), v=new,
                                                op_word="adding" if a >= 0 else "subtracting")
            value = new
            out.append(text)
        if out:
            out[-1] += f" Answer: {value}"
        n = len(out) * self.step_tokens
        return ChatResult([Choice("\n\n".join(out), finish_reason="stop")], model=self.name,
                          usage={"prompt_tokens": 0, "completion_tokens": n, "total_tokens": n})
