"""Keys, size limits, validation and error bodies, on a real loopback server."""

from __future__ import annotations

import json
import socket

import httpx
import openai
import pytest

from plait.core.errors import ConfigError
from serve_support import API_KEY, TalkAgent, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CHAT = {"model": "talk", "messages": [{"role": "user", "content": "hi"}]}


def test_no_key_is_401_and_touches_nothing(server, settings):
    sid = new_session()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": API_KEY}, {"Authorization": "Basic " + API_KEY}):
        resp = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers={**headers, "X-Plait-Session": sid})
        assert resp.status_code == 401
        assert "API key" in resp.json()["error"]["message"]
    for path in ("/v1/models", "/api/sessions", "/api/characters/ada/avatar"):
        assert httpx.get(f"{server.url}{path}").status_code == 401
    assert TalkAgent.seen_options == []  # no agent ran
    from plait.agents.sessions import list_sessions

    assert all(s.name != sid for s in list_sessions(settings))


def test_sdk_with_wrong_key_raises_authentication_error(server):
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_page_shell_and_health_need_no_key(server):
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "<select id=\"model\"" in page.text
    assert httpx.get(f"{server.url}/static/app.js").status_code == 200
    assert httpx.get(f"{server.url}/health").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "talk"}, "messages"),
        ({"model": "talk", "messages": []}, "messages"),
        ({"model": "talk", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
        ({"model": "talk", "messages": [{"role": "user", "content": "x"}], "temperature": 9}, "temperature"),
        ({"model": "talk", "messages": [{"role": "user", "content": "x"}], "n": 0}, "n"),
        ({"model": "talk", "messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ],
)
def test_malformed_body_is_422_with_a_clear_message(server, body, field):
    resp = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith("invalid request: ")
    assert field in err["message"]
    assert "Traceback" not in resp.text


def test_invalid_json_is_422(server):
    resp = httpx.post(f"{server.url}/v1/chat/completions", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status_code == 422
    assert "not valid JSON" in resp.json()["error"]["message"]


def test_ten_megabyte_body_is_refused(server):
    big = json.dumps({"model": "talk", "messages": [{"role": "user", "content": "x" * (10 * 1024 * 1024)}]}).encode()
    resp = httpx.post(f"{server.url}/v1/chat/completions", content=big, headers={**AUTH, "Content-Type": "application/json"}, timeout=60)
    assert resp.status_code == 413
    assert "limit" in resp.json()["error"]["message"]
    assert TalkAgent.seen_options == []


def test_chunked_body_over_the_limit_is_refused(server):
    def chunks():
        for _ in range(10):
            yield b"x" * (1024 * 1024)

    resp = httpx.post(f"{server.url}/v1/chat/completions", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}, timeout=60)
    assert resp.status_code == 413
    assert TalkAgent.seen_options == []


def test_oversized_body_without_key_is_401_not_read(server):
    """The key is checked first: a stranger cannot make the server read megabytes."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n")
        reply = sock.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 401")


def test_agent_failure_has_no_stack_trace(server, monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(TalkAgent, "invoke", boom)
    resp = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers=AUTH)
    assert resp.status_code == 500
    assert "secret" not in resp.text and "Traceback" not in resp.text
    assert resp.json()["error"]["type"] == "server_error"
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json={**CHAT, "stream": True}, headers=AUTH) as streamed:
        body = "".join(streamed.iter_text())
    assert "secret" not in body and "Traceback" not in body
    assert '"error"' in body and body.rstrip().endswith("data: [DONE]")


def test_invalid_session_id_is_400(server):
    resp = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers={**AUTH, "X-Plait-Session": "../../etc"})
    assert resp.status_code == 400
    assert "session id" in resp.json()["error"]["message"]


def test_keys_required_unless_loopback_opt_out(settings):
    from plait.serve.app import create_app

    settings.api_keys = []
    with pytest.raises(ConfigError, match="PLAIT_API_KEYS"):
        create_app(settings)
    with pytest.raises(ConfigError, match="loopback"):
        create_app(settings, no_auth=True, bind_host="0.0.0.0")
    assert create_app(settings, no_auth=True, bind_host="127.0.0.1").state.auth is False


def test_no_auth_server_on_loopback_answers_without_key(settings):
    from plait.serve.app import create_app
    from serve_support import RunningServer

    with RunningServer(create_app(settings, no_auth=True, bind_host="127.0.0.1")) as running:
        resp = httpx.post(f"{running.url}/v1/chat/completions", json=CHAT)
    assert resp.status_code == 200


def test_cli_refuses_no_auth_off_loopback(plait_home):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "plait", "serve", "--host", "0.0.0.0", "--no-auth"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "loopback" in proc.stderr


def test_cors_only_for_configured_origins(settings):
    from plait.serve.app import create_app
    from serve_support import RunningServer

    settings.tables["serve"] = {"cors_origins": "http://allowed.example"}
    with RunningServer(create_app(settings)) as running:
        pre = {"Origin": "http://allowed.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        ok = httpx.options(f"{running.url}/v1/chat/completions", headers=pre)
        assert ok.headers.get("access-control-allow-origin") == "http://allowed.example"
        other = httpx.options(f"{running.url}/v1/chat/completions", headers={**pre, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        assert httpx.post(f"{running.url}/v1/chat/completions", json=CHAT, headers={"Origin": "http://allowed.example"}).status_code == 401
