"""Several `plait serve` replicas as one service (issue 21): real processes on loopback sharing one
PostgreSQL (sessions and turn locks) and one `chroma run` server (documents), each with its own
PLAIT_HOME so nothing is shared through the file system, and a vLLM stand-in (an OpenAI-protocol
stub streaming the echo of the last user message) as the model fleet.

- 20 sessions whose turns alternate between the two replicas, all sessions at once; then one more
  turn per session sent to both replicas at the same moment. Every turn is stored once, the
  sequential turns in order, each reply next to its own question, no session holds another's token.
- A replica killed with SIGKILL mid-stream loses at most that turn: the other replica, which was
  queued behind it on the session's advisory lock, runs its turn after the kill on the history
  stored before.
- `plait ingest` in a separate process is seen by both replicas at their next question.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from plait.testing.kit import free_port, http_server, send_json, stop_process, wait_for_http

KEY = "replica-key"
HOLD = "HOLDME"  # a question holding this word stalls the stub after its first streamed piece
LOGS: dict[str, Path] = {}  # replica URL -> its serve.log, quoted when a turn fails


class Stub:
    """State of the vLLM stand-in: a held stream signals ``held`` and waits for ``release``."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()


def stub_handler(stub: Stub) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            send_json(self, {"object": "list", "data": [{"id": "fleet", "object": "model", "owned_by": "stub", "max_model_len": 4096}]})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            last = next((m.get("content") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
            text = f"Echo: {last if isinstance(last, str) else json.dumps(last)}"
            if not body.get("stream"):
                send_json(self, {"id": "c", "object": "chat.completion", "created": 0, "model": "fleet",
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = [p + " " for p in text.split(" ")]
            try:
                for i, piece in enumerate(pieces):
                    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "fleet",
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if i == 0 and HOLD in text:
                        stub.held.set()
                        stub.release.wait(120)  # a guard against a hung test, not a timing assertion
                end = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "fleet",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
            except OSError:
                pass  # the replica that asked was killed
            self.close_connection = True

    return Handler


class Replica:
    """One `plait serve` process with its own PLAIT_HOME."""

    def __init__(self, root: Path, env: dict[str, str], name: str) -> None:
        self.home = root / name
        self.home.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.home / "serve.log"
        LOGS[self.url] = self.log
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "plait", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                env={**env, "PLAIT_HOME": str(self.home)}, cwd=self.home, stdout=out, stderr=subprocess.STDOUT,
            )

    def wait(self) -> "Replica":
        wait_for_http(f"{self.url}/health", 120, proc=self.proc, log=self.log)
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            stop_process(self.proc, 20)


def service_env(stub_url: str, sessions_url: str, chroma_url: str, collection: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_MODEL="openai/fleet", PLAIT_LLM_URL=f"{stub_url}/v1", PLAIT_EMBEDDER="scripted/hash",
               PLAIT_SESSIONS_URL=sessions_url, PLAIT_CHROMA_URL=chroma_url, PLAIT_COLLECTION=collection,
               PLAIT_API_KEYS=KEY, PLAIT_OPENAI__MAX_RETRIES="0")
    return env


@pytest.fixture(scope="module")
def service(postgres_cluster, chroma_server_url, tmp_path_factory):
    """Two replicas sharing a fresh database and a collection of their own on the Chroma server."""
    stub = Stub()
    url = postgres_cluster.create_database("replicas_" + uuid.uuid4().hex[:10])
    collection = "replicas-" + uuid.uuid4().hex[:10]
    root = tmp_path_factory.mktemp("replicas")
    with http_server(stub_handler(stub), daemon_threads=True) as stub_url:
        env = service_env(stub_url, url, chroma_server_url, collection)
        replicas = [Replica(root, env, name) for name in ("a", "b")]
        try:
            for replica in replicas:
                replica.wait()
            yield {"stub": stub, "env": env, "root": root, "url": url, "replicas": replicas}
        finally:
            stub.release.set()
            for replica in replicas:
                replica.stop()


async def turn(client: httpx.AsyncClient, base: str, session: str, question: str, *, on_first=None, **plait) -> str:
    """One streamed turn; returns the streamed text. ``on_first`` is awaited after the first content piece."""
    body = {"model": "rag", "stream": True, "messages": [{"role": "user", "content": question}],
            "plait": {"retrieve": "never", **plait}}
    headers = {"Authorization": f"Bearer {KEY}", "X-Plait-Session": session}
    text = []
    async with client.stream("POST", f"{base}/v1/chat/completions", json=body, headers=headers) as resp:
        if resp.status_code != 200:
            log = LOGS[base].read_text(errors="replace")[-4000:] if base in LOGS else "(no log)"
            raise AssertionError(f"{base} answered {resp.status_code}: {(await resp.aread())[:300]!r}\n"
                                 f"its serve.log ends:\n{log}")
        async for line in resp.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            assert "error" not in chunk, chunk
            piece = chunk["choices"][0]["delta"].get("content") if chunk.get("choices") else None
            if piece:
                text.append(piece)
                if on_first is not None and len(text) == 1:
                    await on_first()
    return "".join(text)


def stored(url: str, session: str) -> list[tuple[str, str]]:
    """(role, content) of the session's stored transcript, read from PostgreSQL by this process."""
    from plait.agents.sessions import transcript
    from plait.core.config import load_settings
    from plait.serve.history import to_dict

    settings = load_settings().model_copy(update={"sessions_url": url})
    return [(d["role"], d["content"]) for d in map(to_dict, transcript(settings, session)) if d]


def question(i: int, t: int) -> str:
    return f"question {t} of tok{i:02d}x"


def test_twenty_sessions_alternate_between_replicas_without_cross_talk(service):
    a, b = service["replicas"]
    sessions, sequential = 20, 4

    async def one(client: httpx.AsyncClient, i: int) -> None:
        name = f"alt-{i:02d}"
        for t in range(sequential):  # turn t on replica (i + t) % 2: every session alternates
            replica = (a, b)[(i + t) % 2]
            reply = await turn(client, replica.url, name, question(i, t))
            assert reply.strip() == f"Echo: {question(i, t)}"
        # one more turn to each replica at the same moment: the advisory lock serialises them
        await asyncio.gather(*(turn(client, r.url, name, question(i, sequential + k)) for k, r in enumerate((a, b))))

    async def everyone() -> None:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            await asyncio.gather(*(one(client, i) for i in range(sessions)))

    asyncio.run(everyone())

    for i in range(sessions):
        messages = stored(service["url"], f"alt-{i:02d}")
        pairs = list(zip(messages[::2], messages[1::2]))
        assert len(messages) == 2 * (sequential + 2), messages  # every turn stored, none twice
        for (role_q, q), (role_a, ans) in pairs:  # each reply right after its own question: no interleaving
            assert (role_q, role_a) == ("user", "assistant") and ans.strip() == f"Echo: {q}", (q, ans)
        asked = [q for (_, q), _ in pairs]
        assert asked[:sequential] == [question(i, t) for t in range(sequential)]  # in order
        assert sorted(asked[sequential:]) == [question(i, sequential), question(i, sequential + 1)]
        assert all(f"tok{i:02d}x" in text for _, text in messages)  # only its own token: 0 cross-talk

    from plait.agents.sessions import list_sessions
    from plait.core.config import load_settings

    listed = {s.name: s for s in list_sessions(load_settings().model_copy(update={"sessions_url": service["url"]}))}
    assert all(listed[f"alt-{i:02d}"].turns == sequential + 2 for i in range(sessions))


async def _queued_on_lock(url: str) -> bool:
    """Some connection waits for an advisory lock (the other replica queued behind the killed one)."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (await conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).fetchone()
        return row[0] > 0


def test_sigkill_mid_stream_loses_only_the_turn_in_flight(service):
    stub, (_, b) = service["stub"], service["replicas"]
    doomed = Replica(service["root"], service["env"], "doomed").wait()
    name = "crash-1"

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            await turn(client, doomed.url, name, "first tokcrashx")
            await turn(client, b.url, name, "second tokcrashx")
            follow_up: list[asyncio.Task] = []

            async def kill_mid_stream() -> None:
                # the model is mid-answer on the doomed replica (the wait is a guard, not a timing assertion)
                assert await asyncio.get_running_loop().run_in_executor(None, stub.held.wait, 60)
                # the same session on the other replica now queues behind the doomed one's lock
                follow_up.append(asyncio.ensure_future(turn(client, b.url, name, "fourth tokcrashx")))
                for _ in range(3000):  # a guard against a hung test, not a timing assertion
                    if await _queued_on_lock(service["url"]):
                        break
                    await asyncio.sleep(0.02)
                else:
                    raise AssertionError("the other replica never queued on the session's lock")
                assert not follow_up[0].done()
                os.kill(doomed.proc.pid, signal.SIGKILL)

            with pytest.raises(httpx.HTTPError):  # the stream dies with its replica
                await turn(client, doomed.url, name, f"third {HOLD} tokcrashx", on_first=kill_mid_stream)
            stub.release.set()
            assert (await follow_up[0]).strip() == "Echo: fourth tokcrashx"
            assert (await turn(client, b.url, name, "fifth tokcrashx")).strip() == "Echo: fifth tokcrashx"

    try:
        asyncio.run(scenario())
    finally:
        doomed.proc.kill()
        doomed.proc.wait()
    asked = [text for role, text in stored(service["url"], name) if role == "user"]
    assert asked == ["first tokcrashx", "second tokcrashx", "fourth tokcrashx", "fifth tokcrashx"]


def test_an_ingest_by_another_process_is_seen_by_both_replicas(service, tmp_path):
    a, b = service["replicas"]
    ask = "what does the zorblax valve regulate"

    async def sources(replica: Replica) -> list[str]:
        async with httpx.AsyncClient(timeout=120) as client:
            body = {"model": "rag", "messages": [{"role": "user", "content": ask}], "plait": {"retrieve": "always"}}
            resp = await client.post(f"{replica.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"})
            assert resp.status_code == 200, resp.text
            return [s["source"] for s in resp.json()["plait"].get("sources", [])]

    for replica in (a, b):  # before: nothing to cite
        assert asyncio.run(sources(replica)) == []
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "valve.md").write_text("# Valve\n\nThe zorblax valve regulates the coolant pressure of the reactor loop.\n")
    ingester = tmp_path / "ingester"
    ingester.mkdir()
    proc = subprocess.run([sys.executable, "-m", "plait", "ingest", str(docs)], env={**service["env"], "PLAIT_HOME": str(ingester)},
                          cwd=ingester, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for replica in (a, b):
        assert any(s.endswith("valve.md") for s in asyncio.run(sources(replica))), replica.url
