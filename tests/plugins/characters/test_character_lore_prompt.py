"""Lorebook activation and card-spec prompt assembly."""

from __future__ import annotations

from types import SimpleNamespace

from plait.plugins.characters.lore import key_matches, scan
from plait.plugins.characters.prompts import build_prompt, substitute

WORDS = lambda s: len(s.split())  # noqa: E731


def book(**overrides):
    data = {
        "scan_depth": 2,
        "token_budget": 1000,
        "entries": [
            {"keys": ["lighthouse"], "content": "LORE-LIGHTHOUSE", "insertion_order": 20},
            {"keys": ["dragon"], "content": "LORE-DRAGON", "insertion_order": 10},
            {"keys": [], "content": "LORE-CONSTANT", "constant": True, "insertion_order": 30},
            {"keys": ["ship"], "secondary_keys": ["storm"], "selective": True, "content": "LORE-SELECTIVE"},
            {"keys": ["/gho+st/i"], "content": "LORE-REGEX"},
            {"keys": ["Crown"], "case_sensitive": True, "content": "LORE-CASE"},
            {"keys": ["lighthouse"], "content": "LORE-DISABLED", "enabled": False},
        ],
    }
    data.update(overrides)
    return data


def contents(entries):
    return [e["content"] for e in entries]


def msgs(*texts):
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]


def test_key_in_last_messages_activates_and_absent_key_does_not():
    got = contents(scan(book(), msgs("Tell me about the lighthouse"), WORDS))
    assert "LORE-LIGHTHOUSE" in got
    assert "LORE-DRAGON" not in got
    assert "LORE-CONSTANT" in got
    assert "LORE-DISABLED" not in got


def test_constant_entry_always_active():
    assert contents(scan(book(), msgs("nothing relevant"), WORDS)) == ["LORE-CONSTANT"]
    assert contents(scan(book(), [], WORDS)) == ["LORE-CONSTANT"]


def test_scan_depth_limits_the_window():
    history = msgs("the dragon came", "ok", "something else", "fine")
    assert "LORE-DRAGON" not in contents(scan(book(scan_depth=2), history, WORDS))
    assert "LORE-DRAGON" in contents(scan(book(scan_depth=4), history, WORDS))


def test_selective_needs_secondary_key():
    assert "LORE-SELECTIVE" not in contents(scan(book(), msgs("a ship"), WORDS))
    assert "LORE-SELECTIVE" in contents(scan(book(), msgs("a ship in the storm"), WORDS))


def test_regex_case_and_whole_words():
    assert "LORE-REGEX" in contents(scan(book(), msgs("a GHOOOST!"), WORDS))
    assert "LORE-CASE" not in contents(scan(book(), msgs("the crown"), WORDS))
    assert "LORE-CASE" in contents(scan(book(), msgs("the Crown"), WORDS))
    v3 = {"entries": [{"keys": ["col(ou)?r"], "use_regex": True, "content": "LORE-V3-REGEX"}]}
    assert contents(scan(v3, msgs("what colour?"), WORDS)) == ["LORE-V3-REGEX"]
    assert contents(scan(v3, msgs("what hue?"), WORDS)) == []
    assert not key_matches("ship", "friendship")
    assert key_matches("C++", "I like c++ a lot")


def test_insertion_order_and_token_budget():
    got = contents(scan(book(), msgs("lighthouse and dragon"), WORDS))
    assert got == ["LORE-DRAGON", "LORE-LIGHTHOUSE", "LORE-CONSTANT"]
    # budget 2 tokens: the constant entry is admitted first, then one more by priority
    tight = book(token_budget=2)
    tight["entries"][1]["priority"] = 50
    got = contents(scan(tight, msgs("lighthouse and dragon"), WORDS))
    assert got == ["LORE-DRAGON", "LORE-CONSTANT"]


def test_recursive_scanning():
    b = book()
    b["entries"][0]["content"] = "LORE-LIGHTHOUSE guarded by a dragon"
    assert "LORE-DRAGON" not in contents(scan(b, msgs("lighthouse"), WORDS))
    b["recursive_scanning"] = True
    assert "LORE-DRAGON" in contents(scan(b, msgs("lighthouse"), WORDS))


