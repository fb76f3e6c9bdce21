"""plait.testing.kit.free_port / http_server / wait_for_http against real loopback servers and processes."""

from __future__ import annotations

import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from plait.testing.kit import free_port, http_server, send_json, stop_process, wait_for_http


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if something holds it


def test_http_server_serves_until_the_block_ends_and_wait_for_http_sees_it():
    class Ok(BaseHTTPRequestHandler):
        def do_GET(self):
            send_json(self, {"path": self.path}, 200 if self.path == "/ready" else 503)

        def log_message(self, *args):
            pass

    with http_server(Ok) as url:
        assert url.startswith("http://127.0.0.1:")
        wait_for_http(f"{url}/ready", 10)
        answer = httpx.get(f"{url}/ready")
        assert answer.headers["content-type"] == "application/json" and answer.json() == {"path": "/ready"}
        with pytest.raises(RuntimeError, match="did not answer 200"):
            wait_for_http(f"{url}/not-ready", 0.5, interval=0.1)
    with pytest.raises(RuntimeError):  # shut down on leaving the block
        wait_for_http(f"{url}/ready", 0.5, interval=0.1)


def test_wait_for_http_reports_a_server_process_that_exited():
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stderr.write('boom: no model'); sys.exit(3)"],
                            stderr=subprocess.PIPE, text=True)
    proc.wait(timeout=30)
    with pytest.raises(RuntimeError, match=r"exited with 3: boom: no model"):
        wait_for_http(f"http://127.0.0.1:{free_port()}/health", 30, proc=proc)


def test_stop_process_kills_a_server_that_ignores_sigterm():
    code = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "up"  # SIGTERM is ignored from here on
    stop_process(proc, 0.5)
    assert proc.returncode == -9
    proc.stdout.close()
