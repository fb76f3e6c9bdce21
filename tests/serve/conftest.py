"""Fixtures for the serve tests: the test plugin's host, settings with an API key, a live server."""

from __future__ import annotations

import pytest

from serve_support import API_KEY, Characters, Hold, RunningServer, ServeTestPlugin, TalkAgent


@pytest.fixture
def serve_host():
    import plait.core.host as host_module
    from plait.core.host import Host, set_host

    previous = host_module._HOST
    host = Host(builtins=["models", "gates"], entry_points=False, extra_plugins=[("serve-test", ServeTestPlugin())])
    set_host(host)
    TalkAgent.seen_options.clear()
    yield host
    set_host(previous)
    for hold in Hold.holds.values():
        hold.release.set()  # never leave a worker waiting after a failed test
    Hold.holds.clear()
    Characters.extra = []


@pytest.fixture
def settings(plait_home, serve_host, monkeypatch):
    from plait.core.config import load_settings

    monkeypatch.setenv("PLAIT_API_KEYS", API_KEY)
    return load_settings()


@pytest.fixture
def server(settings):
    from plait.serve import create_app

    with RunningServer(create_app(settings)) as running:
        yield running


@pytest.fixture
def client(server):
    from openai import OpenAI

    return OpenAI(base_url=f"{server.url}/v1", api_key=API_KEY, max_retries=0, timeout=60)
