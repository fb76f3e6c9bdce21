"""A fresh virtual environment that reuses this interpreter's packages (--system-site-packages),
with plait installed into it from the repository root, so plugin installs land only there."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Venv:
    root: Path
    env: dict

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    @property
    def plait(self) -> str:
        return str(self.root / "bin" / "plait")

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), capture_output=True, text=True, env=self.env, cwd=cwd, timeout=timeout)

    def check(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        proc = self.run(*args, cwd=cwd)
        assert proc.returncode == 0, f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        return proc


def make_venv(path: Path, home: Path) -> Venv:
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PLAIT_LOAD_PLUGINS", "VIRTUAL_ENV")}
    env.update({"PATH": f"{path / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(path),
                "PLAIT_HOME": str(home), "PLAIT_MODEL": "scripted/echo", "PLAIT_EMBEDDER": "scripted/hash",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "COLUMNS": "200"})
    venv = Venv(path, env)
    # plait itself, editable from this checkout, without touching dependencies (reused from the base)
    venv.check(venv.python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(REPO))
    return venv
