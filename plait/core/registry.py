"""Named registries that remember which plugin registered each entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Iterator, TypeVar

from plait.core.errors import NotFound, RegistrationClash

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    value: T
    plugin: str


class Registry(Generic[T]):
    """Name -> value, refusing a second registration of a name and naming both plugins."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

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

    def get(self, name: str) -> T:
        try:
            return self._entries[name].value
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise NotFound(f"no {self.kind} named {name!r} (known: {known})") from None

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

    def items(self) -> list[tuple[str, Any]]:
        return [(n, self._entries[n].value) for n in sorted(self._entries)]
