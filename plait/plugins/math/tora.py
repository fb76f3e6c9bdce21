"""A ToRA-compatible answer checker: ToRA's ``extract_answer`` / ``strip_string`` / ``math_equal``.

InternLM-Math graded its code-interpreter runs with ToRA's ``math_equal`` (microsoft/ToRA
``src/eval/grader.py``, copied into InternLM-Math's ``agent/math_agent.py``); this module
re-implements that documented behaviour so ``--checker tora`` scores like the paper:

1. extraction: the last ``boxed{...}`` (braces balanced), else the text after "he answer is", else
   the last ```output block, then the first line, a leading ``:`` and a trailing ``.``/``/`` removed;
2. ``strip_string``: units in a trailing ``\\text{}``, ``^\\circ``, ``$``, ``%``, ``\\left/\\right``,
   ``\\cdot``, spaces and the word "and" go; ``tfrac/dfrac`` become ``frac``; ``\\frac12`` and ``1/2``
   become ``\\frac{1}{2}``; ``k = `` prefixes (one or two characters) go; ``1.000`` becomes ``1``;
3. ``math_equal(pred, ref)``: two numbers are equal when ``pred`` is within a relative 1e-4
   (``math.isclose``) of ``ref``, ``ref/100`` or ``ref*100`` (percent forms); else the texts
   match once brackets are dropped; else ``[a, b]``/``(a, b)`` compare element-wise; else
   sympy: ``simplify(a - b) == 0`` or the numeric values within a relative 1e-3.

Deviations, each for a reason (listed in docs/math.md): LaTeX is parsed with latex2sympy2_extended
(math-verify's parser; sympy's ``parse_latex`` needs antlr4 4.11, which conflicts with what is
installed); ``parse_expr`` (which ``eval``s) only sees text made of numbers, operators and known
math names, so an answer can never run code; a bare answer with no box, "the answer is" or
output block is taken whole unless it is prose (ToRA's last-number fallback then applies);
``\\begin{pmatrix}`` answers compare entry by entry. The sympy part runs in the checker's worker
process under its hard timeout (``checker.py``); this module imports sympy only when it needs it.
"""

from __future__ import annotations

import re
from math import isclose
from typing import Any

from plait.plugins.math.answer import looks_like_prose

REL_TOL = 1e-4  # ToRA's numeric tolerance (relative, math.isclose)
SYMBOLIC_REL_TOL = 1e-3  # ToRA's tolerance for sympy's numeric values

_LAST_NUMBER = re.compile(r"-?\d*\.?\d+")
# parse_expr evals its input: only numbers, operators and these names may reach it.
_SAFE_NAMES = {"sqrt", "pi", "E", "I", "oo", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan",
               "log", "ln", "exp", "Abs", "abs", "binomial", "factorial", "Rational"}
_SAFE_CHARS = re.compile(r"^[0-9A-Za-z\s+\-*/^().,]*$")
_MATRIX = re.compile(r"^\\begin\{[pb]matrix\}(.*)\\end\{[pb]matrix\}$", re.S)


# -- extraction ----------------------------------------------------------------------------------
def _after_last_boxed(text: str) -> str:
    rest = text.split("boxed")[-1]
    if not rest.startswith("{"):
        return rest.split("$")[0].strip()
    depth, out = 1, []
    for ch in rest[1:]:
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            break
        out.append(ch)
    return "".join(out)


def _program_output(text: str) -> str:
    if "```output" not in text:
        return ""
    return text.split("```output")[-1].split("```")[0].strip()


def extract(text: str) -> str:
    """ToRA's ``extract_answer`` (stripped), with a bare answer taken whole (see the module doc)."""
    text = str(text or "")
    if "boxed" in text:
        found = _after_last_boxed(text)
    elif "he answer is" in text:
        found = text.split("he answer is")[-1].strip()
    elif "####" in text:  # a GSM8K rationale (ToRA's parse_ground_truth for gsm8k)
        found = text.split("####")[-1].strip()
    elif _program_output(text):
        found = _program_output(text)
    elif "\\" not in text and looks_like_prose(text):  # words around a number, not LaTeX
        numbers = _LAST_NUMBER.findall(text.replace(",", ""))
        found = numbers[-1] if numbers else ""
    else:
        found = text.strip()
    found = found.split("\n")[0]
    if found.startswith(":"):
        found = found[1:]
    if found.endswith(".") or found.endswith("/"):
        found = found[:-1]
    return strip_string(found)


