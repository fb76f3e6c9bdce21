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
