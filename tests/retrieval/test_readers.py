"""Each reader, and the files plait refuses (binary, undecodable, empty)."""

from __future__ import annotations

import json

import pytest

from plait.retrieval.readers import SkipFile, iter_files, read_file


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_markdown_text_python_json(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\nSome *markdown*.")
    (tmp_path / "b.txt").write_text("plain text here")
    (tmp_path / "c.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "d.json").write_text(json.dumps({"name": "plait", "kind": "framework"}))
    assert read_file(tmp_path / "a.md").text.startswith("# Title")
    assert read_file(tmp_path / "b.txt").text == "plain text here"
    py = read_file(tmp_path / "c.py")
    assert "return a + b" in py.text and py.file_type == "py"
    assert '"kind": "framework"' in read_file(tmp_path / "d.json").text


def test_html_keeps_visible_text_only(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><head><title>Gate page</title><style>p{color:red}</style></head>"
        "<body><h1>Heading</h1><p>Visible <b>words</b>.</p><script>var hidden = 1;</script></body></html>"
    )
    got = read_file(tmp_path / "p.html")
    assert got.file_type == "html"
    assert "Gate page" in got.text and "Heading" in got.text and "Visible" in got.text and "words" in got.text
    assert "hidden" not in got.text and "color" not in got.text and "<p>" not in got.text


def test_pdf_text_is_extracted(tmp_path):
    (tmp_path / "doc.pdf").write_bytes(_minimal_pdf("Retrieval gates decide per question"))
    got = read_file(tmp_path / "doc.pdf")
    assert got.file_type == "pdf" and got.extra == {"pages": 1}
    assert "Retrieval gates decide per question" in got.text


@pytest.mark.parametrize(
    "name,data,why",
    [
        ("image.png", b"\x89PNG\r\n\x1a\n....", "binary"),
        ("blob.dat", b"abc\x00\x01\x02def", "NUL"),
        ("latin1.txt", "café crème".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"   \n\n", "empty"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, data, why):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(SkipFile, match=why):
        read_file(tmp_path / name)


def test_unknown_suffix_is_read_when_it_is_text(tmp_path):
    (tmp_path / "NOTES").write_text("just some notes")
    assert read_file(tmp_path / "NOTES").text == "just some notes"


def test_walk_is_sorted_and_skips_hidden_and_caches(tmp_path):
    for rel in ["b.md", "a.md", "sub/c.md", ".git/config", ".hidden.md", "__pycache__/x.pyc"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)] == ["a.md", "b.md", "sub/c.md"]


def test_walk_survives_a_symlink_loop(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("x")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    assert [p.name for p in iter_files(tmp_path)] == ["a.md"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_html_inline_tags_do_not_split_sentences_in_the_demo_page():
    """The demo's real HTML page: a sentence with <b>/<code> inside stays on one line."""
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "examples" / "docs" / "retrieval-gate.html"
    lines = _lines(read_file(page).text)
    assert "The retrieval gate: deciding whether to retrieve" in lines
    assert any(line.startswith("Before the RAG agent searches the document store, it asks a retrieval gate whether this "
                               "question needs documents at all.") for line in lines)
    assert any("A gate is a plugin registered through the register_retrieval_gates hook." in line for line in lines)
    assert not any(line in {"retrieval gate", "register_retrieval_gates", "min_score"} for line in lines)


def test_html_blocks_stay_apart_and_preformatted_lines_stay(tmp_path):
    (tmp_path / "p.html").write_text(
        "<body><p>First <em>block</em> of text.</p><ul><li>one <a href='#'>link</a></li><li>two</li></ul>"
        "<p>line<br>break</p><pre>a = 1\n  b = 2</pre><div>tail <span>end</span></div></body>"
    )
    assert _lines(read_file(tmp_path / "p.html").text) == [
        "First block of text.", "one link", "two", "line", "break", "a = 1", "b = 2", "tail end"]
