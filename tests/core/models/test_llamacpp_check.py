"""The install-time probe that catches a llama-cpp-python build which crashes on this CPU."""

import signal

from plait.core.models.llamacpp_check import crash_message, run_probe


def test_a_probe_killed_by_a_signal_is_reported_with_the_rebuild_command():
    code = run_probe("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert code == -signal.SIGSEGV
    message = crash_message(code)
    assert "SIGSEGV" in message and "GGML_NATIVE=OFF" in message and "--force-reinstall" in message


def test_a_probe_that_runs_is_fine_and_an_ordinary_failure_says_its_code():
    assert crash_message(run_probe("print('one token')")) is None
    assert "exit code 3" in crash_message(run_probe("raise SystemExit(3)"))