def character(**kw):
    base = dict(
        name="Mira", description="{{char}} keeps the light.", personality="calm", scenario="{{user}} visits",
        mes_example="<START>\n{{user}}: EX-ONE\n{{char}}: reply one\n<START>\n{{user}}: EX-TWO\n{{char}}: reply two",
        system_prompt="", post_history_instructions="POST for {{char}}", era="1890s", knowledge_cutoff="1899",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_prompt_order_macros_and_post_history():
    lore = [{"content": "BEFORE {{char}}", "position": "before_char"}, {"content": "AFTER", "position": "after_char"}]
    history = msgs("hello {{char}}")
    messages, info = build_prompt(character(system_prompt="CUSTOM {{original}} END"), history, user="Tom", lore=lore,
                                  memory=[{"text": "MEMORY-ONE", "kind": "profile"}], count_tokens=WORDS)
    system = messages[0]["content"]
    assert system.startswith("CUSTOM Write Mira's next reply")
    assert "END" in system and "{{" not in system
    order = [system.index(x) for x in ("BEFORE Mira", "Mira keeps the light.", "Mira's personality: calm", "Scenario: Tom visits", "AFTER", "1890s", "MEMORY-ONE", "EX-ONE")]
    assert order == sorted(order)
    assert messages[1] == {"role": "user", "content": "hello Mira"}
    assert messages[-1] == {"role": "system", "content": "POST for Mira"}
    assert info["pruned"] == {"examples": 0, "history": 0, "memory": 0}


def test_examples_are_pruned_first_when_context_is_short():
    history = msgs("one two three", "four five six", "seven eight nine")
    full, _ = build_prompt(character(), history, context_tokens=10_000, reply_tokens=0, count_tokens=WORDS)
    size = sum(WORDS(m["content"]) + 4 for m in full)
    short, info = build_prompt(character(), history, context_tokens=size - 3, reply_tokens=0, count_tokens=WORDS)
    assert info["pruned"]["examples"] == 1 and info["pruned"]["history"] == 0
    assert "EX-ONE" in short[0]["content"] and "EX-TWO" not in short[0]["content"]
    tiny, info = build_prompt(character(), history, context_tokens=size - 40, reply_tokens=0, count_tokens=WORDS)
    assert info["pruned"]["examples"] == 2
    assert "EX-ONE" not in tiny[0]["content"]
    assert tiny[-2]["content"] == "seven eight nine"  # the last user message is never dropped


def test_substitute_v1_macros_and_original():
    assert substitute("<BOT> and <USER>: {{Char}} {{original}}", "A", "B", "ORIG") == "A and B: A ORIG"


# -- V3 decorators ----------------------------------------------------------------------------
def deco_book(*entries, **overrides):
    data = {"scan_depth": 10, "token_budget": 1000, "entries": list(entries)}
    data.update(overrides)
    return data


def test_dont_activate_never_inserts_and_activate_always_does():
    b = deco_book(
        {"keys": ["lamp"], "content": "@@dont_activate\nLORE-NEVER", "constant": True},
        {"keys": ["nothing-matches-this"], "content": "@@activate\n\nLORE-ALWAYS"},
        {"keys": ["lamp"], "content": "@@activate\n@@dont_activate\nLORE-BOTH"},  # @@activate wins
    )
    for history in (msgs("the lamp"), msgs("unrelated"), []):
        got = scan(b, history, WORDS)
        assert contents(got) == ["LORE-ALWAYS", "LORE-BOTH"]
    assert all("@@" not in e["content"] for e in scan(b, msgs("lamp"), WORDS))
    # a disabled entry stays off even with @@activate
    off = deco_book({"keys": [], "content": "@@activate\nLORE-OFF", "enabled": False})
    assert scan(off, msgs("x"), WORDS) == []


def test_scan_depth_decorator_limits_the_scan_for_that_entry_only():
    b = deco_book(
        {"keys": ["dragon"], "content": "@@scan_depth 1\nLORE-SHALLOW"},
        {"keys": ["dragon"], "content": "LORE-BOOK-DEPTH"},
        {"keys": ["dragon"], "content": "@@scan_depth 4\nLORE-DEEP"},
    )
    history = msgs("the dragon came", "ok", "something else", "fine")
    assert contents(scan(b, history, WORDS)) == ["LORE-BOOK-DEPTH", "LORE-DEEP"]
    assert contents(scan({**b, "scan_depth": 1}, history, WORDS)) == ["LORE-DEEP"]
    assert "LORE-SHALLOW" in contents(scan(b, msgs("x", "y", "a dragon"), WORDS))


def test_activate_only_after_waits_for_n_replies_and_only_every():
    b = deco_book(
        {"keys": ["ship"], "content": "@@activate_only_after 2\nLORE-LATER"},
        {"keys": [], "constant": True, "content": "@@activate_only_every 2\nLORE-EVERY-OTHER"},
    )
    # the count is of the chat's assistant (character) messages, per the V3 spec
    assert contents(scan(b, msgs("ship"), WORDS)) == ["LORE-EVERY-OTHER"]                 # 0 replies
    assert contents(scan(b, msgs("ship", "r1", "ship"), WORDS)) == []                     # 1 reply
    assert contents(scan(b, msgs("ship", "r1", "ship", "r2", "ship"), WORDS)) == ["LORE-LATER", "LORE-EVERY-OTHER"]
    assert contents(scan(b, msgs("ship", "r1", "ship", "r2", "x", "r3", "ship"), WORDS)) == ["LORE-LATER"]
    # keys are still needed once the wait is over
    assert contents(scan(b, msgs("a", "r1", "b", "r2", "c"), WORDS)) == ["LORE-EVERY-OTHER"]


def test_unknown_and_invalid_decorators_are_ignored_and_stripped():
    b = deco_book(
        {"keys": ["moon"], "content": "@@risu_only_thing 3\n@@scan_depth lots\n@@\n@@keep_activate_after_match\n"
                                      "LORE-MOON line one\nline two\n\n@@another_unknown"},
        {"keys": [], "constant": True, "content": "@@only_decorators 1"},  # nothing left to insert
    )
    got = scan(b, msgs("the moon", "a", "b", "c"), WORDS)
    assert contents(got) == ["LORE-MOON line one\nline two"]


def test_fallback_decorators_and_additional_exclude_keys():
    b = deco_book(
        # unknown primary -> its first usable fallback applies
        {"keys": ["tea"], "content": "@@risu_only 1\n@@@agn_only 1\n@@@dont_activate\nLORE-FALLBACK"},
        # known primary -> the fallback is ignored
        {"keys": ["tea"], "content": "@@scan_depth 10\n@@@dont_activate\nLORE-PRIMARY"},
        {"keys": ["tea"], "content": "@@additional_keys cake, scone\nLORE-NEEDS-CAKE"},
        {"keys": ["tea"], "content": "@@exclude_keys coffee\nLORE-NO-COFFEE"},
    )
    assert contents(scan(b, msgs("tea time"), WORDS)) == ["LORE-PRIMARY", "LORE-NO-COFFEE"]
    assert contents(scan(b, msgs("tea and a scone, no coffee"), WORDS)) == ["LORE-PRIMARY", "LORE-NEEDS-CAKE"]


def test_position_depth_and_role_place_the_entry():
    b = deco_book(
        {"keys": ["lamp"], "content": "@@position after_desc\nLORE-AFTER", "position": "before_char"},
        {"keys": ["lamp"], "content": "@@depth 1\n@@role user\nLORE-DEPTH-ONE"},
        {"keys": ["lamp"], "content": "@@depth 0\nLORE-DEPTH-ZERO"},
        {"keys": ["lamp"], "content": "@@depth 99\n@@role assistant\nLORE-DEPTH-FAR"},
    )
    history = msgs("first", "reply", "the lamp")
    lore = scan(b, history, WORDS)
    by = {e["content"]: e for e in lore}
    assert by["LORE-AFTER"]["position"] == "after_char" and "depth" not in by["LORE-AFTER"]
    assert (by["LORE-DEPTH-ONE"]["depth"], by["LORE-DEPTH-ONE"]["role"]) == (1, "user")
    assert by["LORE-DEPTH-ZERO"]["role"] == "system"
    messages, _ = build_prompt(character(), history, lore=lore, count_tokens=WORDS)
    system = messages[0]["content"]
    assert system.index("Mira keeps the light.") < system.index("LORE-AFTER")
    assert "LORE-DEPTH" not in system
    chat = [(m["role"], m["content"]) for m in messages[1:]]
    assert chat == [
        ("assistant", "LORE-DEPTH-FAR"),
        ("user", "first"),
        ("assistant", "reply"),
        ("user", "LORE-DEPTH-ONE"),
        ("user", "the lamp"),
        ("system", "LORE-DEPTH-ZERO"),
        ("system", "POST for Mira"),
    ]
