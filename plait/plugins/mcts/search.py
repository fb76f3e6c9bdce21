"""FastMCTS and the rejection-sampling baseline over a set of problems, with one token budget.

One simulation (``ProblemSearch.simulate``): select a node by UCT with an adaptive stay policy,
continue it once to a final answer, insert every generated step as a node (reserve simulation),
verify, back-propagate. Rejection sampling is the same loop with selection pinned to the root, so
both methods count generated tokens identically (the completion tokens the model reports).

Scheduling is global: the next simulation goes to the unfinished problem with the least spent
tokens per unit of weight. With dynamic exploration the weight is ``1 - success + floor`` (hard
problems get more of the budget), the exploration constant is ``c_min + (c_max - c_min) * (1 -
success)``, and a problem stops once it has ``target_paths`` distinct correct paths; without it
every problem has weight 1, the constant is ``c`` and nothing stops early.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from plait import ChatModel, ChatOptions, ChatResult
from plait.plugins.mcts.chain import FALLBACK_MARK
from plait.plugins.mcts.tree import Node, Tree, split_steps
from plait.plugins.mcts.verify import Verifier, numeric_match


@runtime_checkable
class SupportsCompletion(Protocol):
    """A model with a raw completion endpoint: continue ``prompt`` verbatim (prefix caching on vLLM)."""

    def complete(self, prompt: str, options: ChatOptions | None = None) -> ChatResult: ...


@dataclass
class SearchConfig:
    method: str = "mcts"  # or "rejection"
    c: float = 1.0  # exploration constant when dynamic is off
    c_min: float = 0.5
    c_max: float = 2.0
    dynamic: bool = True
    target_paths: int = 32  # distinct correct paths after which a problem stops (dynamic only; 0: never)
    weight_floor: float = 0.5
    stay: float = 0.5  # scales the stay score (0: always descend when possible)
    pair_margin: float = 0.3
    pair_min_n: int = 2
    pair_max_rejected_q: float = 0.2  # the rejected child must itself be low-value, not just lower
    seed: int = 0
    temperature: float = 0.8
    max_tokens: int = 1024


def rollout_seed(seed: int, problem_id: str, k: int) -> int:
    """Seed of rollout k of a problem: the same whatever order problems are scheduled in."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{problem_id}:{k}".encode()).digest()[:6], "big")


def continue_prefix(model: ChatModel, question: str, prefix: list[str], options: ChatOptions) -> tuple[list[str], int]:
    """Steps of one continuation of ``prefix`` and the completion tokens it cost.

    Completion endpoint when the model has one; otherwise the chat fallback: the question, then
    "Solution so far:" and the steps, asking the model to go on from the next step."""
    if isinstance(model, SupportsCompletion):
        result = model.complete("\n\n".join([question, *prefix]) + "\n\n", options)
    else:
        body = question + (FALLBACK_MARK + "\n\n".join(prefix) + "\n\n" if prefix else "")
        instruction = ("Continue the solution from the next step. Separate steps with a blank line and end "
                       "with 'Answer: <final answer>'.")
        result = model.chat([{"role": "system", "content": instruction}, {"role": "user", "content": body}], options)
    text = result.text
    tokens = int(result.usage.get("completion_tokens") or max(1, len(text.split())))
    return split_steps(text), tokens


class ProblemSearch:
    def __init__(self, problem: dict, model: ChatModel, config: SearchConfig, verifier: Verifier):
        self.problem, self.model, self.cfg, self.verify = problem, model, config, verifier
        self.tree = Tree()
        self.spent = self.rollouts = self.correct = 0

    @property
    def success(self) -> float:
        return (self.correct + 1) / (self.rollouts + 2)  # smoothed: no rollout yet reads as 1/2

    @property
    def c(self) -> float:
        if not self.cfg.dynamic:
            return self.cfg.c
        return self.cfg.c_min + (self.cfg.c_max - self.cfg.c_min) * (1 - self.success)

    @property
    def weight(self) -> float:
        return (1 - self.success + self.cfg.weight_floor) if self.cfg.dynamic and self.cfg.method == "mcts" else 1.0

    @property
    def done(self) -> bool:
        target = self.cfg.target_paths if self.cfg.dynamic and self.cfg.method == "mcts" else 0
        return bool(target) and len(self.tree.correct_leaves()) >= target

    def select(self) -> list[Node]:
        node, path = self.tree.root, [self.tree.root]
        if self.cfg.method == "rejection":
            return path
        c = self.c
        while True:
            open_ = [ch for ch in node.children.values() if not ch.terminal]
            if not open_:
                return path
            log_v = math.log(node.visits + 1)
            best = max(open_, key=lambda ch: ch.Q + c * math.sqrt(log_v / max(ch.visits, 1)))
            best_score = best.Q + c * math.sqrt(log_v / max(best.visits, 1))
            # Adaptive stay: opening one more child here is worth this node's value plus an exploration
            # bonus that shrinks as the node gathers children.
            stay_score = node.Q + self.cfg.stay * c * math.sqrt(log_v / (1 + len(node.children)))
            if stay_score >= best_score:
                return path
            node = best
            path.append(node)

    def simulate(self) -> None:
        path = self.select()
        start = path[-1]
        options = ChatOptions(temperature=self.cfg.temperature, max_tokens=self.cfg.max_tokens,
                              seed=rollout_seed(self.cfg.seed, str(self.problem["id"]), self.rollouts))
        steps, tokens = continue_prefix(self.model, self.problem["question"], start.prefix(), options)
        per_step = _split_tokens(tokens, len(steps))
        generated, node = [], start
        for step in steps:  # reserve simulation: every step becomes a node later rollouts can branch from
            node = self.tree.child(node, step)
            generated.append(node)
        node.terminal = True
        ok = bool(self.verify("\n\n".join(node.prefix()), str(self.problem["answer"])))
        node.correct = node.correct or ok
        for n in path:
            n.visits += 1
            n.tokens += tokens
        start.N += 1
        start.W += ok
        for i, n in enumerate(generated):
            n.visits += 1
            n.N += 1
            n.W += ok
            n.tokens += sum(per_step[i:])
        self.spent += tokens
        self.rollouts += 1
        self.correct += ok

    def stats(self) -> dict:
        return {"problem_id": self.problem["id"], "method": self.cfg.method, "generated_tokens": self.spent,
                "rollouts": self.rollouts, "correct_paths": self.correct,
                "distinct_correct_paths": len(self.tree.correct_leaves()),
                "solved": self.correct > 0, "success_rate": round(self.correct / max(self.rollouts, 1), 6),
                "exploration_c": round(self.c, 6), "nodes": len(self.tree.nodes)}


def _split_tokens(tokens: int, n: int) -> list[int]:
    if n <= 0:
        return []
    base, extra = divmod(tokens, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def run_search(problems: list[dict], model: ChatModel, budget_tokens: int, config: SearchConfig | None = None,
               verifier: Verifier = numeric_match,
               progress: Callable[[int], None] | None = None) -> list[ProblemSearch]:
    """Spend ``budget_tokens`` over ``problems`` (the last rollout may overshoot by its own cost)."""
    cfg = config or SearchConfig()
    searches = [ProblemSearch(p, model, cfg, verifier) for p in problems]
    total = 0
    while total < budget_tokens:
        active = [s for s in searches if not s.done]
        if not active:
            break
        pick = min(active, key=lambda s: s.spent / s.weight)  # ties: the earlier problem
        before = pick.spent
        pick.simulate()
        total += pick.spent - before
        if progress:
            progress(pick.spent - before)
    return searches
