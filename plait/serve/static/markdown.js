// A small, safe Markdown renderer for chat replies: builds DOM nodes, never parses HTML.
//
// Model output and retrieved documents are untrusted, so nothing here uses innerHTML: every piece
// of text becomes a Text node, and the only elements made are the fixed set below. Supported:
// fenced code blocks (``` or ~~~, unclosed ones run to the end: a streaming reply), `inline code`,
// headings, bullet and numbered lists (nested by indentation), > quotes, **strong**, *emphasis*
// and _emphasis_, [links](url) with http/https/mailto only, and [n] citations (only where a
// source n exists, never inside code). Anything else stays literal text.
"use strict";

const MD = (() => {
  const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
  const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
  const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
  const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
  const QUOTE = /^ {0,3}>\s?(.*)$/;
  // inline: `code` | [text](url) | [n] | **strong** | *em* | _em_ (not inside words)
  const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\[\]\n]+)\]\(\s*([^\s()]+)\s*\)|\[(\d{1,4})\]|\*\*(?=\S)([^*\n]*?\S)\*\*|\*(?=[^\s*])([^*\n]*?[^\s*])\*|(?<![\w])_(?=\S)([^_\n]*?\S)_(?![\w])/g;

  function el(tag, className) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function safeUrl(raw) {
    try {
      const url = new URL(raw);  // relative or scheme-less URLs throw: shown as text
      return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
    } catch { return null; }
  }

  // Appends the inline rendering of `text` to `parent`; ctx = {sources, cite(n) -> Node|null}.
  function inline(parent, text, ctx, depth = 0) {
    let last = 0;
    INLINE.lastIndex = 0;
    const matches = [...text.matchAll(INLINE)];
    for (const m of matches) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      last = m.index + m[0].length;
      parent.appendChild(inlineNode(m, ctx, depth) || document.createTextNode(m[0]));
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function inlineNode(m, ctx, depth) {
    if (m[1]) { const code = el("code"); code.textContent = m[2].trim() || m[2]; return code; }
    if (m[3] !== undefined) {
      const href = safeUrl(m[4]);
      if (!href) return null;  // javascript:, data:, relative...: the literal text, not a link
      const a = el("a");
      a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer nofollow";
      if (depth < 3) inline(a, m[3], ctx, depth + 1); else a.textContent = m[3];
      return a;
    }
    if (m[5] !== undefined) return ctx.cite ? ctx.cite(Number(m[5])) : null;
    const tag = m[6] !== undefined ? "strong" : "em";
    const inner = m[6] ?? m[7] ?? m[8];
    const node = el(tag);
    if (depth < 3) inline(node, inner, ctx, depth + 1); else node.textContent = inner;
    return node;
  }

  function indentOf(spaces) { return spaces.replace(/\t/g, "    ").length; }

  // Parses consecutive list lines starting at i into `parent`; returns the index after the list.
  function list(parent, lines, i, ctx) {
    const stack = [];  // open lists, outermost first: {indent, ordered, node, item}
    const open = (host, indent, ordered, marker) => {
      const node = el(ordered ? "ol" : "ul");
      if (ordered && parseInt(marker, 10) !== 1) node.start = parseInt(marker, 10);
      host.appendChild(node);
      stack.push({ indent, ordered, node, item: null });
    };
    for (; i < lines.length; i++) {
      const m = LIST.exec(lines[i]);
      const top = stack[stack.length - 1];
      if (!m) {
        if (top?.item && /^\s+\S/.test(lines[i])) {  // an indented continuation of the last item
          top.item.appendChild(document.createTextNode("\n"));
          inline(top.item, lines[i].trim(), ctx);
          continue;
        }
        break;  // a blank or unindented line ends the list
      }
      const indent = indentOf(m[1]);
      const ordered = /\d/.test(m[2]);
      while (stack.length > 1 && indent < stack[stack.length - 1].indent) stack.pop();
      const cur = stack[stack.length - 1];
      if (!cur) open(parent, indent, ordered, m[2]);
      else if (indent > cur.indent && cur.item) open(cur.item, indent, ordered, m[2]);  // nested
      else if (cur.ordered !== ordered) {  // bullets <-> numbers at one level: a sibling list
        stack.pop();
        open(stack.length ? stack[stack.length - 1].item : parent, cur.indent, ordered, m[2]);
      }
      const level = stack[stack.length - 1];
      level.item = el("li");
      inline(level.item, m[3], ctx);
      level.node.appendChild(level.item);
    }
    return i;
  }

  // Renders `text` into a new DocumentFragment; ctx.cite(n) makes the node for citation [n].
  function render(text, ctx = {}) {
    const root = document.createDocumentFragment();
    const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
    let para = [];
    const flush = () => {
      if (!para.length) return;
      const p = el("p");
      inline(p, para.join("\n"), ctx);
      root.appendChild(p);
      para = [];
    };
    for (let i = 0; i < lines.length;) {
      const line = lines[i];
      const fence = FENCE.exec(line);
      if (fence) {
        flush();
        const close = new RegExp(`^ {0,3}${fence[1][0]}{${fence[1].length},}\\s*$`);
        const body = [];
        for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
        i++;  // past the closing fence (or the end, while a reply is still streaming)
        const pre = el("pre", "md-code");
        const code = el("code");
        if (fence[2]) { code.className = `language-${fence[2].replace(/[^\w+#.-]/g, "")}`; pre.dataset.lang = fence[2]; }
        code.textContent = body.join("\n");
        pre.appendChild(code);
        root.appendChild(pre);
        continue;
      }
      if (LIST.test(line) && (!para.length || !/^\s/.test(line))) { flush(); i = list(root, lines, i, ctx); continue; }
      const heading = HEADING.exec(line);
      if (heading) {
        flush();
        const h = el(`h${Math.min(6, heading[1].length + 2)}`, "md-h");
        inline(h, heading[2], ctx);
        root.appendChild(h);
        i++;
        continue;
      }
      if (QUOTE.test(line)) {
        flush();
        const quoted = [];
        for (; i < lines.length && QUOTE.test(lines[i]); i++) quoted.push(QUOTE.exec(lines[i])[1]);
        const q = el("blockquote");
        q.appendChild(render(quoted.join("\n"), ctx));
        root.appendChild(q);
        continue;
      }
      if (!line.trim()) flush(); else para.push(line);
      i++;
    }
    flush();
    return root;
  }

  return { render, safeUrl };
})();
