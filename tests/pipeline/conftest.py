"""Servers and Ray for the pipeline tests.

- ``model_stub``: an OpenAI-protocol server on loopback whose replies are a pure function of the
  prompt; it can fail chosen requests (``script``: a list of actions per prompt, e.g. 429, "hang",
  500) and hold requests at a gate (``gate_after``) so a test can kill a run mid-flight.
- ``ray_session`` (one Ray instance shared by every Ray test of the session) lives in
  ``tests/conftest.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from plait.testing.kit import http_server, send_json


def stub_reply(prompt: str) -> str:
    return "stub says " + hashlib.sha256(prompt.encode()).hexdigest()[:12]


class StubState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: dict[str, list] = {}  # prompt substring -> actions for its 1st, 2nd, ... request
        self.seen: dict[str, int] = {}  # prompt -> requests received
        self.answered = 0
        self.hang_seconds = 2.0
        self.latency = 0.0
        self.gate_after: int | None = None  # answer this many requests, then hold the rest at the gate
        self.gate = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self.barrier: threading.Barrier | None = None  # the first N requests wait for each other
        self.barrier_used = 0

    def action(self, prompt: str):
        with self.lock:
            n = self.seen.get(prompt, 0)
            self.seen[prompt] = n + 1
            for key, actions in self.script.items():
                if key in prompt:
                    return actions[n] if n < len(actions) else actions[-1]
            return "ok"


def make_handler(state: StubState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            send_json(self, {"object": "list", "data": [{"id": "stub-model", "object": "model"}]})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            prompt = str(body["messages"][-1]["content"])
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                self._answer(prompt)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): what a real server sees too
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _answer(self, prompt: str) -> None:
            action = state.action(prompt)
            with state.lock:
                barrier = state.barrier
                if barrier is not None:
                    state.barrier_used += 1
                    if state.barrier_used >= barrier.parties:
                        state.barrier = None  # later requests pass straight through
            if barrier is not None:
                try:
                    barrier.wait(timeout=20)
                except threading.BrokenBarrierError:  # fewer requests in flight than the barrier needs
                    action = 503
            if state.gate_after is not None:
                with state.lock:
                    over = state.answered >= state.gate_after
                if over:
                    state.gate.wait()
            if state.latency:
                threading.Event().wait(state.latency)
            if action == "hang":
                threading.Event().wait(state.hang_seconds)  # longer than the client's timeout
                action = "ok"
            if isinstance(action, int):
                send_json(self, {"error": {"message": f"stub failure {action}", "code": action}}, action)
                return
            text = stub_reply(prompt)
            with state.lock:
                state.answered += 1
            send_json(self, {
                "id": "c1", "object": "chat.completion", "created": 0, "model": "stub-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                          "total_tokens": len(prompt.split()) + len(text.split())},
            })

    return Handler


@pytest.fixture
def model_stub():
    state = StubState()
    with http_server(make_handler(state), poll_interval=0.05, daemon_threads=True) as root:
        state.url = root + "/v1"
        yield state
        state.gate.set()


def stub_env(stub: StubState, home: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``plait`` subprocess using the stub as its model server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update({"PLAIT_HOME": str(home), "PLAIT_MODEL": "openai/stub-model", "PLAIT_LLM_URL": stub.url,
                "PLAIT_OPENAI__TIMEOUT": "10", "PLAIT_PIPELINE__BACKOFF": "0.01", **extra})
    return env
