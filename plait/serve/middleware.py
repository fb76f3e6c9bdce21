"""Pure-ASGI guards that run before any route: API keys, then the request size limit.

Both answer before the body is read, so a refused request touches nothing (no agent, no store).
They are plain ASGI (not BaseHTTPMiddleware) so streaming responses pass through untouched.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, Awaitable, Callable

from starlette.exceptions import HTTPException

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Paths open without a key, matched exactly: the page's static shell (it holds no data), health,
# the API schema and its two viewers. Only the mounted static folders are open as prefixes: a
# mount answers every path under it, so no plugin route can hide there (a plugin's /docsearch/...
# needs the key like every other route).
OPEN_PATHS = frozenset({"/", "/health", "/favicon.ico", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
OPEN_PREFIXES = ("/static/", "/docs-assets/")
OWNER_SALT = b"plait-session-owner\0"


def owner_of(key: str) -> str:
    """The id sessions store for the API key ``key``: a salted SHA-256 fingerprint, never the key."""
    import hashlib

    return "key-" + hashlib.sha256(OWNER_SALT + key.encode("utf-8")).hexdigest()[:24]


def request_owner(request: Any) -> str | None:
    """The owner id of an authenticated request (None when the server runs without keys)."""
    return (request.scope.get("state") or {}).get("plait_owner")


async def send_error(send: Send, status: int, message: str, kind: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An OpenAI-shaped error body: ``{"error": {"message", "type", "code"}}``."""
    body = json.dumps({"error": {"message": message, "type": kind, "code": status}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())] + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class AuthMiddleware:
    """Requires ``Authorization: Bearer <key>`` with one of ``keys`` (constant-time compare).

    A valid key's owner id goes to ``scope["state"]["plait_owner"]`` (see ``owner_of``). A CORS
    preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) passes without a
    key only from one of ``cors_origins``: browsers send preflights without credentials.
    """

    def __init__(self, app: ASGIApp, keys: list[str] | None, cors_origins: list[str] | None = None):
        self.app = app
        self.keys = [(k.encode(), owner_of(k)) for k in (keys or [])]
        self.enabled = keys is not None  # None = auth turned off (loopback opt-out)
        self.cors_origins = set(cors_origins or [])

    def _open(self, path: str) -> bool:
        return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)

    def _preflight(self, scope: Scope) -> bool:
        if scope.get("method") != "OPTIONS" or _header(scope, b"access-control-request-method") is None:
            return False
        origin = _header(scope, b"origin")
        return origin is not None and ("*" in self.cors_origins or origin in self.cors_origins)

    def _owner(self, scope: Scope) -> str | None:
        """The owner id of the key sent, or None when no valid key was sent."""
        auth = _header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        given = token.strip().encode()
        found = None
        for key, owner in self.keys:  # compare against every key so timing does not reveal which matched
            if hmac.compare_digest(given, key):
                found = owner
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            return await self.app(scope, receive, send)
        owner = self._owner(scope)
        if owner is not None:
            scope.setdefault("state", {})["plait_owner"] = owner
            return await self.app(scope, receive, send)
        if self._open(scope.get("path", "")) or self._preflight(scope):
            return await self.app(scope, receive, send)
        await send_error(
            send,
            401,
            "missing or invalid API key: send `Authorization: Bearer <key>` with a key from "
            "PLAIT_API_KEYS (or api_keys in plait.toml)",
            "authentication_error",
            [(b"www-authenticate", b"Bearer")],
        )


class BodyTooLarge(HTTPException):
    """Raised while reading a chunked body; an HTTPException so FastAPI passes it on as a 413."""

    def __init__(self, message: str):
        super().__init__(status_code=413, detail=message)


class BodyLimitMiddleware:
    """Refuses bodies over ``limit`` bytes with 413: by Content-Length up front, else while streaming."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    def _message(self) -> str:
        return (
            f"request body is larger than the server's limit of {self.limit} bytes; send less, or raise "
            f"[serve] max_body_bytes in plait.toml (PLAIT_SERVE__MAX_BODY_BYTES)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                return await send_error(send, 400, "invalid Content-Length header", "invalid_request_error")
            if too_big:
                return await send_error(send, 413, self._message(), "request_too_large")
        seen = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self._message())
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_error(send, 413, self._message(), "request_too_large")
