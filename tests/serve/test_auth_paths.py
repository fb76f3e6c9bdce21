"""Open paths are matched exactly, preflight is open only for configured origins, /docs works offline (issue 11, item 8)."""

from __future__ import annotations

import re

import httpx
import pytest

from serve_support import API_KEY, RunningServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}


def test_plugin_route_that_starts_like_docs_needs_the_key(server):
    assert httpx.get(f"{server.url}/docsearch/otters").status_code == 401
    assert httpx.get(f"{server.url}/docsearch/otters", headers=AUTH).json() == {"query": "otters"}
    for path in ("/docsx", "/redoc/x", "/openapi.json.bak", "/healthz"):
        assert httpx.get(f"{server.url}{path}").status_code == 401, path


def test_options_needs_the_key_when_no_cors_origin_is_configured(server):
    resp = httpx.options(f"{server.url}/v1/chat/completions", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert resp.status_code == 401
    assert httpx.options(f"{server.url}/api/sessions").status_code == 401


@pytest.fixture
def cors_server(settings, monkeypatch):
    from plait.core.config import load_settings
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_SERVE__CORS_ORIGINS", "https://app.example")
    with RunningServer(create_app(load_settings())) as running:
        yield running


def test_preflight_passes_without_a_key_only_from_a_configured_origin(cors_server):
    url = f"{cors_server.url}/v1/chat/completions"
    ok = httpx.options(url, headers={"Origin": "https://app.example", **PREFLIGHT})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert httpx.options(url, headers={"Origin": "https://evil.example", **PREFLIGHT}).status_code == 401
    assert httpx.options(url, headers={"Origin": "https://app.example"}).status_code == 401  # not a preflight


def test_docs_and_redoc_load_their_assets_from_the_server_itself(server):
    for page in ("/docs", "/redoc"):
        resp = httpx.get(f"{server.url}{page}")
        assert resp.status_code == 200
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", resp.text) + re.findall(r"""url: ['"]([^'"]+)['"]""", resp.text)
        assets = [u for u in urls if u.endswith((".js", ".css"))]
        assert assets, resp.text[:500]
        for url in urls:
            assert not url.startswith(("http:", "https:", "//")), f"{page} loads {url} from another host"
        for url in assets:
            got = httpx.get(f"{server.url}{url}")  # no key: the docs shell is public, like /openapi.json
            assert got.status_code == 200 and len(got.content) > 1000, url
    assert httpx.get(f"{server.url}/openapi.json").json()["info"]["title"] == "plait"
