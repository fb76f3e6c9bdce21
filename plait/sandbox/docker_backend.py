"""The ``docker`` backend (docker SDK): one container per run, from a pool of warm ones.

Each container: no network, memory and swap capped together, a pids limit, a CPU quota, a
read-only root with size-capped tmpfs ``/work`` and ``/tmp``, every capability dropped,
no-new-privileges, user ``nobody``, auto-removed. A run takes a started container, execs the
bootstrap in it, and the container is killed afterwards: nothing persists between runs, and no
daemon outlives its run. Warm containers only hide the start-up latency.

No container outlives the process that made it, even one killed with SIGKILL:
- lifeline: the container's main process is ``cat`` on a stdin that docker closes when our one
  attached connection closes (``StdinOnce``); the kernel closes that connection when we die,
  so ``cat`` ends, the container stops (its execs with it) and docker removes it.
- labels + reaper: every container carries ``plait.sandbox=1`` and its owner (host, pid and the
  pid's start time, so a reused pid is not mistaken for the owner); the first availability
  check of every backend instance kills labelled containers whose owner is gone (one left
  created-but-never-started, or from an engine that lost the attach).
"""

from __future__ import annotations

import atexit
import os
import socket
import struct
import threading
import time
from pathlib import Path

from plait.sandbox import harness
from plait.sandbox.types import ExecResult, Limits

USER = "65534:65534"
WORKDIR = "/work"
LABEL = "plait.sandbox"
OWNER = "plait.owner"  # host:pid:start-time of the process that made the container
OWNER_PID = "plait.owner-pid"  # the pid alone, for `docker ps --filter label=plait.owner-pid=N`
LIFELINE = ["cat"]  # main process: ends when docker closes its stdin (our attach connection closed)
CGROUP = Path("/sys/fs/cgroup")


