"""The attack suite: every attack runs on every available backend, each beside a positive control
showing the probe would have noticed (so a passing attack test is not a broken probe).

Resource attacks run on all backends (``process`` included: it promises limits). Isolation attacks
run on the isolating backends (docker, bubblewrap); ``process`` promises no isolation, and some of
these (fork bomb, kill(-1)) would harm the host there, so they are not run on it.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from plait.sandbox import Limits, run
from plait.sandbox.grading import grade

FAST = Limits(timeout_s=5, memory_mb=128, output_bytes=100_000, pids=32, files_mb=10)

# The same attacks in the scientific profile: its image (docker@scientific) must hold as the
# minimal one does, and bubblewrap@scientific's extra read-only binds (/etc/alternatives, ...) must
# not open a way out. These fixtures replace conftest's for this module only.
from tests.sandbox.conftest import ALL, ISOLATING, use_backend  # noqa: E402


def _ids(spec: str) -> str:
    return spec.replace("@", "-")  # `-k docker-scientific` works; '@' is not allowed in -k


@pytest.fixture(params=ALL + ["docker@scientific"], ids=_ids)
def backend(request) -> str:
    return use_backend(request.param)


@pytest.fixture(params=ISOLATING + ["docker@scientific", "bubblewrap@scientific"], ids=_ids)
def isolating_backend(request) -> str:
    return use_backend(request.param)


# -- resource attacks (every backend) -------------------------------------------------------------
def test_cpu_loop(backend):
    r = run("while True:\n    pass\n", limits=FAST, backend=backend)
    assert r.status == "timeout" and r.backend == backend
    control = run("x = sum(range(10000))\nprint(x)\n", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout.strip() == str(sum(range(10000)))


def test_cpu_time_limit(backend):
    r = run("while True:\n    pass\n", limits=Limits(timeout_s=8, cpu_s=1), backend=backend)
    assert r.status == "timeout"
    assert "CPU" in r.detail or r.signal in (9, 24)


def test_sleep_wall_clock(backend):
    r = run("import time\ntime.sleep(120)\n", limits=FAST, backend=backend)
    assert r.status == "timeout"
    control = run("import time\ntime.sleep(0.05)\nprint('woke')\n", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == "woke\n"


SIGNAL_IGNORER = """
import signal, sys
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGXCPU):
    signal.signal(s, signal.SIG_IGN)
print('handlers installed', flush=True)
if sys.argv[-1] != 'control':
    while True:
        pass
