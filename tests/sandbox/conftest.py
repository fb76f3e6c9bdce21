"""Sandbox test set-up: one parametrized ``backend`` fixture over every backend usable here.

A backend that is missing is skipped with its reason, unless it is listed in
``PLAIT_REQUIRE_SANDBOXES`` (CI sets ``docker,bubblewrap``): then its absence is a failure. A
profile variant (``docker@scientific``) is required when its base backend is.
"""

import os

import pytest

ALL = ["docker", "bubblewrap", "process"]
ISOLATING = ["docker", "bubblewrap"]


def _required() -> set[str]:
    return {b.strip() for b in os.environ.get("PLAIT_REQUIRE_SANDBOXES", "").split(",") if b.strip()}


def use_backend(name: str) -> str:
    from plait.sandbox import get_backend

    ok, why = get_backend(name).available()
    if not ok:
        if name in _required() or name.partition("@")[0] in _required():
            pytest.fail(f"sandbox backend {name} is required (PLAIT_REQUIRE_SANDBOXES) but unavailable: {why}")
        pytest.skip(f"sandbox backend {name} unavailable here: {why}")
    return name


@pytest.fixture(params=ALL)
def backend(request) -> str:
    """Every backend, including ``process`` (limits only, no isolation)."""
    return use_backend(request.param)


@pytest.fixture(params=ISOLATING)
def isolating_backend(request) -> str:
    """The backends that claim isolation; ``process`` makes no such claim and is not run here."""
    return use_backend(request.param)
