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

# Paths open without a key: the page's static shell (it holds no data), health, the API schema.
OPEN_PREFIXES = ("/static/", "/docs", "/redoc", "/openapi.json")
OPEN_PATHS = {"/", "/health", "/favicon.ico"}


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
    """Requires ``Authorization: Bearer <key>`` with one of ``keys`` (constant-time compare)."""

    def __init__(self, app: ASGIApp, keys: list[str] | None):
        self.app = app
        self.keys = [k.encode() for k in (keys or [])]
        self.enabled = keys is not None  # None = auth turned off (loopback opt-out)

    def _open(self, path: str) -> bool:
        return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)

    def _valid(self, scope: Scope) -> bool:
        auth = _header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = token.strip().encode()
        ok = False
        for key in self.keys:  # compare against every key so timing does not reveal which matched
            ok |= hmac.compare_digest(given, key)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled or self._open(scope.get("path", "")):
            return await self.app(scope, receive, send)
        if scope.get("method") == "OPTIONS":
            return await self.app(scope, receive, send)
        if not self._valid(scope):
            await send_error(
                send,
                401,
                "missing or invalid API key: send `Authorization: Bearer <key>` with a key from "
                "PLAIT_API_KEYS (or api_keys in plait.toml)",
                "authentication_error",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        await self.app(scope, receive, send)


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