"""


def test_signal_ignoring_loop(backend):
    r = run(argv=["python3", "main.py"], files={"main.py": SIGNAL_IGNORER}, limits=FAST, backend=backend)
    assert r.status == "timeout"
    assert "handlers installed" in r.stdout  # it really did ignore them before looping
    control = run(argv=["python3", "main.py", "control"], files={"main.py": SIGNAL_IGNORER}, limits=FAST, backend=backend)
    assert control.status == "ok"


def test_memory_bomb_all_at_once(backend):
    r = run("x = bytearray(4 * 1024**3)\nprint('allocated')\n", limits=FAST, backend=backend)
    assert r.status == "memory_limit", (r.status, r.stderr[-300:])
    assert "allocated" not in r.stdout
    control = run("x = bytearray(20 * 1024**2)\nprint('allocated')\n", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == "allocated\n"


def test_memory_bomb_growing(backend):
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024**2))\n"
    r = run(code, limits=Limits(timeout_s=20, memory_mb=128, files_mb=10), backend=backend)
    assert r.status == "memory_limit", (r.status, r.detail, r.stderr[-300:])
    control = run("chunks = [bytearray(8 * 1024**2) for _ in range(4)]\nprint(len(chunks))\n", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == "4\n"


def test_runaway_output(backend):
    r = run("while True:\n    print('x' * 1000)\n", limits=FAST, backend=backend)
    assert r.status == "output_limit" and r.truncated
    assert len(r.stdout.encode()) + len(r.stderr.encode()) <= FAST.output_bytes
    control = run("print('y' * 5000)\n", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == "y" * 5000 + "\n" and not control.truncated


def test_runaway_stderr(backend):
    r = run("import sys\nwhile True:\n    sys.stderr.write('e' * 4096)\n", limits=FAST, backend=backend)
    assert r.status == "output_limit" and r.truncated


def test_binary_output_is_decoded_with_replacement(backend):
    code = "import os, sys\nsys.stdout.buffer.write(bytes(range(256)) * 4 + b'\\xff\\xfe\\xc3')\nsys.stdout.flush()\n"
    r = run(code, limits=FAST, backend=backend)
    assert r.status == "ok"
    assert "\ufffd" in r.stdout and "ABC" in r.stdout
    control = run("print('héllo ✓')\n", limits=FAST, backend=backend)
    assert control.stdout == "héllo ✓\n"


def test_stdin_is_never_inherited_and_endless_reads_end(backend):
    # reading stdin to EOF must end at once: nothing of ours is inherited
    r = run("import sys\ndata = sys.stdin.buffer.read()\nprint(len(data))\n", limits=FAST, backend=backend)
    assert r.status == "ok" and r.stdout == "0\n"
    r = run("while True:\n    input()\n", limits=FAST, backend=backend)
    assert r.status == "failed" and "EOFError" in r.stderr
    # a program that never reads a big stdin does not block the harness
    r = run("print('ignored stdin')\n", stdin=b"z" * 3_000_000, limits=FAST, backend=backend)
    assert r.status == "ok" and r.stdout == "ignored stdin\n"
    control = run("import sys\nprint(sys.stdin.read().upper())\n", stdin="given", limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == "GIVEN\n"


def test_huge_file(backend):
    code = (
        "n = 0\n"
        "try:\n"
        "    with open('big.bin', 'wb') as f:\n"
        "        for _ in range(200):\n"
        "            f.write(b'0' * 1024 * 1024)\n"
        "            n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped', n, type(exc).__name__)\n"
    )
    r = run(code, limits=FAST, backend=backend)
    assert r.status in ("ok", "failed"), r.status
    assert "stopped" in r.stdout
    assert int(r.stdout.split()[1]) <= FAST.files_mb
    control = run("open('small.bin', 'wb').write(b'0' * 1024 * 1024)\nimport os\nprint(os.path.getsize('small.bin'))\n",
                  limits=FAST, backend=backend)
    assert control.status == "ok" and control.stdout == f"{1024 * 1024}\n"


def test_interpreter_crash(backend):
    r = run("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", limits=FAST, backend=backend)
    assert r.status == "failed" and r.signal == signal.SIGSEGV
    r = run("import ctypes\nctypes.string_at(0)\n", limits=FAST, backend=backend)
    assert r.status == "failed" and r.signal == signal.SIGSEGV
    control = run("import sys\nsys.exit(3)\n", limits=FAST, backend=backend)
    assert control.status == "failed" and control.exit_code == 3 and control.signal is None


# -- grader cheating (every backend) -------------------------------------------------------------
CASES = [{"args": [2, 3], "expected": 5}, {"args": [10, -4], "expected": 6}]


@pytest.mark.parametrize(
    "cheat",
    [
        "import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b\n",
        "import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n",
        "class Yes:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()\n",
        "class Five(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Five(0)\n",
        # fake records printed before the tests: they go to stderr, the real ones are still missing
        "import json, sys\nfor i in range(2):\n    print(json.dumps({'i': i, 'ok': True, 'value': 5}))\nsys.exit(0)\ndef add(a, b):\n    return a + b\n",
        "import os\nos.write(1, b'{\"done\": true}\\n')\ndef add(a, b):\n    raise SystemExit(0)\n",
        "import atexit, os\natexit.register(lambda: os._exit(0))\ndef add(a, b):\n    return None\n",
    ],
    ids=["sys-exit", "os-exit", "eq-always-true", "int-subclass-eq", "fake-records", "systemexit-in-test", "atexit"],
)
def test_grader_cheating(backend, cheat):
    res = grade(cheat, "add", CASES, limits=FAST, backend=backend)
    assert res.verdict == "fail", res.tests
    control = grade("def add(a, b):\n    return a + b\n", "add", CASES, limits=FAST, backend=backend)
    assert control.verdict == "pass", control.tests


# -- isolation attacks (docker, bubblewrap) ------------------------------------------------------
ENV_PROBE = """
import os, glob
seen = [repr(dict(os.environ))]
for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/task/*/environ'):
    try:
        with open(path, 'rb') as fh:
            seen.append(fh.read().decode('utf-8', 'replace'))
    except OSError:
        pass
for path in ('/etc/environment', '/proc/1/environ', '/proc/self/environ'):
    try:
        seen.append(open(path).read())
    except OSError:
        pass
import re
hits = set()
for text in seen:
    hits.update(re.findall(r'plait-(?:canary|given)-[0-9a-z-]+', text))
print('read', len(seen), 'sources; hits:', sorted(hits))
"""


def _probe_with_canary(backend: str, tmp_path, extra: list[str] = ()) -> tuple[str, dict]:
    """Run ENV_PROBE through ``plait sandbox run`` in a child whose environment holds a canary
    from its start (so it is in /proc/<pid>/environ of the harness, the launcher's parent)."""
    import json

    canary = "plait-canary-" + uuid.uuid4().hex
    probe = tmp_path / "probe.py"
    probe.write_text(ENV_PROBE)
    env = {**os.environ, "PLAIT_TEST_CANARY": canary}
    proc = subprocess.run(
        [sys.executable, "-m", "plait", "sandbox", "run", str(probe), "--backend", backend, "--json", *extra],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return canary, json.loads(proc.stdout)


def test_host_environment_canary(isolating_backend, tmp_path):
    canary, r = _probe_with_canary(isolating_backend, tmp_path)
    assert r["status"] == "ok", r["stderr"]
    assert canary not in r["stdout"] + r["stderr"]
    assert "PLAIT_TEST_CANARY" not in r["stdout"]
    # control: what --env passes in is visible to the same probe
    canary2, control = _probe_with_canary(isolating_backend, tmp_path, ["--env", "GIVEN=plait-given-value"])
    assert "plait-given-value" in control["stdout"]


def test_process_backend_is_not_isolation(tmp_path):
    """The ``process`` backend says it is not isolation; the probe shows why (host env via /proc).

    This is also the positive control of the canary test: the /proc path does reveal the canary
    when the sandbox cannot hide it."""
    from tests.sandbox.conftest import use_backend

    use_backend("process")
    canary, r = _probe_with_canary("process", tmp_path)
    assert "not isolation" in r["detail"]
    assert canary in r["stdout"]


HOST_FILES_PROBE = """
import os, sys
found = []
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            found.append((path, os.listdir(path)[:5]))
        else:
            found.append((path, open(path, 'rb').read(200)))
    except OSError as exc:
        pass
print(repr(found))
"""


def test_host_files(isolating_backend, tmp_path):
    secret = tmp_path / "secret.txt"
    secret_text = "plait-secret-" + uuid.uuid4().hex
    secret.write_text(secret_text)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    targets = [str(secret), str(tmp_path), repo, os.path.join(repo, "pyproject.toml"), os.path.expanduser("~"),
               os.path.expanduser("~/.ssh/id_rsa"), "/etc/shadow", "/root", "/home", "/var/lib/plait-docker",
               "/usr/local/bin", "/var/run/docker.sock", sys.executable]
    r = run(argv=["python3", "probe.py", *targets], files={"probe.py": HOST_FILES_PROBE}, limits=FAST, backend=isolating_backend)
    assert r.status == "ok", r.stderr
    assert secret_text not in r.stdout
    assert "pyproject" not in r.stdout and "[project]" not in r.stdout
    assert "docker.sock" not in r.stdout and "/etc/shadow" not in r.stdout
    control = run(argv=["python3", "probe.py", "secret.txt"], files={"probe.py": HOST_FILES_PROBE, "secret.txt": secret_text},
                  limits=FAST, backend=isolating_backend)
    assert secret_text in control.stdout  # the probe reads what it may read


WRITE_PROBE = """
import os, sys
wrote = []
for path in sys.argv[1:]:
    try:
        with open(path, 'w') as fh:
            fh.write('x')
        wrote.append(path)
    except OSError:
        pass
print(repr(wrote))
"""


def test_writes_outside_the_work_dir(isolating_backend, tmp_path):
    host_target = tmp_path / "planted.txt"
    targets = ["/usr/planted", "/usr/bin/planted", "/etc/planted", "/planted", "/root/planted", "/bin/planted",
               str(host_target), "/proc/sys/kernel/hostname", "/dev/planted"]
    r = run(argv=["python3", "probe.py", *targets], files={"probe.py": WRITE_PROBE}, limits=FAST, backend=isolating_backend)
    assert r.status == "ok", r.stderr
    assert r.stdout.strip() == "[]"
    assert not host_target.exists() and not os.path.exists("/usr/planted") and not os.path.exists("/planted")
    control = run(argv=["python3", "probe.py", "here.txt", "/tmp/here.txt"], files={"probe.py": WRITE_PROBE},
                  limits=FAST, backend=isolating_backend)
    assert "here.txt" in control.stdout and "/tmp/here.txt" in control.stdout


def test_files_do_not_persist_between_runs(backend):
    marker = uuid.uuid4().hex
    write = f"open('{marker}', 'w').write('1')\nopen('/tmp/{marker}', 'w').write('1')\nimport os\nprint(os.path.exists('{marker}'))\n"
    first = run(write, limits=FAST, backend=backend)
    assert first.status == "ok" and first.stdout == "True\n"  # control: visible within the run
    check = f"import os\nprint(os.path.exists('{marker}'), os.path.exists('/tmp/{marker}'), sorted(os.listdir('.')))\n"
    second = run(check, limits=FAST, backend=backend)
    if backend == "process":  # fresh work dir per run, but /tmp is the host's
        assert second.stdout.startswith("False")
        os.remove(f"/tmp/{marker}")
    else:
        assert second.stdout == "False False ['main.py']\n"


def test_many_files(isolating_backend):
    code = (
        "import os\nn = 0\n"
        "try:\n"
        "    for i in range(200000):\n"
        "        open(f'f{i}', 'w').close()\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped', type(exc).__name__)\n"
        "print(n)\n"
    )
    r = run(code, limits=FAST, backend=isolating_backend)
    assert r.status in ("ok", "failed", "timeout", "memory_limit"), (r.status, r.detail)
    after = run("import os\nprint(len(os.listdir('.')))\n", limits=FAST, backend=isolating_backend)
    assert after.stdout == "1\n"  # only main.py: the flood stayed in its own run
    control = run("for i in range(100):\n    open(f'f{i}', 'w').close()\nimport os\nprint(len(os.listdir('.')))\n",
                  limits=FAST, backend=isolating_backend)
    assert control.stdout == "101\n"


def _host_pids_with(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


FORK_BOMB = """
import os, sys, time
marker = sys.argv[1]
n = 0
try:
    for _ in range(5000):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as exc:
    print('fork refused after', n, type(exc).__name__, flush=True)
print('children', n, flush=True)
"""


def test_fork_bomb(isolating_backend):
    marker = "plait-fork-" + uuid.uuid4().hex
    r = run(argv=["python3", "bomb.py", marker], files={"bomb.py": FORK_BOMB}, limits=FAST, backend=isolating_backend)
    assert "fork refused" in r.stdout, (r.status, r.stdout, r.stderr[-300:])
    assert int(r.stdout.split("children")[1].split()[0]) < FAST.pids
    assert _host_pids_with(marker) == []  # nothing survived the run
    ctrl_marker = "plait-fork-" + uuid.uuid4().hex
    control = run(argv=["python3", "bomb.py", ctrl_marker], files={"bomb.py": FORK_BOMB.replace("range(5000)", "range(3)")},
                  limits=FAST, backend=isolating_backend)
    assert "children 3" in control.stdout


THREAD_BOMB = """
import threading, time, sys
n = 0
try:
    for _ in range(int(sys.argv[1])):
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except (RuntimeError, MemoryError) as exc:
    print('thread refused after', n, flush=True)
print('threads', n, flush=True)
import os
os._exit(0)
"""


def test_thread_bomb(isolating_backend):
    r = run(argv=["python3", "t.py", "5000"], files={"t.py": THREAD_BOMB}, limits=FAST, backend=isolating_backend)
    assert "thread refused" in r.stdout, (r.status, r.stdout, r.stderr[-300:])
    assert int(r.stdout.split("threads")[1].split()[0]) < FAST.pids
    control = run(argv=["python3", "t.py", "4"], files={"t.py": THREAD_BOMB}, limits=FAST, backend=isolating_backend)
    assert control.stdout.strip().endswith("threads 4")


DAEMON = """
import os, sys, time, subprocess
marker = sys.argv[1]
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', marker])
    os._exit(0)
time.sleep(0.5)
alive = [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()
         and marker.encode() in open('/proc/%s/cmdline' % p, 'rb').read()]
print('daemon running', len(alive), flush=True)
"""


def test_daemon_left_behind(isolating_backend):
    marker = "plait-daemon-" + uuid.uuid4().hex
    r = run(argv=["python3", "d.py", marker], files={"d.py": DAEMON}, limits=FAST, backend=isolating_backend)
    assert r.status == "ok", r.stderr
    assert r.stdout == "daemon running 1\n"  # control: it was alive during the run
    assert _host_pids_with(marker) == []  # and is gone after it


@pytest.fixture
def host_sentinel():
    """A host process running as ``nobody`` (the sandbox's own uid) that must survive every attack."""
    def drop():
        if os.geteuid() == 0:
            os.setgid(65534)
            os.setuid(65534)

    proc = subprocess.Popen(["sleep", "300"], preexec_fn=drop, stdin=subprocess.DEVNULL)
    yield proc
    proc.kill()
    proc.wait()


KILLER = """
import os, signal, subprocess, sys
if sys.argv[-1] == 'control':
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    os.kill(child.pid, signal.SIGKILL)
    print('child killed', child.wait(), flush=True)
    sys.exit(0)
for target in (os.getppid(), 1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
"""


def test_kill_of_the_parent(isolating_backend, host_sentinel):
    r = run(argv=["python3", "k.py"], files={"k.py": KILLER}, limits=FAST, backend=isolating_backend)
    assert r.backend == isolating_backend  # the harness survived and answered
    assert host_sentinel.poll() is None  # a host process of the same uid was not reachable
    control = run(argv=["python3", "k.py", "control"], files={"k.py": KILLER}, limits=FAST, backend=isolating_backend)
    assert control.stdout == "child killed -9\n"


PRIV = """
import os
out = []
for name, fn in [('setuid0', lambda: os.setuid(0)), ('setgid0', lambda: os.setgid(0)),
                 ('chroot', lambda: os.chroot('/tmp')), ('unshare', lambda: os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNET)),
                 ('mknod', lambda: os.mknod('/tmp/dev', 0o600 | 0o020000, os.makedev(1, 3)))]:
    try:
        fn()
        out.append(name + ':ALLOWED')
    except (OSError, AttributeError) as exc:
        out.append(name + ':denied')
status = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
print(os.getuid(), os.geteuid(), status.get('CapEff'), status.get('NoNewPrivs'), ' '.join(out))
"""


def test_privilege_changes(isolating_backend):
    r = run(PRIV, limits=FAST, backend=isolating_backend)
    assert r.status == "ok", r.stderr
    uid, euid, capeff, nnp, rest = r.stdout.split(" ", 4)
    assert uid != "0" and euid != "0"
    assert int(capeff, 16) == 0
    assert nnp.strip() == "1"
    assert "ALLOWED" not in rest, rest
    control = run("import os\nprint(os.getuid())\n", limits=FAST, backend=isolating_backend)
    assert control.stdout.strip() == uid


NET = """
import socket, sys
results = []
def attempt(label, fn):
    try:
        fn()
        results.append(label + ':CONNECTED')
    except OSError as exc:
        results.append(label + ':blocked')
def tcp(host, port):
    s = socket.create_connection((host, port), timeout=1.5)
    s.close()
port = int(sys.argv[1])
attempt('loopback', lambda: tcp('127.0.0.1', port))
attempt('localhost', lambda: tcp('localhost', port))
attempt('by-name', lambda: socket.getaddrinfo('deb.debian.org', 80))
attempt('by-ip', lambda: tcp('1.1.1.1', 80))
attempt('host-ip', lambda: tcp(sys.argv[2], port))
print(' '.join(results))
"""


@pytest.fixture
def host_service():
    """A TCP service on the host (all interfaces), as a sandbox escape target."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", 0))
    srv.listen(16)
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    srv.close()


def _host_ip() -> str:
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))
        ip = s.getsockname()[0]
        s.close()
        return ip
    except OSError:
        return "127.0.0.1"


def test_network(isolating_backend, host_service):
    r = run(argv=["python3", "net.py", str(host_service), _host_ip()], files={"net.py": NET},
            limits=Limits(timeout_s=15), backend=isolating_backend)
    assert r.status == "ok", r.stderr
    assert "CONNECTED" not in r.stdout, r.stdout
    assert r.stdout.count("blocked") == 5
    # control: the same probe outside the sandbox reaches the host service
    control = subprocess.run([sys.executable, "-c", NET, str(host_service), _host_ip()], capture_output=True, text=True, timeout=60)
    assert "loopback:CONNECTED" in control.stdout
