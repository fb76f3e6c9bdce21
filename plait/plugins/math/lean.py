"""Lean 4 proof checking through the Lean REPL (leanprover-community/repl's JSON protocol).

One REPL process per worker process: the header (``import Mathlib`` ...) is sent once and its
environment id reused for every proof. A proof is rejected when it does not compile (``error``),
uses ``sorry`` (``sorry``), depends on an axiom outside the allowed set (``bad_axiom``, via
``#print axioms``), or proves something other than the statement asked (``statement_changed``).
The REPL runs inside bubblewrap (no network, read-only file system) when bubblewrap is available.
Without a Lean toolchain every check answers ``unavailable`` with what to install; nothing raises.

Config: the ``[lean]`` table (``PLAIT_LEAN__REPL`` ...): ``repl`` (command line of the REPL),
``project`` (its working directory, a Lake project with Mathlib), ``header``, ``timeout`` (s),
``allowed_axioms`` (comma list), ``sandbox`` (auto | bubblewrap | none), ``binds`` (extra
read-only paths under the hidden home). The REPL never gets the host's environment variables.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from plait.plugins.math.lean_repl import LeanRepl, ReplDied, ReplTimeout, sandbox_mode

STATUSES = ("valid", "sorry", "error", "timeout", "statement_changed", "bad_axiom", "unavailable")
DEFAULT_HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"
DEFAULT_AXIOMS = ("propext", "Classical.choice", "Quot.sound")
START_TIMEOUT = 600.0  # importing Mathlib takes minutes on a small machine

INSTALL_HINT = (
    "install Lean with elan (curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh), "
    "build the REPL (git clone https://github.com/leanprover-community/repl && cd repl && lake build), "
    "use a Lake project with Mathlib for the header (lake exe cache get), then set "
    "PLAIT_LEAN__REPL='lake env /path/to/repl/.lake/build/bin/repl' and PLAIT_LEAN__PROJECT=/path/to/project "
    "(or [lean] repl/project in plait.toml)"
)


@dataclass
class LeanResult:
    status: str
    message: str
    errors: list[dict] = field(default_factory=list)  # {"line", "column", "end_line", "end_column", "message"}
    axioms: list[str] = field(default_factory=list)
    theorem: str | None = None
    sandbox: str = ""  # "bubblewrap" | "none" | ""
    elapsed_s: float = 0.0

    def to_json(self) -> dict:
        return {
            "status": self.status, "message": self.message, "errors": self.errors, "axioms": self.axioms,
            "theorem": self.theorem, "sandbox": self.sandbox, "elapsed_s": round(self.elapsed_s, 3),
        }


# -- configuration -----------------------------------------------------------------------------------
def lean_config() -> dict[str, Any]:
    try:
        from plait.core.config import load_settings

        return load_settings().table("lean")
    except Exception:  # a broken plait.toml must not crash an agent's tool call
        return {}


def find_repl(config: dict[str, Any]) -> tuple[list[str] | None, str]:
    """(argv of the REPL, or None with a message saying what is missing)."""
    raw = config.get("repl")
    if raw:
        argv = shlex.split(str(raw))
        exe = argv[0]
        if shutil.which(exe) or os.path.isfile(exe):
            return argv, ""
        return None, f"Lean REPL command {raw!r} (from [lean] repl / PLAIT_LEAN__REPL): {exe!r} not found; {INSTALL_HINT}"
    found = shutil.which("repl")
    if found:
        return [found], ""
    tools = [t for t in ("lean", "lake", "elan") if shutil.which(t) or os.path.exists(os.path.expanduser(f"~/.elan/bin/{t}"))]
    have = f"found {', '.join(tools)} but no REPL" if tools else "no Lean toolchain (lean, lake, elan) and no Lean REPL found"
    return None, f"Lean is not available: {have}; {INSTALL_HINT}"


# -- statements ----------------------------------------------------------------------------------------
_DECL = re.compile(r"(?m)^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?(theorem|lemma)\s+([^\s(:{\[]+)")


# Commands that can make the same text mean something else (e.g. a notation redefining a numeral).
_SYNTAX = re.compile(r"(?m)^\s*(?:@\[[^\]]*\]\s*)?(?:scoped\s+|local\s+)?"
                     r"(notation|infixl?|infixr|prefix|postfix|macro_rules|macro|syntax|elab_rules|elab)\b")


def _norm(text: str) -> str:
    text = re.sub(r"--[^\n]*", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^lemma\b", "theorem", text)
    return re.sub(r"\s*:=\s*(by)?\s*$", "", text).strip()


def _statement_at(code: str, start: int) -> str:
    """Declaration text from ``start`` up to its top-level ``:=``."""
    depth, i = 0, start
    while i < len(code):
        c = code[i]
        if c in "([{⟨":
            depth += 1
        elif c in ")]}⟩":
            depth -= 1
        elif code.startswith(":=", i) and depth == 0:
            return code[start:i]
        i += 1
    return code[start:]


def declared_theorems(code: str) -> list[tuple[str, str]]:
    """(name, statement text) of each theorem/lemma in ``code``."""
    return [(m.group(2), _statement_at(code, m.start(1))) for m in _DECL.finditer(code)]


def statement_name(statement: str) -> str | None:
    m = _DECL.search(statement)
    return m.group(2) if m else None


def split_header(code: str) -> tuple[list[str], str, int]:
    """(import lines, the rest, number of lines removed) of a Lean file."""
    lines = code.split("\n")
    imports, i = [], 0
    while i < len(lines) and (lines[i].strip().startswith("import ") or not lines[i].strip()):
        if lines[i].strip():
            imports.append(lines[i].strip())
        i += 1
    return imports, "\n".join(lines[i:]), i


# -- the checker ---------------------------------------------------------------------------------------
class LeanChecker:
    """Checks proofs with one reused REPL (header imported once per (process, header))."""

    def __init__(self, config: dict[str, Any] | None = None):
        self.config = dict(lean_config() if config is None else config)
        self.repl: LeanRepl | None = None
        self.lock = threading.Lock()

    @property
    def header(self) -> str:
        return str(self.config.get("header", DEFAULT_HEADER))

    def close(self) -> None:
        if self.repl is not None:
            self.repl.close()
            self.repl = None

    def _repl(self, argv: list[str]) -> LeanRepl:
        if self.repl is None or not self.repl.alive():
            cwd = self.config.get("project") or None
            binds = self.config.get("binds") or []
            binds = [b.strip() for b in binds.split(",")] if isinstance(binds, str) else list(binds)
            self.repl = LeanRepl(argv, str(cwd) if cwd else None, sandbox_mode(self.config), binds)
        return self.repl

    def check(self, code: str, statement: str | None = None, header: str | None = None, timeout: float | None = None) -> LeanResult:
        started = time.monotonic()
        try:
            with self.lock:
                res = self._check(code, statement, header or self.header, float(timeout or self.config.get("timeout", 60)))
        except Exception as exc:  # the tool must never crash an agent
            self.close()
            res = LeanResult("error", f"the Lean check itself failed: {type(exc).__name__}: {exc}")
        res.elapsed_s = time.monotonic() - started
        return res

    def _check(self, code: str, statement: str | None, header: str, timeout: float) -> LeanResult:
        argv, missing = find_repl(self.config)
        if argv is None:
            return LeanResult("unavailable", missing)
        imports, body, offset = split_header(code)
        header_imports = {ln.strip() for ln in header.split("\n") if ln.strip().startswith("import ")}
        extra = [i for i in imports if i not in header_imports]
        if extra:
            return LeanResult("error", f"{', '.join(extra)} is not part of the header ({sorted(header_imports)}); "
                              "add it to [lean] header or pass --header")
        theorems = declared_theorems(body)
        target = statement_name(statement) if statement else (theorems[0][0] if theorems else None)
        if statement:
            if target is None:
                return LeanResult("error", f"the statement to prove has no `theorem NAME`: {statement[:80]!r}")
            mine = [s for n, s in theorems if n == target]
            if len(mine) != 1:
                why = "does not declare" if not mine else "declares more than once"
                return LeanResult("statement_changed", f"the proof {why} theorem {target!r} asked for", theorem=target)
            asked = _statement_at(statement, 0)  # the asked statement may come with ":= by sorry"
            if _norm(mine[0]) != _norm(asked):
                return LeanResult("statement_changed", f"theorem {target!r} is not the statement asked: got "
                                  f"{_norm(mine[0])[:300]!r}, asked {_norm(asked)[:300]!r}", theorem=target)
            syntax = _SYNTAX.search(re.sub(r"--[^\n]*", "", body))
            if syntax:
                return LeanResult("statement_changed", f"the proof defines new syntax (`{syntax.group(1)}`), which can change "
                                  "what the statement means; prove it without notation/macro/syntax/elab commands",
                                  theorem=target)
        repl = self._repl(argv)
        sandbox = repl.sandbox
        try:
            if header not in repl.headers:
                ans = repl.send({"cmd": header}, max(timeout, float(self.config.get("start_timeout", START_TIMEOUT))))
                errs = _errors(ans, 0)
                if "env" not in ans or errs:
                    self.close()
                    first = errs[0]["message"] if errs else ans.get("message", "no environment")
                    return LeanResult("error", f"the header does not compile: {first}", errs, sandbox=sandbox)
                repl.headers[header] = ans["env"]
            ans = repl.send({"cmd": body, "env": repl.headers[header]}, timeout)
            if "env" not in ans:  # a protocol-level failure, e.g. an unknown environment
                self.close()
                return LeanResult("error", f"the Lean REPL refused the command: {ans.get('message', ans)}", sandbox=sandbox)
            errs = _errors(ans, offset)
            if errs:
                return LeanResult("error", f"{len(errs)} error(s); first at line {errs[0]['line']}: {errs[0]['message']}",
                                  errs, theorem=target, sandbox=sandbox)
            sorry = ans.get("sorries") or [m for m in ans.get("messages", []) if "sorry" in m.get("data", "")]
            if sorry:
                return LeanResult("sorry", "the proof uses sorry", theorem=target, sandbox=sandbox)
            if target is None:
                return LeanResult("valid", "compiles (no theorem name, so no axiom check)", sandbox=sandbox)
            axioms = _axioms(repl.send({"cmd": f"#print axioms {target}", "env": ans["env"]}, timeout))
        except ReplTimeout:
            self.close()  # the REPL is busy for good: start a fresh one next time
            return LeanResult("timeout", f"Lean did not finish within {timeout:g} s", theorem=target, sandbox=sandbox)
        except ReplDied as exc:
            self.close()
            return LeanResult("error", f"{exc}; it will be restarted for the next check", theorem=target, sandbox=sandbox)
        if axioms is None:
            return LeanResult("error", f"could not read `#print axioms {target}`", theorem=target, sandbox=sandbox)
        if "sorryAx" in axioms:
            return LeanResult("sorry", "the proof depends on sorryAx", axioms=axioms, theorem=target, sandbox=sandbox)
        allowed = self.config.get("allowed_axioms", DEFAULT_AXIOMS)
        allowed = [a.strip() for a in allowed.split(",")] if isinstance(allowed, str) else list(allowed)
        bad = [a for a in axioms if a not in allowed]
        if bad:
            return LeanResult("bad_axiom", f"the proof depends on axioms outside {allowed}: {bad}",
                              axioms=axioms, theorem=target, sandbox=sandbox)
        return LeanResult("valid", f"theorem {target} is proved", axioms=axioms, theorem=target, sandbox=sandbox)


def _errors(answer: dict, line_offset: int) -> list[dict]:
    out = []
    for m in answer.get("messages", []) or []:
        if m.get("severity") != "error":
            continue
        pos, end = m.get("pos") or {}, m.get("endPos") or {}
        out.append({
            "line": (pos.get("line") or 0) + line_offset, "column": pos.get("column"),
            "end_line": (end.get("line") or 0) + line_offset if end else None, "end_column": end.get("column") if end else None,
            "message": m.get("data", ""),
        })
    return out


def _axioms(answer: dict) -> list[str] | None:
    for m in answer.get("messages", []) or []:
        data = m.get("data", "")
        if "does not depend on any axioms" in data:
            return []
        found = re.search(r"depends on axioms:\s*\[(.*?)\]", data, re.S)
        if found:
            return [a.strip() for a in found.group(1).split(",") if a.strip()]
    return None


_CHECKER: LeanChecker | None = None


def check_proof(code: str, statement: str | None = None, header: str | None = None, timeout: float | None = None) -> LeanResult:
    """Check one proof with this process's shared REPL (configured from ``[lean]``)."""
    global _CHECKER
    if _CHECKER is None:
        import atexit

        _CHECKER = LeanChecker()
        atexit.register(_CHECKER.close)
    return _CHECKER.check(code, statement=statement, header=header, timeout=timeout)
