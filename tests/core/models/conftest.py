"""Real servers on loopback for the model backends.

- ``llama_server``: llama-cpp-python's OpenAI-compatible server running the packaged SmolLM2 GGUF
  (a real server speaking the protocol vLLM speaks).
- ``stub``: a small OpenAI-protocol server for what llama.cpp's server lacks (``n`` > 1, vLLM's
  ``structured_outputs`` field, embeddings, ``/tokenize``, error statuses); it records every
  request body so tests can assert what plait sent.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from plait.testing.kit import free_port, http_server, send_json, stop_process, wait_for_http


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


def _need_llama() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (it comes with `pip install 'plait[local]'`, see docs/models.md)")
    from plait.core.errors import ModelUnavailable
    from plait.core.models.llamacpp import smollm2_path

    try:
        return smollm2_path()
    except ModelUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    return _need_llama()


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf, tmp_path_factory):
    """Base URL (``.../v1``) of a real llama-cpp-python server on loopback."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--verbose", "False"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            wait_for_http(f"{url}/models", 180, proc=proc, log=log, interval=0.3)
        except RuntimeError as exc:
            pytest.fail(f"llama_cpp.server did not come up: {exc}")
        yield url
    finally:
        stop_process(proc, 20)


# --- the stub -------------------------------------------------------------------------------

def stub_vector(text: str, dim: int = 8) -> list[float]:
    """Deterministic, deliberately not unit-length (plait must normalise)."""
    digest = hashlib.sha256(text.encode()).digest()
    return [float(b) + 1.0 for b in digest[:dim]]


class StubState:
    def __init__(self):
        self.requests: list[dict] = []  # {"path", "body", "headers"}
        self.fail_next: list[int] = []  # statuses to answer with, one per request, before behaving
        self.api_key: str | None = None  # when set, other keys get 401
        self.delay = 0.0

    def bodies(self, path: str) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == path]


def _last_user(messages: list[dict]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return str(m.get("content"))
    return ""


def _choice(body: dict, i: int) -> dict:
    text = f"reply {i} to: {_last_user(body.get('messages', []))}"
    if "structured_outputs" in body or body.get("response_format", {}).get("type") in ("json_schema", "json_object"):
        text = json.dumps({"answer": "stub", "index": i})
    message: dict = {"role": "assistant", "content": text}
    finish = "stop"
    tc = body.get("tool_choice")
    if body.get("tools") and isinstance(tc, dict):
        name = tc["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps({"city": "Paris"})}}]}
        finish = "tool_calls"
    choice = {"index": i, "message": message, "finish_reason": finish, "logprobs": None}
    if body.get("logprobs"):
        k = int(body.get("top_logprobs") or 0)
        content = []
        for j, word in enumerate(text.split(" ")):
            top = [{"token": word, "logprob": -0.1 * (j + 1), "bytes": None}]
            top += [{"token": f"alt{a}", "logprob": -5.0 - a, "bytes": None} for a in range(1, k)]
            content.append({"token": word, "logprob": -0.1 * (j + 1), "bytes": None, "top_logprobs": top[:k]})
        choice["logprobs"] = {"content": content}
    return choice


def make_handler(state: StubState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output clean
            pass

        def _send(self, status: int, payload: dict) -> None:
            send_json(self, payload, status)

        def _guard(self, body: dict) -> bool:
            state.requests.append({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
            if state.delay:
                time.sleep(state.delay)
            if state.api_key and self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self._send(401, {"error": {"message": "invalid api key", "type": "auth"}})
                return False
            if state.fail_next:
                status = state.fail_next.pop(0)
                self._send(status, {"error": {"message": f"stub failure {status}", "type": "stub", "code": status}})
                return False
            return True

        def do_GET(self):
            if not self._guard({}):
                return
            if self.path == "/v1/models":
                self._send(200, {"object": "list", "data": [
                    {"id": "stub-model", "object": "model", "owned_by": "stub", "max_model_len": 512}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self._guard(body):
                return
            if self.path == "/v1/chat/completions":
                if body.get("model") != "stub-model":
                    self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
                elif body.get("stream"):
                    self._stream(body)
                else:
                    n = int(body.get("n") or 1)
                    self._send(200, {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": "stub-model",
                                     "choices": [_choice(body, i) for i in range(n)],
                                     "usage": {"prompt_tokens": 5, "completion_tokens": 7 * n, "total_tokens": 5 + 7 * n}})
            elif self.path == "/v1/embeddings":
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [{"object": "embedding", "index": i, "embedding": stub_vector(t)} for i, t in enumerate(inputs)]
                self._send(200, {"object": "list", "model": body["model"], "data": list(reversed(data)),
                                 "usage": {"prompt_tokens": 1, "total_tokens": 1}})
            elif self.path == "/tokenize":
                tokens = body["prompt"].split()
                self._send(200, {"count": len(tokens), "tokens": list(range(len(tokens))), "max_model_len": 512})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def _stream(self, body: dict) -> None:
            text = _choice(body, 0)["message"]["content"] or ""
            pieces = [p + " " for p in text.split(" ")]
            pieces[-1] = pieces[-1].rstrip()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            chunks = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
            for i, delta in enumerate(chunks):
                payload = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "stub-model",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(chunks) - 1 else None}]}
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


@pytest.fixture
def stub():
    """A running stub server: ``stub.url`` (``.../v1``) and ``stub.state``."""
    state = StubState()

    class Stub:
        pass

    with http_server(make_handler(state), poll_interval=0.05, daemon_threads=True) as root:
        s = Stub()
        s.state = state
        s.vector = stub_vector
        s.root = root
        s.url = s.root + "/v1"
        yield s