def _start_time(pid: int) -> str | None:
    """The pid's start time in clock ticks since boot (/proc/PID/stat field 22); None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after "(comm)" start at field 3


def _owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def _owner_gone(owner: str, host: str) -> bool:
    """True when ``owner`` (host:pid[:start]) names a process of this host that no longer runs."""
    name, _, rest = owner.partition(":")
    pid, _, start = rest.partition(":")
    if name != host or not pid.isdigit():
        return False  # another host's engine client, or not ours to judge
    now = _start_time(int(pid))
    if now is None:
        return not _alive(int(pid))  # no /proc (or hidden): fall back to signal 0
    return bool(start) and now != start  # same pid, another process: the owner died


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class DockerSandbox:
    name = "docker"
    isolating = True

    def __init__(self, config: dict | None = None, profile: str = "minimal"):
        from plait.sandbox.profiles import DEFAULT, image_for

        config = config or {}
        self._config = config
        self.profile = profile
        if profile != DEFAULT:  # results name the profile: docker@scientific
            self.name = f"docker@{profile}"
        self.image = image_for(profile, config)
        self.pool_size = int(config.get("docker_pool", 2))
        self.cpus = float(config.get("cpus", 1.0))
        self._client = None
        self._ok: tuple[bool, str] | None = None
        self._checked = 0.0
        self._pool: dict[tuple, list[str]] = {}
        self._lock = threading.Lock()
        self._refilling: set[tuple] = set()
        self._threads: list[threading.Thread] = []
        self._lifelines: dict[str, object] = {}  # container id -> its attached stdin (socket or SocketIO)
        atexit.register(self.close)

    def for_profile(self, profile: str) -> "DockerSandbox":
        """The same backend on the image of ``profile`` (``docker@scientific``)."""
        return DockerSandbox(self._config, profile)

    # -- availability ---------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            import docker

            self._client = docker.from_env(timeout=60)
        return self._client

    def available(self) -> tuple[bool, str]:
        if self._ok is not None and (self._ok[0] or time.monotonic() - self._checked < 5):
            return self._ok
        self._checked = time.monotonic()
        try:
            import docker  # noqa: F401
        except ImportError:
            self._ok = (False, "the docker Python package is missing (pip install docker)")
            return self._ok
        try:
            self.client.ping()
        except Exception as exc:
            self._client = None
            self._ok = (False, f"no Docker engine answers ({type(exc).__name__}); start dockerd")
            return self._ok
        from plait.sandbox.image import image_exists

        if not image_exists(self.client, self.image):
            flag = "" if self.profile == "minimal" else f" --profile {self.profile}"
            self._ok = (False, f"image {self.image} is missing; build it with `plait sandbox build-image{flag}`")
            return self._ok
        self._ok = (True, "")
        self._reap_orphans()
        return self._ok

    def _reap_orphans(self) -> list[str]:
        """Remove containers left by plait processes of this host that have died; their ids."""
        return reap_orphans(self.client)

    # -- containers -----------------------------------------------------------------------
    @staticmethod
    def _key(limits: Limits) -> tuple:
        return (limits.memory_mb, limits.pids, limits.files_mb)

    def _create(self, key: tuple) -> str:
        memory_mb, pids, files_mb = key
        mem = (memory_mb + 2 * files_mb) * harness.MB  # tmpfs pages are charged to the container
        api = self.client.api
        host_config = api.create_host_config(
            auto_remove=True,
            network_mode="none",
            mem_limit=mem,
            memswap_limit=mem,
            pids_limit=pids,
            nano_cpus=int(self.cpus * 1e9),
            read_only=True,
            tmpfs={WORKDIR: f"size={files_mb}m,mode=1777", "/tmp": f"size={files_mb}m,mode=1777"},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            ipc_mode="private",
        )
        cid = api.create_container(
            self.image, LIFELINE, user=USER, working_dir=WORKDIR, hostname="sandbox",
            labels={LABEL: "1", OWNER: _owner(), OWNER_PID: str(os.getpid())}, environment={},
            # not detached + stdin_open: docker-py sets AttachStdin and StdinOnce (`docker run -i`)
            stdin_open=True, detach=False, host_config=host_config,
        )["Id"]
        try:
            # attached before the start, so there is no moment when the container runs unowned
            sock_io = api.attach_socket(cid, params={"stdin": 1, "stream": 1})
            api.start(cid)
        except Exception:
            api.remove_container(cid, force=True)
            raise
        with self._lock:  # the object docker-py returned: it also keeps the HTTP response alive
            self._lifelines[cid] = sock_io
        return cid

    def _take(self, key: tuple) -> str:
        with self._lock:
            ready = self._pool.get(key)
            cid = ready.pop() if ready else None
        if cid is None:
            cid = self._create(key)
        self._refill(key)
        return cid

    def _refill(self, key: tuple) -> None:
        if self.pool_size <= 0:
            return
        with self._lock:
            if key in self._refilling or len(self._pool.get(key, [])) >= self.pool_size:
                return
            self._refilling.add(key)

        def work() -> None:
            try:
                while True:
                    with self._lock:
                        if len(self._pool.get(key, [])) >= self.pool_size:
                            return
                    cid = self._create(key)
                    with self._lock:
                        closed = self.pool_size <= 0
                        if not closed:
                            self._pool.setdefault(key, []).append(cid)
                    if closed:  # close() ran while this one was starting
                        self._kill(cid)
                        return
            except Exception:
                return
            finally:
                with self._lock:
                    self._refilling.discard(key)

        thread = threading.Thread(target=work, name="plait-docker-pool", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _kill(self, cid: str, wait: bool = False) -> None:
        with self._lock:
            lifeline = self._lifelines.pop(cid, None)
        try:
            self.client.api.kill(cid)
        except Exception:
            return  # already gone (auto-removed)
        finally:
            if lifeline is not None:
                _close(lifeline)
        if wait:  # no process of the run may outlive it: wait until the container has stopped
            try:
                self.client.api.wait(cid, timeout=10)
            except Exception:
                pass  # removed already (auto_remove) or the engine is slow; the kill was sent

    def close(self) -> None:
        """Kill the warm containers (also at interpreter exit)."""
        with self._lock:
            self.pool_size = 0
        for thread in self._threads:  # a container being started now is killed by its thread
            thread.join(15)
        self._threads = [t for t in self._threads if t.is_alive()]
        with self._lock:
            ids = [c for cs in self._pool.values() for c in cs]
            self._pool.clear()
        for cid in ids:
            self._kill(cid)

    # -- one run --------------------------------------------------------------------------
    def run(self, argv, *, files, stdin, limits: Limits, env) -> ExecResult:
        if self.profile != "minimal" and "HOME" not in env:
            env = {**env, "HOME": WORKDIR}  # as bubblewrap@PROFILE: nltk and matplotlib need a writable home
        start = time.monotonic()
        try:
            cid = self._take(self._key(limits))
        except Exception as exc:
            return ExecResult(status="sandbox_error", backend=self.name, detail=f"cannot start a container: {exc}")
        try:
            return self._exec(cid, argv, files, stdin, limits, env, start)
        finally:
            self._kill(cid, wait=True)

    def _exec(self, cid, argv, files, stdin, limits, env, start) -> ExecResult:
        api = self.client.api
        payload = harness.header_bytes(
            argv, files, env,
            harness.rlimits(limits, address_space=4 * limits.memory_mb * harness.MB, nproc=None), WORKDIR,
        ) + stdin
        exec_id = api.exec_create(
            cid, ["python3", "-I", "-S", "-c", harness.BOOTSTRAP], stdin=True, stdout=True, stderr=True,
            tty=False, user=USER, workdir=WORKDIR, environment={},
        )["Id"]
        sock_io = api.exec_start(exec_id, socket=True)
        sock: socket.socket = getattr(sock_io, "_sock", sock_io)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            self._kill(cid)

        last_poll = [0.0]

        def exited() -> bool:
            # a daemon may hold the output stream open after the program ended: ask the engine
            now = time.monotonic()
            if now - last_poll[0] < 0.1:
                return False
            last_poll[0] = now
            try:
                return not api.exec_inspect(exec_id).get("Running", True)
            except Exception:
                return False

        # stdin goes in from a thread, so a program that never reads it cannot block us
        def feed() -> None:
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the program exited without reading all of its stdin, or we closed

        sock.settimeout(None)
        writer = threading.Thread(target=feed, name="plait-docker-stdin", daemon=True)
        try:
            writer.start()
            demux = _Demux(sock)
            pumped = harness.pump(
                write_fd=None, read_fds={sock.fileno(): "stdout"}, payload=b"", limits=limits,
                exited=exited, kill=kill, read_chunk=demux.read, start=start,
            )
            if killed.is_set() and pumped.reason is None:
                pumped.reason = "timeout"
            # the output is closed, but the program may still run (it closed its pipes)
            if pumped.reason is None and not exited():
                while not exited():
                    if time.monotonic() >= start + limits.timeout_s:
                        kill()
                        pumped.reason = "timeout"
                        break
                    time.sleep(0.05)
                pumped.wall_s = time.monotonic() - start
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
            writer.join(5)
        oom, cpu_s, max_rss = _cgroup_stats(cid)
        code = None
        try:
            info = api.exec_inspect(exec_id)
            if not info.get("Running"):
                code = info.get("ExitCode")
        except Exception:
            pass
        if oom is None:
            try:
                oom = bool(api.inspect_container(cid)["State"].get("OOMKilled"))
            except Exception:
                oom = False
        result = harness.classify(
            pumped, returncode=code, backend=self.name, oom=bool(oom), cpu_s=cpu_s, max_rss=max_rss, limits=limits
        )
        if code == 1 and result.stderr.startswith("plait-bootstrap: "):
            result.status, result.detail = "sandbox_error", result.stderr.strip()[:500]
        return result


def _close(sock_io: object) -> None:
    """Close a lifeline now: shutdown acts on the descriptor even while wrappers still hold it."""
    sock = getattr(sock_io, "_sock", sock_io)
    for step in (lambda: sock.shutdown(socket.SHUT_RDWR), sock.close, getattr(sock_io, "close", lambda: None)):
        try:
            step()
        except OSError:
            pass


def reap_orphans(client) -> list[str]:
    """Kill and remove every plait container (running or never started) whose owner is gone.

    Only owners on this host are judged: another host's process cannot be checked from here.
    """
    host = socket.gethostname()
    try:
        found = client.api.containers(all=True, filters={"label": LABEL})
    except Exception:
        return []
    reaped = []
    for c in found:
        if _owner_gone((c.get("Labels") or {}).get(OWNER, ""), host):
            try:
                client.api.remove_container(c["Id"], force=True)  # SIGKILL + remove, any state
            except Exception:
                continue  # gone meanwhile (auto-removed) or being removed already
            reaped.append(c["Id"])
    return reaped


class _Demux:
    """Docker's multiplexed stream: frames of [stream, 0, 0, 0, size(4, big-endian)] + data."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def read(self, fd: int) -> list[tuple[str, bytes]]:
        try:
            data = self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return [("", b"")]
        except OSError:
            data = b""
        if not data:
            return []
        self.buf += data
        out = []
        while len(self.buf) >= 8:
            kind, size = self.buf[0], struct.unpack(">I", self.buf[4:8])[0]
            if len(self.buf) < 8 + size:
                break
            out.append(("stderr" if kind == 2 else "stdout", bytes(self.buf[8 : 8 + size])))
            del self.buf[: 8 + size]
        return out or [("", b"")]


def _cgroup_stats(cid: str) -> tuple[bool | None, float | None, int | None]:
    """(oom_killed, cpu seconds, peak memory) from the container's cgroup v1 files, if readable."""
    mem = CGROUP / "memory" / "docker" / cid
    cpu = CGROUP / "cpuacct" / "docker" / cid
    oom = cpu_s = peak = None
    try:
        for line in (mem / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                oom = int(line.split()[1]) > 0
        peak = int((mem / "memory.max_usage_in_bytes").read_text())
    except (OSError, ValueError):
        pass
    try:
        cpu_s = int((cpu / "cpuacct.usage").read_text()) / 1e9
    except (OSError, ValueError):
        pass
    return oom, cpu_s, peak
