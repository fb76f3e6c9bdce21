"""The web page against a real ``plait serve`` subprocess (scripted model, hash embedder, loopback):
Markdown rendered safely (hostile replies and documents execute nothing), the page opens on
``rag``, and a character's {{char}}/{{user}} macros are filled in its description and greeting.

Screenshots go to ``test-artifacts/``. Needs ``apt-get install -y chromium`` and ``playwright``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from plait.testing.kit import free_port, stop_process, wait_for_http
from test_page import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, browser  # noqa: F401  (the browser fixture)

pytestmark = [
    pytest.mark.needs_browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]

HOSTILE_DOC = """# The engine

The engine <img src=x onerror="window.__pwned = 'doc-img'"> computes tables of numbers.

<script>window.__pwned = 'doc-script'</script>
"""

CARD = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": "Grace",
        "description": "{{char}} is a naval officer who teaches {{user}} about compilers.",
        "personality": "", "scenario": "", "mes_example": "", "alternate_greetings": [],
        "first_mes": "Hello {{user}}, I am {{char}}.",
    },
}

# Everything a model could send that must not execute: raw HTML, an event handler, script in a
# code block, javascript:/data: links. The scripted model echoes it back as its reply.
# The question's words match the hostile document, so the rag agent retrieves it and answers (it
# refuses when nothing relevant is found).
ON_TOPIC = "What does the engine compute? Tables of numbers.\n\n"
HOSTILE_REPLY = ON_TOPIC + """Here is **bold**, *an action*, `inline <b>code</b>` and a [safe link](https://example.org/a).

- first item with <img src=x onerror="window.__pwned='img'">
- second item
  - nested item
1. one
2. two

```html
<script>window.__pwned = 'script-in-code'</script>
<img src=x onerror="window.__pwned='img-in-code'"> [1]
```

[bad link](javascript:window.__pwned='js-link') and [data link](data:text/html,<script>alert(1)</script>)
<script>window.__pwned = 'raw-script'</script><svg onload="window.__pwned='svg'"></svg>"""


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "plait", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"plait {' '.join(args)} failed: {done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def plait_server(tmp_path_factory):
    """``plait serve`` in a subprocess over a home with one hostile document and one imported card."""
    root = tmp_path_factory.mktemp("page-render")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(root / "home"), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="scripted/hash",
               PLAIT_GATE="always", HF_HUB_OFFLINE="1")
    (root / "docs").mkdir()
    (root / "docs" / "engine.md").write_text(HOSTILE_DOC)
    (root / "grace.json").write_text(json.dumps(CARD))
    _run(["ingest", "docs"], env, root)
    _run(["characters", "import", "grace.json"], env, root)
    port = free_port()
    log = root / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "plait", "serve", "--port", str(port), "--no-auth", "-m", "scripted/echo"],
                                env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", timeout=120, proc=proc, log=log)
        yield url
    finally:
        stop_process(proc)


def _page(browser, url: str, width: int = 1100, height: int = 900):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("dialog", lambda dlg: (problems.append(f"dialog: {dlg.message}"), dlg.dismiss()))
    page.goto(url + "/")
    return context, page, problems


def test_page_opens_on_rag_and_renders_markdown_without_running_anything(plait_server, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, problems = _page(browser, plait_server)
    page.wait_for_function("document.querySelectorAll('#model option').length >= 2")
    assert page.input_value("#model") == "rag"  # a first visit opens on the rag agent

    page.fill("#input", HOSTILE_REPLY)
    page.click("#send")
    page.wait_for_selector("#regenerate", timeout=60_000)
    body = page.locator(".msg.assistant .body").last

    # Markdown structure
    assert body.locator("strong").first.inner_text() == "bold"
    assert body.locator("em").first.inner_text() == "an action"
    assert body.locator("p code").first.inner_text() == "inline <b>code</b>"  # shown, not parsed
    assert body.locator(":scope > ul > li").count() == 2
    assert body.locator("ul ul > li").inner_text() == "nested item"
    assert body.locator("ol > li").all_inner_texts() == ["one", "two"]
    code = body.locator("pre.md-code code")
    assert code.get_attribute("class") == "language-html"
    assert "<script>window.__pwned = 'script-in-code'</script>" in code.inner_text()
    assert code.locator("a").count() == 0  # a [1] inside code is not a citation
    assert body.locator("a.cite").count() >= 1  # the reply's own [1] (the echo model cites its source)

    # links: only http(s)/mailto become links; the others stay visible text
    links = body.locator("a:not(.cite)")
    assert links.count() == 1
    assert links.get_attribute("href") == "https://example.org/a"
    assert links.get_attribute("rel") == "noopener noreferrer nofollow"
    assert "[bad link](javascript:" in body.inner_text()

    # nothing from the reply became an element or ran
    tags = page.evaluate("Array.from(document.querySelectorAll('.msg *')).map(e => e.tagName.toLowerCase())")
    assert not {"script", "img", "svg", "iframe"} & set(tags), tags
    assert page.evaluate("document.querySelector('.msg [onerror], .msg [onload], .msg [href^=\"javascript\"]')") is None

    # the hostile document: its chunk opens as text
    page.locator(".msg.assistant .sources a").first.click()
    page.wait_for_selector("#chunk-dialog[open]")
    page.wait_for_function("document.getElementById('chunk-text').textContent.includes('computes tables')")
    assert page.locator("#chunk-text *").count() == 0
    page.screenshot(path=str(ARTIFACTS / "serve-page-chunk.png"))
    page.click("#chunk-dialog button")

    page.screenshot(path=str(ARTIFACTS / "serve-page-markdown.png"), full_page=True)
    assert page.evaluate("window.__pwned === undefined")
    assert problems == []
    context.close()


def test_character_card_macros_are_filled(plait_server, browser):  # noqa: F811
    card = httpx.get(f"{plait_server}/api/characters/grace", timeout=30).json()
    assert card["description"] == "Grace is a naval officer who teaches User about compilers."
    assert card["greetings"] == ["Hello User, I am Grace."]

    context, page, problems = _page(browser, plait_server)
    page.wait_for_function("document.querySelectorAll('#model option').length >= 2")
    page.select_option("#model", "character/grace")
    page.wait_for_selector(".msg.assistant >> text=Hello User, I am Grace.")
    assert page.inner_text("#persona-desc") == "Grace is a naval officer who teaches User about compilers."
    assert "{{" not in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "serve-page-character-macros.png"))
    assert problems == []
    context.close()


def test_long_code_scrolls_inside_its_block_on_a_phone(plait_server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(plait_server + "/")
    page.wait_for_function("document.getElementById('model').value === 'rag'")
    page.fill("#input", ON_TOPIC + "Run this:\n\n```sh\nplait ask --collection=" + "x" * 200 + "\n```\n\n1. then this\n2. and that")
    page.click("#send")
    page.wait_for_selector("#regenerate", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page does not widen
    pre = page.locator(".msg.assistant pre.md-code").last
    assert pre.evaluate("el => el.scrollWidth > el.clientWidth")  # the code block scrolls instead
    page.screenshot(path=str(ARTIFACTS / "serve-page-390-code.png"))
    context.close()
