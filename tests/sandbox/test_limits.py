"""Limits refuse values that would disable a limit by accident (nan, inf, negatives), in Python and on the CLI."""

import math
import os
import subprocess
import sys

import pytest

from plait.sandbox import Limits


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1.0, 0])
def test_limits_refuse_non_finite_or_non_positive_timeout(value):
    with pytest.raises(ValueError, match="timeout_s must be a positive, finite number"):
        Limits(timeout_s=value)


@pytest.mark.parametrize("field", ["cpu_s", "timeout_s"])
def test_limits_refuse_nan_in_every_float_limit(field):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: math.nan})


@pytest.mark.parametrize("field", ["memory_mb", "output_bytes", "pids", "files_mb"])
def test_limits_refuse_non_integer_counts(field):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: math.inf})
    with pytest.raises(ValueError, match=field):
        Limits(**{field: True})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-3", "0"])
def test_cli_timeout_nan_inf_negative_is_refused_with_a_clear_error(tmp_path, value):
    prog = tmp_path / "p.py"
    prog.write_text("print('ran')\n")
    proc = subprocess.run([sys.executable, "-m", "plait", "sandbox", "run", str(prog), "--backend", "process",
                           f"--timeout={value}"], capture_output=True, text=True, env=dict(os.environ), cwd=tmp_path,
                          timeout=120)
    assert proc.returncode != 0
    assert "ran" not in proc.stdout  # refused before anything runs
    assert "--timeout" in proc.stderr and "finite" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
