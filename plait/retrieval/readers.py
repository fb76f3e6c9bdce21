"""File readers: one file in, plain text out, or ``SkipFile`` saying why it cannot be read.

Known text types: .md .markdown .txt .rst .py .json .jsonl .csv .toml .yaml .yml (UTF-8),
.html/.htm (visible text via BeautifulSoup), .pdf (pypdf). Other suffixes are read as UTF-8 text
when they look like text; binaries (NUL bytes or a known binary suffix) and undecodable files are
skipped, and the caller reports each one by name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".rst", ".py", ".json", ".jsonl", ".csv", ".toml", ".yaml", ".yml", ".ini", ".cfg"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
BINARY_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z",
    ".tar", ".whl", ".so", ".dylib", ".dll", ".exe", ".bin", ".pyc", ".pyo", ".o", ".a", ".class", ".jar",
    ".mp3", ".mp4", ".wav", ".ogg", ".mov", ".avi", ".gguf", ".safetensors", ".pt", ".onnx", ".sqlite", ".db",
    ".sqlite3", ".parquet", ".woff", ".woff2", ".ttf", ".otf", ".docx", ".xlsx", ".pptx",
}
SKIP_DIRS = {"__pycache__", "node_modules"}


class SkipFile(Exception):
    """This file cannot be ingested; the message says why."""


@dataclass
class FileText:
    text: str
    file_type: str
    extra: dict = field(default_factory=dict)  # e.g. {"pages": 3} for a PDF


def iter_files(root: Path, links: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """Files under ``root`` in sorted order, skipping hidden entries and cache folders.

    A symbolic link is followed only when its target lies inside ``root`` (a folder is walked once,
    so a link back to a parent cannot loop). A link that leaves ``root`` (say to ``/etc/shadow``)
    or points nowhere is not followed; it is appended to ``links`` as (link, why) for the caller
    to report by name.
    """
    if root.is_file():
        yield root
        return
    yield from _walk(root, root.resolve(), set(), links if links is not None else [])


def _walk(folder: Path, top: Path, seen: set[Path], links: list[tuple[Path, str]]) -> Iterator[Path]:
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        if entry.is_symlink():
            why = _link_problem(entry, top)
            if why:
                links.append((entry, why))
                continue
        if entry.is_dir():
            yield from _walk(entry, top, seen, links)
        elif entry.is_file():
            yield entry


def _link_problem(link: Path, top: Path) -> str | None:
    """Why ``link`` must not be followed, or None when its target lies inside ``top``."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        try:
            dest = os.readlink(link)
        except OSError:
            dest = "?"
        return f"broken symbolic link (its target {dest} does not exist)"
    if not target.is_relative_to(top):
        return f"symbolic link to {target}, outside the ingested folder {top}; not followed"
    return None


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


# Tags that start a new line of text; every other tag (b, code, a, span, ...) is inline and must
# not split its sentence, or the sentence splitter and the embedder see fragments.
HTML_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}


def _html_text(raw: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    lines: list[str] = []
    _html_lines(soup.body or soup, lines, [])
    text = "\n".join(line for line in lines if line)
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return text


def _html_lines(node, lines: list[str], current: list[str], pre: bool = False) -> None:
    """Append ``node``'s text to ``lines``: one line per block, inline text joined into its sentence."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype

    for child in node.children:
        if isinstance(child, (Comment, Doctype)):
            continue
        if isinstance(child, NavigableString):
            current.append(str(child))
        elif isinstance(child, Tag):
            block = child.name in HTML_BLOCKS
            if block:
                _flush(lines, current, pre)
            _html_lines(child, lines, current, pre or child.name == "pre")
            if block:
                _flush(lines, current, pre or child.name == "pre")


def _flush(lines: list[str], current: list[str], pre: bool) -> None:
    text = "".join(current)
    current.clear()
    if pre:  # code keeps its lines and indentation
        lines.extend(line.rstrip() for line in text.splitlines() if line.strip())
    else:  # source line breaks inside a paragraph are just spaces
        lines.append(" ".join(text.split()))


def _pdf_text(path: Path) -> FileText:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except Exception as exc:  # pypdf raises many types on broken files
        raise SkipFile(f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    return FileText("\n\n".join(p for p in pages if p), "pdf", {"pages": len(pages)})


def read_file(path: Path) -> FileText:
    """The text of one file, or ``SkipFile``."""
    suffix = path.suffix.lower()
    if suffix in BINARY_SUFFIXES:
        raise SkipFile(f"binary file type {suffix}")
    if suffix in PDF_SUFFIXES:
        result = _pdf_text(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SkipFile(f"cannot read ({exc.strerror or exc})") from None
        raw = _decode(data, path)
        if suffix in HTML_SUFFIXES:
            result = FileText(_html_text(raw), "html")
        else:
            result = FileText(raw, suffix.lstrip(".") or "text")
    if not result.text.strip():
        raise SkipFile("no text to index (empty file)")
    return result
