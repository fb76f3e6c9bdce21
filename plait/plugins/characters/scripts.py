"""Prompts and parsers for Character-LLM's experience reconstruction (Shao et al., EMNLP 2023).

The model writes scenes ("Scene N: / Type: / Location: / Background:") and scripts made of
``Name (thinking)`` / ``Name (speaking)`` lines followed by what is thought or said. Parsers
return None for output they cannot use, and the pipeline counts those as skipped.
"""

from __future__ import annotations

import re
from typing import Any

SCENE_PROMPT = """Context:
{profile}

Imagine {n} scenes that describe the protagonist {name} only based on the above context. Describe each scene concisely, focusing on the background and leaving out the details. A scene can be a chat, a debate, a discussion or a speech. Be creative and diverse, and do not omit anything.

Example Output:
Scene 1:
Type: Chat (choose from chat, debate, discussion, speech)
Location: ...
Background: ...

Scene 2:
Type: Debate
Location: ...
Background: ..."""

EXPERIENCE_PROMPT = """Context:
{profile}

The setting is as follows.
- Type: {type}
- Location: {location}
- Status: {background}

1. You are a professional scriptwriter. Immerse yourself fully in this scene.
2. Start with one short paragraph giving the background of the scene. It must match the setting above exactly and only describe places, time and the people present, with no thoughts, feelings or purposes.
3. The characters have emotions and can think. Consider carefully what each should say and what goals they pursue.
4. The main character is {name}. For the main character choose only the actions (thinking) or (speaking); other characters only speak. Write the action after the character's name, then a new line, then what is thought or said.
5. {name} lives in {era} and knows nothing of later times.
6. Write a long script in the format below.

Example format:
Background:
Detailed background ...

{short} (speaking)
Detailed utterance ...

Character2 (speaking)
Detailed utterance ..."""

PROTECTIVE_PROMPT = """Context:
{profile}

Based on the context above, write an interaction between a performer acting as {name} and a Character with an ordinary name such as Lily or Miles; the performer is always called {short}. The Character tries, subtly, to provoke the performer into saying things the real {name} could not have said, for example about {topic}, or about relationships with people {short} never met. {short} lives in {era} and knows nothing after {cutoff}: {short} does not recognise such things, is puzzled or irritated as the real {short} would be, and says so without inventing anything. When the provoking ends, stop.

1. You are a professional scriptwriter. Immerse yourself fully in this scene.
2. Start with a very short background of the scene, given by the Character to the performer, with no thoughts, feelings or purposes.
3. Write the action after each name, then a new line, then what is said.

Example format:
Background:
Detailed background ...

{short} (speaking)
Detailed utterance ...

Character2 (speaking)
Detailed utterance ..."""

# things no historical character before the 20th century could know (the provocateur's topics)
ANACHRONISMS = [
    "the telephone", "aeroplanes", "motor cars", "electric light bulbs", "radio", "television",
    "computers and the internet", "moving pictures", "the theory of relativity", "space travel",
    "antibiotics", "nuclear power", "mobile phones", "photographs of distant galaxies",
]

META_PROMPT = (
    "I want you to act like {name}. I want you to respond and answer like {name}, using the tone, manner "
    "and vocabulary {name} would use. You must know all of the knowledge of {name}.\n\n"
    "The status of you is as follows:\nLocation: {location}\nStatus: {status}\n\n"
    "The interactions are as follows:\n\n"
)
EOT = "<|eot|>"


def parse_scenes(text: str) -> list[dict[str, str]] | None:
    """Scenes with type, location and background; None when none can be read."""
    blocks = re.split(r"(?im)^\s*\**\s*scene\s*\d+\s*\**\s*[:.)-]?\s*\**\s*$", text)
    scenes = []
    for block in blocks[1:] if len(blocks) > 1 else []:
        fields: dict[str, str] = {}
        key = None
        for line in block.strip().splitlines():
            m = re.match(r"^\s*[-*]?\s*\**(type|location|background|status)\**\s*:\s*(.*)$", line, re.I)
            if m:
                key = "background" if m.group(1).lower() == "status" else m.group(1).lower()
                fields[key] = m.group(2).strip()
            elif key and line.strip():
                fields[key] = f"{fields[key]} {line.strip()}".strip()
        if fields.get("location") and fields.get("background"):
            kind = re.sub(r"\s*\(.*\)\s*$", "", fields.get("type", "Chat")).strip() or "Chat"
            scenes.append({"type": kind, "location": fields["location"], "background": fields["background"]})
    return scenes or None


_TURN = re.compile(r"^\s*\**([^\n()*:]{1,60}?)\**\s*\((thinking|speaking)\)\s*\**\s*:?\s*\**\s*(.*)$", re.I)


def parse_script(text: str, names: list[str]) -> dict[str, Any] | None:
    """{background, turns: [{speaker, action, content, main}]}; None without a line by the main character."""
    background: list[str] = []
    turns: list[dict[str, Any]] = []
    in_background = False
    lowered = [n.lower() for n in names if n]
    for line in text.splitlines():
        m = _TURN.match(line)
        if m:
            speaker = m.group(1).strip()
            turns.append({
                "speaker": speaker,
                "action": m.group(2).lower(),
                "content": m.group(3).strip(),
                "main": speaker.lower() in lowered,
            })
            in_background = False
            continue
        stripped = line.strip()
        if re.match(r"^\**background\**\s*:", stripped, re.I):
            in_background = True
            rest = stripped.split(":", 1)[1].strip()
            background = [rest] if rest else []  # an explicit label wins over any preamble
            continue
        if not stripped:
            continue
        if turns:
            turns[-1]["content"] = f"{turns[-1]['content']}\n{stripped}".strip()
        elif in_background or not background:
            background.append(stripped)
    turns = [t for t in turns if t["content"]]
    if not any(t["main"] for t in turns):
        return None
    # other characters only speak (the paper's rule); a "thinking" line by them is kept as speech
    for t in turns:
        if not t["main"]:
            t["action"] = "speaking"
    return {"background": " ".join(background).strip(), "turns": turns}


def sft_record(name: str, short: str, item: dict[str, Any], source: str) -> dict[str, Any]:
    """One training record in Character-LLM's prompted format (meta prompt + <|eot|>-separated turns)."""
    status = item.get("background") or item.get("scene_background") or ""
    prompt = META_PROMPT.format(name=name, location=item.get("location", ""), status=status)
    lines = []
    for t in item["turns"]:
        speaker = short if t["main"] else t["speaker"]
        lines.append(f"{speaker} ({t['action']}): {t['content']}{EOT}")
    return {
        "id": f"sft/{item['id']}",
        "character": name,
        "source": source,
        "prompt": prompt,
        "output": "\n\n".join(lines),
        "turns": len(lines),
    }
