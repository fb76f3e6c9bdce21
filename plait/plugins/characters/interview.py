"""``plait characters interview``: Character-LLM's interview evaluation.

Each question starts an interview: single-turn (the question, the answer) or, with
``turns > 1``, multi-turn, where an interviewer (the judge's model, prompted as the paper's
curious interviewer) asks follow-ups. The settings come from a preset (``presets.INTERVIEW``):
under ``paper`` the scene is the paper's coffee shop, the interviewer opens every one of 5 turns,
replies are cut at their first paragraph and stripped of stage directions, and the judge and the
interviewer see the first profile paragraph. A judge then scores the character's answers 1-7 on five
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


def first_paragraph(text: str) -> str:
    """The text up to its first blank line (the paper keeps ``split('\n\n')[0]``), without a heading line."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", (text or "").strip())]
    paragraphs = [p for p in paragraphs if p and not p.startswith("# ")]
    return paragraphs[0] if paragraphs else ""


_STAGE_DIRECTION = re.compile(r"\*[^*\n]*\*|\([^()\n]*\)")


def clean_reply(text: str, config: dict[str, Any]) -> str:
    """A character's reply as the paper judges it: cut at the first paragraph, stage directions
    (``*smiles*``, ``(leans back)``) removed."""
    if config.get("reply_cut") == "first-paragraph":
        text = (text or "").strip().split("\n\n")[0]
    if config.get("strip_stage_directions"):
        text = _STAGE_DIRECTION.sub("", text)
        text = re.sub(r"[ \t]{2,}", " ", text)
        text = re.sub(r"\s+([,.;:!?])", r"\1", text).strip()
    return text


def _profile(character: Any, which: str) -> str:
    return first_paragraph(character.profile) if which == "first-paragraph" else character.profile


