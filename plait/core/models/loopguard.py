"""Stop a small model that has started repeating itself.

Tiny local models (the packaged 135M default) fall into loops: the same paragraph again and again
until ``max_tokens``. ``LoopGuard`` watches the text as it is generated and stops at the first
point where the last ``window`` characters already occurred earlier; the repeated part is cut back
to the end of the last complete line or sentence. It holds back ``window`` characters while
streaming, so text it may still cut is never sent. Streaming and non-streaming give the same text.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[\n.!?。！？]")


def repeats_at_end(text: str, window: int) -> bool:
    """Whether the last ``window`` characters of ``text`` already occur earlier in it."""
    n = len(text)
    return window > 0 and n >= 2 * window and text.find(text[n - window:], 0, n - 1) != -1


class LoopGuard:
    def __init__(self, window: int = 80):
        self.window = window
        self.text = ""
        self.sent = 0  # characters of ``text`` already released
        self.looped = False

    def feed(self, delta: str) -> str:
        """Add generated text; returns what may be released now ('' while holding back)."""
        if self.looped:
            return ""
        if self.window <= 0:
            self.text += delta
            return self._release(len(self.text))
        for ch in delta:  # character by character, so detection does not depend on token boundaries
            self.text += ch
            n = len(self.text)
            if repeats_at_end(self.text, self.window):
                self._cut(n - self.window)
                return self._release(len(self.text))
        return self._release(max(self.sent, len(self.text) - self.window))

    def finish(self) -> str:
        """The rest of the text once generation ended."""
        return self._release(len(self.text))

    def _cut(self, at: int) -> None:
        """Keep text up to ``at``, back to its last line or sentence end (never before what was sent)."""
        self.looped = True
        head = self.text[:at]  # at >= self.sent: the last ``window`` characters were held back
        ends = [m.end() for m in _BOUNDARY.finditer(head, self.sent)]
        self.text = head[: ends[-1]] if ends else head

    def _release(self, upto: int) -> str:
        upto = min(upto, len(self.text))
        if upto <= self.sent:
            return ""
        out = self.text[self.sent:upto]
        self.sent = upto
        return out


def trim_loop(text: str, window: int = 80) -> tuple[str, bool]:
    """``text`` cut where it starts repeating itself, and whether it did."""
    guard = LoopGuard(window)
    out = guard.feed(text) + guard.finish()
    return out, guard.looped
