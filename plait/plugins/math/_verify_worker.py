"""A math-verify worker process: JSON lines in on stdin, JSON lines out on stdout.

Run as ``python -m plait.plugins.math._verify_worker``. It imports sympy/math-verify once, prints
``{"ready": true}``, then answers ``{"id", "gold", "pred", "checker"}`` requests (``checker``:
``math-verify``, the default, or ``tora`` for ToRA's ``math_equal``, see ``tora.py``). math-verify's own timeouts
are switched off (they need SIGALRM and cannot interrupt C-level big-integer work); the parent
enforces a hard per-item timeout by killing this process.
"""

from __future__ import annotations

import json
import resource
import sys


def _limit_memory() -> None:
    # A runaway power tower must fail with MemoryError, not take the machine's RAM.
    limit = 3 << 30
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass


def _is_math(obj) -> bool:
    import sympy

    return isinstance(obj, (sympy.Basic, sympy.MatrixBase))


def _latexish(s: str) -> bool:
    return any(c in s for c in "\\{}^_")


def _norm_text(s: str) -> str:
    return " ".join(s.replace("$", "").replace("\\text", "").strip(" .{}").lower().split())


def check(gold: str, pred: str) -> dict:
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    from plait.plugins.math.answer import as_latex

    cfg = [LatexExtractionConfig(), ExprExtractionConfig()]
    g = parse(as_latex(gold), cfg, parsing_timeout=None)
    p = parse(as_latex(pred), cfg, parsing_timeout=None)
    g_ok, p_ok = bool(g) and _is_math(g[0]), bool(p) and _is_math(p[0])
    shown = {"gold_parsed": str(g[0]) if g else None, "pred_parsed": str(p[0]) if p else None}
    if not g_ok and not p_ok and not (_latexish(gold) or _latexish(pred)):
        same = _norm_text(gold) == _norm_text(pred) and bool(_norm_text(gold))
        why = "same text (neither is a formula)" if same else "neither answer parses as math and the texts differ"
        return {"equivalent": same, "reason": why, **shown}
    if not g_ok:
        return {"equivalent": False, "reason": f"could not parse the gold answer '{gold}' as math (malformed LaTeX?)", **shown}
    if not p_ok:
        return {"equivalent": False, "reason": f"could not parse the predicted answer '{pred}' as math (malformed LaTeX?)", **shown}
    ok = verify(g, p, timeout_seconds=None)
    rel = "equal" if ok else "not equal"
    return {"equivalent": bool(ok), "reason": f"{rel}: {shown['gold_parsed']} vs {shown['pred_parsed']}", **shown}


def main() -> None:
    _limit_memory()
    import logging

    logging.disable(logging.WARNING)  # math-verify logs every parse failure; we report them ourselves
    # Pay the one-time costs (imports, the LaTeX grammar, sympy caches) before saying ready, so
    # that they never count against an item's timeout.
    check(r"\frac{1}{2}", "0.5")
    check(r"\{1, 2\}", "[1, 2)")
    from plait.plugins.math.tora import check as tora_check

    tora_check(r"\frac{x}{7}+\frac{2}{7}", r"\frac{x+2}{7}")  # sympy's simplify, warmed up too

    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req.get("checker") == "tora":
                from plait.plugins.math.tora import check as tora_check

                res = tora_check(req["gold"], req["pred"])
            else:
                res = check(req["gold"], req["pred"])
        except MemoryError:
            res = {"equivalent": False, "reason": "error: ran out of memory while comparing (answer too large)"}
        except Exception as exc:  # a bad answer must not kill the worker
            res = {"equivalent": False, "reason": f"error: {type(exc).__name__}: {exc}"}
        res["id"] = req.get("id")
        out.write(json.dumps(res, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
