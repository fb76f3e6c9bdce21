"""Running untrusted code with limits: ``run()``, ``grade()``, backends docker / bubblewrap / process.

    from plait.sandbox import run, Limits
    result = run("print(1 + 1)", limits=Limits(timeout_s=5))
    result.status, result.stdout, result.backend   # ('ok', '2\\n', 'docker')
"""

from plait.sandbox.api import available_backends, default_backend, get_backend, run
from plait.sandbox.types import STATUSES, ExecResult, Limits, Sandbox

__all__ = [
    "run",
    "grade",
    "Limits",
    "ExecResult",
    "Sandbox",
    "STATUSES",
    "available_backends",
    "default_backend",
    "get_backend",
]


def __getattr__(name: str):
    if name in ("grade", "GradeResult", "grade_program"):  # keep ``import plait.sandbox`` cheap
        from plait.sandbox import grading

        return getattr(grading, name)
    raise AttributeError(name)
