"""Stop a small model that has started repeating itself.

Tiny local models (the packaged 135M default) fall into loops: the same paragraph again and again
until ``max_tokens``. ``LoopGuard`` watches the text as it is generated and stops at the first
point where the last ``window`` characters already occurred earlier; the repeated part is cut back
to the end of the last complete line or sentence within ``window`` characters before it. It holds
back ``2 * window`` characters while streaming, so text it may still cut is never sent. Streaming and non-streaming give the same text.

Digits are compared as one class (every digit reads as ``0``), so counting loops are caught too:
``[1] (source: x) [2] (source: x) [3] ...`` repeats although no two items are equal. Text whose
last ``window`` characters differ from all earlier text in more than digits is never cut.
"""

from __future__ import annotations

import re

# a line end, or a sentence end (". " - not the dot of "gate.html" or "0.2")
_BOUNDARY = re.compile(r"\n|[.!?](?=\s|$)|[。！？]")


_DIGITS = str.maketrans("123456789", "000000000")


def shape(text: str) -> str:
    """``text`` with every digit as "0" (same length), so a counting loop repeats exactly."""
    return text.translate(_DIGITS)


def repeats_at_end(text: str, window: int) -> bool:
    """Whether the last ``window`` characters of ``text`` already occur earlier in it, digits aside."""
    return _repeats(shape(text), window)


def _repeats(shaped: str, window: int) -> bool:
    n = len(shaped)
    return window > 0 and n >= 2 * window and shaped.find(shaped[n - window:], 0, n - 1) != -1


class LoopGuard:
    def __init__(self, window: int = 80):
        self.window = window
        self.text = ""
        self.shape = ""  # ``text`` with every digit as "0" (same length): what repetition is checked on
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
            self.shape += shape(ch)
            n = len(self.text)
            if _repeats(self.shape, self.window):
                self._cut(n - self.window)
                return self._release(len(self.text))
        return self._release(max(self.sent, len(self.text) - 2 * self.window))

    def finish(self) -> str:
        """The rest of the text once generation ended."""
        return self._release(len(self.text))

    def _cut(self, at: int) -> None:
        """Keep text up to ``at``, back to the last line or sentence end in the ``window`` before it.

        Only that span is searched, streamed or not, so both give the same text: while streaming,
        ``2 * window`` characters are held back, so nothing after ``at - window`` was sent yet.
        """
        self.looped = True
        head = self.text[:at]
        ends = [m.end() for m in _BOUNDARY.finditer(head, max(self.sent, at - self.window))]
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
