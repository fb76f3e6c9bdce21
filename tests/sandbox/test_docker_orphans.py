"""No docker container outlives the plait process that started it, even one killed with SIGKILL.

A real ``plait sandbox run`` subprocess runs a sleeping program in docker and is killed -9: its
containers (the one running the program and the warm pool's) must stop by themselves (the stdin
lifeline), and any labelled container whose owner died (also one created but never started) must
be removed by the next start.
"""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from tests.sandbox.conftest import use_backend

WAIT_S = 60  # generous bound for the engine on a busy machine; the loops end as soon as the state is reached


def _client():
    import docker

    return docker.from_env(timeout=60)


def _owned_by(client, pid: int) -> list[dict]:
    return client.api.containers(all=True, filters={"label": f"plait.owner-pid={pid}"})


def _wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _running_program(client, pid: int) -> bool:
    for c in _owned_by(client, pid):
        try:
            procs = client.api.top(c["Id"]).get("Processes") or []
        except Exception:
            continue
        if any("main.py" in " ".join(p) for p in procs):
            return True
    return False


@pytest.fixture
def docker_ready():
    use_backend("docker")
    return _client()


def _kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.needs_docker
def test_kill_9_of_sandbox_run_leaves_no_container_running(docker_ready, tmp_path):
    client = docker_ready
    prog = tmp_path / "sleeper.py"
    prog.write_text("import time\ntime.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-m", "plait", "sandbox", "run", str(prog), "--backend", "docker",
                             "--timeout", "600"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _running_program(client, proc.pid), "the sleeper to run in a container")
        # every container of that process carries the labels
        labels = [c["Labels"] for c in _owned_by(client, proc.pid)]
        assert labels and all(l["plait.sandbox"] == "1" and l["plait.owner"].split(":")[1] == str(proc.pid) for l in labels)
    finally:
        _kill9(proc)
    # nothing else of plait runs now: the running containers must stop on their own (lifeline)
    running = lambda: client.api.containers(filters={"label": f"plait.owner-pid={proc.pid}"})  # noqa: E731
    _wait_for(lambda: not running(), "the dead process's containers to stop by themselves")
    # one its pool was creating at the kill may be left created (never started): the next start reaps it
    from plait.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox({"docker_pool": 0})
    try:
        assert box.available() == (True, "")
        assert not _owned_by(client, proc.pid)
    finally:
        box.close()


@pytest.mark.needs_docker
def test_next_start_reaps_a_container_whose_owner_died_before_its_lifeline(docker_ready, tmp_path):
    """The window the lifeline cannot cover: created, owner killed before the container started."""
    client = docker_ready
    script = textwrap.dedent("""
        import time
        from plait.sandbox.docker_backend import DockerSandbox
        box = DockerSandbox({"docker_pool": 0})
        box.client.api.attach_socket = lambda *a, **k: time.sleep(3600)  # hang between create and start
        box._create((64, 16, 8))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    try:
        created = _wait_for(lambda: _owned_by(client, proc.pid), "the container to be created")
    finally:
        _kill9(proc)
    assert created[0]["State"] == "created"
    from plait.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox({"docker_pool": 0})
    try:
        assert box.available() == (True, "")  # the next sandbox start reaps
        assert not _owned_by(client, proc.pid)
    finally:
        box.close()


@pytest.mark.needs_docker
def test_reaper_leaves_containers_of_live_owners_alone(docker_ready):
    from plait.sandbox.docker_backend import DockerSandbox, reap_orphans

    box = DockerSandbox({"docker_pool": 0})
    try:
        assert box.available()[0]
        cid = box._create((64, 16, 8))
        assert cid not in reap_orphans(box.client)
        assert cid in [c["Id"] for c in _owned_by(box.client, os.getpid())]  # (with this process's pool's)
        box._kill(cid, wait=True)
    finally:
        box.close()


def test_owner_check_sees_a_reused_pid_as_a_dead_owner():
    from plait.sandbox.docker_backend import _owner, _owner_gone

    host = socket.gethostname()
    me = _owner()
    assert not _owner_gone(me, host)
    _, pid, start = me.split(":")
    assert _owner_gone(f"{host}:{pid}:{int(start) + 1}", host)  # same pid, another process
    assert not _owner_gone(f"other-host:{pid}:1", host)  # not ours to judge
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert _owner_gone(f"{host}:{dead.pid}", host)  # labels of older versions: host:pid
