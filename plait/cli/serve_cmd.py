"""``plait serve``: the OpenAI-compatible API and the web chat page."""

from __future__ import annotations

from typing import Annotated

import typer

from plait.cli.common import ModelOption, err_console


def serve(
    host: Annotated[str, typer.Option("--host", help="address to bind; keys are always required off loopback")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port")] = 8080,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="accept requests without an API key (refused unless --host is loopback)")
    ] = False,
    model: ModelOption = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level")] = "info",
) -> None:
    """Serve every agent and character over an OpenAI-compatible API, with a chat page at /.

    API keys come from PLAIT_API_KEYS (comma-separated) or api_keys in plait.toml; clients send
    `Authorization: Bearer KEY`. Sessions: send `X-Plait-Session: NAME` (or the `user` field).
    """
    import uvicorn

    from plait.cli.common import settings_for
    from plait.serve.app import create_app, is_loopback

    settings = settings_for(model)
    app = create_app(settings, no_auth=no_auth, bind_host=host)  # raises ConfigError -> `error: ...`
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    auth = "no API key needed (loopback only)" if no_auth else f"{len(settings.api_keys)} API key(s) accepted"
    err_console.print(f"plait serve: {where}/ (chat page), {where}/v1 (OpenAI API), {where}/docs — {auth}", highlight=False)
    if not no_auth and not is_loopback(host):
        err_console.print("[yellow]note:[/yellow] serving beyond this machine; put TLS in front (a reverse proxy)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
