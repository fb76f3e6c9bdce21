"""Best-first proof search over the REPL's tactic mode, against the fake REPL extended with tactic mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plait.core.models.base import ChatResult, Choice
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.math.lean_search import prove_file

FAKE = Path(__file__).resolve().parent / "fake_lean_tactic_repl.py"
HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"
THEOREM = "theorem add_zero_eq (a b : ℕ) (h : a = b) : a + 0 = b := by sorry\n"
START = "⊢ a + 0 = b"
# What each tactic does in the fake REPL: the cheap-looking `simp` leads to a dead end, the
# second-best `rw` leads to a goal `exact h` closes.
TACTICS = {
    START: {"simp": ["⊢ a = b ∧ True"], "rw [Nat.add_zero]": ["⊢ a = b"], "ring_nf": "error"},
    "⊢ a = b ∧ True": {},
    "⊢ a = b": {"exact h": []},
}
# The model's candidates per goal with mean token log-probabilities (higher = more likely).
PROPOSALS = {
    START: [("simp", -0.1), ("rw [Nat.add_zero]", -0.7), ("ring_nf", -0.9)],
    "⊢ a = b ∧ True": [("exact bogus_lemma", -0.2), ("sorry", -0.1), ("tauto", -0.3)],
    "⊢ a = b": [("exact h", -0.05), ("rfl", -1.5), ("omega", -2.0)],
}


def scripted_prover() -> ScriptedChatModel:
    def reply(messages, options):
        prompt = messages[-1]["content"]
        goal = prompt.split("suggest a next tactic:\n", 1)[1]
        choices = [Choice(tactic, finish_reason="stop", logprobs=[{"token": tactic, "logprob": lp}])
                   for tactic, lp in PROPOSALS[goal]]
        return ChatResult(choices[: options.n])

    return ScriptedChatModel(default=reply)


@pytest.fixture
def config(tmp_path, monkeypatch):
    table = tmp_path / "tactics.json"
    table.write_text(json.dumps(TACTICS), encoding="utf-8")
    log = tmp_path / "lean.log"
    monkeypatch.setenv("LEAN_FAKE_TACTICS", str(table))
    monkeypatch.setenv("LEAN_FAKE_LOG", str(log))
    return {"repl": f"{sys.executable} {FAKE}", "sandbox": "none", "timeout": 15, "header": HEADER, "log": log}


def test_best_first_search_finds_the_proof_within_budget(config):
    model = scripted_prover()
    res = prove_file(HEADER + "\n" + THEOREM, model, budget=3, samples=3, config=config)
    assert res.status == "proved", res.message
    assert res.proof == ["rw [Nat.add_zero]", "exact h"]
    # best first: the start, then the dead end `simp` scored best, then the `rw` branch
    assert res.expansions == 3
    assert [m[-1]["content"].rsplit("\n", 1)[1] for m, _ in model.calls] == [START, "⊢ a = b ∧ True", "⊢ a = b"]
    # the tactics the REPL ran, in order: `sorry` was never sent, the failing ones were skipped
    tried = [ln.split(" ", 2)[2] for ln in config["log"].read_text().splitlines() if ln.startswith("tactic ")]
    assert tried == ["simp", "rw [Nat.add_zero]", "ring_nf", "exact bogus_lemma", "tauto", "exact h"]
    assert res.tactics_tried == 6
    assert "by rw [Nat.add_zero]\n" in res.code and res.code.rstrip().endswith("exact h")


def test_search_reports_failure_past_the_budget(config):
    res = prove_file(HEADER + "\n" + THEOREM, scripted_prover(), budget=2, samples=3, config=config)
    assert res.status == "failed" and res.proof == []
    assert res.expansions == 2 and "budget of 2 expansion(s) ran out" in res.message


def test_search_reports_failure_when_every_state_is_exhausted(config, tmp_path, monkeypatch):
    dead = {START: {"simp": ["⊢ a = b ∧ True"]}, "⊢ a = b ∧ True": {}}
    (tmp_path / "dead.json").write_text(json.dumps(dead), encoding="utf-8")
    monkeypatch.setenv("LEAN_FAKE_TACTICS", str(tmp_path / "dead.json"))
    res = prove_file(HEADER + "\n" + THEOREM, scripted_prover(), budget=50, samples=3, config=config)
    assert res.status == "failed" and res.expansions == 2 and "no open tactic state left" in res.message


def test_scores_by_sample_share_when_the_backend_gives_no_logprobs(config):
    from plait.plugins.math.lean_search import candidates

    model = ScriptedChatModel(default=lambda m, o: ChatResult([Choice(t) for t in ("omega", "simp", "omega")]))
    ranked = candidates(model, START, 3, None)
    assert [t for t, _ in ranked] == ["omega", "simp"] and ranked[0][1] > ranked[1][1]


def test_a_file_without_sorry_is_refused_with_the_fix(config):
    res = prove_file(HEADER + "\ntheorem t : 1 = 1 := by rfl\n", scripted_prover(), budget=3, samples=3, config=config)
    assert res.status == "error" and "exactly one `sorry`" in res.message


def _prove_cli(tmp_path, env_extra, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_LEAN")}
    env.update(env_extra)
    env["PATH"] = "/usr/bin:/bin"  # no lean/lake/elan/repl here
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])  # this checkout, whatever cwd is
    return subprocess.run([sys.executable, "-m", "plait", "lean", "prove", *args], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)


def test_cli_without_lean_is_unavailable_and_fails(tmp_path):
    f = tmp_path / "t.lean"
    f.write_text(THEOREM)
    res = _prove_cli(tmp_path, {}, str(f), "--budget", "3", "--model", "scripted/echo", "--json")
    assert res.returncode == 1, res.stderr
    out = json.loads(res.stdout)
    assert out["status"] == "unavailable" and "elan" in out["message"] and out["expansions"] == 0
