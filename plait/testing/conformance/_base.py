"""What every conformance suite shares: an optional host built from the plugins under test."""

from __future__ import annotations

from typing import Any

import pytest


class SuiteBase:
    """``plugins = [my_plugin_module]`` runs the suite on a host holding the built-ins plus those
    plugins (through ``plait_host``); ``None`` uses the current process host as it is."""

    plugins: list[Any] | None = None

    @pytest.fixture
    def conformance_host(self, plait_home, plait_host):
        if self.plugins is not None:
            return plait_host(*self.plugins)
        from plait.core.host import get_host

        return get_host()
