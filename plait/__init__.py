"""plait: retrieval-augmented assistants and agents built from plugins."""

from plait.core.errors import PlaitError
from plait.core.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["PlaitError", "hookimpl", "__version__"]
