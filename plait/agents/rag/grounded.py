"""Answer modes of the RAG agent (``generate``, ``extractive``, ``grounded``) and citation hygiene.

- ``extractive``: the sentences of the retrieved chunks most similar to the question (cosine of
  the retriever's own embedder), quoted with their ``[n]``; nothing is generated.
- ``grounded``: the same quotes, then a one-sentence model summary of them, kept only when it is
  supported: at least ``SUPPORT_RATIO`` of its content words occur in the quoted sentences.
  An unsupported summary is dropped (never shown), so the answer holds no invented text.
- ``generate``: the model answers from the numbered sources (the mode for capable models).

A quoted sentence ending in ``:`` carries the code block, literal block or list after it
(``_following_block``). The quoting modes never answer from the model alone: with no hit above
``min_score`` the graph replies with the fixed not-found statement (``graph._answer``).

In every mode an ``[n]`` the model writes that is not a given source number is removed, and a
``[n]`` inside a code span or block is text, not a citation (``cited_numbers``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from plait.core.config import Settings
from plait.core.errors import InputError

ANSWER_MODES = ("grounded", "generate", "extractive")
MAX_QUOTES = 3
MIN_QUOTES = 2  # quotes kept even when they score well below the best
QUOTE_RELATIVE_FLOOR = 0.6  # a 3rd quote must score at least this share of the best one
TITLE_MAX_WORDS = 10  # a shorter line without closing punctuation, before a capital, is a heading
MIN_SENTENCE_WORDS = 4  # shorter units are headings or fragments, not answers
SUPPORT_RATIO = 0.8  # share of a summary's content words that must appear in the quotes
SUMMARY_MAX_TOKENS = 64  # one sentence; small models ramble past it
FOLLOW_MAX_CHARS = 600  # a quote ending in ':' carries the block after it, up to this much of it

# Code first (a fence, then an inline span); an unclosed one runs to the end of the text, so a
# prefix of a streamed answer reads code the same way the whole answer does.
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*(?:`|\Z)", re.S)
_CITATION = re.compile(r"[ \t]*\[(\d+(?:\s*,\s*\d+)*)\]")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "dr", "fig", "no", "approx", "al", "inc", "eg", "ie"}
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'`(\[]?[A-Z0-9])")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#{1,6}\s|>\s?)")
_ITEM = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s)")
_STOPWORDS = frozenset(
    "a an the and or but if then else of to in on at by for with from as is are was were be been being it its "
    "this that these those there here which who whom what when where why how do does did done can could "
    "should would will shall may might must not no yes so than too very just also only into onto over under "
    "about after before between through during per via each every any all some more most other such own same "
    "you your we our they their them he she his her i me my us one two use uses used using".split()
)


@dataclass
class Quote:
    n: int  # the source number, as in ``sources``
    source: str
    chunk: int
    text: str
    score: float  # cosine to the question

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "chunk": self.chunk, "text": self.text, "score": round(self.score, 4)}


def answer_mode(settings: Settings, options: dict[str, Any]) -> str:
    """The turn's mode: the request option, else ``[rag] answer_mode``, else ``grounded`` for the
    embedded model (``llamacpp/...``) and ``generate`` for any other.

    The embedded model's default is ``generate`` for a turn that turns retrieval off (``retrieve:
    never``) or offers tools: the user asked for the model's own answer, there is nothing to quote,
    and the reply says ``answer_mode: "generate"`` (unchecked). A mode asked for explicitly stands:
    ``grounded``/``extractive`` with retrieval off then reply that there is nothing to quote."""
    requested = options.get("answer_mode")
    if requested:
        if requested not in ANSWER_MODES:
            raise InputError(f"answer mode {requested!r} is not one of {', '.join(ANSWER_MODES)} "
                             "(the request option answer_mode / plait ask --answer-mode)")
        return str(requested)
    table = settings.table("rag")
    if "answer_mode" in table:
        value = table["answer_mode"]
        if value not in ANSWER_MODES:
            raise table.invalid("answer_mode", "one of " + ", ".join(ANSWER_MODES), '"grounded"')
        return str(value)
    if not settings.model.startswith("llamacpp/"):
        return "generate"
    if (options.get("retrieve") or settings.retrieve) == "never" or options.get("tools"):
        return "generate"
    return "grounded"


# -- citations ----------------------------------------------------------------------------------
def _outside_code(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of ``text`` that are not code."""
    spans, pos = [], 0
    for m in _CODE.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if b > a]


