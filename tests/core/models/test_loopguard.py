"""The loop guard stops a model that repeats itself, the same way streamed or not."""

import pytest

from plait.core.models.loopguard import LoopGuard, trim_loop

LOOP = "plait decides as follows.\n\n" + "1. The document is retrieved from the server and stored in Chroma for later.\n" * 5


def test_a_repeated_paragraph_is_cut_after_its_first_copy():
    out, looped = trim_loop(LOOP)
    assert looped
    assert out == "plait decides as follows.\n\n1. The document is retrieved from the server and stored in Chroma for later."


@pytest.mark.parametrize("step", [1, 2, 7, 13])
def test_streaming_in_any_pieces_gives_the_same_text(step):
    guard = LoopGuard()
    streamed = "".join(guard.feed(LOOP[i:i + step]) for i in range(0, len(LOOP), step)) + guard.finish()
    assert streamed == trim_loop(LOOP)[0]


def test_text_without_loops_is_untouched_and_window_zero_disables():
    text = "Sea otters hold hands while sleeping. They do so to avoid drifting apart in the current."
    assert trim_loop(text) == (text, False)
    assert trim_loop(LOOP, window=0) == (LOOP, False)


def test_held_back_text_is_never_released_then_taken_back():
    guard = LoopGuard(window=20)
    released = ""
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789 " * 3:
        released += guard.feed(ch)
    released += guard.finish()
    assert guard.looped and released == guard.text
