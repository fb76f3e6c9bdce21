"""CI for the example third-party plugin: install it from its path into a fresh virtual
environment with ``plait plugins install``, run its own tests and a command it adds, uninstall."""

from __future__ import annotations

import json
import shutil

import pytest

from .venvs import REPO, make_venv

EXAMPLE = REPO / "examples" / "plugins" / "plait-quotebook"


@pytest.mark.slow
def test_example_plugin_in_a_fresh_venv(tmp_path):
    venv = make_venv(tmp_path / "venv", tmp_path / "home")
    # a copy, so that building the wheel leaves no build/ or egg-info in the repository
    source = tmp_path / "plait-quotebook"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))

    installed = venv.check(venv.plait, "plugins", "install", str(source), cwd=tmp_path)
    assert "quotebook" in installed.stdout and "tools: quote_search" in installed.stdout
    assert "agents: quotebot" in installed.stdout and "quotes search" in installed.stdout

    listed = json.loads(venv.check(venv.plait, "plugins", "list", "--json", cwd=tmp_path).stdout)
    [row] = [r for r in listed if r["name"] == "quotebook"]
    assert row["version"] == "0.1.0" and row["origin"] == "path"
    assert row["warning"] is None  # installed from a path the user gave, through plait

    found = venv.check(venv.plait, "quotes", "search", "brevity", "--json", cwd=tmp_path)
    assert json.loads(found.stdout)[0]["text"] == "Brevity is the soul of wit."
    asked = venv.check(venv.plait, "ask", "a quote about lost time", "--agent", "quotebot", "--json", cwd=tmp_path)
    assert "Lost time is never found again." in json.dumps(json.loads(asked.stdout))

    tests = venv.check(venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests"), cwd=source)
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    venv.check(venv.plait, "plugins", "uninstall", "quotebook", "-y", cwd=tmp_path)
    after = json.loads(venv.check(venv.plait, "plugins", "list", "--json", cwd=tmp_path).stdout)
    assert all(r["name"] != "quotebook" for r in after)
    gone = venv.run(venv.plait, "quotes", "search", "time", cwd=tmp_path)
    assert gone.returncode != 0


def test_example_plugin_imports_only_the_public_api():
    # written only against `plait` (and `plait.testing` in its tests): moving a module inside plait never breaks it
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "examples" / "plugins" / "plait-quotebook"
    for path in root.rglob("*.py"):
        for name in re.findall(r"^\s*(?:from|import) (plait(?:\.\S+)?)\b", path.read_text(encoding="utf-8"), re.M):
            assert name in ("plait", "plait.testing", "plait.testing.conformance"), f"{path.name} imports {name}"
