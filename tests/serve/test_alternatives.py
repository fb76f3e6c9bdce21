"""Picking among a character's kept alternatives through /api/sessions/{id}/alternatives.

The real character agent (scripted model) keeps every reply to the last user message after a
regenerate; the route selects one with the agent's own ``choose_alternative``.
"""

from __future__ import annotations

import httpx
import pytest

from serve_support import API_KEY, RunningServer, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(autouse=True)
def _both_backends(sessions_backend):
    """Every test here runs on SQLite and on PostgreSQL (tests/postgres_support.py)."""
    return sessions_backend


@pytest.fixture
def real_server(plait_home, monkeypatch):
    from plait.core.config import load_settings
    from plait.core.models.scripted import ScriptedChatModel
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_API_KEYS", API_KEY)
    app = create_app(load_settings())
    # distinct replies, so each alternative is recognisable
    app.state.pool._model = ScriptedChatModel(replies=[f"Reply number {i}." for i in range(1, 40)])
    with RunningServer(app) as running:
        yield running


def _character(server) -> str:
    models = httpx.get(f"{server.url}/v1/models", headers=AUTH).json()["data"]
    return next(m["id"] for m in models if m["id"].startswith("character/"))


def _chat(server, model, sid, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "Hello, who are you?"}], **extra}
    resp = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers={**AUTH, "X-Plait-Session": sid}, timeout=120)
    assert resp.status_code == 200, resp.text
    return resp.json()["choices"][0]["message"]["content"]


def _alts(server, sid):
    resp = httpx.get(f"{server.url}/api/sessions/{sid}/alternatives", headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _choose(server, sid, body):
    return httpx.post(f"{server.url}/api/sessions/{sid}/alternatives", json=body, headers=AUTH, timeout=60)


def test_choose_among_kept_alternatives(real_server):
    model, sid = _character(real_server), new_session()
    first = _chat(real_server, model, sid)
    assert _alts(real_server, sid) == {"alternatives": [], "chosen": 0}  # one reply is no choice
    second = _chat(real_server, model, sid, plait={"regenerate": True})
    third = _chat(real_server, model, sid, plait={"regenerate": True}, stream=False)
    listed = _alts(real_server, sid)
    assert listed["alternatives"] == [first, second, third] and len({first, second, third}) == 3
    assert listed["chosen"] == 2

    resp = _choose(real_server, sid, {"index": 0})
    assert resp.status_code == 200, resp.text
    assert resp.json()["content"] == first and resp.json()["chosen"] == 0
    messages = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    assert [m["role"] for m in messages] == ["assistant", "user", "assistant"]  # swapped, not appended
    assert messages[-1]["content"] == first
    assert messages[-1]["plait"]["character"]  # the turn's extras stay attached to the chosen text
    assert _alts(real_server, sid)["chosen"] == 0

    # the next turn continues from the chosen reply and starts with no alternatives
    _chat(real_server, model, sid)
    assert _alts(real_server, sid)["alternatives"] == []


def test_choose_refuses_bad_requests_without_changing_the_session(real_server):
    model, sid = _character(real_server), new_session()
    _chat(real_server, model, sid)
    _chat(real_server, model, sid, plait={"regenerate": True})
    before = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    out_of_range = _choose(real_server, sid, {"index": 5})
    assert out_of_range.status_code == 400 and "no alternative 6" in out_of_range.json()["error"]["message"]
    assert _choose(real_server, sid, {"index": -1}).status_code == 422
    assert _choose(real_server, sid, {}).status_code == 422
    assert _choose(real_server, "no-such-session", {"index": 0}).status_code == 404
    assert httpx.post(f"{real_server.url}/api/sessions/{sid}/alternatives", json={"index": 0}).status_code == 401
    assert httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"] == before


def test_agents_without_alternatives_say_so(real_server):
    sid = new_session()
    resp = httpx.post(
        f"{real_server.url}/v1/chat/completions",
        json={"model": "rag", "messages": [{"role": "user", "content": "hi"}], "plait": {"retrieve": "never"}},
        headers={**AUTH, "X-Plait-Session": sid}, timeout=120,
    )
    assert resp.status_code == 200, resp.text
    assert _alts(real_server, sid) == {"alternatives": [], "chosen": 0}
    refused = _choose(real_server, sid, {"index": 0})
    assert refused.status_code == 400 and "keeps no alternative" in refused.json()["error"]["message"]
