"""The OpenAI-compatible API on a real loopback server, driven by the ``openai`` SDK."""

from __future__ import annotations

import concurrent.futures as cf

import httpx
import openai
import pytest

from serve_support import API_KEY, GATE, SOURCE, TalkAgent, new_session


def test_models_lists_agents_and_characters(client):
    ids = {m.id for m in client.models.list()}
    assert "talk" in ids
    assert "character/ada" in ids
    assert "character" not in ids  # only meaningful with a name
    assert client.models.retrieve("character/ada").id == "character/ada"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("nope")


def test_non_streaming_completion_carries_citations(client):
    resp = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "hello there"}])
    choice = resp.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content.startswith("Echo: hello there")
    assert choice.finish_reason == "stop"
    extras = choice.message.model_extra["plait"]
    assert extras["sources"] == [SOURCE]
    assert extras["gate"] == GATE
    assert resp.usage.completion_tokens > 0


def test_streaming_completion_deltas_then_extras(client, monkeypatch):
    monkeypatch.setattr(TalkAgent, "stream_delay", 0.02)  # pieces that arrive apart go out apart
    stream = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "stream me"}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Echo: stream me")
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 2  # really streamed in pieces
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert final.model_extra["plait"]["sources"] == [SOURCE]


def test_sse_ends_with_done(server):
    with httpx.stream(
        "POST",
        f"{server.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {API_KEY}"},
        json={"model": "talk", "messages": [{"role": "user", "content": "hi"}], "stream": True},
        timeout=60,
    ) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)


def test_session_continues_across_requests(client):
    sid = new_session()
    client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "my name is Ada"}], user=sid)
    second = client.chat.completions.create(
        model="talk", messages=[{"role": "user", "content": "what is my name?"}], extra_headers={"X-Plait-Session": sid}
    )
    text = second.choices[0].message.content
    assert "what is my name?" in text
    assert "remembers: my name is Ada" in text
    assert second.choices[0].message.model_extra["plait"]["session"] == sid


def test_session_with_full_history_is_not_duplicated(client):
    """Clients that resend the whole chat (Open WebUI) do not double the checkpointed turns."""
    sid = new_session()
    first = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "one"}], user=sid)
    history = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "two"},
    ]
    second = client.chat.completions.create(model="talk", messages=history, user=sid)
    assert "(remembers: one)" in second.choices[0].message.content


def test_stateless_request_uses_only_its_messages(client):
    sid = new_session()
    client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "secret alpha"}], user=sid)
    resp = client.chat.completions.create(
        model="talk",
        messages=[{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "second"}],
    )
    text = resp.choices[0].message.content
    assert "remembers: first" in text
    assert "alpha" not in text


def test_no_cross_talk_between_concurrent_sessions(client):
    sessions = [new_session() for _ in range(8)]

    def converse(sid: str) -> str:
        client.chat.completions.create(model="talk", messages=[{"role": "user", "content": f"token-{sid}"}], user=sid)
        stream = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "again"}], user=sid, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    with cf.ThreadPoolExecutor(8) as pool:
        replies = dict(zip(sessions, pool.map(converse, sessions)))
    for sid, text in replies.items():
        assert f"token-{sid}" in text
        others = [o for o in sessions if o != sid]
        assert not any(f"token-{o}" in text for o in others)


def test_n_temperature_max_tokens_stop(client):
    resp = client.chat.completions.create(
        model="talk", messages=[{"role": "user", "content": "alpha beta gamma delta"}], n=3, temperature=0.3, max_tokens=50
    )
    assert len(resp.choices) == 3
    assert resp.choices[1].message.content.endswith("(alternative 2)")
    opts = TalkAgent.seen_options[-1]
    assert opts["n"] == 3 and opts["temperature"] == 0.3 and opts["max_tokens"] == 50

    stopped = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "alpha beta gamma delta"}], stop=["gamma"])
    assert stopped.choices[0].message.content == "Echo: alpha beta "
    assert stopped.choices[0].finish_reason == "stop"

    stream = client.chat.completions.create(
        model="talk", messages=[{"role": "user", "content": "alpha beta gamma delta"}], stop="gam", stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Echo: alpha beta "

    short = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "one two three four five"}], max_tokens=3)
    assert short.choices[0].message.content == "Echo: one"
    assert short.choices[0].finish_reason == "length"


def test_character_model(client):
    resp = client.chat.completions.create(model="character/ada", messages=[{"role": "user", "content": "who are you?"}])
    assert resp.choices[0].message.content.startswith("[ada] Echo: who are you?")


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert "nope" in str(err.value)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="character/nobody", messages=[{"role": "user", "content": "x"}])


def test_session_of_another_model_is_refused(client):
    sid = new_session()
    client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "x"}], user=sid)
    with pytest.raises(openai.ConflictError):
        client.chat.completions.create(model="character/ada", messages=[{"role": "user", "content": "y"}], user=sid)


def test_embeddings_with_the_configured_embedder(client):
    from plait.core.models.scripted import HashEmbedder

    resp = client.embeddings.create(model="anything", input=["red apple", "green pear"])  # SDK asks for base64
    assert len(resp.data) == 2
    expected = HashEmbedder().embed(["red apple"])[0]
    assert resp.data[0].embedding == pytest.approx(expected, abs=1e-6)
    plain = httpx.post(
        f"{client.base_url}embeddings", headers={"Authorization": f"Bearer {API_KEY}"}, json={"input": "red apple", "encoding_format": "float"}
    ).json()
    assert plain["data"][0]["embedding"] == pytest.approx(expected, abs=1e-6)


def test_health_and_openapi(server):
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert "/v1/chat/completions" in doc["paths"] and "/v1/embeddings" in doc["paths"]


def test_streamed_n_and_housekeeping_requests(client):
    stream = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "pick"}], n=2, stream=True)
    texts: dict[int, str] = {}
    for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
    assert texts[0].startswith("Echo: pick") and texts[1].endswith("(alternative 2)")
    title = "### Task:\nGenerate a concise, 3-5 word title.\nJSON format: { \"title\": \"...\" }\n<chat_history>\nUSER: plan a garden\n</chat_history>"
    stream = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": title}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == '{"title": "Plan a garden"}'


def test_plait_serve_command(plait_home, tmp_path):
    """`plait serve` end to end: the real command in a subprocess, built-in plugins loaded."""
    import os
    import subprocess
    import sys

    from plait.testing.kit import free_port, wait_for_http

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plait", "serve", "--port", str(port), "--no-auth", "--log-level", "warning"],
        env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", 120, proc=proc)
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models").json()
        assert "rag" in {m["id"] for m in models["data"]}
        resp = httpx.post(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json={"model": "rag", "messages": [{"role": "user", "content": "hello"}], "plait": {"retrieve": "never"}},
            timeout=60,
        )
        assert resp.status_code == 200 and resp.json()["choices"][0]["message"]["content"] == "Echo: hello"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_user_field_that_is_not_an_id_still_keeps_a_session(client):
    who = "Jane Doe <jane@example.org>"
    client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "remember kiwi"}], user=who)
    again = client.chat.completions.create(model="talk", messages=[{"role": "user", "content": "and?"}], user=who)
    assert "remembers: remember kiwi" in again.choices[0].message.content
    assert again.choices[0].message.model_extra["plait"]["session"].startswith("user-")


def test_housekeeping_for_an_unknown_model_is_404(client):
    title = "### Task:\nGenerate a title.\nJSON format: { \"title\": \"...\" }\n<chat_history>\nUSER: x\n</chat_history>"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": title}])
