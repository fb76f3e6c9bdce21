"""UnitCoder presets: the effective settings are the table's, and the paper's whole-file rejection."""

import sys

import pytest

from plait.core.presets import differences, resolve_preset
from plait.plugins.codeverify.unitcoder import extract
from plait.plugins.codeverify.unitcoder_presets import PAPER_ALLOWED, PRESETS, SOURCES


@pytest.mark.parametrize("name", ["default", "paper"])
def test_effective_settings_equal_the_table(name):
    settings = resolve_preset(PRESETS, name, method="synth unitcoder")
    assert settings == {"preset": name, **PRESETS[name]}


def test_explicit_flag_wins_over_the_paper_preset():
    settings = resolve_preset(PRESETS, "paper", {"fix_temperature": 0.9, "rounds": None}, method="synth unitcoder")
    assert settings["fix_temperature"] == 0.9 and settings["rounds"] == PRESETS["paper"]["rounds"]


def test_paper_allow_list_is_the_139_roots_of_the_release():
    assert len(PAPER_ALLOWED) == len(set(PAPER_ALLOWED)) == 139
    assert sum(root in sys.stdlib_module_names for root in PAPER_ALLOWED) == 77
    assert {"numpy", "pandas", "matplotlib", "sklearn", "requests", "flask", "scipy", "nltk"} <= set(PAPER_ALLOWED)


def test_every_paper_value_names_its_source():
    assert set(SOURCES) == set(PRESETS["paper"])
    assert {"allowed", "reject", "keep_passing", "fix_temperature", "polish_spec"} <= set(differences(PRESETS))


MIXED = '''import numpy as np
import tkinter


def mean_of(values):
    return float(np.mean(values))


def window(title):
    return tkinter.Tk(title)
'''


def test_disallowed_import_skips_only_its_function_by_default():
    found = extract(MIXED, PAPER_ALLOWED)
    assert [f.name for f in found] == ["mean_of"]


def test_disallowed_import_rejects_the_whole_file_under_the_paper_preset():
    assert extract(MIXED, PAPER_ALLOWED, reject=PRESETS["paper"]["reject"]) == []
    clean = MIXED.split("\n\n\ndef window")[0].replace("import tkinter\n", "") + "\n"
    assert [f.name for f in extract(clean, PAPER_ALLOWED, reject="file")] == ["mean_of"]


# -- the preset wired through the graph, the pipeline and `plait synth unitcoder` ---------------------
import json  # noqa: E402

from plait.core.models.scripted import ScriptedChatModel  # noqa: E402
from plait.plugins.codeverify.graph import UnitCoder  # noqa: E402
from plait.plugins.codeverify.unitcoder_pipeline import unitcoder_options  # noqa: E402

from test_unitcoder import BUGGY, GOOD, POLISHED, TESTS_REPLY, WRONG_FIX  # noqa: E402

GOOD_TOO = "def clamp(x, lo, hi):\n    if hi < lo:\n        raise ValueError('no range')\n    return min(max(x, lo), hi)\n"


def _model(fixes):
    fixes = list(fixes)

    def reply(messages, options):
        prompt = messages[-1]["content"]
        if prompt.startswith("You are given"):
            return TESTS_REPLY
        if prompt.startswith("The function below fails"):
            return f"```python\n{fixes.pop(0)}```"
        if prompt.startswith("This function passes"):
            return f"```python\n{POLISHED}```"
        raise AssertionError(prompt[:80])

    return ScriptedChatModel(default=reply)


def _temperatures(model):
    """(first words of the prompt, temperature) of every call, in order."""
    return [(m[-1]["content"].split("\n")[0][:24], o.temperature) for m, o in model.calls]


@pytest.mark.parametrize("name, passed, fixes", [
    ("default", [False, True], [GOOD]),  # the first passing fix ends the round
    ("paper", [False, True, True], [GOOD, GOOD_TOO]),  # up to 2 passing fixes kept
])
def test_passing_fixes_kept_per_round(sandbox_name, name, passed, fixes):
    model = _model([WRONG_FIX, GOOD, GOOD_TOO])
    state = UnitCoder(model, backend=sandbox_name, settings=unitcoder_options(name)).verify(BUGGY, "clamp", rounds=1, k=3)
    fix = state["history"][1]
    assert state["status"] == "passed" and state["passed_round"] == 1
    assert [c["passed"] for c in fix["candidates"]] == passed and fix["kept"] == len(fixes)
    assert state["fixes"] == fixes and state["code"] == GOOD  # the first passing fix is carried on


@pytest.mark.parametrize("name", ["default", "paper"])
def test_temperatures_polish_prompt_and_timeout_are_the_presets(sandbox_name, name):
    table = PRESETS[name]
    model = _model([GOOD])
    coder = UnitCoder(model, backend=sandbox_name, settings=unitcoder_options(name))
    state = coder.verify(BUGGY, "clamp", rounds=1, k=1, polish=True)
    assert state["status"] == "polished"
    temps = _temperatures(model)
    assert [t for _, t in temps] == [table["tests_temperature"], table["fix_temperature"], table["polish_temperature"]]
    polish_prompt = model.calls[-1][0][-1]["content"]
    if name == "paper":
        assert "description, parameters, returns, requirements, raises (if any), examples" in polish_prompt
        assert "class TestClamp" in polish_prompt  # the release shows the tests to the polisher
    else:
        assert "descriptive variable names" in polish_prompt and "class TestClamp" not in polish_prompt
    assert coder.limits.timeout_s == table["timeout_s"]


