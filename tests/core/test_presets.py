import pytest

from plait.core.errors import InputError
from plait.core.presets import differences, resolve_preset

TABLE = {"default": {"temperature": 0.7, "fixes": 1}, "paper": {"temperature": 0.5, "fixes": 2}}


def test_the_preset_gives_its_values_and_names_itself():
    assert resolve_preset(TABLE, "paper") == {"preset": "paper", "temperature": 0.5, "fixes": 2}
    assert resolve_preset(TABLE, None)["preset"] == "default"


def test_an_explicit_flag_wins_over_the_preset_and_none_means_not_given():
    assert resolve_preset(TABLE, "paper", {"temperature": 0.1, "fixes": None}) == {"preset": "paper", "temperature": 0.1, "fixes": 2}


def test_an_unknown_preset_names_the_choices():
    with pytest.raises(InputError, match="default, paper"):
        resolve_preset(TABLE, "papers", method="synth unitcoder")


def test_an_override_that_is_no_setting_is_a_programming_error():
    with pytest.raises(ValueError, match="nope"):
        resolve_preset(TABLE, "paper", {"nope": 1})


def test_differences_lists_only_what_changes():
    assert differences({"default": {"a": 1, "b": 2}, "paper": {"a": 1, "b": 3}}) == {"b": (2, 3)}
