"""Configuration: files (user, then working directory), PLAIT_* overrides, plugin tables,
validation messages that name the source, redaction, atomic writes, ``plait config show``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from plait.core.config import config_files, load_settings, write_value
from plait.core.errors import ConfigError


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """A clean environment: an empty user config dir and a working directory, no PLAIT_* variables."""
    for key in list(os.environ):
        if key.startswith("PLAIT_"):
            monkeypatch.delenv(key)
    xdg = tmp_path / "xdg"
    (xdg / "plait").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.chdir(work)
    return xdg / "plait" / "plait.toml", work / "plait.toml"


def test_defaults(dirs):
    s = load_settings()
    assert s.model == "llamacpp/smollm2" and s.top_k == 5 and s.gate == "uar"
    assert s.home == Path.cwd() / ".plait"  # relative home resolves against the working directory
    assert config_files() == [dirs[0], dirs[1]]


def test_working_directory_file_overrides_user_file_and_env_overrides_both(dirs, monkeypatch):
    user, local = dirs
    user.write_text('model = "openai/user-model"\ntop_k = 7\n[gate]\nreject_threshold = 0.3\nheads = "a"\n')
    local.write_text('model = "scripted/echo"\n[gate]\nreject_threshold = 0.4\n')
    s = load_settings()
    assert s.model == "scripted/echo" and s.top_k == 7
    assert s.table("gate") == {"reject_threshold": 0.4, "heads": "a"}  # tables merge key by key
    monkeypatch.setenv("PLAIT_TOP_K", "9")
    monkeypatch.setenv("PLAIT_GATE__REJECT_THRESHOLD", "0.5")
    monkeypatch.setenv("PLAIT_API_KEYS", "k1, k2")
    s = load_settings()
    assert s.top_k == 9 and s.table("gate")["reject_threshold"] == "0.5" and s.api_keys == ["k1", "k2"]
    assert s.table("absent") == {}


def test_unknown_key_suggests_the_close_one(dirs):
    dirs[1].write_text("top_kk = 3\n")
    with pytest.raises(ConfigError, match=r"unknown configuration key 'top_kk' in .*plait.toml; did you mean 'top_k'\?"):
        load_settings()


def test_invalid_value_names_key_source_and_fix(dirs, monkeypatch):
    monkeypatch.setenv("PLAIT_TOP_K", "many")
    with pytest.raises(ConfigError) as err:
        load_settings()
    msg = str(err.value)
    assert "'top_k'" in msg and "PLAIT_TOP_K" in msg and "'many'" in msg and "fix the value" in msg
    monkeypatch.delenv("PLAIT_TOP_K")
    dirs[1].write_text('retrieve = "sometimes"\n')
    with pytest.raises(ConfigError, match="'retrieve' in .*plait.toml"):
        load_settings()


def test_invalid_toml_names_the_file(dirs):
    dirs[1].write_text("model = [unclosed\n")
    with pytest.raises(ConfigError, match=r"plait.toml is not valid TOML"):
        load_settings()


def test_redacted_hides_secrets(dirs, monkeypatch):
    monkeypatch.setenv("PLAIT_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("PLAIT_API_KEYS", "a,b")
    monkeypatch.setenv("PLAIT_SEARCH__API_TOKEN", "tok")
    monkeypatch.setenv("PLAIT_SEARCH__URL", "http://127.0.0.1:1")
    data = load_settings().redacted()
    assert data["llm_api_key"] == "***" and data["api_keys"] == ["***", "***"]
    assert data["search"] == {"api_token": "***", "url": "http://127.0.0.1:1"}
    assert "sk-secret" not in json.dumps(data)


def test_write_value_keeps_the_rest_and_is_valid(dirs):
    dirs[1].write_text('model = "scripted/echo"\n[gate]\nheads = "x"\n')
    write_value("gate.reject_threshold", 0.4)
    write_value("top_k", 4)
    s = load_settings()
    assert s.model == "scripted/echo" and s.top_k == 4
    assert s.table("gate") == {"heads": "x", "reject_threshold": 0.4}
    assert not list(dirs[1].parent.glob("*.tmp"))


def test_config_show_cli_redacts(dirs, monkeypatch, plait_cli):
    monkeypatch.setenv("PLAIT_LLM_API_KEY", "sk-very-secret")
    out = plait_cli("config", "show")
    assert out.exit_code == 0, out.output
    assert "sk-very-secret" not in out.stdout and "***" in out.stdout and "scripted/echo" in out.stdout
    data = plait_cli("config", "show", "--json").json()
    assert data["llm_api_key"] == "***" and data["model"] == "scripted/echo"


def test_config_error_is_reported_by_the_cli(dirs, plait_cli):
    Path("plait.toml").write_text("top_kk = 1\n")
    out = plait_cli("config", "show")
    assert out.exit_code == 1
    assert "error: unknown configuration key 'top_kk'" in out.stderr
