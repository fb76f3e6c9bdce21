"""A bounded, least-recently-used cache of built agents.

Agents hold SQLite connections (their checkpointer) and store clients, so an unbounded cache keyed
by whatever model string a client sends ran the process out of file handles. The server only
builds agents for model ids it offers (``AgentPool.check_model``) and keeps at most ``size`` of
them. An evicted agent is dropped and a garbage collection pass frees the SQLite connections its
compiled graphs referenced (they sit in reference cycles). It is not closed explicitly: a turn
still running on it keeps its own reference, and its handles go when that turn ends.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from typing import Any, Callable

log = logging.getLogger("plait.serve")


class AgentCache:
    def __init__(self, size: int):
        self.size = max(1, size)
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, build: Callable[[], Any]) -> Any:
        """The cached agent for ``key``, built (outside the lock) on first use."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        agent = build()
        with self._lock:
            if key in self._items:  # another thread built it meanwhile: keep theirs
                evicted = [agent]
                agent = self._items[key]
                self._items.move_to_end(key)
            else:
                self._items[key] = agent
                evicted = []
                while len(self._items) > self.size:
                    evicted.append(self._items.popitem(last=False)[1])
        if evicted:
            _release(evicted)
        return agent

    def clear(self) -> None:
        with self._lock:
            evicted = list(self._items.values())
            self._items.clear()
        _release(evicted)


def _release(agents: list[Any]) -> None:
    log.debug("dropping %d cached agent(s)", len(agents))
    agents.clear()
    gc.collect()  # compiled graphs hold reference cycles: free their SQLite connections now
