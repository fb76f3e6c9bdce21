"""Turns waiting for a busy session hold no worker thread (issue 11, item 7).

The test agent's turns on one session wait inside the agent until the test releases them, so
"still busy" is a fact the test controls, not a duration it measures.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from serve_support import API_KEY, Hold, RunningServer, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def _body(text: str) -> dict:
    return {"model": "talk", "messages": [{"role": "user", "content": text}]}


@pytest.fixture
def small_server(settings, monkeypatch):
    from plait.core.config import load_settings
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_SERVE__WORKERS", "2")
    monkeypatch.setenv("PLAIT_SERVE__SESSION_QUEUE", "3")
    with RunningServer(create_app(load_settings())) as running:
        yield running


def _post_in_thread(url: str, session: str, text: str, results: list) -> threading.Thread:
    def run() -> None:
        resp = httpx.post(f"{url}/v1/chat/completions", json=_body(text), headers={**AUTH, "X-Plait-Session": session}, timeout=120)
        results.append(resp)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_until(predicate, what: str) -> None:
    """Wait for a server-side condition (a guard, not a timing assertion)."""
    import time

    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def test_models_and_other_sessions_answer_while_turns_queue_on_a_busy_session(small_server):
    sid = new_session()
    hold = Hold(sid)
    results: list[httpx.Response] = []
    threads = [_post_in_thread(small_server.url, sid, "first", results)]
    assert hold.entered.wait(60), "the first turn never reached the agent"
    threads += [_post_in_thread(small_server.url, sid, f"queued {i}", results) for i in range(3)]
    locks = small_server.app.state.pool.locks
    _wait_until(lambda: locks.waiting(sid) == 3, "three turns queued on the session")

    # two workers: one runs the held turn; the three queued turns must not hold the other one
    models = httpx.get(f"{small_server.url}/v1/models", headers=AUTH, timeout=120)
    other = httpx.post(f"{small_server.url}/v1/chat/completions", json=_body("elsewhere"), headers={**AUTH, "X-Plait-Session": new_session()}, timeout=120)
    busy_while_answered = not hold.release.is_set() and results == []

    hold.release.set()
    for thread in threads:
        thread.join(120)
    assert models.status_code == 200 and any(m["id"] == "talk" for m in models.json()["data"])
    assert other.status_code == 200
    assert busy_while_answered  # both answered while the session's first turn was still running
    assert sorted(r.status_code for r in results) == [200] * 4
    last = httpx.get(f"{small_server.url}/api/sessions/{sid}", headers=AUTH).json()
    assert last["turns"] == 4  # every queued turn ran, one after another


def test_a_full_session_queue_answers_429(small_server):
    sid = new_session()
    hold = Hold(sid)
    results: list[httpx.Response] = []
    threads = [_post_in_thread(small_server.url, sid, "first", results)]
    assert hold.entered.wait(60)
    threads += [_post_in_thread(small_server.url, sid, f"queued {i}", results) for i in range(3)]
    _wait_until(lambda: small_server.app.state.pool.locks.waiting(sid) == 3, "three turns queued")
    refused = httpx.post(f"{small_server.url}/v1/chat/completions", json=_body("one too many"), headers={**AUTH, "X-Plait-Session": sid}, timeout=120)
    streamed = httpx.post(f"{small_server.url}/v1/chat/completions", json={**_body("streamed"), "stream": True}, headers={**AUTH, "X-Plait-Session": sid}, timeout=120)
    hold.release.set()
    for thread in threads:
        thread.join(120)
    assert refused.status_code == 429
    assert sid in refused.json()["error"]["message"] and "session_queue" in refused.json()["error"]["message"]
    assert streamed.status_code == 429  # a status, not an error inside a 200 stream
    assert sorted(r.status_code for r in results) == [200] * 4
