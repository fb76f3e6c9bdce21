"""``plait plugins new``: the scaffold is valid, refuses bad input, and (slow) installs into a
fresh virtual environment where its own tests pass unchanged and ``plugins list`` shows it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import pytest

from plait.cli.plugins_scaffold import CAPABILITIES, module_name

from .venvs import make_venv


def test_default_scaffold_files(plait_cli, tmp_path):
    result = plait_cli("plugins", "new", "demo-plugin", "--json")
    assert result.exit_code == 0, result.output
    data = result.json()
    root = tmp_path / "demo-plugin"
    assert data == {"path": "demo-plugin", "files": ["README.md", "demo_plugin.py", "pyproject.toml", "tests/test_plugin.py"]}
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "demo-plugin"
    assert meta["project"]["entry-points"]["plait"] == {"demo-plugin": "demo_plugin"}
    source = (root / "demo_plugin.py").read_text()
    assert source.count("@hookimpl") == 3 and "def register_agents" in source
    assert "def register_tools" in source and "def register_commands" in source
    # plugin code and tests use only the public API and plait.testing
    imports = re.findall(r"^\s*(?:from|import) (plait\S*)", source + (root / "tests" / "test_plugin.py").read_text(), re.M)
    assert set(imports) <= {"plait", "plait.testing", "plait.testing.conformance"}, imports
    compile(source, "demo_plugin.py", "exec")
    tests = (root / "tests" / "test_plugin.py").read_text()
    compile(tests, "test_plugin.py", "exec")
    assert "ToolConformance" in tests and "plait_cli" in tests and "def test_agent_calls_the_tool" in tests
    assert "plait plugins install ./demo-plugin" in (root / "README.md").read_text()


def test_capability_choice_and_errors(plait_cli, tmp_path):
    ok = plait_cli("plugins", "new", "gatey", "-c", "gate", "-c", "agent,model", "--dir", "out")
    assert ok.exit_code == 0, ok.output
    source = (tmp_path / "out" / "gatey" / "gatey.py").read_text()
    assert [h for h in CAPABILITIES.values() if f"def {h}(" in source] == [
        "register_models", "register_retrieval_gates", "register_agents"]
    again = plait_cli("plugins", "new", "gatey", "--dir", "out")
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = plait_cli("plugins", "new", "x", "-c", "teleport")
    assert bad.exit_code == 1 and "unknown capability 'teleport'" in bad.stderr
    assert plait_cli("plugins", "new", "bad name!").exit_code == 1


@pytest.mark.parametrize("name, module", [("demo-plugin", "demo_plugin"), ("plait.Weather", "plait_weather"), ("3d", "p_3d")])
def test_module_names(name, module):
    assert module_name(name) == module


def test_every_capability_passes_its_own_tests_from_source(plait_cli, tmp_path):
    """All capabilities at once, run from the source folder (the entry-point test needs an install)."""
    assert plait_cli("plugins", "new", "kitchen-sink", "-c", "all").exit_code == 0
    root = tmp_path / "kitchen-sink"
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not entry_point"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " failed" not in proc.stdout and "error" not in proc.stdout.lower()


@pytest.mark.slow
def test_new_install_test_and_list_in_a_fresh_venv(tmp_path):
    venv = make_venv(tmp_path / "venv", tmp_path / "home")
    work = tmp_path / "work"
    work.mkdir()
    venv.check(venv.plait, "plugins", "new", "demo-plugin", "-c", "tool,command,agent", cwd=work)
    venv.check(venv.python, "-m", "pip", "install", "-q", "-e", str(work / "demo-plugin"), cwd=work)
    tests = venv.check(venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=work / "demo-plugin")
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    listed = venv.check(venv.plait, "plugins", "list", "--json", cwd=work)
    [row] = [r for r in json.loads(listed.stdout) if r["name"] == "demo-plugin"]
    assert row["hooks"] == ["register_agents", "register_commands", "register_tools"]
    assert row["registered"]["tools"] == ["demo_plugin_word_count"]
    assert row["registered"]["agents"] == ["demo-plugin"]
    assert "demo-plugin hello" in row["registered"]["commands"]
    assert row["origin"] == "editable" and "editable install" in listed.stderr
    hello = venv.check(venv.plait, "demo-plugin", "hello", "--name", "venv", cwd=work)
    assert "Hello, venv!" in hello.stdout
