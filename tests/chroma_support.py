"""A real Chroma server on loopback for tests: ``chroma run --path DIR --host 127.0.0.1 --port N``.

`chroma_server_url` (session scope) starts one server per test session (the `chroma` CLI of the
chromadb package), data in a tmp dir, stopped at teardown. Tests that share it use their own
collection names. Without the CLI the fixture skips (naming the fix), unless PLAIT_REQUIRE_SERVICES
contains `chroma` (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "the `chroma` CLI is not installed: pip install chromadb (it ships `chroma run`)"


def _unavailable(reason: str) -> None:
    if "chroma" in os.environ.get("PLAIT_REQUIRE_SERVICES", ""):
        pytest.fail(f"{reason} (PLAIT_REQUIRE_SERVICES asks for chroma)")
    pytest.skip(reason)


def start_chroma(root: Path, port: int, timeout: float = 60) -> subprocess.Popen:
    """`chroma run` on 127.0.0.1:port with data under root; returns once its heartbeat answers."""
    import httpx

    exe = shutil.which("chroma")
    if exe is None:
        raise FileNotFoundError(INSTALL_HINT)
    log = open(root / "chroma.log", "w")
    proc = subprocess.Popen([exe, "run", "--path", str(root / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"`chroma run` did not start on port {port}: {(root / 'chroma.log').read_text()[-1500:]}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def chroma_server_url() -> Iterator[str]:
    """http://127.0.0.1:PORT of the session's `chroma run` server."""
    from plait.testing.kit import free_port

    if shutil.which("chroma") is None:
        _unavailable(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="plait-chroma-"))
    port = free_port()
    try:
        proc = start_chroma(root, port)
    except RuntimeError as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(str(exc))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
