"""plait-quotebook's own tests, written with the fixtures and suites of ``plait.testing``."""

from __future__ import annotations

import json

import pytest

import plait_quotebook
from plait import InputError
from plait.testing.conformance import AgentConformance, ToolConformance
from plait_quotebook.graph import NO_MATCH
from plait_quotebook.quotes import all_quotes, quote_search


def test_entry_point_is_installed(plait_host):
    host = plait_host("quotebook")  # loaded through the installed entry point
    assert host.plugins["quotebook"].hooks == ["register_agents", "register_commands", "register_tools"]
    assert host.registered_by("quotebook") == {"tools": ["quote_search"], "agents": ["quotebot"]}


def test_the_book_ships_with_the_package():
    quotes = all_quotes()
    assert len(quotes) >= 30
    assert all({"text", "author", "source"} <= set(q) for q in quotes)


def test_search_ranks_by_overlap_and_filters_by_author():
    found = quote_search("lost time", limit=2)
    assert found[0]["text"] == "Lost time is never found again."
    assert all(q["author"] == "Oscar Wilde" for q in quote_search("stars self", author="wilde"))
    assert quote_search("xylophone zeppelin") == []
    with pytest.raises(InputError):
        quote_search("time", limit=0)


class TestQuoteSearchTool(ToolConformance):
    tool_function = quote_search
    example_arguments = {"query": "brevity wit", "limit": 1}
    expected_result = [{"text": "Brevity is the soul of wit.", "author": "William Shakespeare",
                        "source": "Hamlet", "tags": ["wit", "writing"]}]


class TestQuotebotAgent(AgentConformance):
    plugins = [plait_quotebook]
    agent_name = "quotebot"
    prompt = "Give me a quote about time."


def test_agent_cites_the_numbered_quotes(plait_home, plait_host, scripted_model):
    from plait import AgentRequest, get_agent

    plait_host(plait_quotebook, model=scripted_model)
    scripted_model.queue("\u201cLost time is never found again.\u201d \u2014 Benjamin Franklin [1]")
    reply = get_agent("quotebot").invoke(AgentRequest([{"role": "user", "content": "a quote about lost time"}]))
    assert reply.text.endswith("[1]")
    assert reply.extras["quotes"][0]["author"] == "Benjamin Franklin"
    prompt = scripted_model.calls[0][0][-1]["content"]
    assert prompt.startswith("Quotations:\n[1] \"Lost time is never found again.\"")


def test_agent_without_a_match_does_not_call_the_model(plait_home, plait_host, scripted_model):
    from plait import AgentReply, AgentRequest, get_agent

    plait_host(plait_quotebook, model=scripted_model)
    items = list(get_agent("quotebot").stream(AgentRequest([{"role": "user", "content": "zeppelin xylophone"}])))
    assert items[:-1] == [NO_MATCH] and isinstance(items[-1], AgentReply)
    assert items[-1].text == NO_MATCH and scripted_model.calls == []


def test_quotes_command(plait_host, plait_cli):
    plait_host(plait_quotebook)
    result = plait_cli("quotes", "search", "brevity", "--json")
    assert result.exit_code == 0, result.output
    assert result.json()[0]["author"] == "William Shakespeare"
    text = plait_cli("quotes", "random", "--seed", "7")
    assert text.exit_code == 0 and "\u2014" in text.stdout
    assert plait_cli("quotes", "random", "--author", "nobody-at-all").exit_code == 1
    assert plait_cli("quotes", "search", "xylophone zeppelin").exit_code == 1
