"""Self-aware labelling, as in UAR: ask the model questions with known answers and label each
``1`` (the model does NOT know: retrieve) when its answer is wrong, ``0`` when it is right."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

from plait.core.errors import InputError

SYSTEM = "Answer the question briefly, in a few words, in the language of the question."


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s.]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def answers_of(row: dict, where: str) -> list[str]:
    raw = row.get("answers", row.get("answer"))
    items = raw if isinstance(raw, list) else [raw]
    out = [str(a) for a in items if a is not None and str(a).strip()]
    if not out:
        raise InputError(f"{where} needs \"answer\" (a string) or \"answers\" (a list of accepted strings)")
    return out


def is_correct(reply: str, answers: list[str], question: str = "") -> bool:
    """True when any accepted answer appears in the reply (as whole words for Latin text).
    A reply that merely repeats the question does not count (八边形有几条边 contains 八)."""
    said = normalise(reply)
    if question and normalise(question):
        said = said.replace(normalise(question), " ")
    for ans in answers:
        a = normalise(ans)
        if not a:
            continue
        if re.search(r"[\u3000-\u9fff]", a):  # CJK has no word boundaries
            if a in said:
                return True
        elif re.search(rf"(?<![\w]){re.escape(a)}(?![\w])", said):
            return True
    return False


def label_rows(model: Any, rows: list[dict], max_tokens: int = 32) -> Iterator[dict]:
    """Yield ``{"question", "label", "reply"}`` per QA row (label 1 = the model got it wrong)."""
    from plait.core.models.base import ChatOptions

    options = ChatOptions(temperature=0.0, max_tokens=max_tokens, seed=0)
    for i, row in enumerate(rows, 1):
        answers = answers_of(row, f"QA row {i}")
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": row["question"]}]
        reply = model.chat(messages, options).text
        yield {"question": row["question"], "label": 0 if is_correct(reply, answers, row["question"]) else 1, "reply": reply.strip()[:200]}
