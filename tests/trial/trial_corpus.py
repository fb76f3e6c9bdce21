"""The trial's corpus: documentation files shipped inside installed packages, picked deterministically.

plait writes none of them, so the trial meets real Markdown, reST, HTML and text as a user's corpus
would be: headings, tables, code blocks, odd encodings of whitespace, long and short files.
"""

from __future__ import annotations

import hashlib
import shutil
import site
import sysconfig
from pathlib import Path

SUFFIXES = {".md", ".rst", ".txt", ".html"}
MIN_BYTES, MAX_BYTES = 400, 2_000  # skip stubs; ~1-2 chunks a file keeps the ingest near a minute (embedding dominates)
WANT, AT_LEAST = 150, 50
# metadata and legal boilerplate, not documentation
SKIP_NAMES = {"license", "licence", "copying", "notice", "authors", "record", "top_level", "entry_points",
              "requirements", "sources", "dependency_links", "installer", "requested", "namespace_packages"}
SKIP_PARTS = {"__pycache__", "plait", "tests", "test", "node_modules"}


def _site_dirs() -> list[Path]:
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    out: list[Path] = []
    for d in dirs:
        p = Path(d).resolve()
        if p.is_dir() and p not in out:
            out.append(p)
    return out


def _is_doc(path: Path, rel: Path) -> bool:
    if path.suffix.lower() not in SUFFIXES or path.is_symlink() or not path.is_file():
        return False
    if any(part in SKIP_PARTS or part.endswith((".dist-info", ".egg-info")) for part in rel.parts[:-1]):
        return False
    if path.stem.lower().split("-")[0].split(".")[0] in SKIP_NAMES:
        return False
    size = path.stat().st_size
    if not MIN_BYTES <= size <= MAX_BYTES:
        return False
    data = path.read_bytes()
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def find_docs() -> dict[str, list[tuple[Path, Path]]]:
    """Candidate docs per top-level package: {package: [(absolute path, path relative to site)]}."""
    found: dict[str, list[tuple[Path, Path]]] = {}
    for root in _site_dirs():
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if len(rel.parts) < 2 or not _is_doc(path, rel):
                continue
            found.setdefault(rel.parts[0], []).append((path, rel))
    return found


def pick(found: dict[str, list[tuple[Path, Path]]], want: int = WANT) -> list[tuple[Path, Path]]:
    """Round-robin over packages (sorted), each in a fixed pseudo-random order: one big package
    (awscli ships thousands of help pages) cannot crowd out the others, and the pick is stable."""
    def order(item: tuple[Path, Path]) -> str:
        return hashlib.sha1(str(item[1]).encode()).hexdigest()

    queues = [sorted(found[pkg], key=order) for pkg in sorted(found)]
    chosen: list[tuple[Path, Path]] = []
    depth = 0
    while len(chosen) < want and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(chosen) < want:
                chosen.append(q[depth])
        depth += 1
    return chosen


def copy_corpus(dest: Path, want: int = WANT) -> list[Path]:
    """Copy the picked docs under ``dest`` (package/relative path kept); the copied paths."""
    copied = []
    for path, rel in pick(find_docs(), want):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


def first_heading(path: Path) -> str | None:
    """A title-like line of a doc (Markdown '#', or a reST title over an underline)."""
    lines = [l.strip() for l in path.read_text(encoding="utf-8").splitlines()[:80]]
    for i, line in enumerate(lines):
        if line.startswith("#") and len(line.lstrip("# ")) > 3:
            return line.lstrip("# ").strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if len(line) > 3 and nxt and set(nxt) <= set("=-~^*#") and len(nxt) >= len(line) and line[0].isalnum():
            return line
    return None
