import os
import subprocess
import sys

import pytest


@pytest.fixture
def run_plait(tmp_path):
    """Run the real ``plait`` command in a subprocess with a temporary data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(tmp_path / "home"), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="scripted/hash",
               PLAIT_GATE="always")  # these tests are about retrieval plumbing; the uar gate has its own

    def run(*args, input=None, check=True, extra_env=None):
        proc = subprocess.run(
            [sys.executable, "-m", "plait", *args], input=input, capture_output=True, text=True,
            cwd=tmp_path, env={**env, **(extra_env or {})}, timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"plait {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run
