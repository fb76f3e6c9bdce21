"""The page's Stop button in a real browser against a live server on loopback.

The test agent's turn is held after its first streamed piece (``Hold``), so the reply is
mid-stream when Stop is pressed: no timing involved. The server side (plait/serve/chat.py) abandons
a stream whose client left and rewinds the session; the page must drop the turn too and be ready.
"""

from __future__ import annotations

from serve_support import API_KEY, Hold
from test_page import ARTIFACTS, CHROMIUM, browser  # noqa: F401  (the browser fixture)

import pytest

pytestmark = [
    pytest.mark.needs_browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]

SESSION = "web-stop-test"


def test_stop_button_cancels_a_streaming_reply_and_the_page_is_ready_again(server, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.add_init_script(f"localStorage.setItem('plait.key', '{API_KEY}'); localStorage.setItem('plait.model', 'talk');")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    page.wait_for_function("document.getElementById('model').value === 'talk'")
    assert page.is_hidden("#stop")
    page.evaluate(f"state.session = '{SESSION}'")  # a known session, so the test can hold its turn
    hold = Hold(SESSION, at="stream")

    page.fill("#input", "first message, to be stopped")
    page.keyboard.press("Enter")
    assert hold.entered.wait(60), "the turn never reached the stream"
    page.wait_for_function("document.querySelector('.msg.assistant .body')?.textContent.length > 0")  # mid-stream
    page.wait_for_selector("#stop", state="visible")  # on a loaded machine the button may follow the first delta
    assert page.is_hidden("#send")
    page.screenshot(path=str(ARTIFACTS / "serve-page-streaming-stop.png"))

    page.click("#stop")
    page.wait_for_selector("#send:not([disabled])", state="visible")
    assert page.is_hidden("#stop")
    assert page.locator(".msg").count() == 0  # the stopped turn is gone from the page...
    assert page.input_value("#input") == "first message, to be stopped"  # ...and the message is given back
    assert "stopped" in page.inner_text("#status")
    page.screenshot(path=str(ARTIFACTS / "serve-page-stopped.png"))
    hold.release.set()  # the worker sees the client gone at its next piece

    # the next turn of the session waits for the abandoned one (session lock), and the server kept
    # nothing of it: the agent remembers no earlier user turn
    page.fill("#input", "second message")
    page.keyboard.press("Enter")
    page.wait_for_selector("#regenerate", timeout=60_000)
    reply = page.locator(".msg.assistant .body").last.inner_text()
    assert "Echo: second message" in reply and "remembers: nothing" in reply, reply
    assert server.app.state.pool.cancelled_streams == 1
    assert page.locator(".msg.user .body").all_inner_texts() == ["second message"]

    page.reload()  # what the server kept is what the page showed
    page.wait_for_selector(".msg.user >> text=second message")
    assert page.locator(".msg.user").count() == 1
    assert errors == []
    context.close()
