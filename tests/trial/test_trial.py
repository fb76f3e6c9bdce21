"""End-to-end trial: a real documentation corpus, three surfaces, every turn stored and resumable.

The corpus is ~150 Markdown/reST/HTML/text files shipped inside the installed packages (copied at
test time; plait writes none of them), ingested with the real packaged embedder. The model is
``scripted/echo`` ("Echo: <question>" + the cited labels), so every reply is known in advance:
that echo, or the rag agent's documented refusal when no chunk is relevant enough.
22 questions go through each surface:

1. ``plait chat --session NAME`` from a pipe, in two processes (the second resumes the first);
2. a real ``plait serve`` subprocess on loopback with the official ``openai`` client, streamed and
   not streamed, in one session, sending only each new turn;
3. the web page in headless Chromium (Playwright), then a reload that reopens the session.

Each surface must answer every question without an error, store every turn in order, and a turn
made later (another process, another request, a reloaded page) continues the stored conversation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from trial_corpus import AT_LEAST, copy_corpus, first_heading

pytestmark = pytest.mark.slow

API_KEY = "trial-key-0123456789"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# questions a new user asks of a pile of library docs; non-ASCII ones included on purpose
FIXED = [
    "How do I install the package?",
    "What does the changelog say about breaking changes?",
    "How do I list objects in an Amazon S3 bucket?",
    "Which command line options are available?",
    "How are embeddings computed?",
    "What is dependency injection?",
    "How do I write a test for this?",
    "What license is this released under?",
    "Explain the dataset's features and targets.",
    "How do I configure logging?",
    "Qu'est-ce que la documentation dit du café ☕ et de 日本語?",
    "What does `--dry-run` do?",
]
N_QUESTIONS = 22


@dataclass
class Trial:
    root: Path
    env: dict[str, str]
    questions: list[str]

    def plait(self, *args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "plait", *args], input=stdin, capture_output=True, text=True,
                              env=self.env, cwd=self.root, timeout=timeout)


def _questions(corpus: list[Path]) -> list[str]:
    """The fixed questions, then ones about the corpus's own headings (exact terms BM25 finds)."""
    out = list(FIXED)
    for path in corpus:
        title = first_heading(path)
        if title and len(title) < 120 and "\n" not in title:
            q = f"What does the documentation say about {title.strip()}?"
            if q not in out:
                out.append(q)
        if len(out) >= N_QUESTIONS:
            break
    return out


def _echo(question: str) -> str:
    return f"Echo: {question}"


NOT_FOUND = "I could not find anything relevant"  # the rag agent's refusal when no chunk is relevant enough


def _ok_reply(question: str, text: str, *, shown: bool = False) -> bool:
    """The echo of this question (the model answered), or the agent's documented refusal."""
    echo = _echo(question).replace("`", "") if shown else _echo(question)
    return text.startswith(echo) or text.startswith(NOT_FOUND)


def _assert_clean(proc: subprocess.CompletedProcess, what: str) -> None:
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr and "error:" not in proc.stderr, f"{what}:\n{proc.stderr[-3000:]}"


def _assert_turns(messages: list[dict], questions: list[str]) -> None:
    """Every question stored in order, each followed by its own reply."""
    assert [m["role"] for m in messages] == ["user", "assistant"] * len(questions)
    assert [m["content"] for m in messages[0::2]] == questions
    for question, reply in zip(questions, messages[1::2]):
        assert _ok_reply(question, reply["content"]), reply["content"]
    answered = sum(m["content"].startswith("Echo: ") for m in messages[1::2])
    assert answered >= len(questions) // 2, f"only {answered} of {len(questions)} questions reached the model"


