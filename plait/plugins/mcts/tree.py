"""The search tree of one problem and what is read out of it (paths, node rows, Branch-DPO pairs).

A node is a prefix of reasoning steps. Two kinds of counts, because the tree serves two purposes:

- ``visits`` counts every simulation whose root-to-leaf path went through the node (UCT uses it);
- ``N`` / ``W`` count the simulations whose continuation *from this node on* was sampled by the model
  (the node was selected, or the rollout generated through it) and how many of them verified correct.
  ``Q = W / N`` is then an unbiased estimate of the prefix's value under the model — the step-level
  value — instead of a value inflated by the tree's own preference for good children.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

_STEP_MARK = re.compile(r"(?=(?:^|\n)\s*Step \d+:)")


def split_steps(text: str) -> list[str]:
    """Steps of a continuation: blank-line separated blocks, else ``Step k:`` markers, else one step."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) > 1:
        return blocks
    marked = [b.strip() for b in _STEP_MARK.split(text) if b.strip()]
    return marked or ([text.strip()] if text.strip() else [])


@dataclass(eq=False)
class Node:
    step: str
    parent: "Node | None" = None
    depth: int = 0
    index: int = 0  # creation order within the problem: the node's stable id
    children: dict[str, "Node"] = field(default_factory=dict)
    visits: int = 0
    N: int = 0
    W: int = 0
    tokens: int = 0  # tokens generated at or below this node
    terminal: bool = False
    correct: bool = False

    @property
    def Q(self) -> float:
        return self.W / self.N if self.N else 0.0

    def prefix(self) -> list[str]:
        steps, node = [], self
        while node.parent is not None:
            steps.append(node.step)
            node = node.parent
        return steps[::-1]


class Tree:
    def __init__(self) -> None:
        self.root = Node("")
        self.nodes = [self.root]

    def child(self, parent: Node, step: str) -> Node:
        node = parent.children.get(step)
        if node is None:
            node = Node(step, parent, parent.depth + 1, len(self.nodes))
            parent.children[step] = node
            self.nodes.append(node)
        return node

    def correct_leaves(self) -> list[Node]:
        return [n for n in self.nodes if n.terminal and n.correct]

    def rows(self, problem_id: str) -> Iterator[dict]:
        for n in self.nodes:
            yield {"problem_id": problem_id, "node": n.index, "parent": n.parent.index if n.parent else None,
                   "depth": n.depth, "step": n.step, "N": n.N, "W": n.W, "Q": round(n.Q, 6),
                   "visits": n.visits, "tokens": n.tokens, "terminal": n.terminal, "correct": n.correct}

    def pairs(self, problem: dict, *, margin: float, min_n: int, max_rejected_q: float = 1.0) -> Iterator[dict]:
        """Branch-DPO pairs: at each branching point the highest-Q child (on a verified path) against
        every sibling whose Q is at least ``margin`` lower and at most ``max_rejected_q``; both need
        ``N >= min_n``."""
        leaves = self.correct_leaves()
        for node in self.nodes:
            kids = [c for c in node.children.values() if c.N >= min_n]
            if len(kids) < 2:
                continue
            chosen = max(kids, key=lambda c: (c.Q, c.N, -c.index))
            if chosen.W == 0:
                continue
            path = _verified_through(chosen, leaves)
            prefix = node.prefix()
            for other in kids:
                if other is chosen or other.Q > chosen.Q - margin or other.Q > max_rejected_q:
                    continue
                yield {"problem_id": problem["id"], "prompt": _prompt(problem["question"], prefix),
                       "prefix": prefix, "chosen": chosen.step, "rejected": other.step,
                       "chosen_q": round(chosen.Q, 6), "rejected_q": round(other.Q, 6),
                       "chosen_n": chosen.N, "rejected_n": other.N, "chosen_path": path}


def _prompt(question: str, prefix: list[str]) -> str:
    return "\n\n".join([question, *prefix]) + "\n\n"


def _verified_through(node: Node, leaves: list[Node]) -> list[str]:
    """One verified full solution whose prefix goes through ``node`` (the first found, for stability)."""
    for leaf in leaves:
        up = leaf
        while up is not None and up.depth > node.depth:
            up = up.parent
        if up is node:
            return leaf.prefix()
    raise AssertionError("a node with W > 0 has a verified leaf below it")
