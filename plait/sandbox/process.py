"""The ``process`` backend: rlimits and a new session, NOTHING else. It is not isolation.

The code sees the host's files, network and processes. It exists for machines without bubblewrap
or Docker, and is only used when asked for explicitly (``allow_process=True`` /
``--backend process``); every result says ``backend: process``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from plait.sandbox import harness
from plait.sandbox.local import run_child
from plait.sandbox.types import ExecResult, Limits

WARNING = "the process backend is not isolation: the code can read host files and use the network"


class ProcessSandbox:
    name = "process"
    isolating = False

    def __init__(self, config: dict | None = None):
        self.python = (config or {}).get("python", "/usr/bin/python3")

    def available(self) -> tuple[bool, str]:
        if not os.path.exists(self.python):
            return False, f"{self.python} not found"
        return True, ""

    def run(self, argv, *, files, stdin, limits: Limits, env) -> ExecResult:
        work = tempfile.mkdtemp(prefix="plait-proc-")
        try:
            payload = harness.header_bytes(
                argv, files, env,
                harness.rlimits(limits, address_space=limits.memory_mb * harness.MB, nproc=None), work,
            ) + stdin
            result = run_child(
                [self.python, "-I", "-S", "-c", harness.BOOTSTRAP],
                payload=payload, limits=limits, backend=self.name, cwd=work,
                high_codes_are_signals=False,  # the bootstrap execs: the program is our direct child
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result.detail = (result.detail + "; " if result.detail else "") + WARNING
        return result
