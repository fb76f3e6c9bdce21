"""Contract of sandbox backends: trivial code exits ok, failures and limits get their own status."""

from __future__ import annotations

import pytest

from plait.testing.conformance._base import SuiteBase


class SandboxConformance(SuiteBase):
    """A sandbox backend. Set ``sandbox_name`` (resolved through the host) or override
    ``make_sandbox()``. ``python`` is the interpreter's argv inside the sandbox. A backend that
    reports ``available() == (False, reason)`` is skipped with that reason."""

    sandbox_name: str | None = None
    python: list[str] = ["python3"]
    check_env_isolation: bool = True  # the host's environment must not reach the code

    def make_sandbox(self):
        if not self.sandbox_name:
            raise NotImplementedError(f"{type(self).__name__}: set sandbox_name or override make_sandbox()")
        from plait.core.config import load_settings
        from plait.core.context import Context
        from plait.core.host import get_host

        host = get_host()  # factory(ctx); the backend reads ctx.table("sandbox")
        return host.sandboxes.get(self.sandbox_name)(Context(load_settings(), name=self.sandbox_name, host=host))

    @pytest.fixture
    def sandbox(self, conformance_host):
        sandbox = self.make_sandbox()
        ok, reason = sandbox.available()
        if not ok:
            pytest.skip(f"sandbox {getattr(sandbox, 'name', '?')!r} unavailable here: {reason}")
        return sandbox

    def run(self, sandbox, code: str, *, files=None, stdin: bytes = b"", env=None, **limits):
        from plait.sandbox.types import Limits

        return sandbox.run([*self.python, "-c", code], files=dict(files or {}), stdin=stdin,
                           limits=Limits(**{"timeout_s": 20.0, **limits}), env=dict(env or {}))

    def test_protocol(self, sandbox):
        from plait.sandbox.types import Sandbox

        assert isinstance(sandbox, Sandbox)
        assert isinstance(sandbox.name, str) and sandbox.name
        assert isinstance(sandbox.isolating, bool)

    def test_trivial_code_is_ok(self, sandbox):
        from plait.sandbox.types import ExecResult

        result = self.run(sandbox, "print('hello from the sandbox')")
        assert isinstance(result, ExecResult)
        assert result.status == "ok", result
        assert result.exit_code == 0
        assert result.stdout == "hello from the sandbox\n"

    def test_nonzero_exit_is_failed(self, sandbox):
        result = self.run(sandbox, "import sys; sys.stderr.write('boom'); sys.exit(3)")
        assert result.status == "failed", result
        assert result.exit_code == 3
        assert "boom" in result.stderr

    def test_timeout_is_reported_as_timeout(self, sandbox):
        result = self.run(sandbox, "while True: pass", timeout_s=1.0)
        assert result.status == "timeout", result

    def test_output_limit(self, sandbox):
        result = self.run(sandbox, "import sys\nwhile True: sys.stdout.write('x' * 4096)", output_bytes=10_000)
        assert result.status == "output_limit", result
        assert len(result.stdout.encode()) <= 10_000 + 4096

    def test_files_stdin_and_env(self, sandbox):
        code = "import os,sys; print(open('data.txt').read(), sys.stdin.read(), os.environ.get('GREETING'))"
        result = self.run(sandbox, code, files={"data.txt": b"file-content"}, stdin=b"stdin-content",
                          env={"GREETING": "hi"})
        assert result.status == "ok", result
        assert result.stdout.split() == ["file-content", "stdin-content", "hi"]

    def test_host_environment_not_leaked(self, sandbox, monkeypatch):
        if not self.check_env_isolation:
            pytest.skip("check_env_isolation = False for this backend")
        monkeypatch.setenv("PLAIT_CONFORMANCE_SECRET", "leaked-value")
        code = ("import os\nfound = [k for k, v in os.environ.items() if 'leaked-value' in v]\n"
                "try:\n    found += ['ppid'] if 'leaked-value' in open(f'/proc/{os.getppid()}/environ').read() else []\n"
                "except OSError:\n    pass\nprint(found)")
        result = self.run(sandbox, code)
        assert result.status == "ok", result
        assert result.stdout.strip() == "[]"
