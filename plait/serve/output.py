"""OpenAI output rules applied by the server: ``stop`` sequences and a ``max_tokens`` backstop.

Models honour both themselves; the server enforces them again on what it sends so every agent
(scripted ones included) behaves like the OpenAI API: text ends before the first stop sequence
(``finish_reason: "stop"``), and never runs past ``max_tokens`` (``finish_reason: "length"``).
Tokens here are word pieces (words and punctuation), an upper bound on what a real tokenizer counts
for nearly all text, so the backstop only cuts what the model itself should have cut.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text or ""))


class OutputLimiter:
    """Feed text deltas; get back what may be sent. Holds back just enough to catch a stop sequence."""

    def __init__(self, stops: list[str] | None = None, max_tokens: int | None = None):
        self.stops = [s for s in (stops or []) if s]
        self.max_tokens = max_tokens
        self.keep = max((len(s) for s in self.stops), default=1) - 1
        self.pending = ""
        self.emitted = ""
        self.done = False
        self.finish_reason = "stop"

    def _cap(self, text: str) -> str:
        if self.max_tokens is None or not text:
            return text
        total = self.emitted + text
        matches = list(_TOKEN.finditer(total))
        if len(matches) <= self.max_tokens:
            return text
        end = matches[self.max_tokens - 1].end() if self.max_tokens > 0 else 0
        self.done = True
        self.finish_reason = "length"
        return total[len(self.emitted):end] if end > len(self.emitted) else ""

    def _release(self, text: str) -> str:
        out = self._cap(text)
        self.emitted += out
        return out

    def feed(self, delta: str) -> str:
        if self.done or not delta:
            return ""
        self.pending += delta
        hits = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if hits:
            cut = self.pending[: min(hits)]
            self.pending = ""
            out = self._release(cut)
            self.done = True  # a cap inside the cut keeps "length"
            return out
        if len(self.pending) > self.keep:
            split = len(self.pending) - self.keep
            ready, self.pending = self.pending[:split], self.pending[split:]
            return self._release(ready)
        return ""

    def finish(self) -> str:
        if self.done:
            return ""
        out, self.pending = self._release(self.pending), ""
        self.done = True
        return out

    def apply(self, text: str) -> str:
        """The whole-text version (non-streaming replies)."""
        return self.feed(text) + self.finish()
