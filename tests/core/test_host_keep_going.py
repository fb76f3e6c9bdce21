"""One plugin raising in a hook must not hide what later plugins contribute."""

import pytest

from plait import hookimpl
from plait.core.errors import PluginError
from plait.core.host import Host


class Bad:
    @hookimpl
    def register_commands(self, cli):
        raise RuntimeError("broken")

    @hookimpl
    def register_tools(self, register):
        raise RuntimeError("broken tools")


class Good:
    def __init__(self):
        self.calls = []

    @hookimpl
    def register_commands(self, cli):
        self.calls.append(cli)

    @hookimpl
    def register_tools(self, register):
        def shout(text: str) -> str:
            """Upper-case text."""
            return text.upper()

        register(shout)


def test_later_plugins_still_run_and_every_failure_is_reported(capsys):
    good = Good()
    host = Host(builtins=False, entry_points=False, extra_plugins=[("bad", Bad()), ("good", good)])
    assert "shout" in host.tools  # registration went on past the broken plugin
    assert "plugin 'bad' raised in hook register_tools" in capsys.readouterr().err
    with pytest.raises(PluginError) as err:
        host.call_each("register_commands", cli="app")
    assert good.calls == ["app"] and err.value.plugin == "bad"
    assert [e.plugin for e in err.value.errors] == ["bad"]


def test_strict_stops_at_the_first_failure():
    with pytest.raises(PluginError, match="'bad' raised in hook register_tools"):
        Host(builtins=False, entry_points=False, strict=True, extra_plugins=[("bad", Bad()), ("good", Good())])
