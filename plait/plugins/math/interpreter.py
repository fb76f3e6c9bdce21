"""Python for the math agent, run in the sandbox like a Jupyter notebook.

Each run replays the earlier cells with their output silenced, then runs the new cell, so
variables persist across turns as in InternLM's stateful interpreter while every run stays a
fresh sandboxed process. A trailing expression is echoed as Jupyter would. The result always
names the sandbox backend that ran the code.

Backend: ``[math] backend`` (``PLAIT_MATH__BACKEND``); unset = bubblewrap when usable (it runs
the system ``python3``, where ``apt-get install python3-sympy`` provides sympy), else the
sandbox's default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_OBSERVATION = 2000  # characters of output shown back to the model

DRIVER = r'''
import ast, contextlib, io, json, sys, traceback
cells = json.load(open("cells.json", encoding="utf-8"))
env = {"__name__": "__main__"}

def run(src, show):
    tree = ast.parse(src, "<cell>", "exec")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), env)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), env)
        if show and value is not None:
            print(repr(value))

for i, src in enumerate(cells[:-1]):
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            run(src, False)
    except BaseException:
        pass  # it failed when it ran the first time too; the model saw that then
try:
    run(cells[-1], True)
except SystemExit:
    raise
except BaseException:
    etype, value, tb = sys.exc_info()
    frames = [f for f in traceback.extract_tb(tb) if f.filename == "<cell>"]
    sys.stderr.write("Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)))
    sys.stderr.write("".join(traceback.format_exception_only(etype, value)))
    sys.exit(1)
'''


@dataclass
class Execution:
    code: str
    status: str  # a plait.sandbox status: ok, failed, timeout, memory_limit, output_limit, killed, sandbox_error
    stdout: str = ""
    stderr: str = ""
    backend: str = ""
    wall_s: float = 0.0

    def observation(self) -> str:
        """What the model sees, in the interpreter's words."""
        out = self.stdout
        if self.stderr.strip():
            out += ("\n" if out and not out.endswith("\n") else "") + self.stderr
        if self.status == "timeout":
            out += "\n[execution timed out]"
        elif self.status == "memory_limit":
            out += "\n[execution ran out of memory]"
        elif self.status == "output_limit":
            out += "\n[output too long; execution stopped]"
        elif self.status in ("killed", "sandbox_error"):
            out += f"\n[execution failed: {self.status}]"
        out = out.strip("\n")
        if len(out) > MAX_OBSERVATION:
            out = out[: MAX_OBSERVATION // 2] + "\n...\n" + out[-MAX_OBSERVATION // 2:]
        return out or "[no output; print() what you want to see]"

    def to_json(self) -> dict:
        return {"code": self.code, "status": self.status, "stdout": self.stdout, "stderr": self.stderr,
                "backend": self.backend, "wall_s": round(self.wall_s, 3)}

    def tool_result(self) -> dict:
        """What the ``math_python`` tool returns: the run, plus the observation the model should see."""
        return {**self.to_json(), "observation": self.observation()}


def math_config() -> dict:
    try:
        from plait.core.config import load_settings

        return load_settings().table("math")
    except Exception:
        return {}


def choose_backend(config: dict | None = None) -> str | None:
    """The sandbox backend for math code (None = let the sandbox pick its default)."""
    config = math_config() if config is None else config
    if config.get("backend"):
        return str(config["backend"])
    try:
        from plait.sandbox import get_backend

        ok, _ = get_backend("bubblewrap").available()
        return "bubblewrap" if ok else None
    except Exception:
        return None


def run_cells(cells: list[str], *, timeout_s: float | None = None, memory_mb: int | None = None,
              backend: str | None = None) -> Execution:
    """Run the last of ``cells`` after silently replaying the others; never raises for the code's faults."""
    from plait.core.errors import PlaitError
    from plait.sandbox import Limits, run

    config = math_config()
    limits = Limits(
        timeout_s=float(timeout_s or config.get("timeout", 20)),
        memory_mb=int(memory_mb or config.get("memory_mb", 1024)),
        output_bytes=200_000,
    )
    name = backend or choose_backend(config)
    try:
        res = run(DRIVER, files={"cells.json": json.dumps(cells)}, limits=limits, backend=name)
    except PlaitError as exc:  # no usable sandbox: an observation for the model, not a crash
        return Execution(cells[-1], "sandbox_error", stderr=str(exc), backend=name or "")
    return Execution(cells[-1], res.status, res.stdout, res.stderr if res.status != "sandbox_error" else (res.detail or res.stderr),
                     res.backend, res.wall_s)


def math_python(code: str, setup: list[str] | None = None) -> dict:
    """Run Python code (sympy available) in the sandbox and return its output and status.

    The interpreter is a notebook: pass the earlier cells that ran without error as ``setup``
    and their variables are defined again (silently) before ``code`` runs.

    Args:
        code: Python source; print what you want to see (a trailing expression is echoed)
        setup: earlier cells to replay first, in order, with their output hidden
    """
    return run_cells([*(setup or []), code]).tool_result()