NUMPY_PANDAS_FILE = '''
import numpy as np
import pandas as pd


def column_means(rows):
    frame = pd.DataFrame(rows)
    return {name: float(np.round(value, 3)) for name, value in frame.mean().items()}
'''

# allowed on its own, but the file also uses tkinter: the paper preset drops the whole file
MIXED_FILE = '''
import math
import tkinter


def hyp(a, b):
    return math.sqrt(a * a + b * b)


def window(title):
    return tkinter.Tk(title)
'''

SCI_TESTS = '''```python
import unittest
from solution import column_means


class TestColumnMeans(unittest.TestCase):
    def test_means(self):
        self.assertEqual(column_means([{"a": 1, "b": 2}, {"a": 3, "b": 5}]), {"a": 2.0, "b": 3.5})

    def test_single_row(self):
        self.assertEqual(column_means([{"x": 0.25}]), {"x": 0.25})
```
'''

SCI_POLISHED = '''import numpy as np
import pandas as pd


def column_means(rows):
    """Mean of each column.

    Args: rows, a list of dicts. Returns: {column: mean}. Requirements: numpy, pandas.
    Raises: nothing of its own. Examples: column_means([{"a": 1}, {"a": 3}]) == {"a": 2.0}
    """
    frame = pd.DataFrame(rows)  # one column per key
    return {name: float(np.round(value, 3)) for name, value in frame.mean().items()}
'''


def _sci_reply(messages, options):
    prompt = messages[-1]["content"]
    if prompt.startswith("You are given"):
        return SCI_TESTS if "def column_means" in prompt else "no tests"
    if prompt.startswith("This function passes"):
        return f"```python\n{SCI_POLISHED}```"
    raise AssertionError(prompt[:80])


@pytest.mark.parametrize("base", ["docker", "bubblewrap"])
def test_synth_unitcoder_paper_preset_verifies_numpy_and_pandas_code(plait_host, plait_cli, tmp_path, base):
    from tests.sandbox.conftest import use_backend

    spec = use_backend(f"{base}@scientific")
    plait_host(model=ScriptedChatModel(default=_sci_reply))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"f{i}", "content": c}) + "\n"
                              for i, c in enumerate([NUMPY_PANDAS_FILE, MIXED_FILE], 1)))
    out = tmp_path / "out"
    res = plait_cli("synth", "unitcoder", "--data", str(corpus), "--out", str(out), "--json", "--preset", "paper",
                    "--backend", base, "--rounds", "1")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["preset"] == "paper" and stats["settings"]["backend"] == spec
    assert stats["settings"]["rounds"] == 1  # the explicit flag wins
    assert stats["settings"]["keep_passing"] == 2 and stats["settings"]["reject"] == "file"
    assert stats["settings"]["sandbox_profile"] == "scientific"
    # the mixed file is dropped whole (tkinter), so `hyp` is never harvested
    assert (stats["functions"], stats["polished"], stats["errors"]) == (1, 1, 0)
    row = json.loads((out / "polished.jsonl").read_text())
    assert row["entry"] == "column_means" and row["packages"] == ["numpy", "pandas"]
    assert row["preset"] == "paper" and row["backend"] == spec and row["polished"] == SCI_POLISHED


def test_synth_unitcoder_explicit_minimal_profile_wins_over_the_paper_preset(plait_host, plait_cli, tmp_path, sandbox_name):
    plait_host(model=ScriptedChatModel(default=_sci_reply))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "f1", "content": MIXED_FILE}) + "\n")
    res = plait_cli("synth", "unitcoder", "--data", str(corpus), "--out", str(tmp_path / "out"), "--json",
                    "--preset", "paper", "--backend", f"{sandbox_name}@minimal", "--allowed", "math")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["settings"]["backend"] == sandbox_name and stats["settings"]["sandbox_profile"] == "minimal"
    assert stats["settings"]["allowed"] == ["math"] and stats["settings"]["candidates"] == PRESETS["paper"]["candidates"]
    assert stats["functions"] == 0  # whole-file rejection still applies: tkinter is outside --allowed


def test_pipeline_run_takes_the_preset_from_the_unitcoder_table():
    from plait.core.config import Settings
    from plait.plugins.codeverify.unitcoder_pipeline import registered

    paper = registered(Settings(tables={"unitcoder": {"preset": "paper", "rounds": 2}})).config
    assert paper["preset"] == "paper" and paper["rounds"] == 2  # a key given in the table wins
    assert (paper["keep_passing"], paper["reject"], paper["sandbox_profile"]) == (2, "file", "scientific")
    assert len(paper["allowed"]) == 139
    plain = registered(Settings()).config
    assert plain["preset"] == "default" and plain["keep_passing"] == 1 and plain["reject"] == "function"
