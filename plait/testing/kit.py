"""Helpers behind the fixtures, usable without pytest: hosts with chosen plugins, a CLI runner,
a temporary store, servers on loopback."""

from __future__ import annotations

import contextlib
import copy
import importlib.metadata as md
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Iterator

from plait.core.errors import NotFound, PlaitError


def _plugin_entry(plugin: Any) -> tuple[str, object]:
    """(name, object) for a module, an object, a (name, object) pair or an entry-point name."""
    if isinstance(plugin, tuple) and len(plugin) == 2 and isinstance(plugin[0], str):
        return plugin
    if isinstance(plugin, str):
        eps = md.entry_points(group="plait", name=plugin)
        if not eps:
            installed = sorted(ep.name for ep in md.entry_points(group="plait")) or ["none"]
            raise NotFound(f"no installed plugin (entry point in group 'plait') named {plugin!r}; "
                           f"installed: {', '.join(installed)} — `pip install -e .` your plugin first")
        ep = next(iter(eps))
        return ep.name, ep.load()
    if isinstance(plugin, ModuleType):
        return plugin.__name__, plugin
    return getattr(plugin, "__name__", None) or type(plugin).__name__, plugin


class _ModelPlugin:
    """Registers the backend ``testing`` that returns one given chat model."""

    def __init__(self, model: Any):
        self.model = model

    from plait.core.hookspecs import hookimpl as _hookimpl

    @_hookimpl
    def register_models(self, register):
        register("testing", lambda ctx: self.model)  # factory(ctx) -> ChatModel


def build_host(*plugins: Any, builtins: bool | list[str] = True, entry_points: bool = False,
               model: Any = None, strict: bool = True):
    """A Host with the built-ins (or the listed ones) and exactly these extra plugins."""
    from plait.core.host import Host

    extra = [_plugin_entry(p) for p in plugins]
    if model is not None:
        extra.append(("plait.testing.model", _ModelPlugin(model)))
    return Host(builtins=builtins, entry_points=entry_points, extra_plugins=extra, strict=strict)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        """stdout parsed as JSON (fails the test with the output if it is not)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"stdout is not JSON ({exc}):\n{self.stdout}\nstderr:\n{self.stderr}") from None


def fresh_app():
    """A new root typer app with the core commands and the current host's plugin commands."""
    import plait.cli.app as cliapp

    original = cliapp.app
    app = copy.copy(original)
    app.registered_commands = []
    app.registered_groups = []
    cliapp.app = app  # build_app() fills the module-level app; point it at the copy meanwhile
    try:
        cliapp.build_app()
    finally:
        cliapp.app = original
    return app


def invoke_cli(args: list[str], input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run ``plait ARGS`` in-process the way ``plait.cli.app.main`` does (errors -> ``error: ...``, 1)."""
    from typer.testing import CliRunner

    app = fresh_app()
    result = CliRunner().invoke(app, args, input=input, env=env, catch_exceptions=True)
    stderr = result.stderr if result.stderr_bytes is not None else ""
    exc = result.exception
    code = result.exit_code
    if isinstance(exc, PlaitError):
        stderr += f"error: {exc}\n"
        code = 1
    elif isinstance(exc, SystemExit):
        exc = None
    return CliResult(code, result.stdout, stderr, exc)


@dataclass
class StoreHandle:
    """A Chroma collection under a temporary PLAIT_HOME, filled through an embedder."""

    settings: Any
    embedder: Any
    name: str = "test-documents"
    _count: int = field(default=0, repr=False)

    @property
    def collection(self):
        from plait.retrieval.store import get_collection

        return get_collection(self.settings, self.name, self.embedder.id)

    def add(self, texts: list[str], metadatas: list[dict] | None = None, ids: list[str] | None = None) -> list[str]:
        ids = ids or [f"doc-{self._count + i}" for i in range(len(texts))]
        self._count += len(texts)
        kwargs: dict[str, Any] = {"ids": ids, "documents": texts, "embeddings": self.embedder.embed(texts)}
        if metadatas:
            kwargs["metadatas"] = metadatas
        self.collection.add(**kwargs)
        return ids

    def query(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """(document, cosine similarity) best first."""
        from plait.retrieval.store import similarity

        res = self.collection.query(query_embeddings=self.embedder.embed([text]), n_results=k)
        return [(doc, similarity(dist)) for doc, dist in zip(res["documents"][0], res["distances"][0])]


def fake_distribution(site: Any, name: str, module_code: str, *, module: str | None = None,
                      version: str = "1.0", entry_point: str | None = None,
                      direct_url: dict | None = None) -> Any:
    """Write an installed-looking distribution (module + ``.dist-info`` with a ``plait`` entry
    point) into the folder ``site``, without pip. Put ``site`` on ``sys.path`` (or PYTHONPATH)
    and the host discovers it like a pip-installed plugin. ``direct_url`` is PEP 610's
    ``direct_url.json`` (e.g. ``{"url": "file:///src", "dir_info": {"editable": True}}``)."""
    from pathlib import Path

    site = Path(site)
    site.mkdir(parents=True, exist_ok=True)
    module = module or name.replace("-", "_").replace(".", "_")
    (site / f"{module}.py").write_text(module_code, encoding="utf-8")
    info = site / f"{module}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[plait]\n{entry_point or name} = {module}\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return site


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_server(handler: type, *, poll_interval: float = 0.5,
                daemon_threads: bool = False) -> Iterator[str]:
    """Serve ``handler`` (a ``BaseHTTPRequestHandler`` subclass, e.g. a stub of a model server)
    on a free loopback port in a background thread; yields its root URL
    (``http://127.0.0.1:PORT``) and shuts it down on exit."""
    import threading
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = daemon_threads
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def stop_process(proc: Any, timeout: float = 20.0) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it has not exited within ``timeout`` s."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def send_json(handler: Any, payload: Any, status: int = 200) -> None:
    """Answer the request a ``BaseHTTPRequestHandler`` stub is handling with ``payload`` as JSON."""
    raw = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


def wait_for_http(url: str, timeout: float = 60.0, *, proc: Any = None, log: Any = None,
                  interval: float = 0.2) -> None:
    """Poll ``GET url`` until it answers 200. Raises RuntimeError when ``timeout`` seconds pass
    or when ``proc`` (the server's ``subprocess.Popen``) exits first; the message ends with the
    tail of ``log`` (a path to the server's output) or of ``proc``'s piped stderr once it exited."""
    import time
    from pathlib import Path

    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        exited = proc is not None and proc.poll() is not None
        if exited or time.monotonic() > deadline:
            what = f"exited with {proc.returncode}" if exited else f"did not answer 200 within {timeout:g}s"
            output = ""
            if log is not None and Path(log).exists():
                output = Path(log).read_text(errors="replace")
            elif exited and getattr(proc, "stderr", None) is not None:
                output = proc.stderr.read()
                output = output.decode(errors="replace") if isinstance(output, bytes) else output
            raise RuntimeError(f"server for {url} {what}: {output[-2000:]}")
        time.sleep(interval)
