"""The plait error hierarchy.

Every error plait raises on purpose derives from ``PlaitError``; a message says what happened,
with which input, and what to do next.

    PlaitError
    ├── ConfigError              bad plait.toml / PLAIT_* value
    ├── PluginError              a plugin failed to load or register
    │   └── RegistrationClash    two plugins registered the same name
    ├── ModelError               chat / embedding backends
    │   ├── ModelUnavailable     no server at the URL, model file missing
    │   └── ModelResponseError   the server answered with something unusable
    ├── InputError               bad user input (files, JSONL lines, arguments)
    ├── StoreError               Chroma / docstore / checkpoint problems
    ├── NotFound                 a named thing (session, character, agent) does not exist
    ├── SandboxError             the sandbox itself failed (not the code in it)
    └── Unavailable              a feature needs something this machine lacks (Lean, Docker, GPU)
"""

from __future__ import annotations


class PlaitError(Exception):
    """Base class of every error plait raises on purpose."""


class ConfigError(PlaitError):
    """The configuration (plait.toml or a PLAIT_* variable) is invalid."""


class PluginError(PlaitError):
    """A plugin failed while loading or registering."""

    def __init__(self, message: str, plugin: str | None = None):
        super().__init__(message)
        self.plugin = plugin


class RegistrationClash(PluginError):
    """Two plugins registered the same name in one registry."""


class ModelError(PlaitError):
    """A chat or embedding model failed."""


class ModelUnavailable(ModelError):
    """The model server cannot be reached or the model file is missing."""


class ModelResponseError(ModelError):
    """The model answered with something plait cannot use."""


class InputError(PlaitError):
    """User input is malformed; the message names the input and the fix."""


class StoreError(PlaitError):
    """The persistent store could not be read or written."""


class NotFound(PlaitError):
    """A named object (session, character, agent, model) does not exist."""


class SandboxError(PlaitError):
    """The sandbox itself failed (not the code running inside it)."""


class Unavailable(PlaitError):
    """A feature needs something this machine does not have."""
