"""``run()``: pick a backend, normalise the inputs, run, never let the code crash the caller."""

from __future__ import annotations

import threading
from typing import Any

from plait.core.errors import InputError, NotFound, SandboxError, Unavailable
from plait.sandbox import harness
from plait.sandbox.types import ExecResult, Limits, Sandbox

PREFERENCE = ("docker", "bubblewrap")  # strongest first; "process" only when asked for
_instances: dict[str, Sandbox] = {}
_lock = threading.Lock()


def _settings() -> Any:
    from plait.core.config import Settings, load_settings

    try:
        return load_settings()
    except Exception:  # a broken plait.toml must not stop a sandbox run from naming its problem later
        return Settings()


def _config() -> dict[str, Any]:
    return _settings().table("sandbox")


def get_backend(name: str) -> Sandbox:
    """The (cached) backend instance registered under ``name``, built by ``factory(ctx)``.

    ``name`` may carry a profile, ``docker@scientific``: the base backend's ``for_profile()``
    builds that variant (see :mod:`plait.sandbox.profiles`)."""
    from plait.sandbox.profiles import DEFAULT, split_spec

    base, profile = split_spec(name)
    if profile == DEFAULT:
        name = base
    with _lock:
        if name not in _instances:
            from plait.core.context import Context
            from plait.core.host import get_host

            host = get_host()
            if base not in host.sandboxes:
                known = ", ".join(available_backends(all=True)) or "none"
                hint = host.sandboxes.hint(base) if host.sandboxes.hint else ""
                raise NotFound(f"no sandbox backend named {base!r}; known: {known}" + (f"; {hint}" if hint else ""))
            if base not in _instances:
                _instances[base] = host.sandboxes.get(base)(Context(_settings(), name=base, host=host))
            if name != base:
                make = getattr(_instances[base], "for_profile", None)
                if make is None:
                    raise NotFound(f"sandbox backend {base!r} has no profiles; use it without @{profile} "
                                   "(profiles: docker@PROFILE, bubblewrap@PROFILE)")
                _instances[name] = make(profile)
        return _instances[name]


def available_backends(*, all: bool = False) -> list[str]:
    """Names of registered backends usable on this machine (``all=True``: registered ones)."""
    from plait.core.host import get_host

    names = get_host().sandboxes.names()
    if all:
        return names
    out = []
    for name in names:
        try:
            ok, _ = get_backend(name).available()
        except Exception:
            ok = False
        if ok:
            out.append(name)
    order = {n: i for i, n in enumerate(PREFERENCE + ("process",))}
    return sorted(out, key=lambda n: (order.get(n, 50), n))


def default_backend(*, allow_process: bool = False, profile: str | None = None) -> str:
    """The strongest usable backend: docker (engine + image), else bubblewrap, else an error.

    With a ``profile`` (``scientific``) the answer is a spec such as ``docker@scientific``: the
    strongest backend that offers that profile's libraries here."""
    from plait.sandbox.profiles import DEFAULT, with_profile

    config = _config()
    chosen = config.get("backend")
    if chosen:
        return with_profile(str(chosen), profile)
    reasons = []
    for base in PREFERENCE:
        name = with_profile(base, profile)
        try:
            ok, why = get_backend(name).available()
        except NotFound:
            ok, why = False, "not registered"
        if ok:
            return name
        reasons.append(f"{name}: {why}")
    if (profile or DEFAULT) != DEFAULT:
        raise Unavailable(
            f"no sandbox offers the {profile} profile here (" + "; ".join(reasons) + "). Build its image "
            f"(`plait sandbox build-image --profile {profile}`) or install the Debian packages named above "
            "for bubblewrap; the process backend has no profiles"
        )
    if allow_process or str(config.get("allow_process", "")).lower() in ("1", "true", "yes"):
        return "process"
    raise Unavailable(
        "no isolating sandbox is available (" + "; ".join(reasons) + "). Install bubblewrap "
        "(apt-get install bubblewrap) or start Docker and run `plait sandbox build-image`; "
        "or pass --backend process to run WITHOUT isolation"
    )


def _as_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise InputError(f"{what} must be str or bytes, got {type(value).__name__}")


def run(
    code: str | None = None,
    *,
    argv: list[str] | None = None,
    files: dict[str, str | bytes] | None = None,
    stdin: str | bytes | None = None,
    limits: Limits | None = None,
    backend: str | None = None,
    env: dict[str, str] | None = None,
    allow_process: bool = False,
) -> ExecResult:
    """Run Python ``code`` (as ``python3 main.py`` in a fresh work dir) or ``argv`` in a sandbox.

    ``files`` are written into the work dir first; ``stdin`` is fed (never inherited); ``env`` is
    the program's whole environment. The result names the backend that ran. Faults of the code are
    statuses, not exceptions; only bad arguments or a missing backend raise.
    """
    if (code is None) == (argv is None):
        raise InputError("give exactly one of code= (Python source) or argv= (a command)")
    limits = limits or Limits()
    data = {k: _as_bytes(v, f"file {k!r}") for k, v in (files or {}).items()}
    if code is not None:
        data["main.py"] = _as_bytes(code, "code")
        argv = ["python3", "main.py"]
    if not argv or not all(isinstance(a, str) for a in argv):
        raise InputError(f"argv must be a non-empty list of strings, got {argv!r}")
    harness.check_files(data)
    env = dict(env or {})
    for k, v in env.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or "=" in k or "\0" in k + v:
            raise InputError(f"environment entry {k!r}={v!r} is not a valid variable")
    name = backend or default_backend(allow_process=allow_process)
    box = get_backend(name)
    ok, why = box.available()
    if not ok:
        raise Unavailable(f"sandbox backend {name!r} is not usable here: {why}")
    try:
        return box.run(list(argv), files=data, stdin=_as_bytes(stdin or b"", "stdin"), limits=limits, env=env)
    except (InputError, Unavailable):
        raise
    except SandboxError as exc:
        return ExecResult(status="sandbox_error", backend=name, detail=str(exc))
    except Exception as exc:  # a backend bug must surface as a status the caller can see
        return ExecResult(status="sandbox_error", backend=name, detail=f"{type(exc).__name__}: {exc}")
