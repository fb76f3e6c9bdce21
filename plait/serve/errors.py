"""Errors as OpenAI-shaped JSON (``{"error": {"message", "type", "code"}}``), never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from plait.core import errors as E

log = logging.getLogger("plait.serve")

# most specific first
_STATUS: list[tuple[type[BaseException], int, str]] = [
    (E.NotFound, 404, "not_found_error"),
    (E.InputError, 400, "invalid_request_error"),
    (E.ConfigError, 500, "configuration_error"),
    (E.ModelUnavailable, 503, "model_unavailable"),
    (E.Unavailable, 503, "unavailable"),
    (E.ModelError, 502, "model_error"),
    (E.StoreError, 500, "store_error"),
    (E.PlaitError, 500, "plait_error"),
]


def error_payload(exc: BaseException) -> tuple[int, dict[str, Any]]:
    from plait.agents.sessions import SessionAgentMismatch
    from plait.serve.locks import SessionBusy
    from plait.serve.runner import SessionConflict

    if isinstance(exc, (SessionConflict, SessionAgentMismatch)):
        return 409, _body(str(exc), "conflict_error", 409)
    if isinstance(exc, SessionBusy):
        return 429, _body(str(exc), "session_busy", 429)
    for cls, status, kind in _STATUS:
        if isinstance(exc, cls):
            return status, _body(str(exc), kind, status)
    return 500, _body("internal server error; the server log has the details", "server_error", 500)


def _body(message: str, kind: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    details = []
    for err in exc.errors():
        where = _where(tuple(err.get("loc", ())))
        msg = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            where, msg = "body", "the body is not valid JSON"
        details.append({"field": where, "message": msg})
    text = "; ".join(f"{d['field']}: {d['message']}" for d in details[:8])
    return f"invalid request: {text}", details


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = validation_message(exc)
        body = _body(message, "invalid_request_error", 422)
        body["detail"] = details
        return JSONResponse(body, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        kind = {401: "authentication_error", 404: "not_found_error", 405: "invalid_request_error", 413: "request_too_large"}.get(
            exc.status_code, "invalid_request_error" if exc.status_code < 500 else "server_error"
        )
        return JSONResponse(_body(str(exc.detail), kind, exc.status_code), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(E.PlaitError)
    async def _plait(request: Request, exc: E.PlaitError) -> JSONResponse:
        status, body = error_payload(exc)
        if status >= 500:
            log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        status, body = error_payload(exc)
        return JSONResponse(body, status_code=status)
