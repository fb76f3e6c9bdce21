"""The Lean REPL process: start it (inside bubblewrap when asked), send a JSON command, read one answer.

leanprover-community/repl reads JSON commands separated by blank lines and answers each with a
JSON object followed by a blank line. The process gets only the environment Lean needs; under
bubblewrap it also loses the network and sees the home directory only where Lean needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from typing import Any

from plait.plugins.math._process import kill_process, read_chunk


class ReplTimeout(Exception):
    pass


class ReplDied(Exception):
    pass


def sandbox_mode(config: dict[str, Any]) -> str:
    mode = str(config.get("sandbox", "auto")).lower()
    if mode == "auto":
        return "bubblewrap" if shutil.which("bwrap") and _bwrap_works() else "none"
    return mode


_BWRAP_OK: bool | None = None


def _bwrap_works() -> bool:
    global _BWRAP_OK
    if _BWRAP_OK is None:
        try:
            proc = subprocess.run(_bwrap_prefix(None) + ["true"], capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
            _BWRAP_OK = proc.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _BWRAP_OK = False
    return _BWRAP_OK


ENV_KEEP = ("PATH", "LANG", "LC_ALL", "ELAN_HOME", "LEAN_PATH", "LEAN_SRC_PATH", "LEAN_SYSROOT")


def repl_env() -> dict[str, str]:
    """The REPL's whole environment: what Lean needs, never the host's secrets (API keys ...)."""
    env = {k: v for k, v in os.environ.items() if k in ENV_KEEP or k.startswith(("LAKE_", "LEAN_", "ELAN_"))}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["HOME"] = os.path.expanduser("~")
    return env


def _needed_paths(argv: list[str], cwd: str | None, extra: list[str]) -> list[str]:
    """Host paths the REPL needs under a hidden home: the toolchain, the project, the binaries."""
    paths = [os.environ.get("ELAN_HOME") or os.path.expanduser("~/.elan")]
    paths += [cwd] if cwd else []
    for arg in argv:
        if os.path.isabs(arg) and os.path.exists(arg):
            real = os.path.realpath(arg)
            root = real.split("/.lake/")[0] if "/.lake/" in real else os.path.dirname(os.path.dirname(real))
            paths.append(root)
    return [p for p in dict.fromkeys(paths + list(extra)) if p and os.path.exists(p)]


def _bwrap_prefix(cwd: str | None, argv: list[str] | None = None, extra: list[str] | None = None) -> list[str]:
    # The file system is visible read-only, the network is gone, and the home directory (where
    # configs and keys live) is hidden except for what Lean needs.
    out = ["bwrap", "--unshare-all", "--die-with-parent", "--clearenv", "--ro-bind", "/", "/", "--dev", "/dev",
           "--proc", "/proc", "--tmpfs", "/tmp"]
    home = os.path.expanduser("~")
    if argv is not None and home not in ("/", ""):
        out += ["--tmpfs", home]
        for path in _needed_paths(argv, cwd, extra or []):
            out += ["--ro-bind", path, path]
    for key, value in repl_env().items():
        out += ["--setenv", key, value]
    if cwd:
        out += ["--chdir", cwd]
    return out


# -- the REPL process ----------------------------------------------------------------------------------
class LeanRepl:
    """One REPL process; ``send`` writes a command and reads one JSON answer under a deadline."""

    def __init__(self, argv: list[str], cwd: str | None, sandbox: str, binds: list[str] | None = None):
        self.sandbox = sandbox
        full = (_bwrap_prefix(cwd, argv, binds) if sandbox == "bubblewrap" else []) + argv
        self.proc = subprocess.Popen(
            full, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=cwd, env=repl_env(), start_new_session=True,
        )
        self.buf = b""
        self.headers: dict[str, int] = {}  # header text -> env id

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, command: dict, timeout: float) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write((json.dumps(command, ensure_ascii=False) + "\n\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ReplDied(f"the Lean REPL exited (exit code {self.proc.poll()})") from exc
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            text = self.buf.decode("utf-8", errors="replace")
            if "\n\n" in text:
                block, _, rest = text.partition("\n\n")
                try:
                    answer = json.loads(block)
                except json.JSONDecodeError:
                    answer = None
                if answer is not None:
                    self.buf = rest.encode()
                    return answer
            chunk = read_chunk(fd, deadline)
            if chunk is None:
                raise ReplTimeout()
            if not chunk:
                raise ReplDied(f"the Lean REPL exited (exit code {self.proc.wait()})")
            self.buf += chunk

    def close(self) -> None:
        kill_process(self.proc)
