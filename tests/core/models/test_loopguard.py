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


COUNTING = "See the sources.\n" + "".join(f"[{i}] (source: retrieval-gate.html) " for i in range(1, 40))


def test_a_counting_loop_is_cut_although_its_numbers_change():
    out, looped = trim_loop(COUNTING)
    assert looped
    assert out == "See the sources.\n"


@pytest.mark.parametrize("step", [1, 5, 11])
def test_a_counting_loop_is_cut_the_same_way_when_streamed(step):
    guard = LoopGuard()
    streamed = "".join(guard.feed(COUNTING[i:i + step]) for i in range(0, len(COUNTING), step)) + guard.finish()
    assert streamed == trim_loop(COUNTING)[0]


def test_numbers_alone_do_not_make_a_loop():
    text = ("plait 0.2 was released on 2026-11-26 with 179 files indexed in 41 seconds; version 0.3 followed on "
            "2026-12-02 and indexed 1,204 files in 3 minutes, while retrieval took 0.44 seconds per question.")
    assert trim_loop(text) == (text, False)


def test_repeats_at_end_sees_a_counting_loop():
    """What llama.cpp's logits processor checks to stop generating: counting loops stop it too."""
    from plait.core.models.loopguard import repeats_at_end

    assert repeats_at_end(COUNTING, 80)
    assert not repeats_at_end(COUNTING[:120], 80)
