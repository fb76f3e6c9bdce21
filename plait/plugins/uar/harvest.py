"""Harvest question sentences from documentation shipped inside installed packages (maintainers only).

``python -m plait.plugins.uar.harvest`` scans FAQ/README/manual files of Debian packages
(``/usr/share/doc``, ``/usr/share/perl``) and Python distributions (``site-packages``: METADATA,
``*.md``/``*.rst``/``*.txt``) for sentences that are questions, and writes
``data/harvest.jsonl`` (``{"question", "source"}``, source = the package the file belongs to).
These are real questions people wrote about real software, in phrasings no template produces.
The output is committed: a different machine has different packages.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
import sysconfig
from pathlib import Path

from plait.plugins.uar.datagen import DATA_DIR

START = re.compile(r"^(How|What|Why|When|Where|Which|Who|Can|Does|Do|Is|Are|Should|Will|Could|Would)\b")
NOISE = re.compile(r"[`<>{}\[\]|=*#\\@$]|https?:|\(\)")
# Questions whose subject is only a pronoun ("Does that look good?") say nothing without context.
VAGUE = re.compile(r"^(Does|Do|Is|Are|Could|Can|Would|Will|Should) (it|that|this|we|you|they)\b", re.I)
FILES = re.compile(r"(\.md|\.rst|\.txt|\.pod|FAQ|README|METADATA)(\.gz)?$", re.I)


def _package(path: str, root: str) -> str:
    parts = [p for p in path[len(root):].lstrip("/").split("/") if not re.fullmatch(r"[\d.]+", p)]
    head = parts[0] if len(parts) > 1 else Path(root).name  # perl's pods sit under its version
    return re.split(r"-\d", head)[0].removesuffix(".dist-info")


def _text(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="ignore") as f:
            return f.read(300_000)
    except OSError:
        return ""


def questions_in(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = re.sub(r"^[=\s#*>|-]*(head\d\s+)?", "", line.strip())
        for s in re.split(r"(?<=[.!?])\s+", line):
            s = " ".join(s.strip(" *`_\"'").split())
            if (s.endswith("?") and START.match(s) and 25 <= len(s) <= 150 and not NOISE.search(s)
                    and not VAGUE.match(s)):
                out.append(s)
    return out


def harvest(roots: list[str]) -> list[dict]:
    seen: dict[str, str] = {}
    for root in roots:
        for dirpath, _dirs, names in sorted(os.walk(root)):
            for name in sorted(names):
                if FILES.search(name):
                    path = os.path.join(dirpath, name)
                    for q in questions_in(_text(path)):
                        seen.setdefault(q, _package(path, root))
    return [{"question": q, "source": src} for q, src in sorted(seen.items())]


def main() -> None:
    roots = ["/usr/share/doc", "/usr/share/perl", sysconfig.get_paths()["purelib"]]
    rows = harvest([r for r in roots if Path(r).is_dir()])
    out = DATA_DIR / "harvest.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} questions from {len({r['source'] for r in rows})} packages -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
