"""The Lean client against a fake REPL that speaks leanprover-community/repl's JSON protocol."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plait.plugins.math.lean import LeanChecker, LeanRepl, declared_theorems, split_header

ROOT = Path(__file__).resolve().parents[3]
FAKE = ROOT / "tests" / "fixtures" / "fake_lean_repl.py"
MINIF2F = ROOT.parent / "shared" / "data" / "minif2f" / "minif2f-lean4.7.0.jsonl"
HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"


@pytest.fixture(scope="module")
def statements():
    if not MINIF2F.is_file():
        pytest.skip(f"miniF2F statements not found at {MINIF2F} (../shared is absent outside CI)")
    rows = [json.loads(line) for line in MINIF2F.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["full_name"]: r["statement"] for r in rows}


@pytest.fixture(params=["none", "bubblewrap"])
def checker(request, tmp_path, monkeypatch):
    if request.param == "bubblewrap" and not shutil.which("bwrap"):
        pytest.skip("bubblewrap not installed (apt-get install bubblewrap)")
    sent = []  # every command the client sends, whichever sandbox the REPL runs in
    real_send = LeanRepl.send

    def spy(self, command, timeout):
        sent.append(command["cmd"])
        return real_send(self, command, timeout)

    monkeypatch.setattr(LeanRepl, "send", spy)
    starts = []
    real_init = LeanRepl.__init__

    def count_start(self, *a, **k):
        starts.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(LeanRepl, "__init__", count_start)
    c = LeanChecker({"repl": f"{sys.executable} {FAKE}", "sandbox": request.param, "timeout": 15, "header": HEADER})
    c.sent, c.starts = sent, starts
    yield c
    c.close()


def proof(statement: str, tactic: str) -> str:
    return f"{HEADER}\n{statement} := by\n  {tactic}\n"


def test_valid_proof_imports_header_once(checker, statements):
    names = ["amc12a_2015_p10", "mathd_algebra_478", "mathd_numbertheory_237"]
    for name in names:
        st = statements[name]
        res = checker.check(proof(st, "nlinarith [sq_nonneg (x - y)]"), statement=st)
        assert res.status == "valid", res.message
        assert res.theorem == name and res.axioms == ["Classical.choice", "Quot.sound", "propext"]
        assert res.sandbox == checker.config["sandbox"]
    assert len(checker.starts) == 1 and checker.sent.count(HEADER) == 1  # one REPL, one header import
    assert len(checker.sent) == 1 + 2 * len(names)  # then each proof and its #print axioms


def test_sorry(checker, statements):
    st = statements["amc12a_2015_p10"]
    res = checker.check(proof(st, "sorry"), statement=st)
    assert res.status == "sorry"


def test_error_with_position_in_the_users_file(checker, statements):
    st = statements["amc12a_2015_p10"]
    code = proof(st, "nlinarith [bogus_lemma x y]")
    res = checker.check(code, statement=st)
    assert res.status == "error"
    first = res.errors[0]
    assert first["message"] == "unknown identifier 'bogus_lemma'"
    line = code.split("\n")[first["line"] - 1]  # positions refer to the submitted file, header included
    assert line[first["column"]:].startswith("bogus_lemma")


def test_timeout_then_recovers(checker, statements):
    st = statements["amc12a_2015_p10"]
    res = checker.check(f"#eval IO.sleep 60000\n{st} := by\n  simp", statement=st, timeout=1)
    assert res.status == "timeout"
    again = checker.check(proof(st, "omega"), statement=st)
    assert again.status == "valid"  # a fresh REPL took over (and imported the header again)
    assert len(checker.starts) == 2 and checker.sent.count(HEADER) == 2


def test_changed_statement(checker, statements):
    st = statements["amc12a_2015_p10"]
    changed = st.replace("x = 26", "x = 27")
    res = checker.check(proof(changed, "omega"), statement=st)
    assert res.status == "statement_changed" and "not the statement asked" in res.message
    dropped = checker.check(proof(st.replace("amc12a_2015_p10", "easier"), "omega"), statement=st)
    assert dropped.status == "statement_changed" and "does not declare" in dropped.message
    # whitespace and `lemma` for `theorem` are not changes
    relaxed = st.replace("theorem", "lemma").replace(" : x = 26", "\n    : x   = 26")
    assert checker.check(proof(relaxed, "omega"), statement=st).status == "valid"
    # the statement may be given with its placeholder proof
    assert checker.check(proof(st, "omega"), statement=st + " := by sorry").status == "valid"


def test_forbidden_axiom(checker, statements):
    st = statements["mathd_algebra_478"]
    code = f"{HEADER}\naxiom cheat : False\n\n{st} := by\n  exact cheat.elim\n"
    res = checker.check(code, statement=st)
    assert res.status == "bad_axiom" and "cheat" in res.axioms
    loose = LeanChecker({**checker.config, "allowed_axioms": "propext,Classical.choice,Quot.sound,cheat"})
    try:
        assert loose.check(code, statement=st).status == "valid"
    finally:
        loose.close()


def test_foreign_import_is_refused(checker, statements):
    st = statements["amc12a_2015_p10"]
    res = checker.check(f"import Mathlib\nimport Evil.Package\n{st} := by\n  omega", statement=st)
    assert res.status == "error" and "Evil.Package" in res.message


def test_unavailable_without_lean_never_raises(tmp_path):
    c = LeanChecker({"repl": str(tmp_path / "no-such-repl")})
    res = c.check("theorem t : 1 = 1 := rfl")
    assert res.status == "unavailable" and "elan" in res.message and "leanprover-community/repl" in res.message


def test_helpers():
    imports, body, n = split_header("import Mathlib\n\nimport Aesop\ntheorem a : 1 = 1 := rfl")
    assert imports == ["import Mathlib", "import Aesop"] and body.startswith("theorem a") and n == 3
    decl = declared_theorems("theorem t (h : (fun x => x) 1 = 1) : 2 = 2 := by\n  rfl\nlemma u : True := trivial")
    assert decl == [("t", "theorem t (h : (fun x => x) 1 = 1) : 2 = 2 "), ("u", "lemma u : True ")]


def _lean_cli(tmp_path, env_extra, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_LEAN")}
    env.update(env_extra)
    env["PATH"] = "/usr/bin:/bin"  # no lean/lake/elan/repl here
    return subprocess.run([sys.executable, "-m", "plait", "lean", "check", *args], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)


def test_cli_without_lean_prints_unavailable_and_fails(tmp_path):
    f = tmp_path / "p.lean"
    f.write_text("theorem t : 1 = 1 := rfl\n")
    res = _lean_cli(tmp_path, {}, str(f))
    assert res.returncode != 0
    assert "unavailable" in res.stdout and "elan" in res.stdout
    js = _lean_cli(tmp_path, {}, str(f), "--json")
    assert js.returncode != 0 and json.loads(js.stdout)["status"] == "unavailable"


def test_cli_with_fake_repl(tmp_path, statements):
    st = statements["amc12a_2015_p10"]
    f = tmp_path / "p.lean"
    f.write_text(proof(st, "omega"))
    env = {"PLAIT_LEAN__REPL": f"{sys.executable} {FAKE}", "PLAIT_LEAN__SANDBOX": "none"}
    ok = _lean_cli(tmp_path, env, str(f), "--statement", st, "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["status"] == "valid"
    bad = _lean_cli(tmp_path, env, str(f), "--statement", st.replace("26", "25"))
    assert bad.returncode == 1 and "statement_changed" in bad.stdout


def test_repl_sees_no_host_secrets(tmp_path, monkeypatch):
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap not installed (apt-get install bubblewrap)")
    home = tmp_path / "home"
    home.mkdir()
    (home / "plait.toml").write_text('llm_api_key = "sk-secret"\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    probe = f'#eval IO.getEnv "OPENAI_API_KEY"\n#eval IO.FS.readFile "{home}/plait.toml"'
    for mode, file_visible in (("bubblewrap", False), ("none", True)):
        repl = LeanRepl([sys.executable, str(FAKE)], None, mode)
        try:
            answer = repl.send({"cmd": probe}, timeout=30)
        finally:
            repl.close()
        texts = [m["data"] for m in answer["messages"]]
        assert texts[0] == "none"  # environment variables never reach the REPL
        assert ("sk-secret" in texts[1]) is file_visible  # the home directory is hidden in the sandbox


def test_new_syntax_counts_as_a_changed_statement(checker, statements):
    st = statements["amc12a_2015_p10"]
    code = f'{HEADER}\nlocal notation "26" => (27 : ℤ)\n\n{st} := by\n  omega\n'
    res = checker.check(code, statement=st)
    assert res.status == "statement_changed" and "notation" in res.message
    helper = f"{HEADER}\nlemma helper (a : ℤ) : a = a := rfl\n\n{st} := by\n  omega\n"
    assert checker.check(helper, statement=st).status == "valid"  # helper lemmas are fine