def clean_citations(text: str, n_sources: int) -> str:
    """``text`` without the ``[n]`` outside code whose n is not a source number (1..n_sources);
    ``[1, 9]`` keeps ``[1]``."""
    out, pos = [], 0
    for start, end in _outside_code(text):
        out.append(text[pos:start])

        def keep(m: re.Match) -> str:
            valid = [x for x in re.split(r"\s*,\s*", m.group(1)) if 1 <= int(x) <= n_sources]
            if not valid:
                return ""
            lead = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip(" \t"))]
            return f"{lead}[{', '.join(valid)}]"

        out.append(_CITATION.sub(keep, text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def cited_numbers(text: str, n_sources: int | None = None) -> list[int]:
    """The source numbers ``text`` cites, in order of first use; ``[n]`` inside code is not a citation."""
    found: list[int] = []
    for start, end in _outside_code(text):
        for m in _CITATION.finditer(text, start, end):
            for x in re.split(r"\s*,\s*", m.group(1)):
                n = int(x)
                if n not in found and (n_sources is None or 1 <= n <= n_sources):
                    found.append(n)
    return found


class CitationStream:
    """Cleans citations of a streamed answer: holds back the tail that may still become an
    ``[n]`` (an open bracket, trailing spaces) and emits only text that will not change."""

    def __init__(self, n_sources: int):
        self.n_sources, self.text, self.sent = n_sources, "", ""

    def _emit(self, upto: int) -> str:
        clean = clean_citations(self.text[:upto], self.n_sources)
        if not clean.startswith(self.sent):  # cannot happen for prefixes cut as in feed(); be safe
            return ""
        new, self.sent = clean[len(self.sent):], clean
        return new

    def feed(self, delta: str) -> str:
        self.text += delta
        upto = len(self.text.rstrip(" \t"))
        bracket = self.text.rfind("[", 0, upto)
        if bracket >= 0 and "]" not in self.text[bracket:] and upto - bracket <= 16:
            upto = len(self.text[:bracket].rstrip(" \t"))
        return self._emit(upto)

    def flush(self) -> str:
        return self._emit(len(self.text))


# -- sentences ----------------------------------------------------------------------------------
def _split_prose(paragraph: str) -> list[str]:
    """Sentences of one paragraph; code spans and abbreviations (e.g., etc.) do not end one."""
    masked = _CODE.sub(lambda m: "x" * len(m.group(0)), paragraph)
    out, start = [], 0
    for m in _BOUNDARY.finditer(masked):
        word = re.search(r"([\w.]+)[.!?]?$", masked[start:m.start() + 1])
        last = (word.group(1) if word else "").rstrip(".").lower()
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "e.g. The", "J. Smith"
        out.append(paragraph[start:m.end()].strip())
        start = m.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]


@dataclass
class _Paragraph:
    """A unit of a chunk's layout: a fenced ``code`` block, a list ``item``, an ``indented`` block
    (an rst literal block after ``::``, an indented item continuation) or plain ``text``."""

    kind: str
    lines: list[str]  # as in the chunk, right-stripped

    def sentences(self) -> list[str]:
        if self.kind == "code":
            return [self.lines[0]]
        return _split_prose(" ".join(line.strip() for line in self.lines))


def _paragraphs(text: str) -> list[_Paragraph]:
    out: list[_Paragraph] = []
    pos = 0
    for fence in re.finditer(r"```.*?(?:```|\Z)", text, re.S):
        out.extend(_block_paragraphs(text[pos:fence.start()]))
        out.append(_Paragraph("code", [fence.group(0).strip()]))
        pos = fence.end()
    out.extend(_block_paragraphs(text[pos:]))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk. A fenced code block is one unit; list items, headings and blank lines
    start a new unit; lines wrapped inside a paragraph are joined."""
    return [s for p in _paragraphs(text) for s in p.sentences()]


def _after_title(paragraph: list[str], line: str) -> bool:
    """True when ``paragraph`` is a one-line title (short, no closing punctuation) and ``line``
    starts a sentence: an HTML heading read as its own line, not a wrapped sentence."""
    if len(paragraph) != 1:
        return False
    title = paragraph[0].strip()
    return (len(title.split()) <= TITLE_MAX_WORDS and not re.search(r"[.!?,;:]$", title)
            and line.lstrip()[:1].isupper())


def _block_paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    fresh = True  # the next non-blank line starts a paragraph
    for line in text.splitlines():
        if not line.strip():
            fresh = True
            continue
        if fresh or _BLOCK_START.match(line) or _after_title(paragraphs[-1].lines, line):
            kind = "item" if _ITEM.match(line) else "indented" if line[:1] in " \t" else "text"
            paragraphs.append(_Paragraph(kind, [line.rstrip()]))
        else:
            paragraphs[-1].lines.append(line.rstrip())
        fresh = False
    return paragraphs


def _dedent(lines: list[str]) -> list[str]:
    cut = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return [line[cut:] for line in lines]


def _following_block(paragraphs: list[_Paragraph], i: int) -> str:
    """The code block, literal block or list right after paragraph ``i - 1`` (which ends in ``:``),
    at most FOLLOW_MAX_CHARS of it; ``""`` when prose or nothing follows. A list keeps its items'
    own lines, not their indented continuation paragraphs (so more of the items fit)."""
    if i >= len(paragraphs) or paragraphs[i].kind == "text":
        return ""
    first = paragraphs[i]
    if first.kind == "code":
        return _bounded_code(first.lines[0].splitlines())
    if first.kind == "indented":  # rst "::" literal block or Markdown indented code: shown as code
        lines: list[str] = []
        for p in paragraphs[i:]:
            if p.kind != "indented":
                break
            lines += ([""] if lines else []) + p.lines
        return _bounded_code(["```", *_dedent(lines), "```"])
    items: list[str] = []
    used = 0
    for p in paragraphs[i:]:
        if p.kind == "indented":
            continue
        if p.kind != "item":
            break
        item = "\n".join(_dedent(p.lines))
        if items and used + len(item) > FOLLOW_MAX_CHARS:
            items.append("…")
            break
        items.append(item if len(item) <= FOLLOW_MAX_CHARS else item[:FOLLOW_MAX_CHARS].rstrip() + " …")
        used += len(item)
    return "\n".join(items)


def _bounded_code(lines: list[str]) -> str:
    """A fenced block cut to whole lines within FOLLOW_MAX_CHARS, the fence kept closed."""
    if len(lines) < 2:  # a one-line fence: short already
        return "\n".join(lines)
    body, fence_open, fence_close = lines[1:-1], lines[0], lines[-1]
    if not fence_close.strip().startswith("```"):  # unclosed (the chunk ends inside it)
        body, fence_close = lines[1:], "```"
    kept, used = [], 0
    for line in body:
        if used + len(line) > FOLLOW_MAX_CHARS:
            kept.append("…")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([fence_open, *kept, fence_close])


def _candidate(sentence: str) -> bool:
    if sentence.startswith("#") or sentence.startswith("```"):
        return False  # headings are labels, code is quoted through its sentence, not on its own
    words = len(re.findall(r"\w+", sentence))
    if words <= TITLE_MAX_WORDS and not re.search(r"[.!?;:)\"'`]$", sentence):
        return False  # a title line (an HTML heading) names a topic, it does not answer
    return words >= MIN_SENTENCE_WORDS


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def select_quotes(question: str, hits: list[dict], embedder: Any, min_score: float | None = None) -> list[Quote]:
    """The 2-3 sentences of ``hits`` most similar to ``question``; hits below ``min_score`` give none.

    Hit numbers are their positions in ``hits`` (1-based), the numbers the sources table shows.
    """
    candidates: list[tuple[int, dict, str, str]] = []  # (n, hit, sentence, the block it introduces)
    seen: set[str] = set()
    for n, hit in enumerate(hits, start=1):
        if min_score is not None and float(hit.get("score", 0.0)) < min_score:
            continue
        paragraphs = _paragraphs(str(hit.get("text") or ""))
        for i, paragraph in enumerate(paragraphs):
            sentences = paragraph.sentences()
            for j, sentence in enumerate(sentences):
                key = " ".join(sentence.lower().split())
                if _candidate(sentence) and key not in seen:
                    seen.add(key)
                    # "Run the following command:" answers only with the command: carry it along
                    follows = (_following_block(paragraphs, i + 1)
                               if j == len(sentences) - 1 and sentence.endswith(":") else "")
                    candidates.append((n, hit, sentence, follows))
    if not candidates:
        return []
    vectors = embedder.embed([question] + [c[2] for c in candidates])
    qvec = vectors[0]
    scored = sorted(((_cosine(qvec, v), i) for i, v in enumerate(vectors[1:])), key=lambda t: (-t[0], t[1]))
    best = scored[0][0]
    quotes = []
    for rank, (score, i) in enumerate(scored[:MAX_QUOTES]):
        if rank >= MIN_QUOTES and score < QUOTE_RELATIVE_FLOOR * best:
            break
        n, hit, sentence, follows = candidates[i]
        text = f"{sentence}\n{follows}" if follows else sentence
        quotes.append(Quote(n, str(hit.get("source", "")), int(hit.get("chunk", 0)), text, score))
    return _without_carried(quotes)


def _without_carried(quotes: list[Quote]) -> list[Quote]:
    """``quotes`` less those a block carried by another quote already shows (a list item chosen on
    its own and again under the sentence that introduces its list)."""
    blocks = [" ".join(q.text.partition("\n")[2].split()) for q in quotes]
    return [q for i, q in enumerate(quotes)
            if not any(j != i and " ".join(q.text.split()) in block for j, block in enumerate(blocks) if block)]


def _literal_brackets(sentence: str) -> str:
    """A source's own ``[n]`` shown as code, so it is never read as this answer's citation."""
    masked = [(a, b) for a, b in _outside_code(sentence)]
    out, pos = [], 0
    for a, b in masked:
        out.append(sentence[pos:a])
        out.append(re.sub(r"\[(\d+(?:\s*,\s*\d+)*)\]", r"`[\1]`", sentence[a:b]))
        pos = b
    out.append(sentence[pos:])
    return "".join(out)


def render_quotes(quotes: Iterable[Quote]) -> str:
    """One list item per quote; a block a quote carries (after its ``:``) is nested under it."""
    lines = []
    for q in quotes:
        sentence, _, follows = q.text.partition("\n")
        lines.append(f'- "{_literal_brackets(sentence)}" [{q.n}]')
        if follows:
            lines.extend(f"  {line}" if line else "" for line in _literal_brackets(follows).splitlines())
    return "From the sources:\n" + "\n".join(lines)


# -- the grounded summary -----------------------------------------------------------------------
SUMMARY_SYSTEM = (
    "Summarise in one short sentence what the quoted sentences below say in answer to the question. "
    "Use only their words; add nothing they do not say.\n\nQuotes:\n{quotes}"
)


def summary_messages(question: str, quotes: list[Quote]) -> list[dict[str, str]]:
    listed = "\n".join(f"[{q.n}] {q.text}" for q in quotes)
    return [{"role": "system", "content": SUMMARY_SYSTEM.format(quotes=listed)}, {"role": "user", "content": question}]


def _words(text: str) -> list[str]:
    plain = _CODE.sub(lambda m: m.group(0).strip("`"), text)
    plain = _CITATION.sub(" ", plain)
    return [w for w in re.findall(r"[a-z0-9_]+", plain.lower()) if len(w) > 2 and w not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def first_sentence(text: str) -> str:
    sentences = _split_prose(" ".join(text.split()))
    return sentences[0] if sentences else ""


def supported(sentence: str, quotes: list[Quote]) -> bool:
    """True when one quoted sentence holds at least SUPPORT_RATIO of the sentence's content words
    (stopwords, words under 3 letters and citations left out; -s/-es/-ed/-ing/-e endings ignored).
    One sentence, not the pooled quotes: words gathered from different quotes can be recombined
    into a claim none of them makes."""
    words = {_stem(w) for w in _words(sentence)}
    if not words:
        return False
    best = max((len(words & {_stem(w) for w in _words(q.text)}) for q in quotes), default=0)
    return best / len(words) >= SUPPORT_RATIO


def cite_summary(summary: str, quotes: list[Quote]) -> str:
    """``summary`` ending with the numbers of the quotes it draws words from, if it cites none."""
    if cited_numbers(summary):
        return summary
    words = {_stem(w) for w in _words(summary)}
    numbers = sorted({q.n for q in quotes if words & {_stem(w) for w in _words(q.text)}})
    cites = "".join(f"[{n}]" for n in numbers)
    body = summary.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else ""
    return f"{body[:len(body) - len(end)]} {cites}{end or '.'}" if cites else body
