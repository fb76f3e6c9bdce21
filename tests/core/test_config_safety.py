"""Config errors and ``plait config show`` never reveal a secret; bad values in plugin tables and
bad top-level values are one-line errors naming key, file and fix; ``gate = ...`` and a ``[gate]``
table fit in one plait.toml (as ``[gate] name = ...``)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from plait.core.config import load_settings, write_value
from plait.core.errors import ConfigError
from plait.core.redact import is_secret_key, redact, redact_text


@pytest.fixture
def local(tmp_path, monkeypatch, plait_home):
    """The working directory's plait.toml, with no user config and no PLAIT_* besides plait_home's."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    for key in list(os.environ):
        if key.startswith("PLAIT_") and key not in ("PLAIT_HOME", "PLAIT_MODEL", "PLAIT_EMBEDDER"):
            monkeypatch.delenv(key)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work / "plait.toml"


# -- secrets ----------------------------------------------------------------------------------

def test_secret_key_names_are_recognised_and_counters_are_not():
    for key in ("llm_api_key", "api_keys", "password", "db_passwd", "hfToken", "auth", "X-Api-Key",
                "client_secret", "access_token", "authorization"):
        assert is_secret_key(key), key
    for key in ("max_tokens", "author", "top_k", "keyword", "reject_threshold", "url", "monkey"):
        assert not is_secret_key(key), key


def test_redact_masks_url_passwords_secret_query_parameters_and_nested_tables():
    assert redact_text("no server at http://bob:hunter2@127.0.0.1:8000/v1") == "no server at http://bob:***@127.0.0.1:8000/v1"
    assert redact_text("redis://:pw@host/0") == "redis://:***@host/0"
    assert redact_text("https://h/x?q=1&api_key=abc&token=zz") == "https://h/x?q=1&api_key=***&token=***"
    out = redact({"url": "http://u:p@h", "inner": {"token": "t", "n": [1, 2]}, "api_keys": ["a", "b"]})
    assert out == {"url": "http://u:***@h", "inner": {"token": "***", "n": [1, 2]}, "api_keys": ["***", "***"]}


