"""Progress per stage: rows done, rows/s, tokens/s, errors (rich on stderr, or nothing)."""

from __future__ import annotations

import time
from typing import Any, Protocol

from plait.pipeline.store import Record


class Progress(Protocol):
    def start(self, stage: str, total: int, already: int) -> None: ...
    def update(self, stage: str, records: list[Record]) -> None: ...
    def finish(self, stage: str) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int, already: int) -> None:
        pass

    def update(self, stage: str, records: list[Record]) -> None:
        pass

    def finish(self, stage: str) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    """One bar per stage on stderr."""

    def __init__(self, console: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

        self.bar = Bar(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[errors]}"), TimeElapsedColumn(),
            console=console or Console(stderr=True),
        )
        self.bar.start()
        self.tasks: dict[str, Any] = {}
        self.stats: dict[str, dict[str, float]] = {}

    def start(self, stage: str, total: int, already: int) -> None:
        self.stats[stage] = {"t0": time.monotonic(), "rows": 0, "tokens": 0, "errors": 0}
        self.tasks[stage] = self.bar.add_task(stage, total=total, completed=already, rate="", errors="")

    def update(self, stage: str, records: list[Record]) -> None:
        st = self.stats[stage]
        st["rows"] += len(records)
        st["errors"] += sum(1 for r in records if r.get("status") == "error")
        st["tokens"] += sum(int((r.get("usage") or {}).get("completion_tokens") or 0) for r in records)
        dt = max(1e-6, time.monotonic() - st["t0"])
        rate = f"{st['rows'] / dt:.1f} rows/s" + (f" {st['tokens'] / dt:.0f} tok/s" if st["tokens"] else "")
        errors = f"[red]{int(st['errors'])} errors[/red]" if st["errors"] else ""
        self.bar.update(self.tasks[stage], advance=len(records), rate=rate, errors=errors)

    def finish(self, stage: str) -> None:
        self.bar.refresh()

    def close(self) -> None:
        self.bar.stop()
