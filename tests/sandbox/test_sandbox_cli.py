"""``plait sandbox run / test / backends`` through the real command line."""

import json
import os
import subprocess
import sys

import pytest


def plait(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "plait", *args], capture_output=True, text=True,
                          env=env or dict(os.environ), cwd=cwd, timeout=180)


def test_run_json_fields_and_env(isolating_backend, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("import os\nprint(os.environ.get('FOO'), os.environ.get('HOST_ONLY'))\n")
    env = {**os.environ, "HOST_ONLY": "leak"}
    proc = plait("sandbox", "run", str(prog), "--backend", isolating_backend, "--env", "FOO=bar", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"status", "exit_code", "signal", "stdout", "stderr", "truncated", "backend"} <= set(data)
    assert data["status"] == "ok" and data["stdout"] == "bar None\n" and data["backend"] == isolating_backend


def test_run_timeout_and_memory_flags(isolating_backend, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("import time\ntime.sleep(30)\n")
    data = json.loads(plait("sandbox", "run", str(prog), "-b", isolating_backend, "--timeout", "1", "--json").stdout)
    assert data["status"] == "timeout"
    prog.write_text("x = bytearray(600 * 1024 * 1024)\n")
    data = json.loads(plait("sandbox", "run", str(prog), "-b", isolating_backend, "--memory", "64", "--json").stdout)
    assert data["status"] == "memory_limit"


def test_run_plain_output_and_exit_status(tmp_path, isolating_backend):
    prog = tmp_path / "p.py"
    prog.write_text("print('hello')\nraise SystemExit(4)\n")
    proc = plait("sandbox", "run", str(prog), "-b", isolating_backend)
    assert proc.stdout == "hello\n" and proc.returncode == 1
    assert f"[{isolating_backend}] status=failed exit=4" in proc.stderr


def test_run_missing_file_is_a_clear_error(tmp_path):
    proc = plait("sandbox", "run", str(tmp_path / "nope.py"))
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_sandbox_test_command(isolating_backend, tmp_path):
    (tmp_path / "sol.py").write_text("def add(a, b=0):\n    return a + b\n")
    (tmp_path / "cases.json").write_text(json.dumps([{"args": [1, 2], "expected": 3}, {"args": [1], "kwargs": {"b": 5}, "expected": 6}]))
    proc = plait("sandbox", "test", str(tmp_path / "sol.py"), "--entry", "add", "--tests", str(tmp_path / "cases.json"),
                 "--backend", isolating_backend, "--json")
    data = json.loads(proc.stdout)
    assert data["verdict"] == "pass" and len(data["tests"]) == 2 and proc.returncode == 0
    (tmp_path / "sol.py").write_text("import sys\nsys.exit(0)\n")
    proc = plait("sandbox", "test", str(tmp_path / "sol.py"), "--entry", "add", "--tests", str(tmp_path / "cases.json"),
                 "--backend", isolating_backend, "--json")
    assert json.loads(proc.stdout)["verdict"] == "fail" and proc.returncode == 1
    (tmp_path / "cases.json").write_text("not json")
    proc = plait("sandbox", "test", str(tmp_path / "sol.py"), "--entry", "add", "--tests", str(tmp_path / "cases.json"))
    assert proc.returncode == 1 and "not valid JSON" in proc.stderr


def test_backends_command():
    data = json.loads(plait("sandbox", "backends", "--json").stdout)
    names = {r["name"]: r for r in data}
    assert {"docker", "bubblewrap", "process"} <= set(names)
    assert names["process"]["isolating"] is False and names["bubblewrap"]["isolating"] is True
