"""Verifiers: ``verifier(solution_text, reference_answer) -> bool``.

The default reads the final answer (``Answer: X``, ``\\boxed{X}``, ``The answer is X``, else the last
number) and compares it with the reference numerically (tolerance 1e-6), or as normalised text when
either side is not a number. That is exact match for the chain environment and a numeric check for
GSM8K-style answers. Any callable of the same shape can be passed to :func:`plait.plugins.mcts.search.synthesize`
(for example one that runs a registered tool or an LLM judge); this plugin does not import another
plugin's checker.
"""

from __future__ import annotations

import re
from typing import Callable

Verifier = Callable[[str, str], bool]

_FINAL = (re.compile(r"Answer:\s*([^\n]+)"), re.compile(r"\\boxed\{([^{}]+)\}"),
          re.compile(r"[Tt]he answer is\s*([^\n]+)"))
_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")


def final_answer(text: str) -> str | None:
    """The answer a solution states, or None when it states none."""
    for pattern in _FINAL:
        found = pattern.findall(text)
        if found:
            return found[-1].strip().rstrip(".")
    numbers = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


def _number(text: str) -> float | None:
    found = _NUMBER.search(text)
    if not found:
        return None
    try:
        return float(found.group(0).replace(",", "").replace("$", ""))
    except ValueError:
        return None


def numeric_match(solution: str, reference: str) -> bool:
    """True when the solution's final answer equals the reference (numerically when both are numbers)."""
    got = final_answer(solution)
    if got is None:
        return False
    a, b = _number(got), _number(str(reference))
    if a is not None and b is not None:
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return " ".join(got.lower().split()) == " ".join(str(reference).lower().split())
