"""Interview evaluation with scripted character, interviewer and judge models."""

from __future__ import annotations

import json

import pytest

from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.interview import DIMENSIONS, load_questions, parse_score, run_interview
from plait.plugins.characters.store import BuiltinSource

SCORES = {"Factual Correctness": 6, "Values (1-7)": 5, "Personality (1-7)": 4, "Avoiding Hallucination": 7, "Long-term Acting": 3}


def judge_reply(msgs, opts):
    prompt = msgs[0]["content"]
    for marker, score in SCORES.items():
        if marker in prompt:
            return f"Step 1: the profile says...\nStep 2: consistent.\n{score}\n{score}"
    return "?"


@pytest.fixture
def ada(plait_home):
    return BuiltinSource(load_settings()).load("ada-lovelace")


def test_single_turn_interview_scores_every_dimension(ada, tmp_path):
    character_model = ScriptedChatModel(default="I was born in London, sir.")
    judge = ScriptedChatModel(default=judge_reply)
    questions = [{"id": "q1", "question": "Where were you born?", "topic": "birth"},
                 {"id": "q2", "question": "What is your favourite film?", "topic": "films"}]
    report = run_interview(ada, questions, character_model, judge, load_settings(), turns=1, progress=False)
    assert report["means"] == {"memorization": 6.0, "values": 5.0, "personality": 4.0, "hallucination": 7.0, "stability": 3.0}
    assert report["counts"] == {d: 2 for d in DIMENSIONS} and report["malformed"] == {d: 0 for d in DIMENSIONS}
    first = report["interviews"][0]
    assert first["transcript"] == [{"role": "interviewer", "content": "Where were you born?"},
                                   {"role": "character", "content": "I was born in London, sir."}]
    assert set(first["judgements"]) == set(DIMENSIONS)
    # the judge saw the profile, the interaction and the step-by-step rubric
    prompt = judge.calls[0][0][0]["content"]
    assert "Augusta Ada Byron was born" in prompt
    assert "Ada Lovelace (speaking): I was born in London, sir." in prompt
    assert "[Evaluation Steps]\n1. " in prompt and "step by step" in prompt
    json.dumps(report)  # JSON-safe


def test_multi_turn_interview_uses_an_interviewer(ada):
    character_model = ScriptedChatModel(default="An answer.")
    follow_ups = iter(["Interviewer (speaking): And then?", "Why so?"])

    def judge_or_interviewer(msgs, opts):
        if msgs[0]["role"] == "system" and "curious person" in msgs[0]["content"]:
            return next(follow_ups)
        return judge_reply(msgs, opts)

    judge = ScriptedChatModel(default=judge_or_interviewer)
    report = run_interview(ada, [{"id": "q", "question": "Tell me of Babbage.", "topic": "Babbage"}],
                           character_model, judge, load_settings(), turns=3, progress=False)
    transcript = report["interviews"][0]["transcript"]
    assert [t["content"] for t in transcript if t["role"] == "interviewer"] == ["Tell me of Babbage.", "And then?", "Why so?"]
    assert len(transcript) == 6
    # the character saw the whole interview so far on its third answer
    last_call = character_model.calls[-1][0]
    assert [m["content"] for m in last_call if m["role"] == "user"] == ["Tell me of Babbage.", "And then?", "Why so?"]
    assert report["means"]["stability"] == 3.0


def test_malformed_judge_output_is_survived(ada):
    replies = iter([
        "I think it is good. Score: 5/7",       # memorization: score inside text
        "no idea", "still no idea",             # values: malformed, retry malformed -> None
        "rambling", "4",                        # personality: malformed, retry gives 4
        "**Score:** 6",                         # hallucination
        "The final score is 2 out of 7.",       # stability
    ])
    judge = ScriptedChatModel(default=lambda m, o: next(replies))
    report = run_interview(ada, [{"id": "q", "question": "Hi?", "topic": "t"}], ScriptedChatModel(default="Hello."),
                           judge, load_settings(), progress=False)
    scores = report["interviews"][0]["scores"]
    assert scores == {"memorization": 5.0, "values": None, "personality": 4.0, "hallucination": 6.0, "stability": 2.0}
    assert report["means"]["values"] is None and report["malformed"]["values"] == 1
    assert "still no idea" in report["interviews"][0]["judgements"]["values"]


@pytest.mark.parametrize("text, expected", [
    ("Reasoning...\n6\n6", 6.0), ("Score: 7", 7.0), ("score is 3", 3.0), ("1-7 scale, I give 5/7", 5.0),
    ("", None), ("rate from 1 to 7", None), ("Score: 9", None), ("I would say 4.5\n4.5", 4.5),
])
def test_parse_score(text, expected):
    assert parse_score(text) == expected


def test_questions_file_errors(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question": "ok"}\n{broken\n')
    with pytest.raises(InputError, match="q.jsonl:2"):
        load_questions(bad)
    bad.write_text('{"q": "wrong key"}\n')
    with pytest.raises(InputError, match="question"):
        load_questions(bad)
    good = tmp_path / "g.jsonl"
    good.write_text('"Where were you born?"\n\n{"question": "Why?", "topic": "t", "id": "x"}\n')
    assert load_questions(good) == [{"id": "q1", "question": "Where were you born?", "topic": "Where were you born?"},
                                    {"id": "x", "question": "Why?", "topic": "t"}]


def test_cli_interview_writes_json(plait_home, tmp_path):
    import typer
    from typer.testing import CliRunner

    from plait.plugins.characters.cli import register

    app = typer.Typer()
    register(app)
    q = tmp_path / "q.jsonl"
    q.write_text('{"question": "Where were you born?"}\n')
    out = tmp_path / "report.json"
    res = CliRunner().invoke(app, ["characters", "interview", "ada-lovelace", "--questions", str(q), "--turns", "2",
                                   "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert report == json.loads(res.stdout)
    assert set(report["means"]) == set(DIMENSIONS)
    assert len(report["interviews"][0]["transcript"]) == 4
