"""Answer extraction: the last ``\\boxed{}`` of MATH-style text, the last number of GSM8K-style text.

Pure string work (no sympy), so it is cheap to import and safe to call anywhere; equivalence
itself runs in worker processes (see ``checker.py``).
"""

from __future__ import annotations

import re

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_GSM8K_FINAL = re.compile(r"####\s*(.+?)\s*$", re.S)
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
# Two words in a row (after LaTeX commands and \text{} are removed) mean prose, not a formula.
_PROSE = re.compile(r"[A-Za-z]{3,}[\s,.;:]+[A-Za-z]{2,}")


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (balanced braces), or None."""
    found = None
    for m in _BOXED.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        if depth == 0:
            found = text[m.end() : i - 1]
    return found


def last_number(text: str) -> str | None:
    """The last number in ``text`` (thousands separators removed), or None."""
    nums = _NUMBER.findall(text)
    if not nums:
        return None
    return nums[-1].replace(",", "").rstrip(".")


_MATH_WORDS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sqrt", "max", "min", "mod", "gcd",
               "lcm", "det", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "inf", "sup", "lim", "and", "or"}


def looks_like_prose(text: str) -> bool:
    """Words around the answer (``so 42 apples``), not a formula (``x = 3``, ``sin(x) + 2``)."""
    stripped = re.sub(r"\\text\{[^}]*\}", " ", text)
    stripped = _LATEX_CMD.sub(" ", stripped)
    if _PROSE.search(stripped):
        return True
    words = [w for w in re.findall(r"[A-Za-z]{3,}", stripped) if w.lower() not in _MATH_WORDS]
    return bool(words) and bool(_NUMBER.search(stripped))


def extract_answer(text: str, style: str = "auto") -> str:
    """The final answer in ``text``.

    ``style``: ``math`` (last ``\\boxed{}``, else the text), ``gsm8k`` (``#### x``, else the last
    number), ``auto`` (boxed, then ``####``, then the last number for prose, else the text itself).
    """
    text = text or ""
    if style not in ("auto", "math", "gsm8k"):
        raise ValueError(f"unknown answer style {style!r}; use auto, math or gsm8k")
    boxed = last_boxed(text)
    if boxed is not None and style != "gsm8k":
        return boxed.strip()
    final = _GSM8K_FINAL.search(text)
    if final and style != "math":
        return final.group(1).replace(",", "").strip()
    if style == "gsm8k" or (style == "auto" and looks_like_prose(text)):
        num = last_number(text)
        if num is not None:
            return num
        return boxed.strip() if boxed is not None else text.strip()
    return text.strip()


def as_latex(answer: str) -> str:
    """Wrap a bare answer in ``$...$`` so math-verify reads it as LaTeX."""
    a = answer.strip()
    if a.startswith("$") or a.startswith("\\(") or a.startswith("\\["):
        return a
    return f"${a}$"