def judge(character: Any, transcript: list[dict[str, str]], judge_model: Any, location: str, status: str,
          config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Scores and raw judgements for every dimension."""
    config = config or {}
    profile = _profile(character, config.get("judge_profile", "full"))
    max_tokens = int(config.get("judge_max_tokens") or 700)
    scores: dict[str, float | None] = {}
    raws: dict[str, str] = {}
    for dim, (criterion, steps) in DIMENSIONS.items():
        prompt = JUDGE_PROMPT.format(
            name=character.name, profile=profile, location=location, status=status,
            interactions=_interactions(transcript, character.name), criterion=criterion,
            steps="\n".join(f"{i}. {s.format(name=character.name)}" for i, s in enumerate(steps, 1)),
        )
        messages = [{"role": "user", "content": prompt}]
        raw = judge_model.chat(messages, ChatOptions(temperature=0.0, max_tokens=max_tokens)).text
        score = parse_score(raw)
        if score is None:  # one more chance, asking for the score alone
            messages += [{"role": "assistant", "content": raw}, {"role": "user", "content": RETRY}]
            again = judge_model.chat(messages, ChatOptions(temperature=0.0, max_tokens=20)).text
            score = parse_score(again)
            raw = f"{raw}\n---\n{again}"
        scores[dim], raws[dim] = score, raw
    return {"scores": scores, "judgements": raws}


def _interviewer_system(character: Any, q: dict[str, Any], location: str, status: str, config: dict[str, Any]) -> str:
    from plait.plugins.characters import paper_prompts

    template = paper_prompts.INTERVIEWER if config.get("interviewer_prompt") == "paper" else INTERVIEWER_PROMPT
    return template.format(name=character.name, topic=q.get("topic") or q["question"], location=location, status=status,
                           profile=_profile(character, config.get("interviewer_profile", "full")))


def _ask(interviewer: Any, asker: list[dict[str, str]], config: dict[str, Any]) -> str:
    options = ChatOptions(temperature=float(config.get("interviewer_temperature", 0.7)),
                          max_tokens=int(config.get("interviewer_max_tokens") or 120))
    question = interviewer.chat(asker, options).text.strip()
    if config.get("interviewer_prompt") == "paper":  # the paper keeps the interviewer's first paragraph
        question = question.split("\n\n")[0].strip()
    return re.sub(r"^\s*(interviewer|curious (person|man)|man)\s*(\(speaking\))?\s*:\s*", "", question, flags=re.I) or "Please go on."


def interview_one(agent: Any, q: dict[str, Any], interviewer: Any, character: Any, turns: int, location: str, status: str,
                  config: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Run one interview; returns the transcript (a cleaned reply keeps the model's text as ``raw``)."""
    from plait.agents.base import AgentRequest
    from plait.plugins.characters import paper_prompts

    config = config or {}
    transcript: list[dict[str, str]] = []
    chat: list[dict[str, str]] = []  # the character's view: user = interviewer
    # the interviewer sees itself as "assistant" and the character as "user"
    asker: list[dict[str, str]] = [{"role": "system", "content": _interviewer_system(character, q, location, status, config)}]
    if config.get("opener") == "interviewer" and turns > 1:
        # the paper's multi-turn interview: the interviewer model asks the first question too, on the
        # question's topic; a single-turn interview asks the file's question verbatim (as the paper's does)
        asker.append({"role": "user", "content": paper_prompts.INTERVIEWER_OPENING})
        question = _ask(interviewer, asker, config)
    else:
        question = q["question"]
    for turn in range(max(1, turns)):
        transcript.append({"role": "interviewer", "content": question})
        chat.append({"role": "user", "content": question})
        raw = agent.invoke(AgentRequest(messages=list(chat), options={"memory": True})).text
        answer = clean_reply(raw, config)
        transcript.append({"role": "character", "content": answer, **({"raw": raw} if raw != answer else {})})
        chat.append({"role": "assistant", "content": answer})  # the paper feeds the cut reply back
        if turn + 1 >= turns:
            break
        asker += [{"role": "assistant", "content": question}, {"role": "user", "content": answer}]
        question = _ask(interviewer, asker, config)
    return transcript


def _scene(character: Any, config: dict[str, Any]) -> tuple[str, str]:
    """(location, status) of the interview: the paper's coffee shop, or plait's visitor scene."""
    if config.get("framing") == "coffee-shop":
        from plait.plugins.characters import paper_prompts
        from plait.plugins.characters.pipeline import short_name

        return paper_prompts.COFFEE_SHOP_LOCATION, paper_prompts.COFFEE_SHOP_STATUS.format(name=short_name(character))
    location = "a quiet room, in conversation with a visitor"
    return location, character.scenario or f"{character.name} is being interviewed by a curious visitor."


def _framed(character: Any, location: str, status: str, config: dict[str, Any]) -> Any:
    """The character the agent plays: under the coffee-shop framing its scenario is the paper's scene."""
    if config.get("framing") != "coffee-shop":
        return character
    from dataclasses import replace

    return replace(character, data={**character.data, "scenario": f"Location: {location}\nStatus: {status}"})


def run_interview(character: Any, questions: list[dict[str, Any]], model: Any, judge_model: Any, settings: Any,
                  turns: int | None = None, progress: bool = True, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Interview ``character`` on every question and judge each interview.

    ``config``: the effective settings (``presets.interview_settings``); None = the default preset.
    ``turns`` given explicitly wins over the config's.
    """
    from plait.agents.base import AgentContext
    from plait.plugins.characters.agent import CharacterAgent
    from plait.plugins.characters.presets import interview_settings

    config = interview_settings(None, {"turns": turns}) if config is None else dict(config)
    if turns is not None:
        config["turns"] = turns
    turns = int(config["turns"])
    if turns < 1:
        raise InputError("--turns must be at least 1")
    location, status = _scene(character, config)
    agent_options = {k: config[c] for k, c in (("temperature", "reply_temperature"), ("reply_tokens", "reply_max_tokens"))
                     if config.get(c) is not None}
    agent = CharacterAgent(AgentContext(settings, model_name=getattr(model, "name", None), _model=model, options=agent_options),
                           _framed(character, location, status, config))
    results = []
    items = questions
    if progress:
        from rich.progress import track

        items = track(questions, description="interviewing")
    for q in items:
        transcript = interview_one(agent, q, judge_model, character, turns, location, status, config)
        results.append({**q, "transcript": transcript, **judge(character, transcript, judge_model, location, status, config)})
    means, counts, malformed = {}, {}, {}
    for dim in DIMENSIONS:
        got = [r["scores"][dim] for r in results if r["scores"][dim] is not None]
        counts[dim] = len(got)
        malformed[dim] = len(results) - len(got)
        means[dim] = round(sum(got) / len(got), 3) if got else None
    return {
        "character": character.name,
        "preset": config.get("preset", "default"),
        "settings": {k: v for k, v in config.items() if k != "preset"},
        "model": getattr(model, "name", ""),
        "judge_model": getattr(judge_model, "name", ""),
        "turns": turns,
        "location": location,
        "status": status,
        "dimensions": list(DIMENSIONS),
        "means": means,
        "counts": counts,
        "malformed": malformed,
        "interviews": results,
    }


def write_report(report: dict[str, Any], out: Path) -> None:
    atomic_write_json(out, report, indent=1)
