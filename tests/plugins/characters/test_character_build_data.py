"""Character-LLM data pipeline with a scripted model: every stage, malformed output, resume."""

from __future__ import annotations

import json

import pytest

from plait.core.config import load_settings
from plait.core.errors import ModelError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.pipeline import STAGES, BuildConfig, build_data
from plait.plugins.characters.scripts import parse_scenes, parse_script
from plait.plugins.characters.store import BuiltinSource

SCENES = """Here are the scenes.

Scene 1:
Type: Chat (choose from chat, debate)
Location: Dorset Street, London
Background: Ada sees the Difference Engine for the first time.

Scene 2:
Type: Debate
Location: Ockham Park
Background: Ada argues with her mother about poetry.
"""

SCRIPT = """Background:
A drawing room in 1833; Ada and Mr Babbage stand by the machine.

Ada (thinking)
What a wonderful thing it is.

Babbage (speaking)
Do you see how it carries the tens?

Ada (speaking): I do, sir. It is quite beautiful.
And it never tires.
"""

PROTECTIVE = """Background: Miles visits Ada.

Miles (speaking)
Have you tried the new aeroplane?

Ada (speaking)
An aero-what? I know of no such thing, sir.
"""


def reply_for(msgs, opts):
    prompt = msgs[-1]["content"]
    if prompt.startswith("Context:") and "Imagine" in prompt:
        return SCENES
    if "provoke" in prompt:
        return PROTECTIVE
    return SCRIPT


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def ada(plait_home):
    return BuiltinSource(load_settings()).load("ada-lovelace")


def test_every_stage_is_written_in_the_documented_format(ada, tmp_path):
    model = ScriptedChatModel(default=reply_for)
    out = tmp_path / "data"
    report = build_data(ada, model, out, BuildConfig(scenes_per_chunk=2, protective=2, max_chunks=2), progress=False)
    for stage in STAGES:
        assert (out / f"{stage}.jsonl").is_file()
    chunks, scenes = read(out / "chunks.jsonl"), read(out / "scenes.jsonl")
    assert len(chunks) == 2 and all(c["text"] for c in chunks)
    assert len(scenes) == 4
    assert scenes[0] == {"id": "chunk-0/scene-0", "chunk_id": "chunk-0", "type": "Chat",
                         "location": "Dorset Street, London", "background": "Ada sees the Difference Engine for the first time."}
    experiences = read(out / "experiences.jsonl")
    assert len(experiences) == 4
    turns = experiences[0]["turns"]
    assert [(t["speaker"], t["action"], t["main"]) for t in turns] == [
        ("Ada", "thinking", True), ("Babbage", "speaking", False), ("Ada", "speaking", True)]
    assert turns[2]["content"] == "I do, sir. It is quite beautiful.\nAnd it never tires."
    assert experiences[0]["background"].startswith("A drawing room in 1833")
    protective = read(out / "protective.jsonl")
    assert len(protective) == 2 and protective[0]["topic"]
    sft = read(out / "sft.jsonl")
    assert len(sft) == 6
    assert {r["source"] for r in sft} == {"experience", "protective"}
    first = sft[0]
    assert set(first) == {"id", "character", "source", "prompt", "output", "turns"}
    assert first["prompt"].startswith("I want you to act like Ada Lovelace.")
    assert "Location: Dorset Street, London" in first["prompt"] and first["prompt"].endswith("The interactions are as follows:\n\n")
    assert first["output"].split("\n\n")[0] == "Ada (thinking): What a wonderful thing it is.<|eot|>"
    assert report["stages"]["sft"]["written"] == 6 and report["skipped_total"] == 0
    # the provocateur's prompt carries the era and a topic the character cannot know
    protective_prompts = [c[0][-1]["content"] for c in model.calls if "provoke" in c[0][-1]["content"]]
    assert "1843" in protective_prompts[0] and "the telephone" in protective_prompts[0]


def test_malformed_output_is_skipped_and_counted(ada, tmp_path):
    def bad_then_good(msgs, opts):
        prompt = msgs[-1]["content"]
        if "Imagine" in prompt:
            return SCENES
        if "Dorset Street" in prompt:
            return "I cannot write that."  # no script lines at all
        return reply_for(msgs, opts)

    out = tmp_path / "data"
    report = build_data(ada, ScriptedChatModel(default=bad_then_good), out,
                        BuildConfig(scenes_per_chunk=2, protective=1, max_chunks=1), progress=False)
    assert report["stages"]["experiences"] == {"written": 1, "reused": 0, "skipped": 1, "file": str(out / "experiences.jsonl")}
    skipped = read(out / "skipped.jsonl")
    assert skipped[0]["stage"] == "experiences" and skipped[0]["raw"] == "I cannot write that."
    assert len(read(out / "sft.jsonl")) == 2


def test_interrupted_run_resumes_without_redoing(ada, tmp_path):
    out = tmp_path / "data"
    cfg = BuildConfig(scenes_per_chunk=2, protective=2, max_chunks=2)
    # 2 scene calls + 3 of 4 experience calls succeed, then the "model server" goes away
    dying = ScriptedChatModel([reply_for] * 5)
    with pytest.raises(ModelError):
        build_data(ada, dying, out, cfg, progress=False)
    assert len(read(out / "experiences.jsonl")) == 3
    with (out / "experiences.jsonl").open("a") as fh:  # and a torn line from the kill
        fh.write('{"id": "chunk-1/sce')
    resumed = ScriptedChatModel(default=reply_for)
    report = build_data(ada, resumed, out, cfg, progress=False)
    asked = [c[0][-1]["content"] for c in resumed.calls]
    assert len(asked) == 3  # 1 experience + 2 protective, nothing redone
    assert not any("Imagine" in p for p in asked)
    assert report["stages"]["experiences"]["reused"] == 3 and report["stages"]["experiences"]["written"] == 1
    assert len(read(out / "experiences.jsonl")) == 4
    assert len(read(out / "sft.jsonl")) == 6


def test_parsers_tolerate_variants_and_reject_garbage():
    assert parse_scenes("no scenes here") is None
    assert parse_scenes("**Scene 1:**\n- **Location**: A\n- **Status**: B") == [{"type": "Chat", "location": "A", "background": "B"}]
    assert parse_script("Miles (speaking)\nhello", ["Ada Lovelace", "Ada"]) is None
    got = parse_script("**Ada Lovelace (speaking):** Yes.", ["Ada Lovelace", "Ada"])
    assert got["turns"] == [{"speaker": "Ada Lovelace", "action": "speaking", "content": "Yes.", "main": True}]


def test_cli_build_data_with_echo_model(plait_home, tmp_path):
    import typer
    from typer.testing import CliRunner

    from plait.plugins.characters.cli import register

    app = typer.Typer()
    register(app)
    out = tmp_path / "echo-data"
    res = CliRunner().invoke(app, ["characters", "build-data", "benjamin-franklin", "--out", str(out),
                                   "--max-chunks", "1", "--protective", "1", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert set(report["stages"]) == set(STAGES)
    assert all((out / f"{s}.jsonl").exists() for s in STAGES)
