"""``/docs`` (Swagger UI) and ``/redoc`` from assets installed with plait, so they work offline.

FastAPI's own pages load their JavaScript and CSS from a CDN, which leaves a blank page on a
machine without internet. The assets come from the ``fastapi-offline`` package (Swagger UI 5 and
ReDoc, MIT); they are served under ``/docs-assets/``. If that package is missing the pages say so
and point at ``/openapi.json``, instead of loading from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"


def assets_dir() -> Path | None:
    """The folder holding ``swagger-ui-bundle.js``, ``swagger-ui.css`` and ``redoc.standalone.js``."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _missing(title: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><title>{title}</title><h1>{title}</h1>"
        "<p>The API documentation viewer is not installed (it needs the <code>fastapi-offline</code> package, "
        "which carries its assets so no CDN is needed): <code>pip install fastapi-offline</code>.</p>"
        '<p>The API schema itself is at <a href="/openapi.json">/openapi.json</a>.</p>'
    )


def install(app: FastAPI) -> None:
    folder = assets_dir()
    if folder is not None:
        app.mount(ASSETS_URL, StaticFiles(directory=folder), name="docs-assets")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        if folder is None:
            return _missing(title)
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        if folder is None:
            return _missing(title)
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
