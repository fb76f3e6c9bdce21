"""``create_app(settings)``: the FastAPI application behind ``plait serve``.

Configuration (``[serve]`` in plait.toml, or ``PLAIT_SERVE__<KEY>``):
- ``max_body_bytes`` (default 4 MiB): larger request bodies get 413.
- ``workers`` (default 32): threads running agents; streaming turns hold one each while they run.
- ``agent_cache`` (default 32): built agents kept (least recently used ones are dropped).
- ``session_queue`` (default 8): turns that may wait for one busy session; more get 429.
- ``cors_origins`` (default none): browser origins allowed to call the API from other sites.
API keys come from ``api_keys`` / ``PLAIT_API_KEYS``.
"""

from __future__ import annotations

import ipaddress
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from plait import __version__
from plait.core.config import Settings, load_settings
from plait.core.errors import ConfigError
from plait.serve import chat, docs, errors, web
from plait.serve.middleware import AuthMiddleware, BodyLimitMiddleware
from plait.serve.runner import AgentPool

DEFAULT_MAX_BODY = 4 * 1024 * 1024


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _int_setting(table: dict, key: str, default: int) -> int:
    raw = table.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"[serve] {key} must be a whole number, got {raw!r}; fix plait.toml or PLAIT_SERVE__{key.upper()}") from None
    if value <= 0:
        raise ConfigError(f"[serve] {key} must be positive, got {value}")
    return value


def create_app(settings: Settings | None = None, *, no_auth: bool = False, bind_host: str | None = None) -> FastAPI:
    """The app. Keys are required unless ``no_auth`` (allowed only when ``bind_host`` is loopback).

    With ``no_auth=False`` and no keys configured the app refuses to start, so a server is never
    open by accident.
    """
    settings = settings or load_settings()
    table = settings.table("serve")
    if no_auth:
        if bind_host is not None and not is_loopback(bind_host):
            raise ConfigError(
                f"--no-auth is only allowed on a loopback address, not {bind_host!r}; set PLAIT_API_KEYS "
                f"(comma-separated) to serve on other interfaces"
            )
        keys = None
    else:
        keys = [k for k in settings.api_keys if k]
        if not keys:
            raise ConfigError(
                "no API keys configured: set PLAIT_API_KEYS=key1,key2 (or api_keys in plait.toml), or pass "
                "--no-auth to serve without keys on 127.0.0.1 only"
            )

    app = FastAPI(
        lifespan=_lifespan,
        docs_url=None,  # served by plait.serve.docs from packaged assets, not a CDN
        redoc_url=None,
        title="plait",
        version=__version__,
        description=(
            "OpenAI-compatible API over plait's agents and characters, and a web chat page at `/`. "
            "Send `Authorization: Bearer <key>`. Sessions: header `X-Plait-Session` (or the `user` field). "
            "plait's citations and retrieval decision are in the `plait` field of the message and of the final stream chunk."
        ),
    )
    app.state.settings = settings
    app.state.pool = AgentPool(
        settings,
        workers=_int_setting(table, "workers", 32),
        agent_cache=_int_setting(table, "agent_cache", 32),
        session_queue=_int_setting(table, "session_queue", 8),
    )
    app.state.auth = keys is not None
    errors.install(app)

    @app.get("/health", tags=["server"], summary="Liveness: no key needed, touches no store")
    async def health(request: Request) -> dict:
        return {"status": "ok", "version": __version__, "auth": request.app.state.auth}

    app.include_router(chat.router)
    web.install(app)
    docs.install(app)

    from plait.core.host import get_host
    from plait.core.registry import RouteOwners

    # plugin routes sit behind the same guards; a plugin failing here is warned about, not fatal
    get_host().call_isolated("register_routes", app=app, after=RouteOwners(app).claim)

    origins = table.get("cors_origins") or []
    if isinstance(origins, str):
        origins = [o.strip() for o in origins.split(",") if o.strip()]
    if origins:  # browser clients on other origins (their preflight OPTIONS passes the key check)
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Plait-Session"],
        )
    # added last = outermost: the key is checked before the size, and both before any route
    app.add_middleware(BodyLimitMiddleware, limit=_int_setting(table, "max_body_bytes", DEFAULT_MAX_BODY))
    app.add_middleware(AuthMiddleware, keys=keys, cors_origins=list(origins))

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    app.state.pool.close()  # worker threads go with the server
