"""A quoted sentence ending in ':' carries the code block, literal block or list that follows it
("Run the following command:" answers only with the command), cut to FOLLOW_MAX_CHARS.

Each chunk below has at most MIN_QUOTES quotable sentences, so every one of them is quoted whatever
the embedder ranks first: the tests are about what a quote carries, not about ranking."""

from __future__ import annotations

import pytest

from plait.agents.base import AgentRequest, get_agent
from plait.agents.rag import grounded
from plait.core.models.scripted import ScriptedChatModel


@pytest.fixture
def embedder(plait_settings):
    from plait.core.models import get_embedder

    return get_embedder(None, plait_settings)


def _quotes(embedder, text, question="How do I install it?"):
    hit = {"source": "doc.md", "chunk": 0, "score": 0.9, "text": text}
    return {q.text.partition("\n")[0]: q for q in grounded.select_quotes(question, [hit], embedder)}


def test_a_markdown_command_block_comes_with_its_sentence(embedder):
    text = ("# Install\n\nRun the following command to install plait:\n\n```bash\npip install 'plait[local]'\n```\n\n"
            "The build takes about six minutes on two cores.\n")
    quotes = _quotes(embedder, text)
    carried = quotes["Run the following command to install plait:"].text
    assert carried == "Run the following command to install plait:\n```bash\npip install 'plait[local]'\n```"
    assert quotes["The build takes about six minutes on two cores."].text == "The build takes about six minutes on two cores."


def test_an_rst_list_comes_with_its_sentence_items_only(embedder):
    text = ("These are the following return codes returned at the end of execution\nof a CLI command:\n\n"
            "* ``0`` -- Success.\n\n* ``2`` -- Parse error.\n\n"
            "  The primary meaning is that the command line failed to be parsed.\n\n"
            "* ``130`` -- SIGINT (Ctrl-C).\n\nDone.\n")
    quotes = _quotes(embedder, text, "Which return code means SIGINT?")
    carried = quotes["These are the following return codes returned at the end of execution of a CLI command:"].text
    assert carried.splitlines()[1:] == ["* ``0`` -- Success.", "* ``2`` -- Parse error.", "* ``130`` -- SIGINT (Ctrl-C)."]
    # an item the list already shows is not quoted again on its own
    assert [k for k, q in quotes.items() if "``130``" in q.text] == [
        "These are the following return codes returned at the end of execution of a CLI command:"]


def test_an_rst_literal_block_is_carried_as_code(embedder):
    text = "To purge a queue, run this command::\n\n  aws sqs purge-queue --queue-url https://example/q\n\nThat is all.\n"
    quotes = _quotes(embedder, text, "How do I purge a queue?")
    assert quotes["To purge a queue, run this command::"].text.splitlines()[1:] == [
        "```", "aws sqs purge-queue --queue-url https://example/q", "```"]


def test_prose_after_the_colon_is_not_carried_and_a_long_block_is_cut(embedder):
    quotes = _quotes(embedder, "The options are these:\n\nEach one is described in its own page.\n")
    assert quotes["The options are these:"].text == "The options are these:"
    lines = [f"echo line number {i:03d} of a long generated script" for i in range(100)]
    text = "Run the whole setup script as follows:\n\n```sh\n" + "\n".join(lines) + "\n```\n"
    carried = _quotes(embedder, text)["Run the whole setup script as follows:"].text
    block = carried.split("\n", 1)[1]
    assert len(block) <= grounded.FOLLOW_MAX_CHARS + 20
    assert block.startswith("```sh\necho line number 000") and block.endswith("…\n```")


def test_the_rendered_answer_nests_the_block_and_cites_only_outside_code(embedder, plait_settings, tmp_path):
    from plait.retrieval.ingest import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "install.md").write_text("# Install\n\nTo install plait run the following command:\n\n"
                                     "```bash\npip install 'plait[local]'  # see [2]\n```\n")
    ingest_paths([docs], plait_settings, embedder, progress=False)
    agent = get_agent("rag", plait_settings)
    agent.context._model = ScriptedChatModel()  # extractive: a model call would raise
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "How do I install plait?"}], None,
                                      {"retrieve": "always", "answer_mode": "extractive"}))
    assert '- "To install plait run the following command:" [1]\n  ```bash\n  pip install' in reply.text
    assert reply.extras["citations"] == [1]  # the [2] inside the code block is text
    assert reply.extras["quotes"][0]["text"].endswith("```")
