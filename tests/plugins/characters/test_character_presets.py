"""Character-LLM presets (issue 20): effective settings per preset equal the table; under `paper`
build-data asks 20 scenes per profile paragraph, repeats scene prompts to >= 100 and writes one
protective experience per paragraph; the interview uses the coffee-shop scene, cuts and strips replies,
shows the judge the first profile paragraph and runs 5 turns opened by the interviewer model."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.build_front import build_data
from plait.plugins.characters.interview import first_paragraph, run_interview
from plait.plugins.characters.pipeline import BuildConfig, profile_chunks, source_rows
from plait.plugins.characters.presets import BUILD, INTERVIEW, PRESETS, SOURCES, build_settings, interview_settings
from plait.plugins.characters.store import BuiltinSource

SCENES = "Scene 1:\nType: Chat\nLocation: Ockham Park\nBackground: Ada talks of engines.\n"
SCRIPT = "Background: A room.\n\nAda (speaking)\nIt is beautiful.\n"


@pytest.fixture
def ada(plait_home):
    return BuiltinSource(load_settings()).load("ada-lovelace")


@pytest.mark.parametrize("name", ["default", "paper"])
def test_effective_settings_equal_the_table(name):
    assert build_settings(name) == {"preset": name, **BUILD[name]}
    assert interview_settings(name) == {"preset": name, **INTERVIEW[name]}
    assert set(SOURCES) == set(PRESETS["paper"])  # every paper value names its source
    cfg = BuildConfig.from_preset(name)
    assert {k: asdict(cfg)[k] for k in BUILD[name]} == BUILD[name] and cfg.preset == name


def test_default_preset_is_todays_build_config_and_flags_win():
    assert {k: asdict(BuildConfig())[k] for k in BUILD["default"]} == BUILD["default"]
    cfg = BuildConfig.from_preset("paper", scenes_per_chunk=5, protective=None, max_chunks=2)
    assert (cfg.scenes_per_chunk, cfg.protective, cfg.max_chunks, cfg.preset) == (5, 1, 2, "paper")
    with pytest.raises(InputError, match="unknown preset 'papr'"):
        BuildConfig.from_preset("papr")


def test_paper_source_repeats_scene_prompts_to_100_and_has_one_protective_per_paragraph(ada):
    cfg = BuildConfig.from_preset("paper")
    paragraphs = profile_chunks(ada, cfg)
    assert len(paragraphs) == 8  # the profile's blank-line paragraphs, not 160-word chunks
    rows = source_rows(ada, cfg)
    prompts = [r for r in rows if r["kind"] == "chunk"]
    assert len(prompts) == 100 and len({r["id"] for r in rows}) == len(rows)
    per_paragraph = {f"chunk-{i}": sum(r["chunk_id"] == f"chunk-{i}" for r in prompts) for i in range(8)}
    assert min(per_paragraph.values()) >= 100 // 8  # every paragraph 12 times, the rest drawn by length
    protective = [r for r in rows if r["kind"] == "protective"]
    assert [r["profile"] for r in protective] == paragraphs and all(r["topic"] is None for r in protective)
    assert source_rows(ada, cfg) == rows  # the same rows on every run: resume stays exact


def reply(msgs, opts):
    prompt = msgs[-1]["content"]
    if "Imagine" in prompt:
        return SCENES
    return "Background: Miles calls.\n\nAda (speaking)\nA telephone? I know of no such thing.\n" if "provoke" in prompt else SCRIPT


def test_paper_build_data_runs_on_the_engine_and_names_the_preset(ada, plait_host, tmp_path):
    model = ScriptedChatModel(default=reply)
    plait_host(model=model)
    out = tmp_path / "paper"
    cfg = BuildConfig.from_preset("paper", max_chunks=2)
    report = build_data(ada, out, cfg, settings=load_settings(), quiet=True)
    assert report["preset"] == "paper" and report["settings"]["scenes_per_chunk"] == 20
    assert report["scene_prompts"] == 100
    scene_prompts = [c[0][-1]["content"] for c in model.calls if "Imagine" in c[0][-1]["content"]]
    assert len(scene_prompts) == 100 and all("Imagine 20 scenes" in p for p in scene_prompts)
    assert len((out / "chunks.jsonl").read_text().splitlines()) == 2  # copies are prompts, not chunks
    protective = [json.loads(x) for x in (out / "protective.jsonl").read_text().splitlines()]
    assert len(protective) == 2  # one per paragraph
    adv = [c[0][-1]["content"] for c in model.calls if "provoke" in c[0][-1]["content"]]
    assert all("inexistent relationships with people and unreal things in that era" in p for p in adv)
    assert not any("disregard" in p for p in adv)
    with pytest.raises(InputError, match="preset 'paper' -> 'default'"):  # the preset is a run option
        build_data(ada, out, BuildConfig.from_preset("default", max_chunks=2), settings=load_settings(), quiet=True)


def test_a_run_recorded_before_presets_resumes_under_the_default_preset(ada, plait_host, tmp_path):
    plait_host(model=ScriptedChatModel(default=reply))
    out, cfg = tmp_path / "old", BuildConfig(scenes_per_chunk=1, protective=1, max_chunks=1)
    build_data(ada, out, cfg, settings=load_settings(), quiet=True)
    path = out / "runs" / "character-data" / "options.json"
    old = {k: v for k, v in json.loads(path.read_text()).items()
           if k not in ("chunking", "min_scene_prompts", "protective_per", "prompts", "preset")}
    path.write_text(json.dumps(old))
    assert build_data(ada, out, cfg, settings=load_settings(), quiet=True)["errors"] == 0


JUDGE = "Reasoning.\n5\n5"


def test_paper_interview_frames_cuts_strips_and_judges_on_the_first_paragraph(ada):
    character = ScriptedChatModel(default="*bows* I was born in London (in 1815), sir.\n\nA second paragraph.")
    judge = ScriptedChatModel(default=JUDGE)
    config = interview_settings("paper", {"turns": 1})
    report = run_interview(ada, [{"id": "q", "question": "Where were you born?"}], character, judge, load_settings(),
                           config=config, progress=False)
    assert report["preset"] == "paper" and report["settings"]["reply_cut"] == "first-paragraph"
    transcript = report["interviews"][0]["transcript"]
    assert transcript[0]["content"] == "Where were you born?"  # single turn: the file's question verbatim
    assert transcript[1]["content"] == "I was born in London, sir."
    assert transcript[1]["raw"].endswith("A second paragraph.")
    system = character.calls[0][0][0]["content"]
    assert "Coffee Shop - Afternoon" in system
    assert "a man from the 21st century. Ada fully trusts the man" in system
    prompt = judge.calls[0][0][0]["content"]
    profile = prompt.split("[Profile]\n", 1)[1].split("\n\n[Background]", 1)[0]
    assert profile == first_paragraph(ada.profile) and profile != ada.profile.strip()
    assert "Status: Ada is casually chatting with a man from the 21st century" in prompt


def test_paper_multi_turn_interview_runs_5_turns_opened_by_the_interviewer(ada):
    character = ScriptedChatModel(default="An answer.\n\nMore.")
    asked = iter([f"Man (speaking): Question {i}?\n\nextra" for i in range(1, 6)])

    def judge_or_interviewer(msgs, opts):
        return next(asked) if msgs[0]["role"] == "system" else JUDGE

    judge = ScriptedChatModel(default=judge_or_interviewer)
    report = run_interview(ada, [{"id": "q", "question": "Tell me of Babbage.", "topic": "Babbage"}], character, judge,
                           load_settings(), config=interview_settings("paper"), progress=False)
    transcript = report["interviews"][0]["transcript"]
    assert report["turns"] == 5 and len(transcript) == 10
    assert [t["content"] for t in transcript if t["role"] == "interviewer"] == [f"Question {i}?" for i in range(1, 6)]
    assert all(t["content"] == "An answer." for t in transcript if t["role"] == "character")
    first = judge.calls[0][0]
    assert "act as an curious man" in first[0]["content"] and "Babbage" in first[0]["content"]
    assert first_paragraph(ada.profile) in first[0]["content"] and ada.profile.strip() not in first[0]["content"]
    assert len(first) == 2 and first[1]["role"] == "user"  # the interviewer speaks first


def test_cli_reports_the_preset(plait_cli, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text('{"question": "Hello?"}\n')
    res = plait_cli("characters", "interview", "ada-lovelace", "-q", str(q), "--preset", "paper", "--turns", "1", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["preset"] == "paper" and report["turns"] == 1 and report["settings"]["framing"] == "coffee-shop"
