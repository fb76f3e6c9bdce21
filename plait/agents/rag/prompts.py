"""Prompts of the RAG agent."""

from __future__ import annotations

SYSTEM_WITH_CONTEXT = """You are a helpful assistant that answers from the numbered sources below.
Use only what the sources say. Cite the sources you use with their numbers in square brackets, like [1].
If the sources do not contain the answer, say that you do not know.

Sources:
{sources}"""

SYSTEM_DIRECT = "You are a helpful assistant. Answer the question directly and concisely."

NOT_FOUND = (
    "I could not find anything relevant to this question in the indexed documents{where}, so I will not guess. "
)
NOT_FOUND_ADVICE = {
    "generate": "Ingest documents that cover it with `plait ingest PATH`, or ask without retrieval (`--retrieve never`).",
    # the quoting modes never answer from the model alone; say how to get that, and that it is unchecked
    "quoting": "Ingest documents that cover it with `plait ingest PATH`, or use `--answer-mode generate` "
               "to let the model answer on its own (unchecked).",
}

NOTHING_TO_QUOTE = (
    "Retrieval is off for this question, and this answer mode only quotes the documents, so I will not guess. "
    "Ask with retrieval (`--retrieve always`), or use `--answer-mode generate` to let the model answer."
)

NO_QUOTABLE_SENTENCE = (
    "The passages found (listed as sources) hold no sentence I could quote for this question, so I will not guess. "
    "Use `--answer-mode generate` to let the model answer from them."
)


def not_found(collection: str | None, quoting: bool) -> str:
    """The reply when no hit passes ``min_score``: the collection searched, no model text."""
    where = f" (collection `{collection}`)" if collection else ""
    return NOT_FOUND.format(where=where) + NOT_FOUND_ADVICE["quoting" if quoting else "generate"]


HISTORY_TURNS = 6  # earlier messages kept in the prompt; older ones are dropped to fit small contexts


def format_sources(hits: list[dict]) -> str:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        blocks.append(f"[{n}] (source: {hit['source']}, chunk {hit['chunk']})\n{hit['text'].strip()}")
    return "\n\n".join(blocks)


def build_messages(question: str, history: list[dict], hits: list[dict] | None) -> list[dict]:
    system = SYSTEM_WITH_CONTEXT.format(sources=format_sources(hits)) if hits else SYSTEM_DIRECT
    recent = [m for m in history if m.get("role") in ("user", "assistant")][-HISTORY_TURNS:]
    return [{"role": "system", "content": system}, *recent, {"role": "user", "content": question}]
