"""Named registries that remember which plugin registered each entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, TypeVar

from plait.core.errors import NotFound, RegistrationClash

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    value: T
    plugin: str


class Registry(Generic[T]):
    """Name -> value, refusing a second registration of a name and naming both plugins."""

    def __init__(self, kind: str, hint: Callable[[str], str] | None = None):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        # what a miss should add, e.g. "the built-in plugin plait.rag is turned off (--disable ...)"
        self.hint = hint

    def add(self, name: str, value: T, plugin: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{self.kind} name must be a non-empty string, got {name!r}")
        existing = self._entries.get(name)
        if existing is not None:
            raise RegistrationClash(
                f"{self.kind} {name!r} is registered by both plugin {existing.plugin!r} and "
                f"plugin {plugin!r}; uninstall one or limit loading with PLAIT_LOAD_PLUGINS",
                plugin=plugin,
            )
        self._entries[name] = Entry(name, value, plugin)

    def remove_plugin(self, plugin: str) -> list[str]:
        """Drop everything ``plugin`` registered (it failed mid-hook); return the names dropped."""
        names = self.by_plugin(plugin)
        for name in names:
            del self._entries[name]
        return names

    def get(self, name: str) -> T:
        try:
            return self._entries[name].value
        except KeyError:
            raise self.not_found(name) from None

    def not_found(self, name: str, advice: str = "") -> NotFound:
        """The error for a missing ``name``: what is known, and why it may be missing (a plugin off)."""
        known = ", ".join(sorted(self._entries)) or "none"
        hint = self.hint(name) if self.hint else ""
        return NotFound(f"no {self.kind} named {name!r} (known: {known}){'; ' + hint if hint else ''}{advice}")

    def entry(self, name: str) -> Entry[T]:
        self.get(name)
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def by_plugin(self, plugin: str) -> list[str]:
        return sorted(n for n, e in self._entries.items() if e.plugin == plugin)

    def items(self) -> list[tuple[str, T]]:
        return [(n, self._entries[n].value) for n in sorted(self._entries)]


SERVE = "plait serve"


def _route_keys(route: Any) -> set[tuple[str, str]]:
    """(method, path) pairs a route answers; a mount (no methods) answers every method under its path."""
    path = str(getattr(route, "path", "?"))
    methods = getattr(route, "methods", None) or {"*"}
    return {(m, path) for m in methods}


class RouteOwners:
    """Who added each HTTP route of an ASGI app with a ``.router.routes`` list (FastAPI, Starlette).

    Routes are a registry like the others: a plugin route with the method and path of an existing
    route is refused (the first stays, the error names both owners), and routes added by a plugin
    that then raised are removed. Duck-typed, so core does not import FastAPI.
    """

    def __init__(self, app: Any):
        self.routes: list = app.router.routes
        self.owner: dict[int, str] = {id(r): SERVE for r in self.routes}
        self.keys: dict[tuple[str, str], str] = {}
        for route in self.routes:
            for key in _route_keys(route):
                self.keys.setdefault(key, SERVE)

    def claim(self, plugin: str, failed: bool = False) -> None:
        """Run after ``plugin``'s register_routes: own its new routes, drop those that clash."""
        new = [r for r in self.routes if id(r) not in self.owner]
        clashes: list[str] = []
        for route in new:
            taken = sorted(k for k in _route_keys(route) if k in self.keys)
            if failed or taken:
                self.routes[:] = [r for r in self.routes if r is not route]
            if taken and not failed:
                other = self.keys[taken[0]]
                owner = other if other == SERVE else f"plugin {other!r}"
                clashes.append(f"route {taken[0][0]} {taken[0][1]} is registered by both {owner} and plugin {plugin!r}")
            if not failed and not taken:
                self.owner[id(route)] = plugin
                self.keys.update({k: plugin for k in _route_keys(route)})
        if clashes:
            raise RegistrationClash(
                "; ".join(clashes) + f"; plugin {plugin!r}'s route was refused — uninstall one of them or "
                "limit loading with PLAIT_LOAD_PLUGINS", plugin=plugin,
            )
