"""``plait characters interview``: Character-LLM's interview evaluation.

Each question starts an interview: single-turn (the question, the answer) or, with
``turns > 1``, multi-turn, where an interviewer (the judge's model, prompted as the paper's
curious interviewer) asks follow-ups. A judge then scores the character's answers 1-7 on five
dimensions, each with its own step-by-step rubric, reasoning first and the score last.
The parser reads the score from malformed output where it can, asks once more if it cannot,
and otherwise records None and counts the answer as malformed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from plait.core.errors import InputError
from plait.core.io import atomic_write_json
from plait.core.models.base import ChatOptions

DIMENSIONS = {
    "memorization": (
        "Factual Correctness (1-7): does the response give truthful and detailed facts about the character?",
        [
            "Read through the interactions and identify the key points related to the character.",
            "Read the AI assistant's responses and compare them with the profile: are they consistent with the character's profile, background and known facts?",
            "Check whether the responses give detailed facts about the character or generic answers that could fit anyone; detailed, correct facts raise the score.",
            "Rate the factual correctness from 1 (lowest) to 7 (highest) according to the criterion.",
        ],
    ),
    "values": (
        "Values (1-7): does the response reflect the values and convictions of the character?",
        [
            "Read the profile and write down the values and convictions of the real character.",
            "Read the interactions and identify the values and convictions the AI assistant shows.",
            "Compare the responses with the profile, looking for consistencies and inconsistencies.",
            "Rate from 1 (not at all reflective of the character's values) to 7 (perfectly reflective).",
        ],
    ),
    "personality": (
        "Personality (1-7): does the response reflect the personality and preferences of the character?",
        [
            "Read the profile and write down the personality and preferences of the real character.",
            "Read the interactions and identify the personality and preferences the AI assistant shows.",
            "Compare the responses with the profile, looking for consistencies and inconsistencies.",
            "Rate from 1 (not at all reflective of the character's personality) to 7 (perfectly reflective).",
        ],
    ),
    "hallucination": (
        "Avoiding Hallucination (1-7): does the response avoid saying things the character could not know?",
        [
            "Read the interactions and identify the scope of the character's knowledge (their time, place and life).",
            "Read the AI assistant's responses and find the knowledge each response uses.",
            "Compare that knowledge with the profile: knowledge the character could not have had (later events, inventions, people) lowers the score; staying within it raises the score.",
            "Rate avoiding hallucination from 1 (lowest) to 7 (highest).",
        ],
    ),
    "stability": (
        "Long-term Acting (1-7): does the assistant keep performing well as the character over the whole interaction?",
        [
            "Read the profile and background to know who {name} is.",
            "Go through the interactions turn by turn and judge whether each response reflects the character's personality and values; give each turn a score.",
            "From those turn scores, judge whether {name} keeps acting as the character throughout.",
            "Rate the stability from 1 (very poor) to 7 (excellent).",
        ],
    ),
}

JUDGE_PROMPT = """You will be given responses written by an AI assistant imitating the character {name}. Rate the performance of {name} on the criterion below, following the evaluation steps.

***
[Profile]
{profile}

[Background]
Location: {location}
Status: {status}
***
[Interactions]
{interactions}
***
[Evaluation Criterion]
{criterion}

[Evaluation Steps]
{steps}
***
First write out your reasoning about the criterion step by step, so that your conclusion is sound; do not state the answer at the outset. Then print the score (a whole number from 1 to 7) on its own line. At the end, repeat just the selected score again by itself on a new line."""

RETRY = "Your answer did not end with a score. Reply with the score, a whole number from 1 to 7, on its own line."

INTERVIEWER_PROMPT = """I want you to act as a curious person interested in {name}. I will act as the character and you will chat with me. Reply only as the curious person. Your task is to draw out the memories, values and personality of the character in as much detail as you can; if the character dodges with answers lacking detail, ask follow-up questions. Do not get off the topic. Do not mention the character's name; call the character "you". Ask one question at a time and do not write explanations. You may repeat an earlier question to see whether the character answers consistently.

The goal of this conversation is:
{topic}

The profile of the character:
{profile}

The status of us is as follows:
Location: {location}
Status: {status}"""


def parse_score(text: str) -> float | None:
    """The 1-7 score in a judge's reply, or None. Prefers a number alone on the last lines."""
    if not text:
        return None
    lines = [ln.strip().strip("*#`_ ").strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines[-3:]):
        m = re.fullmatch(r"(?:(?:final\s+)?score\s*[:=]?\s*)?([1-7](?:\.\d+)?)(?:\s*/\s*7|\s+out of\s+7)?\.?", line, re.I)
        if m:
            return float(m.group(1))
    found = re.findall(r"score\s*(?:is|of|:|=)?\s*\**\s*([1-7](?:\.\d+)?)\b(?!\s*[-–]\s*\d)", text, re.I)
    if found:
        return float(found[-1])
    found = re.findall(r"\b([1-7](?:\.\d+)?)\s*(?:/|out of)\s*7\b", text, re.I)
    if found:
        return float(found[-1])
    return None


