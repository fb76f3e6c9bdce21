"""Lone surrogates, session ids with whitespace, clients leaving mid-stream (issue 11, item 15)."""

from __future__ import annotations

import json

import httpx
import pytest

from serve_support import API_KEY, Hold, TalkAgent, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.mark.parametrize("stream", [False, True])
def test_lone_surrogate_in_a_message_is_400_naming_the_field(server, settings, stream):
    sid = new_session()
    raw = '{"model": "talk", "stream": %s, "messages": [{"role": "user", "content": "a\\ud800b"}]}' % json.dumps(stream)
    resp = httpx.post(f"{server.url}/v1/chat/completions", content=raw.encode(), headers={**AUTH, "Content-Type": "application/json", "X-Plait-Session": sid})
    assert resp.status_code == 400
    message = resp.json()["error"]["message"]
    assert "surrogate" in message and "messages[0].content" in message and "U+D800" in message
    assert TalkAgent.seen_options == []
    assert httpx.get(f"{server.url}/api/sessions/{sid}", headers=AUTH).status_code == 404  # nothing stored


def test_lone_surrogate_in_embeddings_input_is_400(server):
    raw = b'{"input": ["ok", "\\udfff"]}'
    resp = httpx.post(f"{server.url}/v1/embeddings", content=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status_code == 400 and "input[1]" in resp.json()["error"]["message"]


def test_session_id_with_a_trailing_newline_is_400_not_another_session(server):
    sid = new_session()
    body = {"model": "talk", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(f"{server.url}/v1/chat/completions", json={**body, "user": sid}, headers=AUTH).status_code == 200
    for bad in (f"{sid}\n", f"{sid} ", f"\t{sid}"):
        resp = httpx.post(f"{server.url}/v1/chat/completions", json={**body, "user": bad}, headers=AUTH)
        assert resp.status_code == 400, repr(bad)
        assert "whitespace" in resp.json()["error"]["message"]
    resp = httpx.get(f"{server.url}/api/sessions/{sid}%0A", headers=AUTH)
    assert resp.status_code == 400 and "whitespace" in resp.json()["error"]["message"]
    names = [s["name"] for s in httpx.get(f"{server.url}/api/sessions", headers=AUTH).json()["sessions"]]
    assert names.count(sid) == 1 and not any(n != sid and n.strip() == sid for n in names)


def test_a_client_leaving_mid_stream_counts_no_turn_and_stores_no_half_turn(server):
    sid = new_session()
    body = {"model": "talk", "messages": [{"role": "user", "content": "first"}]}
    assert httpx.post(f"{server.url}/v1/chat/completions", json=body, headers={**AUTH, "X-Plait-Session": sid}).status_code == 200

    hold = Hold(sid, at="stream")  # the next streamed turn pauses after its first piece
    left = {**body, "stream": True, "messages": [{"role": "user", "content": "left early"}]}
    with httpx.Client(timeout=60) as http:
        with http.stream("POST", f"{server.url}/v1/chat/completions", json=left, headers={**AUTH, "X-Plait-Session": sid}) as resp:
            for line in resp.iter_lines():
                if '"content": "' in line and '"content": ""' not in line:
                    break  # the first piece of the reply arrived: hang up
        assert hold.entered.wait(60)
    pool = server.app.state.pool
    _wait_for(lambda: pool.cancelled_streams >= 1, "the server noticed the client left")
    hold.release.set()

    # the next turn waits for the abandoned one to finish (same session lock), then runs
    after = httpx.post(f"{server.url}/v1/chat/completions", json={**body, "messages": [{"role": "user", "content": "third"}]}, headers={**AUTH, "X-Plait-Session": sid})
    assert after.status_code == 200
    assert "(remembers: first)" in after.json()["choices"][0]["message"]["content"]  # no "left early"
    shown = httpx.get(f"{server.url}/api/sessions/{sid}", headers=AUTH).json()
    assert shown["turns"] == 2
    assert [m["content"] for m in shown["messages"] if m["role"] == "user"] == ["first", "third"]


def _wait_for(predicate, what: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)
