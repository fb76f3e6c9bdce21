"""The web page in a real browser: Playwright driving Debian's Chromium against a live server.

Screenshots go to ``test-artifacts/`` (CI keeps them). Needs ``apt-get install -y chromium``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from serve_support import API_KEY, TalkAgent

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

pytestmark = [
    pytest.mark.needs_browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]

# Counts the distinct texts the streaming reply shows, to see it grow piece by piece.
WATCH_STREAM = """
window.__streamStates = new Set();
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const bodies = document.querySelectorAll('.msg.assistant .body');
    const last = bodies[bodies.length - 1];
    if (last) window.__streamStates.add(last.textContent);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
});
"""


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def seeded_chunk(settings):
    from plait.core.models.scripted import HashEmbedder
    from plait.retrieval.store import get_collection

    emb = HashEmbedder()
    coll = get_collection(settings, settings.collection, emb.id)
    coll.add(
        ids=["docs/guide.md#0"],
        documents=["plait serves agents over HTTP, full chunk text."],
        embeddings=emb.embed(["plait"]),
        metadatas=[{"source": "docs/guide.md", "chunk": 0}],
    )


def test_chat_with_a_character_in_the_browser(server, browser, seeded_chunk, monkeypatch):
    monkeypatch.setattr(TalkAgent, "stream_delay", 0.05)
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(WATCH_STREAM)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")

    # the server wants a key: the page asks once and keeps it
    page.wait_for_selector("#key-dialog[open]")
    page.fill("#key-input", API_KEY)
    page.click("#key-dialog button")
    page.wait_for_function("document.querySelectorAll('#model option').length >= 2")

    # pick the character: greeting and avatar from its card
    page.select_option("#model", "character/ada")
    page.wait_for_selector(".msg.assistant >> text=Good day! I am Ada.")
    page.wait_for_function("document.getElementById('persona-avatar').naturalWidth === 64")
    assert page.inner_text("#persona-name") == "Ada"

    # send a message and watch the reply stream in
    page.fill("#input", "Tell me about the engine")
    page.keyboard.press("Enter")
    page.wait_for_selector("#regenerate", timeout=30_000)
    reply = page.locator(".msg.assistant .body").last.inner_text()
    assert reply.startswith("[ada] Echo: Tell me about the engine")
    states = page.evaluate("Array.from(window.__streamStates)")
    partial = [s for s in states if s and reply.startswith(s) and s != reply]
    assert len(partial) >= 3, f"reply did not stream: {states}"
    assert errors == []

    # the citation opens the cited chunk's text from the store
    page.locator(".msg.assistant .sources a").last.click()
    page.wait_for_selector("#chunk-dialog[open]")
    page.wait_for_function("document.getElementById('chunk-text').textContent.includes('full chunk text')")
    page.click("#chunk-dialog button")

    # regenerate: one reply is replaced, not added
    page.click("#regenerate")
    page.wait_for_selector("#regenerate", timeout=30_000)
    assert page.locator(".msg.user").count() == 1
    assert page.locator(".msg.assistant").count() == 2  # greeting + the regenerated reply
    page.screenshot(path=str(ARTIFACTS / "serve-page-1280.png"), full_page=True)

    # reload: the session is listed and reopened
    page.reload()
    page.wait_for_selector("#sessions button >> text=Tell me about the engine")
    page.wait_for_selector(".msg.user >> text=Tell me about the engine")
    assert page.locator(".msg.assistant").count() == 2
    # the reopened reply still shows its citations and the gate decision (kept per turn)
    page.wait_for_selector(".msg.assistant .sources >> text=docs/guide.md #0")
    assert "decided by always" in page.locator(".msg.assistant .gate").last.inner_text()
    session_button = page.locator("#sessions button").first
    assert "character/ada" in session_button.inner_text()

    # a fresh chat, then reopen the saved one from the list
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('.msg.user').length === 0")
    session_button.click()
    page.wait_for_selector(".msg.user >> text=Tell me about the engine")
    context.close()
    assert errors == []


def test_page_on_a_phone_width(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_init_script(f"localStorage.setItem('plait.key', '{API_KEY}'); localStorage.setItem('plait.model', 'character/ada');")
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector(".msg.assistant >> text=Good day! I am Ada.")
    page.fill("#input", "Hello from a phone")
    page.click("#send")
    page.wait_for_selector("#regenerate", timeout=30_000)
    # nothing wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
    assert page.locator("#sidebar").evaluate("el => el.getBoundingClientRect().right") <= 0  # tucked away
    page.screenshot(path=str(ARTIFACTS / "serve-page-390.png"))
    page.click("#toggle-sessions")
    page.wait_for_selector("#sessions button >> text=Hello from a phone")
    page.wait_for_function("document.getElementById('sidebar').getBoundingClientRect().left >= 0")
    page.screenshot(path=str(ARTIFACTS / "serve-page-390-sessions.png"))
    context.close()


def test_pick_among_a_characters_alternatives(plait_home, browser, monkeypatch):
    """The real character agent keeps every regenerated reply; the page's "‹ n/m ›" picks one."""
    import httpx

    from plait.core.config import load_settings
    from plait.core.models.scripted import ScriptedChatModel
    from plait.serve import create_app
    from serve_support import RunningServer

    monkeypatch.setenv("PLAIT_API_KEYS", API_KEY)
    app = create_app(load_settings())
    app.state.pool._model = ScriptedChatModel(replies=[f"Reply number {i}." for i in range(1, 40)])
    ARTIFACTS.mkdir(exist_ok=True)
    with RunningServer(app) as server:
        models = httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {API_KEY}"}).json()["data"]
        model = next(m["id"] for m in models if m["id"].startswith("character/"))
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(f"localStorage.setItem('plait.key', '{API_KEY}'); localStorage.setItem('plait.model', '{model}');")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector("#persona-name")
        page.fill("#input", "Hello there")
        page.keyboard.press("Enter")
        page.wait_for_selector("#regenerate", timeout=60_000)
        assert page.locator(".alt-picker").count() == 0  # one reply: nothing to pick
        first = page.locator(".msg.assistant .body").last.inner_text()
        for _ in range(2):
            page.click("#regenerate")
            page.wait_for_selector("#regenerate", timeout=60_000)
        page.wait_for_selector("#alt-pos >> text=3/3")
        third = page.locator(".msg.assistant .body").last.inner_text()
        assert third != first and page.is_disabled("#alt-next")
        page.click("#alt-prev")
        page.wait_for_selector("#alt-pos >> text=2/3")
        page.click("#alt-prev")
        page.wait_for_selector("#alt-pos >> text=1/3")
        assert page.locator(".msg.assistant .body").last.inner_text() == first
        assert page.locator(".msg.user").count() == 1
        page.screenshot(path=str(ARTIFACTS / "serve-page-alternatives.png"))
        # the choice is the session's: a reload reopens it with the picker where it was left
        page.reload()
        page.wait_for_selector("#alt-pos >> text=1/3")
        assert page.locator(".msg.assistant .body").last.inner_text() == first
        context.close()
        assert errors == []
