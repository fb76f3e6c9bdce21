"""Shared test set-up: offline Hugging Face, a fresh plugin host per test."""

import importlib.util
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

pytest_plugins = ["postgres_support", "chroma_support"]  # throwaway PostgreSQL: postgres_url, fresh_postgres_db; `chroma run`: chroma_server_url


@pytest.fixture(autouse=True)
def _fresh_host():
    """Each test starts with a newly loaded host (plugins may be added by a test)."""
    from plait.core.host import set_host

    set_host(None)
    yield
    set_host(None)


# --- Ray: one session for every Ray test (tests/pipeline, tests/plugins/...); a second ray.init
# in the same process fails, so the fixture lives here, not in a package's conftest ----------------

def loopback_only() -> bool:
    """True inside a network namespace whose only interface is loopback (where Ray binds 127.0.0.1)."""
    import socket

    try:  # asks the kernel about this process's namespace (/sys/class/net shows the mount's)
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


RAY_CMD = "unshare --net bash -c 'ip link set lo up; exec python -m pytest -m ray tests/pipeline tests/plugins/codeverify'"


@pytest.fixture(scope="session")
def ray_session():
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed: pip install 'plait[ray]'")
    if not loopback_only():
        pytest.skip(f"Ray binds the machine's address; run the Ray tests in a loopback-only namespace: {RAY_CMD}")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