@pytest.fixture(scope="module")
def trial(tmp_path_factory) -> Trial:
    root = tmp_path_factory.mktemp("trial")
    corpus = copy_corpus(root / "corpus")
    if len(corpus) < AT_LEAST:
        pytest.skip(f"only {len(corpus)} documentation files found in the installed packages (need {AT_LEAST})")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    # the real packaged embedder (the default, named to be explicit), the scripted model
    env.update(PLAIT_HOME=str(root / "home"), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="local/all-minilm-l6-v2",
               PLAIT_API_KEYS=API_KEY, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    t = Trial(root, env, _questions(corpus))
    assert len(t.questions) >= 20
    proc = t.plait("ingest", "corpus", "--json", timeout=600)
    _assert_clean(proc, "plait ingest")
    counts = json.loads(proc.stdout)
    # identical files shipped by two packages are one document; a file with no text (an HTML page of
    # scripts only) is skipped, but each skip is named, and they stay rare
    assert counts["added"] >= AT_LEAST and counts["chunks"] >= counts["added"], counts
    assert proc.stderr.count("warning: skipped") == counts["skipped"] <= len(corpus) // 10, proc.stderr
    return t


def test_chat_from_a_pipe_stores_every_turn_and_resumes(trial):
    first, later = trial.questions[:15], trial.questions[15:]
    proc = trial.plait("chat", "--session", "trial-chat", "--retrieve", "always", stdin="\n".join(first) + "\n")
    _assert_clean(proc, "plait chat")
    lines = proc.stdout.splitlines()
    assert len(lines) == len(first) and all(_ok_reply(q, line) for q, line in zip(first, lines)), proc.stdout
    assert "plait chat --session trial-chat" in proc.stderr  # the hint resumes the same agent

    # a new process resumes the session (default gate this time): the earlier turns stay, the new ones follow
    proc = trial.plait("chat", "--session", "trial-chat", stdin="\n".join(later) + "\n")
    _assert_clean(proc, "plait chat (resumed)")
    assert len(proc.stdout.splitlines()) == len(later)
    shown = trial.plait("sessions", "show", "trial-chat", "--json")
    _assert_clean(shown, "plait sessions show")
    data = json.loads(shown.stdout)
    assert data["agent"] == "rag" and data["turns"] == len(trial.questions)
    _assert_turns(data["messages"], trial.questions)
    listed = json.loads(trial.plait("sessions", "list", "--json").stdout)
    assert any(s["name"] == "trial-chat" and s["turns"] == len(trial.questions) for s in listed)


@pytest.fixture(scope="module")
def server(trial):
    from plait.testing.kit import free_port, stop_process, wait_for_http

    port = free_port()
    log = trial.root / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "plait", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=trial.env, cwd=trial.root, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", timeout=180, proc=proc, log=log)
        yield url
    finally:
        stop_process(proc)
        text = log.read_text(errors="replace")
        assert "Traceback" not in text and '" 500' not in text, text[-4000:]


def _session(url: str, name: str) -> dict:
    import httpx

    resp = httpx.get(f"{url}/api/sessions/{name}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_api_with_the_openai_client_streamed_and_not_in_a_session(trial, server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key=API_KEY, max_retries=0, timeout=120)
    assert "rag" in [m.id for m in client.models.list()]
    session = {"X-Plait-Session": "trial-api"}
    retrieved = 0
    for i, question in enumerate(trial.questions):
        messages = [{"role": "user", "content": question}]  # only the new turn: the server holds the rest
        body = {"plait": {"retrieve": "always"}} if i % 3 == 0 else None  # forced retrieval, and the default gate
        if i % 2 == 0:
            reply = client.chat.completions.create(model="rag", messages=messages, extra_headers=session, extra_body=body)
            text, extra = reply.choices[0].message.content, reply.choices[0].message.model_extra["plait"]
            assert reply.choices[0].finish_reason == "stop"
        else:
            pieces, extra = [], None
            for chunk in client.chat.completions.create(model="rag", messages=messages, stream=True,
                                                        extra_headers=session, extra_body=body):
                if chunk.choices and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
                extra = (chunk.model_extra or {}).get("plait") or extra
            text = "".join(pieces)
        assert _ok_reply(question, text), text
        assert extra["session"] == "trial-api" and extra["agent"] == "rag"
        if i % 3 == 0:
            assert extra["retrieved"] and (extra["sources"] or extra["not_found"]), extra
        retrieved += bool(extra.get("sources"))
        # the stored conversation grows by exactly this turn: the earlier ones are still there
        assert _session(server, "trial-api")["turns"] == i + 1
    assert retrieved >= len(trial.questions) // 4
    data = _session(server, "trial-api")
    _assert_turns(data["messages"], trial.questions)


@pytest.mark.needs_browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium")
def test_web_page_in_chromium_every_turn_stored_and_reopened(trial, server):
    from playwright.sync_api import sync_playwright

    questions, later = trial.questions[:-1], trial.questions[-1:]
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(f"localStorage.setItem('plait.key', '{API_KEY}'); "
                                    "localStorage.setItem('plait.model', 'rag');")
            page = context.new_page()
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
            page.goto(server + "/")
            page.wait_for_function("document.querySelectorAll('#model option').length >= 1")
            for i, question in enumerate(questions, 1):
                _ask(page, question, i)
            name = page.evaluate("localStorage.getItem('plait.session')")  # the page names its session
            _assert_turns(_session(server, name)["messages"], questions)

            # reload: the page reopens the stored session, shows every turn, and a new turn continues it
            page.reload()
            page.wait_for_function(f"document.querySelectorAll('.msg.user').length === {len(questions)}")
            bodies = page.locator(".msg.user .body").all_inner_texts()
            assert bodies == questions  # a user's own text is shown as typed
            _ask(page, later[0], len(questions) + 1)
            assert page.locator(".msg.error").count() == 0
            context.close()
        finally:
            browser.close()
    assert problems == []
    _assert_turns(_session(server, name)["messages"], questions + later)


def _ask(page, question: str, n: int) -> None:
    """Send ``question`` and wait until the ``n``-th reply has streamed in completely."""
    page.fill("#input", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.msg.assistant').length === n && !document.getElementById('send').disabled",
        arg=n, timeout=120_000,
    )
    reply = page.locator(".msg.assistant .body").last.inner_text()
    assert _ok_reply(question, reply, shown=True), reply  # the page renders `code` as code
    assert page.locator(".msg.error").count() == 0, page.inner_text("#status")
