"""The run() contract, backend choice, and input validation."""

import pytest

from plait.core.errors import InputError, NotFound, Unavailable
from plait.sandbox import ExecResult, Limits, available_backends, run
from plait.sandbox import api


def test_result_fields_and_backend_named(backend):
    r = run("import sys\nprint('out')\nprint('err', file=sys.stderr)\n", backend=backend)
    assert isinstance(r, ExecResult)
    assert (r.status, r.exit_code, r.signal, r.stdout, r.stderr, r.truncated) == ("ok", 0, None, "out\n", "err\n", False)
    assert r.backend == backend and r.wall_s > 0
    d = r.to_dict()
    assert set(d) >= {"status", "exit_code", "signal", "stdout", "stderr", "truncated", "wall_s", "cpu_s", "max_rss", "backend"}


def test_argv_files_and_env(backend):
    r = run(argv=["python3", "pkg/tool.py", "a b"], files={"pkg/tool.py": "import sys, os\nprint(sys.argv[1:], os.environ['K'], open('data.bin','rb').read())\n",
                                                           "data.bin": b"\x00\x01"},
            env={"K": "v=1"}, backend=backend)
    assert r.status == "ok", r.stderr
    assert r.stdout == "['a b'] v=1 b'\\x00\\x01'\n"


def test_failed_status_and_exit_code(backend):
    r = run("raise ValueError('boom')\n", backend=backend)
    assert r.status == "failed" and r.exit_code == 1 and "ValueError: boom" in r.stderr


def test_missing_program_is_reported(isolating_backend):
    r = run(argv=["no-such-binary"], backend=isolating_backend)
    assert r.status in ("failed", "sandbox_error") and r.exit_code == 127


@pytest.mark.parametrize("bad", [{"../x": "1"}, {"/etc/x": "1"}, {"": "1"}])
def test_file_names_must_stay_inside(bad):
    with pytest.raises(InputError):
        run("print(1)", files=bad, backend="process")


def test_exactly_one_of_code_or_argv():
    with pytest.raises(InputError):
        run()
    with pytest.raises(InputError):
        run("print(1)", argv=["python3"])


def test_bad_env_and_limits():
    with pytest.raises(InputError):
        run("print(1)", env={"A=B": "x"}, backend="process")
    with pytest.raises(ValueError):
        Limits(timeout_s=0)


def test_unknown_backend():
    with pytest.raises(NotFound):
        run("print(1)", backend="nope")


def test_default_is_strongest_and_never_process(monkeypatch):
    names = available_backends()
    isolating = [n for n in names if n in ("docker", "bubblewrap")]
    if not isolating:
        with pytest.raises(Unavailable) as exc:
            api.default_backend()
        assert "--backend process" in str(exc.value)
        return
    assert api.default_backend() == isolating[0]
    assert run("print(1)").backend == isolating[0]


def test_no_isolating_backend_refuses_without_explicit_flag(monkeypatch):
    monkeypatch.setattr(api, "PREFERENCE", ("nope",))
    with pytest.raises(Unavailable) as exc:
        api.default_backend()
    assert "process" in str(exc.value)
    assert api.default_backend(allow_process=True) == "process"


def test_program_that_closes_its_output_still_runs_to_its_end_or_the_deadline(backend):
    code = "import os, sys, time\nos.close(1)\nos.close(2)\ntime.sleep(float(sys.argv[1]))\n"
    done = run(argv=["python3", "main.py", "1.5"], files={"main.py": code}, limits=Limits(timeout_s=8), backend=backend)
    assert done.status == "ok" and done.wall_s >= 1.5
    late = run(argv=["python3", "main.py", "60"], files={"main.py": code}, limits=Limits(timeout_s=2), backend=backend)
    assert late.status == "timeout"


def test_signal_and_exit_code_reporting(backend):
    r = run("import os, signal\nos.kill(os.getpid(), signal.SIGABRT)\n", backend=backend)
    assert (r.status, r.signal, r.exit_code) == ("failed", 6, None)
    r = run("import sys\nsys.exit(7)\n", backend=backend)
    assert (r.status, r.signal, r.exit_code) == ("failed", None, 7)
