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
