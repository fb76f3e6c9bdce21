"""Best-first proof search over the Lean REPL's tactic mode (``plait lean prove FILE --budget N``).

InternLM-Math searched proofs this way (``minif2f/proofsearch_internLM2.py``): keep a priority
queue of open tactic states ordered by the summed negative log-probability of the tactics that
led there; pop the best state, ask the model for candidate next tactics, run each in the REPL,
queue every new state not seen before, stop when a tactic leaves no goals or after ``budget``
expansions (model calls). Here the states come from leanprover-community/repl: the file's theorem
is sent with ``sorry``, the REPL answers with the sorry's ``proofState``, and each
``{"tactic": ..., "proofState": n}`` returns a new ``proofState`` with its ``goals``.

A candidate's score is its mean token log-probability when the backend returns logprobs (as the
paper's vLLM did), else the log of the share of samples that proposed it. Tactics mentioning
``sorry``/``admit`` are never tried. A proof found in tactic mode is then checked as a whole file
(the REPL's tactic mode is experimental), so ``proved`` means the checker said ``valid``.
Without a Lean toolchain the search answers ``unavailable`` with what to install.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from plait.plugins.math.lean import LeanChecker, find_repl, split_header
from plait.plugins.math.lean_repl import ReplDied, ReplTimeout

DEFAULT_BUDGET = 100  # the paper's --max-iters
DEFAULT_SAMPLES = 8  # the paper sampled 32 per expansion; 8 keeps a laptop run cheap
_FORBIDDEN = re.compile(r"\b(sorry|admit)\b")


@dataclass
class ProveResult:
    status: str  # proved | failed | error | timeout | unavailable
    message: str
    proof: list[str] = field(default_factory=list)  # the tactics, in order
    code: str = ""  # the file with the sorry replaced by the proof
    expansions: int = 0  # model calls (the budget counts these)
    tactics_tried: int = 0
    budget: int = 0
    elapsed_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "proof": self.proof, "code": self.code,
                "expansions": self.expansions, "tactics_tried": self.tactics_tried, "budget": self.budget,
                "elapsed_s": round(self.elapsed_s, 3)}


def tactic_prompt(goals: str) -> list[dict[str, str]]:
    """InternLM-Math's tactic-suggestion query (its SFT format) for one tactic state."""
    from plait.plugins.math.prompts import get_prompt

    return [{"role": "user", "content": get_prompt("tactic_suggestion").render(lean="Lean 4", state=goals)}]


def _clean(text: str) -> str:
    """The first line of a reply that is a tactic (not a fence or the prompt's ``---`` separator)."""
    for line in text.split("\n"):
        line = line.strip()
        if line and line != "---" and not line.startswith("```"):
            return line
    return ""


def candidates(model: Any, goals: str, samples: int, temperature: float | None) -> list[tuple[str, float]]:
    """(tactic, score) pairs, best first, duplicates merged; higher score = more likely."""
    from plait.core.models.base import ChatOptions

    result = model.chat(tactic_prompt(goals), ChatOptions(n=samples, temperature=temperature, logprobs=1, max_tokens=128))
    scored: dict[str, float] = {}
    counts: dict[str, int] = {}
    with_logprobs = all(c.logprobs for c in result.choices)
    for choice in result.choices:
        tactic = _clean(choice.text)
        if not tactic or _FORBIDDEN.search(tactic):
            continue
        counts[tactic] = counts.get(tactic, 0) + 1
        if with_logprobs:
            mean = sum(t["logprob"] for t in choice.logprobs) / max(len(choice.logprobs), 1)
            scored[tactic] = max(scored.get(tactic, -math.inf), mean)
    if not with_logprobs:
        total = sum(counts.values()) or 1
        scored = {t: math.log(n / total) for t, n in counts.items()}
    return sorted(scored.items(), key=lambda item: -item[1])


def _first_error(answer: dict) -> str | None:
    errors = [m.get("data", "") for m in answer.get("messages", []) or [] if m.get("severity") == "error"]
    return errors[0] if errors else None


def _failed(answer: dict) -> str | None:
    """The error of a tactic answer (either form the REPL uses), or None when the tactic ran."""
    if "proofState" not in answer:
        return str(answer.get("message", answer))
    return _first_error(answer)


def _command_failed(answer: dict) -> str | None:
    """The error of a command answer, or None when it elaborated."""
    if "env" not in answer:
        return str(answer.get("message", answer))
    return _first_error(answer)


def _splice(body: str, sorry: dict, tactics: list[str]) -> str:
    """``body`` with the sorry at ``sorry['pos']`` replaced by the tactics, one per line at its column."""
    lines = body.split("\n")
    line, col = sorry["pos"]["line"] - 1, sorry["pos"]["column"]
    text = lines[line]
    joined = ("\n" + " " * col).join(tactics)
    lines[line] = text[:col] + joined + text[col + len("sorry"):]
    return "\n".join(lines)


