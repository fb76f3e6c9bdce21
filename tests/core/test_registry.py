"""Registries: names to values, remembering the plugin, refusing clashes with both names."""

from __future__ import annotations

import pytest

from plait.core.errors import NotFound, PluginError, RegistrationClash
from plait.core.registry import Registry


def test_add_get_and_listing():
    reg: Registry[int] = Registry("widget")
    reg.add("b", 2, "plugin-b")
    reg.add("a", 1, "plugin-a")
    assert reg.get("a") == 1
    assert reg.entry("b").plugin == "plugin-b"
    assert list(reg) == reg.names() == ["a", "b"]
    assert reg.items() == [("a", 1), ("b", 2)]
    assert len(reg) == 2 and "a" in reg and "c" not in reg
    assert reg.by_plugin("plugin-a") == ["a"] and reg.by_plugin("nobody") == []


def test_clash_names_both_plugins_and_keeps_the_first():
    reg: Registry[int] = Registry("retrieval gate")
    reg.add("uar", 1, "plait.uar")
    with pytest.raises(RegistrationClash) as err:
        reg.add("uar", 2, "plait-fancy-gate")
    msg = str(err.value)
    assert "retrieval gate 'uar'" in msg and "'plait.uar'" in msg and "'plait-fancy-gate'" in msg
    assert "PLAIT_LOAD_PLUGINS" in msg  # says what to do
    assert isinstance(err.value, PluginError) and err.value.plugin == "plait-fancy-gate"
    assert reg.get("uar") == 1


def test_not_found_lists_known_names():
    reg: Registry[int] = Registry("agent")
    with pytest.raises(NotFound, match="no agent named 'x' \\(known: none\\)"):
        reg.get("x")
    reg.add("rag", 1, "plait.rag")
    with pytest.raises(NotFound, match="known: rag"):
        reg.entry("chat")


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_names_must_be_non_empty_strings(bad):
    with pytest.raises(ValueError, match="non-empty string"):
        Registry("tool").add(bad, 1, "p")
