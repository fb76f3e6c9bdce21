"""Character-LLM presets: plait's defaults and the paper's settings (Shao et al., "Character-LLM: A
Trainable Agent for Role-Playing", EMNLP 2023; code: github.com/choosewhatulike/trainable-agents).

Two tables, one per command: ``BUILD`` for ``plait characters build-data`` and ``INTERVIEW`` for
``plait characters interview``; ``PRESETS`` joins them so docs and tests read one table. ``SOURCES``
names where each paper value comes from (paths are in the trainable-agents repository).
"""

from __future__ import annotations

from typing import Any, Mapping

from plait.core.presets import resolve_preset

BUILD: dict[str, dict[str, Any]] = {
    "default": {
        "chunking": "words",  # paragraph-aligned chunks of at most 160 words, short ones merged
        "scenes_per_chunk": 3,
        "min_scene_prompts": 0,  # no duplication: one scene prompt per chunk
        "protective": 4,
        "protective_per": "run",  # 4 protective scripts in total, on a fixed topic list
        "prompts": "plait",
        "temperature": 0.9,
    },
    "paper": {
        "chunking": "paragraphs",
        "scenes_per_chunk": 20,
        "min_scene_prompts": 100,
        "protective": 1,
        "protective_per": "paragraph",
        "prompts": "paper",
        "temperature": 0.7,
    },
}

INTERVIEW: dict[str, dict[str, Any]] = {
    "default": {
        "turns": 1,
        "opener": "question",  # turn 1 asks the question from the file verbatim
        "framing": "plait",  # the card's scenario; "a quiet room, in conversation with a visitor"
        "interviewer_prompt": "plait",
        "reply_cut": "none",
        "strip_stage_directions": False,
        "judge_profile": "full",
        "interviewer_profile": "full",
        "reply_temperature": None,  # None: the character agent's own ([characters] temperature, 0.8)
        "reply_max_tokens": None,  # None: the agent's own ([characters] reply_tokens, 400)
        "interviewer_temperature": 0.7,
        "interviewer_max_tokens": 120,
        "judge_max_tokens": 700,
    },
    "paper": {
        "turns": 5,
        "opener": "interviewer",
        "framing": "coffee-shop",
        "interviewer_prompt": "paper",
        "reply_cut": "first-paragraph",
        "strip_stage_directions": True,
        "judge_profile": "first-paragraph",
        "interviewer_profile": "first-paragraph",
        "reply_temperature": 0.2,
        "reply_max_tokens": 256,
        "interviewer_temperature": 0.2,
        "interviewer_max_tokens": 128,
        "judge_max_tokens": 512,
    },
}

PRESETS: dict[str, dict[str, Any]] = {name: {**BUILD[name], **INTERVIEW[name]} for name in ("default", "paper")}

SOURCES: dict[str, str] = {
    "chunking": "io_utils.py read_profile: the profile is split on blank lines, one prompt per paragraph (paper §3.1)",
    "scenes_per_chunk": "data/seed_data/prompts/prompt_agent_scene.txt: \"Imagine 20 scenes ...\" (paper §3.1)",
    "min_scene_prompts": "io_utils.py load_seed_data_train (gen_scene): max_seed_prompts = 100; paragraphs repeated "
                         "100 // n times, the rest drawn weighted by length (random.seed(42))",
    "protective": "io_utils.py load_seed_data_train (gen_hallucination): one prompt per profile paragraph (paper §3.3)",
    "protective_per": "io_utils.py load_seed_data_train (gen_hallucination) and prompt_agent_dialogue_adv.txt",
    "prompts": "data/seed_data/prompts/prompt_agent_scene.txt, prompt_agent_dialogue.txt, prompt_agent_dialogue_adv.txt",
    "temperature": "config.py: --temperature default 0.7 (run_api_gen_data.py)",
    "turns": "run_api_interview_turns.py: max_turns = 5 (paper §4.2)",
    "opener": "run_api_interview_turns.py: each turn starts with interviewer.get_reply()",
    "framing": "run_api_interview_single.py / run_api_interview_turns.py: loc_time 'Coffee Shop - Afternoon', "
               "status '{name} is casually chatting with a man from the 21st century ...'",
    "interviewer_prompt": "data/seed_data/prompts/agent_meta_prompt_interviewer_chatgpt.txt",
    "reply_cut": "run_api_score_single.py get_reply and run_api_interview_turns.py: content.split('\\n\\n')[0]",
    "strip_stage_directions": "run_api_score_single.py get_reply: re.sub(r'\\*.*?\\*', '', ...) (asterisks); "
                              "eval_utils.py PromptInterviewer.post_process: r'\\(.*?\\)' (parentheses)",
    "judge_profile": "run_api_score_single.py get_prompt_item: context_str = profile[0]",
    "interviewer_profile": "run_api_interview_turns.py: character_profile = character_profile[0]",
    "reply_temperature": "eval_utils.py Character.get_reply / LocalCharacter.get_reply: temperature = 0.2",
    "reply_max_tokens": "eval_utils.py LocalCharacter.get_reply: max_length = 256",
    "interviewer_temperature": "eval_utils.py PromptInterviewer.get_reply: temperature = 0.2",
    "interviewer_max_tokens": "eval_utils.py PromptInterviewer.get_reply: max_length = 128",
    "judge_max_tokens": "run_api_score_single.py api_worker: max_tokens=512, temperature=0.0",
}


def build_settings(name: str | None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Effective ``build-data`` settings (with ``"preset"``); overrides that are ``None`` are not given."""
    return resolve_preset(BUILD, name, overrides, method="characters build-data")


def interview_settings(name: str | None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Effective ``interview`` settings (with ``"preset"``); overrides that are ``None`` are not given."""
    return resolve_preset(INTERVIEW, name, overrides, method="characters interview")


__all__ = ["BUILD", "INTERVIEW", "PRESETS", "SOURCES", "build_settings", "interview_settings"]