def load_questions(path: Path) -> list[dict[str, Any]]:
    """``{"question": ..., "topic"?: ..., "id"?: ...}`` per line; a plain JSON string is accepted too.

    Not ``plait.core.io.read_jsonl``: that refuses a line that is not an object, and the plain
    string line is a documented form of this file.
    """
    if not path.is_file():
        raise InputError(f"no questions file {path}")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc}); each line must be {{\"question\": \"...\"}}") from None
        if isinstance(rec, str):
            rec = {"question": rec}
        question = rec.get("question") if isinstance(rec, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise InputError(f"{path}:{n}: needs a non-empty \"question\" string")
        out.append({"id": str(rec.get("id", f"q{len(out) + 1}")), "question": question, "topic": str(rec.get("topic") or question)})
    if not out:
        raise InputError(f"{path} has no questions")
    return out


def _interactions(transcript: list[dict[str, str]], name: str) -> str:
    who = {"interviewer": "Interviewer", "character": name}
    return "\n".join(f"{who[t['role']]} (speaking): {t['content']}" for t in transcript)


def judge(character: Any, transcript: list[dict[str, str]], judge_model: Any, location: str, status: str) -> dict[str, Any]:
    """Scores and raw judgements for every dimension."""
    scores: dict[str, float | None] = {}
    raws: dict[str, str] = {}
    for dim, (criterion, steps) in DIMENSIONS.items():
        prompt = JUDGE_PROMPT.format(
            name=character.name, profile=character.profile, location=location, status=status,
            interactions=_interactions(transcript, character.name), criterion=criterion,
            steps="\n".join(f"{i}. {s.format(name=character.name)}" for i, s in enumerate(steps, 1)),
        )
        messages = [{"role": "user", "content": prompt}]
        raw = judge_model.chat(messages, ChatOptions(temperature=0.0, max_tokens=700)).text
        score = parse_score(raw)
        if score is None:  # one more chance, asking for the score alone
            messages += [{"role": "assistant", "content": raw}, {"role": "user", "content": RETRY}]
            again = judge_model.chat(messages, ChatOptions(temperature=0.0, max_tokens=20)).text
            score = parse_score(again)
            raw = f"{raw}\n---\n{again}"
        scores[dim], raws[dim] = score, raw
    return {"scores": scores, "judgements": raws}


def interview_one(agent: Any, q: dict[str, Any], interviewer: Any, character: Any, turns: int, location: str, status: str) -> list[dict[str, str]]:
    """Run one interview; returns the transcript."""
    from plait.agents.base import AgentRequest

    transcript: list[dict[str, str]] = []
    chat: list[dict[str, str]] = []  # the character's view: user = interviewer
    asker: list[dict[str, str]] = [{"role": "system", "content": INTERVIEWER_PROMPT.format(
        name=character.name, topic=q["topic"], profile=character.profile, location=location, status=status)}]
    question = q["question"]
    for turn in range(max(1, turns)):
        transcript.append({"role": "interviewer", "content": question})
        chat.append({"role": "user", "content": question})
        answer = agent.invoke(AgentRequest(messages=list(chat), options={"memory": True})).text
        transcript.append({"role": "character", "content": answer})
        chat.append({"role": "assistant", "content": answer})
        if turn + 1 >= turns:
            break
        # the interviewer sees itself as "assistant" and the character as "user"
        asker += [{"role": "assistant", "content": question}, {"role": "user", "content": answer}]
        question = interviewer.chat(asker, ChatOptions(temperature=0.7, max_tokens=120)).text.strip()
        question = re.sub(r"^\s*(interviewer|curious person)\s*(\(speaking\))?\s*:\s*", "", question, flags=re.I) or "Please go on."
    return transcript


def run_interview(character: Any, questions: list[dict[str, Any]], model: Any, judge_model: Any, settings: Any,
                  turns: int = 1, progress: bool = True) -> dict[str, Any]:
    """Interview ``character`` on every question and judge each interview."""
    from plait.agents.base import AgentContext
    from plait.plugins.characters.agent import CharacterAgent

    if turns < 1:
        raise InputError("--turns must be at least 1")
    agent = CharacterAgent(AgentContext(settings, model_name=getattr(model, "name", None), _model=model), character)
    location = "a quiet room, in conversation with a visitor"
    status = character.scenario or f"{character.name} is being interviewed by a curious visitor."
    results = []
    items = questions
    if progress:
        from rich.progress import track

        items = track(questions, description="interviewing")
    for q in items:
        transcript = interview_one(agent, q, judge_model, character, turns, location, status)
        results.append({**q, "transcript": transcript, **judge(character, transcript, judge_model, location, status)})
    means, counts, malformed = {}, {}, {}
    for dim in DIMENSIONS:
        got = [r["scores"][dim] for r in results if r["scores"][dim] is not None]
        counts[dim] = len(got)
        malformed[dim] = len(results) - len(got)
        means[dim] = round(sum(got) / len(got), 3) if got else None
    return {
        "character": character.name,
        "model": getattr(model, "name", ""),
        "judge_model": getattr(judge_model, "name", ""),
        "turns": turns,
        "dimensions": list(DIMENSIONS),
        "means": means,
        "counts": counts,
        "malformed": malformed,
        "interviews": results,
    }


def write_report(report: dict[str, Any], out: Path) -> None:
    atomic_write_json(out, report, indent=1)
