"""Each assistant reply's extras (sources, gate) are kept per turn and come back with the session."""

from __future__ import annotations

import httpx
import pytest

from serve_support import API_KEY, GATE, SOURCE, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(autouse=True)
def _both_backends(sessions_backend):
    """Every test here runs on SQLite and on PostgreSQL (tests/postgres_support.py)."""
    return sessions_backend


def _chat(server, content, session, stream=False, **extra):
    body = {"model": "talk", "messages": [{"role": "user", "content": content}], "stream": stream, **extra}
    resp = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers={**AUTH, "X-Plait-Session": session}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp


def _messages(server, session):
    resp = httpx.get(f"{server.url}/api/sessions/{session}", headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json()["messages"]


def test_reopened_session_shows_each_replys_sources_and_gate(server):
    sid = new_session()
    _chat(server, "first", sid)
    _chat(server, "second", sid, stream=True)  # streamed turns are kept too
    msgs = _messages(server, sid)
    assert [m["role"] for m in msgs] == ["user", "assistant", "user", "assistant"]
    for reply in (msgs[1], msgs[3]):
        assert reply["plait"]["sources"] == [SOURCE]
        assert reply["plait"]["gate"] == GATE
        assert reply["plait"]["session"] == sid
    assert all("plait" not in m for m in msgs if m["role"] == "user")


def test_extras_belong_to_their_own_session_and_turn(server, settings):
    from plait.agents import sessions

    sid, other = new_session(), new_session()
    _chat(server, "one", sid)
    _chat(server, "two", other)
    assert set(sessions.turn_extras(settings, sid)) == {1}
    assert _messages(server, other)[1]["plait"]["session"] == other
    # stateless requests and Open WebUI housekeeping store nothing
    httpx.post(f"{server.url}/v1/chat/completions", json={"model": "talk", "messages": [{"role": "user", "content": "x"}]}, headers=AUTH, timeout=60)
    assert sessions.turn_extras(settings, "nobody") == {}


def test_regenerate_overwrites_and_a_changed_reply_drops_stale_extras(server, settings):
    from plait.agents import sessions

    sid = new_session()
    _chat(server, "one", sid)
    _chat(server, "one", sid, plait={"regenerate": True})
    kept = sessions.turn_extras(settings, sid)
    assert list(kept) == [1]  # the same turn, rewritten rather than added
    assert _messages(server, sid)[1]["plait"]["sources"] == [SOURCE]
    # extras recorded for other text (e.g. a reply since replaced) are not shown
    sessions.save_turn_extras(settings, sid, 1, "0" * 16, {"sources": [{"source": "stale.md"}]})
    assert "plait" not in _messages(server, sid)[1]


def test_deleting_a_session_deletes_its_extras(server, settings):
    from plait.agents import sessions

    sid = new_session()
    _chat(server, "one", sid)
    assert httpx.delete(f"{server.url}/api/sessions/{sid}", headers=AUTH).status_code == 200
    assert sessions.turn_extras(settings, sid) == {}
