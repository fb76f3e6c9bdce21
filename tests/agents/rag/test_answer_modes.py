"""Answer modes (extractive, grounded, generate) over the real examples/docs corpus, and citations
that are always valid: never a number that was not given, never a number inside code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.agents.rag import grounded
from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel

SESSIONS_SENTENCE = "every turn is saved by a SQLite checkpointer"


def ask(agent, text, **options):
    return agent.invoke(AgentRequest([{"role": "user", "content": text}], None, {"retrieve": "always", **options}))


def rag_with(settings, *replies):
    agent = get_agent("rag", settings)
    agent.context._model = ScriptedChatModel(list(replies))
    return agent


QUESTION = "Where is every turn of a chat session saved by the SQLite checkpointer?"


def test_extractive_quotes_the_answering_sentence_and_cites_it(docs_store):
    agent = rag_with(docs_store)  # no replies queued: any model call would raise
    reply = ask(agent, QUESTION, answer_mode="extractive")
    sources = {s["n"]: s["source"] for s in reply.extras["sources"]}
    top = reply.extras["quotes"][0]
    assert SESSIONS_SENTENCE in top["text"] and sources[top["n"]].endswith("sessions.md")
    assert f'{SESSIONS_SENTENCE}' in reply.text and f"[{top['n']}]" in reply.text
    assert 2 <= len(reply.extras["quotes"]) <= 3
    assert reply.extras["answer_mode"] == "extractive" and top["n"] in reply.extras["citations"]
    assert agent.context._model.calls == []  # nothing generated


def test_grounded_drops_an_unsupported_summary(docs_store):
    invented = "Sessions are uploaded nightly to PLAINT_CLOUD through a proprietary sync daemon."
    reply = ask(rag_with(docs_store, invented), QUESTION)  # scripted model: [rag] default is generate
    assert reply.extras["answer_mode"] == "generate"
    reply = ask(rag_with(docs_store, invented), QUESTION, answer_mode="grounded")
    assert SESSIONS_SENTENCE in reply.text
    assert "PLAINT_CLOUD" not in reply.text and "In short" not in reply.text


def test_grounded_keeps_a_supported_summary_with_a_citation(docs_store):
    summary = "Every session turn is saved by a SQLite checkpointer under PLAIT_HOME."
    reply = ask(rag_with(docs_store, summary), QUESTION, answer_mode="grounded")
    kept = reply.text.split("In short: ", 1)[1]
    assert kept.startswith("Every session turn is saved by a SQLite checkpointer under PLAIT_HOME")
    quoted = {q["n"] for q in reply.extras["quotes"] if "PLAIT_HOME" in q["text"]}
    assert set(grounded.cited_numbers(kept)) & quoted


def test_config_table_selects_the_mode_and_a_bad_value_names_the_fix(docs_store, monkeypatch):
    monkeypatch.setenv("PLAIT_RAG__ANSWER_MODE", "extractive")
    assert ask(rag_with(load_settings()), QUESTION).extras["answer_mode"] == "extractive"
    monkeypatch.setenv("PLAIT_RAG__ANSWER_MODE", "poetic")
    with pytest.raises(Exception, match=r"\[rag\] answer_mode"):
        ask(rag_with(load_settings()), QUESTION)
    with pytest.raises(InputError, match="answer mode 'poetic' is not one of"):
        ask(rag_with(docs_store), QUESTION, answer_mode="poetic")


def test_embedded_model_defaults_to_grounded(plait_settings):
    local = plait_settings.model_copy(update={"model": "llamacpp/smollm2"})
    assert grounded.answer_mode(local, {}) == "grounded"
    assert grounded.answer_mode(plait_settings.model_copy(update={"model": "openai/gpt"}), {}) == "generate"


def test_a_citation_to_a_source_that_was_not_given_is_removed(docs_store):
    reply = ask(rag_with(docs_store, "Turns are saved in SQLite [1] and [9], see [2, 9]."), QUESTION,
                answer_mode="generate", max_tokens=40)
    n = len(reply.extras["sources"])
    assert n == 5 and "[9]" not in reply.text and "[2]" in reply.text
    assert reply.text == "Turns are saved in SQLite [1] and, see [2]."
    assert reply.extras["citations"] == [1, 2]


def test_streamed_answer_never_shows_an_invalid_citation(docs_store):
    agent = rag_with(docs_store, "Saved in SQLite [1][12] under `x[7]` home [3].")
    pieces = list(agent.stream(AgentRequest([{"role": "user", "content": QUESTION}], None,
                                            {"retrieve": "always", "answer_mode": "generate"})))
    streamed = "".join(p for p in pieces[:-1])
    assert streamed == pieces[-1].text == "Saved in SQLite [1] under `x[7]` home [3]."


def test_brackets_inside_code_are_not_citations():
    text = "Use `[1]` literally, or\n```\nx = a[2]\n```\nas in [3]."
    assert grounded.cited_numbers(text, 3) == [3]
    assert grounded.clean_citations("keep `[9]` but drop [9].", 3) == "keep `[9]` but drop."


def test_sentences_split_without_breaking_abbreviations_or_code():
    text = ("Pick a gate, e.g. the UAR gate. It runs `plait.gate. Decide` fast.\n"
            "Wrapped lines\nare joined.\n\n- A list item is one unit\n```\ncode. Block\n```\nLast one.")
    assert grounded.split_sentences(text) == [
        "Pick a gate, e.g. the UAR gate.", "It runs `plait.gate. Decide` fast.", "Wrapped lines are joined.",
        "- A list item is one unit", "```\ncode. Block\n```", "Last one."]


def test_nothing_relevant_says_so_in_every_mode(docs_store, monkeypatch):
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0.99")
    for mode in grounded.ANSWER_MODES:
        reply = ask(rag_with(load_settings()), "quantum lattice otters", answer_mode=mode)
        assert reply.extras["not_found"] is True and reply.extras["citations"] == [] and reply.extras["quotes"] == []


def test_ask_json_carries_answer_mode_citations_and_quotes(docs_store):
    env = {k: v for k, v in os.environ.items()}
    done = subprocess.run([sys.executable, "-m", "plait.cli.app", "ask", "--json", "--retrieve", "always",
                           "--answer-mode", "extractive", QUESTION], env=env, capture_output=True, text=True,
                          timeout=600, cwd=os.getcwd())
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["answer_mode"] == "extractive"
    assert out["citations"] and set(out["citations"]) <= {s["n"] for s in out["sources"]}
    quote = out["quotes"][0]
    assert {"n", "source", "text"} <= set(quote) and SESSIONS_SENTENCE in quote["text"]


def test_an_html_heading_line_is_not_glued_to_the_next_sentence():
    text = "The retrieval gate: deciding whether to retrieve\nBefore the agent searches, it asks a gate.\n"
    assert grounded.split_sentences(text) == ["The retrieval gate: deciding whether to retrieve",
                                              "Before the agent searches, it asks a gate."]


def test_a_summary_recombining_words_of_different_quotes_is_unsupported():
    quotes = [grounded.Quote(1, "a", 0, "The gate decides whether to retrieve documents.", 0.9),
              grounded.Quote(2, "a", 1, "It receives the question and the chat history.", 0.8)]
    assert grounded.supported("The gate decides whether to retrieve documents.", quotes)
    assert not grounded.supported("The chat history decides whether to retrieve documents.", quotes)


def test_a_heading_line_is_never_quoted(docs_store):
    reply = ask(rag_with(docs_store), "How does plait decide whether to retrieve documents?", answer_mode="extractive")
    assert all(q["text"] != "The retrieval gate: deciding whether to retrieve" for q in reply.extras["quotes"])
    assert reply.extras["quotes"]