class ProofSearch:
    """One search: the REPL of a :class:`LeanChecker`, a model, a budget of expansions."""

    def __init__(self, model: Any, *, budget: int = DEFAULT_BUDGET, samples: int = DEFAULT_SAMPLES,
                 temperature: float | None = None, config: dict[str, Any] | None = None, timeout: float | None = None):
        if budget < 1 or samples < 1:
            from plait.core.errors import InputError

            raise InputError(f"--budget and --samples must be at least 1 (got {budget} and {samples})")
        self.model, self.budget, self.samples, self.temperature = model, budget, samples, temperature
        self.checker = LeanChecker(config)
        self.timeout = float(timeout or self.checker.config.get("timeout", 60))

    def close(self) -> None:
        self.checker.close()

    def prove(self, code: str, header: str | None = None) -> ProveResult:
        started = time.monotonic()
        try:
            res = self._prove(code, header or self.checker.header)
        except ReplTimeout:
            self.close()
            res = ProveResult("timeout", f"Lean did not answer within {self.timeout:g} s")
        except ReplDied as exc:
            self.close()
            res = ProveResult("error", str(exc))
        res.budget, res.elapsed_s = self.budget, time.monotonic() - started
        return res

    def _start(self, code: str, header: str) -> tuple[Any, str, dict] | ProveResult:
        """(repl, body, the sorry to prove) or the reason the search cannot start."""
        argv, missing = find_repl(self.checker.config)
        if argv is None:
            return ProveResult("unavailable", missing)
        _imports, body, _offset = split_header(code)
        repl = self.checker._repl(argv)
        if header not in repl.headers:
            ans = repl.send({"cmd": header}, max(self.timeout, float(self.checker.config.get("start_timeout", 600))))
            error = _command_failed(ans)
            if error:
                self.close()
                return ProveResult("error", f"the header does not compile: {error}")
            repl.headers[header] = ans["env"]
        ans = repl.send({"cmd": body, "env": repl.headers[header]}, self.timeout)
        error = _command_failed(ans)
        if error:
            return ProveResult("error", f"the file does not compile around its sorry: {error}")
        sorries = [s for s in ans.get("sorries", []) if "proofState" in s]
        if len(sorries) != 1:
            return ProveResult("error", f"the file must contain exactly one `sorry` in tactic mode (`:= by sorry`) "
                               f"to prove; found {len(sorries)}")
        return repl, body, sorries[0]

    def _prove(self, code: str, header: str) -> ProveResult:
        started = self._start(code, header)
        if isinstance(started, ProveResult):
            return started
        repl, body, sorry = started
        queue: list[tuple[float, int, int, str, list[str]]] = [(0.0, 0, sorry["proofState"], sorry.get("goal", ""), [])]
        seen, order, expansions, tried = {sorry.get("goal", "")}, 1, 0, 0
        while queue and expansions < self.budget:
            cost, _, state, goals, steps = heapq.heappop(queue)
            expansions += 1
            for tactic, score in candidates(self.model, goals, self.samples, self.temperature):
                tried += 1
                ans = repl.send({"tactic": tactic, "proofState": state}, self.timeout)
                if _failed(ans) is not None or ans.get("sorries"):
                    continue
                new_goals = "\n\n".join(ans.get("goals") or [])
                if not ans.get("goals"):
                    return self._verify(code, body, sorry, steps + [tactic], header, expansions, tried)
                if new_goals not in seen:
                    seen.add(new_goals)
                    heapq.heappush(queue, (cost - score, order, ans["proofState"], new_goals, steps + [tactic]))
                    order += 1
        why = "no open tactic state left" if not queue else f"the budget of {self.budget} expansion(s) ran out"
        return ProveResult("failed", f"no proof found: {why} ({tried} tactic(s) tried)", expansions=expansions,
                           tactics_tried=tried)

    def _verify(self, code: str, body: str, sorry: dict, proof: list[str], header: str,
                expansions: int, tried: int) -> ProveResult:
        imports, _rest, offset = split_header(code)
        full = "\n".join(code.split("\n")[:offset]) + ("\n" if offset else "") + _splice(body, sorry, proof)
        check = self.checker.check(full, header=header, timeout=self.timeout)
        status = "proved" if check.status == "valid" else "failed"
        message = (f"proved in {len(proof)} tactic(s) after {expansions} expansion(s)" if status == "proved"
                   else f"tactic mode closed the goals but the whole proof is {check.status}: {check.message}")
        return ProveResult(status, message, proof, full, expansions, tried)


def prove_file(code: str, model: Any, *, budget: int = DEFAULT_BUDGET, samples: int = DEFAULT_SAMPLES,
               temperature: float | None = None, header: str | None = None, timeout: float | None = None,
               config: dict[str, Any] | None = None) -> ProveResult:
    """Search a proof for the one ``sorry`` of ``code`` (a Lean 4 file); see the module doc."""
    search = ProofSearch(model, budget=budget, samples=samples, temperature=temperature, config=config, timeout=timeout)
    try:
        return search.prove(code, header)
    finally:
        search.close()
