"""Every sandbox backend a built-in plugin registers passes the sandbox suite where it can run
(a backend whose prerequisite is missing here, e.g. no Docker engine, is skipped with its reason)."""

from __future__ import annotations

import pytest

from plait import Context
from plait.testing.conformance import SandboxConformance

from .conftest import BUILTINS, builtin_names

SANDBOXES = builtin_names("sandboxes")
# backends that only limit resources and say so (isolating = False) may see the host environment
NOT_ISOLATING = {"process"}


def test_sandbox_backends_are_built_in():
    assert {"bubblewrap", "process"} <= set(SANDBOXES)


class TestBuiltinSandboxes(SandboxConformance):
    @pytest.fixture(params=SANDBOXES)
    def sandbox(self, request, plait_settings):
        self.check_env_isolation = request.param not in NOT_ISOLATING
        box = BUILTINS.sandboxes.get(request.param)(Context(plait_settings, name=request.param, host=BUILTINS))
        ok, reason = box.available()
        if not ok:
            pytest.skip(f"sandbox {request.param!r} unavailable here: {reason}")
        return box
