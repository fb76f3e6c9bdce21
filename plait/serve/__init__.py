"""``plait serve``: an OpenAI-compatible API and a web chat page over every agent and character."""

from __future__ import annotations


def create_app(settings=None, **kwargs):
    """The FastAPI app (see ``plait.serve.app.create_app``); imported lazily to keep ``plait`` light."""
    from plait.serve.app import create_app as _create

    return _create(settings, **kwargs)


__all__ = ["create_app"]