def test_validation_error_does_not_print_the_secret_value(local):
    local.write_text('api_keys = "supersecretkey123"\n')  # a string where a list belongs
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "'api_keys'" in str(err.value) and str(local) in str(err.value)
    assert "supersecretkey123" not in str(err.value) and "***" in str(err.value)
    local.write_text("llm_api_key = 123456789\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "123456789" not in str(err.value)


def test_validation_error_hides_the_password_of_a_url(local, monkeypatch):
    monkeypatch.setenv("PLAIT_LLM_URL", "http://alice:hunter2@127.0.0.1:1/v1")
    local.write_text("llm_url = 5\n")  # the file's bad value; the env var wins and is valid
    assert load_settings().llm_url.endswith("@127.0.0.1:1/v1")
    monkeypatch.setenv("PLAIT_TOP_K", "http://alice:hunter2@h")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "hunter2" not in str(err.value) and "PLAIT_TOP_K" in str(err.value)


SECRETS = ("hunter2", "sk-top", "tok-9", "pw-in-table", "auth-xyz", "nested-pw", "k-one")


def test_config_show_hides_every_kind_of_secret(local, monkeypatch, plait_cli):
    local.write_text(
        'llm_url = "http://alice:hunter2@127.0.0.1:8000/v1"\n'
        'llm_api_key = "sk-top"\napi_keys = ["k-one"]\n'
        '[search]\nurl = "https://h/?token=tok-9&q=1"\npassword = "pw-in-table"\nauth = "auth-xyz"\nmax_tokens = 77\n'
        '[search.db]\npasswd = "nested-pw"\n'
    )
    text = plait_cli("config", "show")
    assert text.exit_code == 0, text.output
    data = plait_cli("config", "show", "--json").json()
    for secret in SECRETS:
        assert secret not in text.stdout and secret not in json.dumps(data), secret
    assert data["llm_url"] == "http://alice:***@127.0.0.1:8000/v1"
    assert data["search"]["max_tokens"] == 77 and data["search"]["password"] == "***"
    assert data["search"]["db"] == {"passwd": "***"}


def test_cli_error_message_hides_a_url_password(local, plait_cli):
    local.write_text('chunk_size = "http://alice:hunter2@h"\n')
    out = plait_cli("config", "show")
    assert out.exit_code == 1 and "chunk_size" in out.stderr and "hunter2" not in out.stderr


# -- bad values: one line, naming key, file and fix -------------------------------------------

@pytest.mark.parametrize("toml, key, example", [
    ('[gate]\nthreshold = "x"\n', "threshold", "0.5"),  # the uar gate (the default) reads it
    ('[gate]\nname = "always"\nreject_threshold = "x"\n', "reject_threshold", "0.2"),  # the rag agent
])
def test_bad_plugin_table_value_is_a_one_line_error_from_plait_ask(local, plait_cli, toml, key, example):
    docs = local.parent / "docs"
    docs.mkdir()
    (docs / "plait.md").write_text("plait is a framework for retrieval augmented assistants.\n")
    assert plait_cli("ingest", str(docs)).exit_code == 0  # hits, so the threshold is consulted
    local.write_text(toml)
    out = plait_cli("ask", "what is plait?")
    assert out.exit_code == 1, out.output
    assert "Traceback" not in out.stderr
    lines = [l for l in out.stderr.splitlines() if l.startswith("error:")]  # notices may precede it
    assert len(lines) == 1 and lines[0].startswith("error: invalid value"), out.stderr
    line = lines[0]
    assert f"[gate] {key} in {local}" in line and "got 'x'" in line
    assert f"{key} = {example}" in line and f"PLAIT_GATE__{key.upper()}" in line


def test_bad_uar_threshold_names_key_and_source(local, monkeypatch):
    from plait.plugins.uar.decision import UARGate

    local.write_text('[gate]\nthreshold = "x"\n')
    with pytest.raises(ConfigError, match=r"\[gate\] threshold in .*plait.toml: expected a number in \[0.0, 1.0\], got 'x'"):
        UARGate(load_settings())
    local.write_text("")
    monkeypatch.setenv("PLAIT_GATE__THRESHOLD", "1.5")  # out of range, from the environment
    with pytest.raises(ConfigError, match="in PLAIT_GATE__THRESHOLD"):
        UARGate(load_settings())
    monkeypatch.setenv("PLAIT_GATE__THRESHOLD", "0.7")  # env strings are parsed
    assert UARGate(load_settings()).thresholds["time"] == 0.7


def test_table_integer_getter_refuses_fractions_and_booleans(local):
    local.write_text("[thing]\nworkers = 2.5\nflag = true\nok = \"4\"\n")
    table = load_settings().table("thing")
    with pytest.raises(ConfigError, match=r"\[thing\] workers .* expected a whole number >= 1"):
        table.integer("workers", 4, lo=1)
    with pytest.raises(ConfigError, match=r"\[thing\] flag"):
        table.integer("flag", 4)
    assert table.integer("ok", 1) == 4 and table.integer("absent", 3) == 3


@pytest.mark.parametrize("command", [("config", "show"), ("ask", "hello")])
def test_empty_collection_is_a_clear_error_not_a_traceback(local, plait_cli, command):
    local.write_text('collection = ""\n')
    out = plait_cli(*command)
    assert out.exit_code == 1, out.output
    assert "Traceback" not in out.output
    assert "invalid value for 'collection'" in out.stderr and str(local) in out.stderr
    assert 'collection = "documents"' in out.stderr


def test_collection_names_chroma_accepts_still_load(local):
    local.write_text('collection = "my-docs_v2.1"\n')
    assert load_settings().collection == "my-docs_v2.1"


# -- gate = "..." and [gate] in one file --------------------------------------------------------

def test_gate_name_inside_the_gate_table(local):
    local.write_text('[gate]\nname = "always"\nreject_threshold = 0.3\n')
    s = load_settings()
    assert s.gate == "always" and s.table("gate") == {"reject_threshold": 0.3}


def test_environment_gate_overrides_the_file_in_either_form(local, monkeypatch):
    local.write_text('[gate]\nname = "always"\n')
    monkeypatch.setenv("PLAIT_GATE__NAME", "never")
    assert load_settings().gate == "never"
    monkeypatch.setenv("PLAIT_GATE", "uar")
    assert load_settings().gate == "uar"


def test_config_show_output_is_valid_toml_that_loads_back(local, plait_cli):
    local.write_text('top_k = 3\n[gate]\nname = "never"\nreject_threshold = 0.4\n')
    shown = plait_cli("config", "show").stdout
    doc = tomllib.loads(shown)  # before the fix the [gate] table overwrote gate = "never"
    assert doc["gate"] == {"name": "never", "reject_threshold": 0.4} and doc["top_k"] == 3
    local.write_text(shown)  # what config show prints is a working config
    s = load_settings()
    assert s.gate == "never" and s.table("gate") == {"reject_threshold": 0.4} and s.top_k == 3


def test_write_value_keeps_gate_and_gate_table_together(local):
    local.write_text('gate = "always"\n')
    write_value("gate.reject_threshold", 0.35)  # what `plait gate calibrate` writes
    s = load_settings()
    assert s.gate == "always" and s.table("gate") == {"reject_threshold": 0.35}
    write_value("gate", "never")
    s = load_settings()
    assert s.gate == "never" and s.table("gate") == {"reject_threshold": 0.35}
    assert tomllib.loads(Path(local).read_text())["gate"]["name"] == "never"
