"""Character-LLM data building on the engine (the ``character-data`` pipeline) with a scripted model:
every stage, malformed output, resume without new model calls, error records, the CLI front."""

from __future__ import annotations

import json

import pytest

from plait.core.config import load_settings
from plait.core.errors import ModelError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.build_front import build_data
from plait.plugins.characters.pipeline import STAGES, BuildConfig
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


@pytest.fixture
def scripted(plait_host):
    def make(reply):
        model = ScriptedChatModel(default=reply)
        plait_host(model=model)
        return model

    return make


def build(character, out, cfg, **kw):
    return build_data(character, out, cfg, settings=load_settings(), quiet=True, **kw)


def test_every_stage_is_written_in_the_documented_format(ada, scripted, tmp_path):
    model = scripted(reply_for)
    out = tmp_path / "data"
    report = build(ada, out, BuildConfig(scenes_per_chunk=2, protective=2, max_chunks=2), concurrency=4)
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
    assert [r["source"] for r in sft] == ["experience"] * 4 + ["protective"] * 2
    first = sft[0]
    assert set(first) == {"id", "character", "source", "prompt", "output", "turns"}
    assert first["prompt"].startswith("I want you to act like Ada Lovelace.")
    assert "Location: Dorset Street, London" in first["prompt"] and first["prompt"].endswith("The interactions are as follows:\n\n")
    assert first["output"].split("\n\n")[0] == "Ada (thinking): What a wonderful thing it is.<|eot|>"
    assert report["stages"]["sft"]["written"] == 6 and report["skipped_total"] == 0 and report["errors"] == 0
    assert len(model.calls) == 2 + 4 + 2  # scenes per chunk, one per scene, one per protective task
    assert set(report["tokens"]) == {"prompt", "completion"} and report["engine"]["experiences"]["processed"] == 6
    # the provocateur's prompt carries the era and a topic the character cannot know
    protective_prompts = [c[0][-1]["content"] for c in model.calls if "provoke" in c[0][-1]["content"]]
    assert "1843" in protective_prompts[0] and "the telephone" in protective_prompts[0]


def test_malformed_output_is_skipped_counted_and_not_asked_again(ada, scripted, tmp_path):
    def bad_then_good(msgs, opts):
        prompt = msgs[-1]["content"]
        if "Imagine" in prompt:
            return SCENES
        if "Dorset Street" in prompt:
            return "I cannot write that."  # no script lines at all
        return reply_for(msgs, opts)

    model = scripted(bad_then_good)
    out, cfg = tmp_path / "data", BuildConfig(scenes_per_chunk=2, protective=1, max_chunks=1)
    report = build(ada, out, cfg)
    assert report["stages"]["experiences"] == {"written": 1, "skipped": 1, "file": str(out / "experiences.jsonl")}
    skipped = read(out / "skipped.jsonl")
    assert skipped[0]["stage"] == "experiences" and skipped[0]["raw"] == "I cannot write that."
    assert len(read(out / "sft.jsonl")) == 2
    calls = len(model.calls)
    again = build(ada, out, cfg)
    assert len(model.calls) == calls, "a committed skip was asked for again"
    assert again["stages"]["experiences"]["skipped"] == 1 and read(out / "skipped.jsonl") == skipped


def test_rerun_makes_no_model_call_for_finished_rows_and_retries_only_failed_ones(ada, scripted, tmp_path):
    down = {"on": True}

    def flaky(msgs, opts):
        if down["on"] and "Ockham Park" in msgs[-1]["content"]:
            raise ModelError("the model server answered 400: bad request")  # not retried: an error record
        return reply_for(msgs, opts)

    model = scripted(flaky)
    out, cfg = tmp_path / "data", BuildConfig(scenes_per_chunk=2, protective=2, max_chunks=2)
    first = build(ada, out, cfg)
    assert first["errors"] == 2 and len(read(out / "experiences.jsonl")) == 2 and len(read(out / "sft.jsonl")) == 4
    calls = len(model.calls)
    assert calls == 2 + 4 + 2
    down["on"] = False
    resumed = build(ada, out, cfg)
    asked = [c[0][-1]["content"] for c in model.calls[calls:]]
    assert len(asked) == 2 and all("Ockham Park" in p for p in asked)  # only the two failed rows
    assert resumed["errors"] == 0 and resumed["engine"]["scenes"]["processed"] == 0
    assert len(read(out / "experiences.jsonl")) == 4 and len(read(out / "sft.jsonl")) == 6
    build(ada, out, cfg)
    assert len(model.calls) == calls + 2, "a finished run asked the model again"


def test_other_options_or_character_in_the_same_out_are_refused(ada, scripted, tmp_path):
    from plait.core.errors import InputError

    scripted(reply_for)
    out = tmp_path / "data"
    build(ada, out, BuildConfig(scenes_per_chunk=1, protective=1, max_chunks=1))
    with pytest.raises(InputError, match="other options"):
        build(ada, out, BuildConfig(scenes_per_chunk=2, protective=1, max_chunks=1))
    franklin = BuiltinSource(load_settings()).load("benjamin-franklin")
    with pytest.raises(InputError, match="holds data for"):
        build(franklin, out, BuildConfig(scenes_per_chunk=1, protective=1, max_chunks=1))


def test_parsers_tolerate_variants_and_reject_garbage():
    assert parse_scenes("no scenes here") is None
    assert parse_scenes("**Scene 1:**\n- **Location**: A\n- **Status**: B") == [{"type": "Chat", "location": "A", "background": "B"}]
    assert parse_script("Miles (speaking)\nhello", ["Ada Lovelace", "Ada"]) is None
    got = parse_script("**Ada Lovelace (speaking):** Yes.", ["Ada Lovelace", "Ada"])
    assert got["turns"] == [{"speaker": "Ada Lovelace", "action": "speaking", "content": "Yes.", "main": True}]


def test_cli_build_data_with_echo_model(plait_cli, tmp_path):
    out = tmp_path / "echo-data"
    args = ["characters", "build-data", "benjamin-franklin", "--out", str(out), "--max-chunks", "1",
            "--protective", "1", "--executor", "local", "--concurrency", "2", "--json"]
    res = plait_cli(*args)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert set(report["stages"]) == set(STAGES) and report["executor"] == "local"
    assert all((out / f"{s}.jsonl").exists() for s in STAGES)
    assert (out / "runs" / "character-data" / "scenes" / "log.jsonl").is_file()


def test_character_data_pipeline_is_registered_and_names_its_missing_character(plait_cli):
    res = plait_cli("pipeline", "list", "--json")
    assert res.exit_code == 0, res.output
    row = next(r for r in json.loads(res.stdout) if r["name"] == "character-data")
    assert [(s["name"], s["resources"]) for s in row["stages"]] == [("scenes", "model"), ("experiences", "model"), ("sft", "cpu")]
    res = plait_cli("pipeline", "run", "character-data", "--json")
    assert res.exit_code != 0 and "[characters.data] character" in res.output
