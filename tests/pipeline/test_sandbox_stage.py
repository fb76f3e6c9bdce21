"""A sandbox stage runs each row's program through plait.sandbox (bubblewrap here)."""

from __future__ import annotations

import pytest

from plait.pipeline import Pipeline, SandboxStage, read_outputs, run


def test_sandbox_stage_runs_programs_and_records_their_outcome(plait_settings):
    from plait.sandbox import Limits, available_backends

    if "bubblewrap" not in available_backends():
        pytest.skip("bubblewrap is not available (apt-get install bubblewrap)")
    rows = [{"id": "ok", "code": "print(6 * 7)"}, {"id": "boom", "code": "raise SystemExit(3)"},
            {"id": "spin", "code": "while True: pass"}]
    stage = SandboxStage("exec", program=lambda r: r["code"],
                         parse=lambda r, res: {**r, "status": res.status, "stdout": res.stdout},
                         limits=Limits(timeout_s=2), backend="bubblewrap")
    summary = run(Pipeline("sbx", [stage], source=lambda: rows), settings=plait_settings, concurrency=3)
    assert summary["errors"] == 0
    out = {r["id"]: r for r in read_outputs("sbx", "exec", plait_settings)}
    assert out["ok"]["stdout"] == "42\n" and out["ok"]["status"] == "ok"
    assert out["boom"]["status"] != "ok" and out["spin"]["status"] == "timeout"