# -- strip_string --------------------------------------------------------------------------------
def _fix_fracs(s: str) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1b`` -> ``\\frac{1}{b}``, ``\\frac1{72}`` -> ``\\frac{1}{72}``."""
    head, *parts = s.split("\\frac")
    out = head
    for part in parts:
        out += "\\frac"
        if part.startswith("{"):
            out += part
            continue
        if len(part) < 2:
            return s
        a, b, rest = part[0], part[1], part[2:]
        out += "{" + a + "}" + (b + rest if b == "{" else "{" + b + "}" + rest)
    return out


def _fix_a_slash_b(s: str) -> str:
    pieces = s.split("/")
    if len(pieces) != 2:
        return s
    try:
        a = pieces[0] if "sqrt" in pieces[0] else int(pieces[0])
        b = pieces[1] if "sqrt" in pieces[1] else int(pieces[1])
    except ValueError:
        return s
    return f"\\frac{{{a}}}{{{b}}}" if s == f"{a}/{b}" else s


def strip_string(s: str) -> str:
    """ToRA's normalisation of an answer string (the order of the steps matters)."""
    s = str(s).strip().replace("\n", "").rstrip(".")
    for old, new in (("\\!", ""), ("\\ ", ""), ("\\\\", "\\"), ("\\\\", "\\"), ("tfrac", "frac"), ("dfrac", "frac"),
                     ("\\left", ""), ("\\right", "")):
        s = s.replace(old, new)
    without_unit = re.sub(r"\\text{.*?}$", "", s).strip()
    if without_unit:
        s = without_unit
    for old in ("^{\\circ}", "^\\circ", "\\$", "$"):
        s = s.replace(old, "")
    s = s.replace("\\text", "").replace("x\\in", "")
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace(" .", " 0.").replace("{.", "{0.").replace("\\cdot", "")
    s = s.replace("infinity", "\\infty")
    if "\\infty" not in s:
        s = s.replace("inf", "\\infty")
    s = s.replace("+\\inity", "\\infty").replace("and", "").replace("\\mathbf", "")
    s = re.sub(r"\\mbox{.*?}", "", s)
    if "j" in s and "i" not in s:
        s = s.replace("j", "i")
    s = re.sub(r"(\d+)\.0+([^\d])", r"\1\2", s)
    s = re.sub(r"(\d+)\.0+$", r"\1", s)
    if not s:
        return s
    if s[0] == ".":
        s = "0" + s
    sides = s.split("=")
    if len(sides) == 2 and len(sides[0]) <= 2:
        s = sides[1]
    s = re.sub(r"\\sqrt(\w+)", r"\\sqrt{\1}", s).replace(" ", "")
    return _fix_a_slash_b(_fix_fracs(s))


# -- math_equal ----------------------------------------------------------------------------------
def _number(s: Any) -> float | None:
    try:
        return float(str(s).replace(",", ""))
    except ValueError:
        return None


def _bracketed(s: str, pair: str) -> bool:
    return s.startswith(pair[0]) and s.endswith(pair[1])


def math_equal(prediction: str, reference: str, include_percentage: bool = True) -> bool:
    """ToRA's ``math_equal`` on two extracted, stripped answers (sympy only when the rest fails)."""
    pred_num, ref_num = _number(prediction), _number(reference)
    if pred_num is not None and ref_num is not None:
        targets = [ref_num / 100, ref_num, ref_num * 100] if include_percentage else [ref_num]
        return any(isclose(t, pred_num, rel_tol=REL_TOL) for t in targets)
    if not prediction:
        return False
    ref, pred = str(reference).strip(), str(prediction).strip()
    pred_str, ref_str = pred, ref
    if (_bracketed(pred, "[]") and not ref.startswith("(")) or (_bracketed(pred, "()") and not ref.startswith("[")):
        pred_str, ref_str = pred_str.strip("[]()"), ref_str.strip("[]()")
    for ch in "{}()":
        pred_str, ref_str = pred_str.replace(ch, ""), ref_str.replace(ch, "")
    if pred_str == ref_str:
        return True
    if (_bracketed(pred, "[]") and _bracketed(ref, "[]")) or (_bracketed(pred, "()") and _bracketed(ref, "()")):
        pred_parts, ref_parts = pred[1:-1].split(","), ref[1:-1].split(",")
        if len(pred_parts) == len(ref_parts) and all(
                math_equal(p, r, include_percentage) for p, r in zip(pred_parts, ref_parts)):
            return True
    matrices = _matrix_entries(pred), _matrix_entries(ref)
    if matrices[0] is not None and matrices[1] is not None:
        return len(matrices[0]) == len(matrices[1]) and all(
            math_equal(p, r, include_percentage) for p, r in zip(*matrices))
    return symbolic_equal(pred, ref)


def _matrix_entries(s: str) -> list[str] | None:
    """Entries of ``\\begin{pmatrix}a&b\\c&d\\end{pmatrix}`` (strip_string turned ``\\\\`` into ``\\``)."""
    m = _MATRIX.match(s)
    if not m:
        return None
    rows = re.split(r"\\\\?(?![A-Za-z])", m.group(1))
    return [cell.strip() for row in rows if row.strip() for cell in row.split("&")]


def _safe_for_parse_expr(s: str) -> bool:
    if not _SAFE_CHARS.match(s) or "__" in s:
        return False
    return all(len(name) == 1 or name in _SAFE_NAMES for name in re.findall(r"[A-Za-z_]\w*", s))


def _parse(s: str) -> Any:
    """LaTeX first, then sympy's expression parser (safe text only); None on failure.

    ToRA kept the raw string, and ``simplify(string - expr)`` then sympifies (``eval``s) it: an
    answer like ``__import__('os').system(...)`` would run. An unparsed answer is simply not equal."""
    from latex2sympy2_extended import latex2sympy

    try:
        return latex2sympy(s)
    except Exception:  # not LaTeX: try plain sympy syntax
        pass
    if _safe_for_parse_expr(s):
        from sympy.parsing.sympy_parser import parse_expr

        try:
            return parse_expr(s.replace("^", "**"))
        except Exception:
            pass
    return None


def symbolic_equal(a: str, b: str) -> bool:
    """``simplify(a - b) == 0``, else numeric values within a relative 1e-3 (ToRA's second test)."""
    from sympy import N, simplify

    x, y = _parse(a), _parse(b)
    if x is None or y is None:
        return False
    try:
        if simplify(x - y) == 0:
            return True
    except Exception:
        pass
    try:
        return isclose(N(x), N(y), rel_tol=SYMBOLIC_REL_TOL)
    except Exception:  # not numbers (free symbols, sets, text): not equal
        return False


def check(gold: str, pred: str) -> dict[str, Any]:
    """The worker's answer for ``--checker tora``: extraction, normalisation, ``math_equal``."""
    g, p = extract(gold), extract(pred)
    same = math_equal(p, g)
    return {"equivalent": same, "reason": f"{'equal' if same else 'not equal'} (tora): {g} vs {p}",
            "gold_parsed": g, "pred_parsed": p}
