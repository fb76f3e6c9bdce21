"""``plait plugins install/uninstall``: argument checks and failures that never reach an index.
(The real round trip, into a fresh virtual environment, is in test_example_plugin.py.)"""

from __future__ import annotations

from .conftest import GREETER


def test_install_refuses_editable_of_a_missing_folder(plait_cli):
    result = plait_cli("plugins", "install", "-e", "./no-such-folder")
    assert result.exit_code == 1 and "-e needs a folder" in result.stderr


def test_install_reports_pip_failure(plait_cli, tmp_path):
    empty = tmp_path / "not-a-package"
    empty.mkdir()
    result = plait_cli("plugins", "install", str(empty))
    assert result.exit_code == 1
    assert "pip could not install" in result.stderr


def test_uninstall_unknown_and_plait_itself(site, plait_run):
    site("plait-greeter", GREETER)
    unknown = plait_run("plugins", "uninstall", "nothing-like-this", "-y")
    assert unknown.returncode == 1 and "installed plugins: plait-greeter" in unknown.stderr
    refused = plait_run("plugins", "uninstall", "plait", "-y")  # plait is not a plugin: never uninstalled
    assert refused.returncode == 1 and "no installed plugin named 'plait'" in refused.stderr
    assert plait_run("plugins", "list").returncode == 0


def test_install_record_silences_the_origin_warning(site, plait_run, tmp_path, monkeypatch):
    from plait.cli import plugins_info

    record = tmp_path / "record.json"
    monkeypatch.setattr(plugins_info, "INSTALL_RECORD", record)
    origin = {"origin": "path", "source": "/src/greeter"}
    assert "not from a package index" in plugins_info.origin_warning("greeter", "plait-greeter", origin)
    plugins_info.record_install("plait_greeter", "/src/greeter")
    assert plugins_info.origin_warning("greeter", "plait-greeter", origin) is None
    editable = {"origin": "editable", "source": "/src/greeter"}
    assert "editable" in plugins_info.origin_warning("greeter", "plait-greeter", editable)  # always flagged
    plugins_info.forget_install("plait-greeter")
    assert plugins_info.origin_warning("greeter", "plait-greeter", origin) is not None
