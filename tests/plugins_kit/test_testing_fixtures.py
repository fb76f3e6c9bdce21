"""The plait.testing fixtures, used here the way a plugin author uses them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types

import pytest

from plait import hookimpl
from plait.core.host import get_host

plugin = types.ModuleType("plait_tests_tiny_plugin")


@hookimpl
def _register_gates(register):
    register("tiny", lambda settings: None)


plugin.register_retrieval_gates = _register_gates


def test_plait_home_sets_the_data_directory_and_scripted_models(plait_home, plait_settings, tmp_path):
    assert os.environ["PLAIT_HOME"] == str(plait_home) and plait_home.is_dir()
    assert plait_settings.home == plait_home
    assert plait_settings.model == "scripted/echo" and plait_settings.embedder == "scripted/hash"
    assert os.getcwd() == str(tmp_path)


def test_plait_host_with_chosen_plugins(plait_host):
    host = plait_host(plugin)
    assert get_host() is host
    assert "plait_tests_tiny_plugin" in host.plugins and "tiny" in host.gates
    assert "plait.models" in host.plugins  # built-ins by default
    bare = plait_host(("named", plugin), builtins=False)
    assert list(bare.plugins) == ["named"] and get_host() is bare


def test_plait_host_refuses_unknown_entry_point(plait_host):
    from plait.core.errors import NotFound

    with pytest.raises(NotFound, match="no installed plugin .* named 'plait-not-installed'"):
        plait_host("plait-not-installed")


def test_plait_host_strict_surfaces_plugin_errors(plait_host):
    from plait.core.errors import PluginError

    class Broken:
        @hookimpl
        def register_tools(self, register):
            register(42)

    with pytest.raises(PluginError, match="'broken' raised in hook register_tools"):
        plait_host(("broken", Broken()))


def test_scripted_model_through_the_host(plait_home, plait_host, scripted_model):
    from plait.core.models import get_chat_model

    plait_host(model=scripted_model)
    scripted_model.queue("first", "second")
    model = get_chat_model()
    assert model is scripted_model
    assert model.chat([{"role": "user", "content": "a"}]).text == "first"
    assert "".join(model.stream([{"role": "user", "content": "b"}])) == "second"
    assert [m[-1]["content"] for m, _ in scripted_model.calls] == ["a", "b"]


def test_hash_embedder_and_store(plait_store, hash_embedder):
    assert hash_embedder.embed(["x y"]) == hash_embedder.embed(["x y"])
    plait_store.add(["the cat sat on the mat", "bank revenue grew", "a cat on a mat"])
    top = plait_store.query("cat mat", k=2)
    assert {doc for doc, _ in top} == {"the cat sat on the mat", "a cat on a mat"}
    assert all(0.0 < score <= 1.0 for _, score in top)
    assert plait_store.collection.count() == 3


def test_plait_cli_success_and_error(plait_cli, plait_host):
    plait_host(plugin)
    ok = plait_cli("plugins", "list", "--json")
    assert ok.exit_code == 0 and [r["name"] for r in ok.json()] == ["plait_tests_tiny_plugin"]
    bad = plait_cli("plugins", "uninstall", "plait-not-installed", "-y")
    assert bad.exit_code == 1 and "error: no installed plugin named 'plait-not-installed'" in bad.stderr
    usage = plait_cli("plugins", "list", "--no-such-flag")
    assert usage.exit_code == 2


def test_plait_run_subprocess(plait_run):
    proc = plait_run("config", "show", "--json")
    assert proc.returncode == 0 and '"scripted/echo"' in proc.stdout


AUTHOR_TESTS = '''
import types
from plait import hookimpl
from plait.core.host import get_host

seen = {}

class Plugin:
    @hookimpl
    def register_retrieval_gates(self, register):
        register("author-gate", lambda settings: None)

def test_first(plait_host):
    seen["host"] = plait_host(("author", Plugin()))
    assert "author-gate" in get_host().gates

def test_host_is_restored_afterwards():
    assert get_host() is not seen["host"]
    assert "author-gate" not in get_host().gates

def test_fixtures_exist(plait_home, scripted_model, hash_embedder, plait_cli, plait_run, plait_settings):
    assert plait_home.is_dir()
'''


def test_fixtures_load_in_a_fresh_pytest_through_the_entry_point(tmp_path):
    (tmp_path / "test_author.py").write_text(textwrap.dedent(AUTHOR_TESTS))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
