"""A synthetic corpus with planted targets and a scripted model that extends seeds and writes thoughts.

Planted targets (ids start with ``T-``):
- ``T-hawking``: reachable only through the extended question about Hawking radiation (no seed word);
- ``T-schwarzschild``: reachable only through the thought (its words are in no question);
- ``T-hawking-copy`` (an exact copy, other URL) and ``T-hawking-near`` (one word changed): duplicates;
- ``T-hawking-other``: a distinct document on the same question, to be kept.
"""

from __future__ import annotations

import json
import random

from plait.core.models.base import ChatResult, Choice

FILLER = ("river mountain bread garden window music teacher market winter coffee paper bridge village "
          "painting kitchen harbor forest letter engine camera").split()
HAWKING = ("Hawking radiation is thermal emission predicted by quantum theory near an event horizon and it slowly "
           "carries energy away so that small objects evaporate over immense spans of cosmic time while larger "
           "ones cool the emission spectrum resembles that of a warm body whose temperature falls as mass grows "
           "and the evaporation speeds up at the end in a final burst of particles that observers have searched "
           "for with gamma ray telescopes without success so far although the theory is widely accepted by "
           "physicists who study quantum fields in curved spacetime and the information puzzle it raises")
SCHWARZSCHILD = ("The Schwarzschild radius r equals 2GM over c squared where G is the gravitational constant M the "
                 "mass and c the speed of light at that radius the escape velocity equals light speed")
QUESTIONS = {
    0: ["How does Hawking radiation make a black hole evaporate?",
        "How big is the region of no return around a collapsed star?"],
    1: ["How does Hawking radiation make a black hole evaporate?",  # a repeat across sampling seeds: dropped
        "What happens to clocks near a black hole?"],
}
SEEDS = [
    {"domain": "astro", "kind": "keyword", "text": "black holes"},
    {"domain": "astro", "kind": "faq", "text": "What is a neutron star?"},
]


def corpus_rows(n_filler: int = 120) -> list[dict]:
    rnd = random.Random(7)
    rows = [{"id": f"filler-{i}", "text": " ".join(rnd.choice(FILLER) for _ in range(30)),
             "url": f"https://example.org/filler/{i}"} for i in range(n_filler)]
    rows += [{"id": f"seed-{i}", "text": f"Black holes are regions of space. Black holes bend light {i} " + " ".join(
        rnd.choice(FILLER) for _ in range(12)), "url": f"https://example.org/bh/{i}"} for i in range(6)]
    rows += [
        {"id": "T-hawking", "text": HAWKING, "url": "https://example.org/hawking"},
        {"id": "T-hawking-copy", "text": HAWKING, "url": "https://mirror.example.net/hawking"},
        {"id": "T-hawking-near", "text": HAWKING.replace("immense", "enormous"), "url": "https://example.com/hk"},
        {"id": "T-hawking-other", "text": "Hawking radiation lets a black hole lose mass: pairs of particles near the "
                                          "horizon split and one escapes, so the hole shrinks and may evaporate.",
         "url": "https://example.org/evaporate"},
        {"id": "T-schwarzschild", "text": SCHWARZSCHILD, "url": "https://example.org/schwarzschild"},
        {"id": "T-neutron", "text": "A neutron star is the collapsed core of a massive star, made mostly of neutrons.",
         "url": "https://example.org/neutron"},
        {"id": "junk-symbols", "text": "Hawking $$$ ### @@@ %%% &&& *** ((( ))) !!! ??? ;;; ::: ~~~ ^^^ ||| radiation",
         "url": "https://example.org/junk"},
    ]
    return rows


def scripted_reply(messages, options):
    """Extension replies depend on the sampling seed; one reply of each kind is malformed."""
    prompt = messages[-1]["content"]
    usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": 20}
    if "Reply with a JSON array" in prompt:
        if "neutron star" in prompt:
            text = "I cannot help with that." if options.seed == 0 else json.dumps(
                ["What holds a neutron star up against gravity?"])
        else:
            text = json.dumps(QUESTIONS[options.seed])
    elif "region of no return" in prompt:
        text = "Key terms: Schwarzschild radius, the formula 2GM over c squared, escape velocity equals light speed."
    elif "holds a neutron star" in prompt:
        text = "   "  # malformed: an empty thought
    else:
        text = "Think about the physics involved."
    return ChatResult([Choice(text, finish_reason="stop")], model="testing/scripted", usage=usage)


