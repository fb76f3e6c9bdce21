// plait chat page: plain JS, no build step. Talks to /v1 (OpenAI API) and /api (sessions, characters, chunks).
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  model: localStorage.getItem("plait.model") || "",
  session: localStorage.getItem("plait.session") || "",
  messages: [],          // {role, content, plait?}
  busy: false,
  avatarUrl: null,
  personaName: "",
  alts: null,            // {alternatives: [...], chosen} of the last reply, when the agent kept several
  abort: null,           // the AbortController of the reply being streamed (the Stop button)
};
const DEFAULT_MODEL = "rag";  // what a first visit opens on, when the server offers it

function newSessionId() {
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return `web-${Date.now().toString(36)}-${rnd[0].toString(36)}${rnd[1].toString(36)}`;
}

// -- API with the key from localStorage; a 401 asks for a key once and retries --------------------
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const key = localStorage.getItem("plait.key");
  if (key) headers["Authorization"] = `Bearer ${key}`;
  const resp = await fetch(path, Object.assign({}, options, { headers }));
  if (resp.status === 401 && !options._retried) {
    if (await askKey()) return api(path, Object.assign({}, options, { _retried: true }));
  }
  return resp;
}

async function errorText(resp) {
  try { const body = await resp.json(); return body.error?.message || JSON.stringify(body); }
  catch { return `${resp.status} ${resp.statusText}`; }
}

function askKey() {
  return new Promise((resolve) => {
    const dlg = $("key-dialog");
    $("key-input").value = "";
    dlg.onclose = () => {
      const value = $("key-input").value.trim();
      if (value) localStorage.setItem("plait.key", value);
      resolve(Boolean(value));
    };
    dlg.showModal();
  });
}

function setStatus(text) { $("status").textContent = text || ""; }

// -- models and characters -----------------------------------------------------------------------
async function loadModels() {
  const resp = await api("/v1/models");
  if (!resp.ok) { setStatus(await errorText(resp)); return; }
  const { data } = await resp.json();
  const select = $("model");
  select.innerHTML = "";
  const groups = { agent: "Agents", character: "Characters" };
  for (const [kind, label] of Object.entries(groups)) {
    const items = data.filter((m) => (m.plait?.kind || "agent") === kind);
    if (!items.length) continue;
    const group = document.createElement("optgroup");
    group.label = label;
    for (const m of items) {
      const opt = document.createElement("option");
      opt.value = m.id;
      opt.textContent = kind === "character" ? m.id.slice("character/".length) : m.id;
      opt.title = m.plait?.description || "";
      group.appendChild(opt);
    }
    select.appendChild(group);
  }
  const offered = (id) => [...select.options].some((o) => o.value === id);
  if (!offered(state.model)) state.model = offered(DEFAULT_MODEL) ? DEFAULT_MODEL : select.options[0]?.value || "";
  select.value = state.model;
}

function isCharacter(model) { return model.startsWith("character/"); }

async function showPersona(model) {
  const box = $("persona");
  if (state.avatarUrl) { URL.revokeObjectURL(state.avatarUrl); state.avatarUrl = null; }
  state.personaName = "";
  if (!isCharacter(model)) { box.hidden = true; return null; }
  const name = model.slice("character/".length);
  const resp = await api(`/api/characters/${encodeURIComponent(name)}`);
  if (!resp.ok) { box.hidden = true; setStatus(await errorText(resp)); return null; }
  const card = await resp.json();
  $("persona-name").textContent = card.name;
  state.personaName = card.name;
  $("persona-desc").textContent = card.description;
  $("persona-desc").title = card.description;
  const img = $("persona-avatar");
  img.hidden = true;
  if (card.avatar) {
    const av = await api(card.avatar);
    if (av.ok) { state.avatarUrl = URL.createObjectURL(await av.blob()); img.src = state.avatarUrl; img.alt = card.name; img.hidden = false; }
  }
  box.hidden = false;
  return card;
}

// -- rendering ---------------------------------------------------------------------------------------
// Replies are Markdown from a model (and may quote documents): markdown.js builds DOM nodes from
// text, never HTML. *actions* come out in italics (the character-chat convention), and [n] links to
// the cited chunk only when source n exists.
function fillBody(body, msg) {
  body.replaceChildren();
  if (msg.role === "user") { body.classList.add("plain"); body.textContent = msg.content; return; }
  const sources = msg.plait?.sources || [];
  const cite = (n) => {
    if (!sources[n - 1]) return null;
    const a = document.createElement("a");
    a.href = "#"; a.className = "cite"; a.dataset.cite = String(n - 1); a.textContent = `[${n}]`;
    return a;
  };
  body.appendChild(MD.render(msg.content, { cite }));
}

function renderMessage(msg, index) {
  const el = document.createElement("div");
  el.className = `msg ${msg.role}${msg.error ? " error" : ""}`;
  el.dataset.index = index;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = msg.role === "user" ? "you" : (state.personaName || state.model);
  const body = document.createElement("div");
  body.className = "body";
  const sources = msg.plait?.sources || [];
  fillBody(body, msg);
  el.append(who, body);
  if (sources.length) {
    const box = document.createElement("div");
    box.className = "sources";
    box.innerHTML = "<strong>Sources</strong>";
    const list = document.createElement("ol");
    sources.forEach((s, i) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#"; a.dataset.cite = i; a.className = "source-link";
      a.textContent = `${s.source}${s.chunk !== undefined ? ` #${s.chunk}` : ""}`;
      li.appendChild(a);
      if (typeof s.score === "number") li.append(` (${s.score.toFixed(2)})`);
      list.appendChild(li);
    });
    box.appendChild(list);
    el.appendChild(box);
  }
  const gate = msg.plait?.gate;
  if (gate && typeof gate === "object") {
    const g = document.createElement("div");
    g.className = "gate";
    g.textContent = gate.retrieve ? `retrieved (decided by ${gate.decided_by})` : `answered without retrieval (decided by ${gate.decided_by})`;
    el.appendChild(g);
  }
  el.addEventListener("click", (ev) => {
    const link = ev.target.closest("[data-cite]");
    if (!link) return;
    ev.preventDefault();
    openChunk(sources[Number(link.dataset.cite)]);
  });
  return el;
}

function render() {
  const box = $("messages");
  box.innerHTML = "";
  state.messages.forEach((m, i) => box.appendChild(renderMessage(m, i)));
  const last = state.messages[state.messages.length - 1];
  if (last && last.role === "assistant" && !last.greeting && !state.busy) {
    const actions = document.createElement("div");
    actions.className = "actions";
    const again = document.createElement("button");
    again.id = "regenerate"; again.textContent = "↻ Regenerate"; again.title = "Another reply to your last message";
    again.onclick = regenerate;
    actions.appendChild(again);
    const alts = state.alts?.alternatives || [];
    if (alts.length > 1) actions.appendChild(altPicker(alts.length, state.alts.chosen));
    box.lastChild.appendChild(actions);
  }
  box.scrollTop = box.scrollHeight;
}

// -- a character's kept alternatives: "‹ 2/3 ›" on the last reply ------------------------------------
function altPicker(count, chosen) {
  const box = document.createElement("span");
  box.className = "alt-picker";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Alternative replies");
  const prev = document.createElement("button");
  prev.id = "alt-prev"; prev.textContent = "‹"; prev.title = "Previous alternative"; prev.setAttribute("aria-label", "Previous alternative");
  prev.disabled = chosen <= 0;
  prev.onclick = () => chooseAlternative(chosen - 1);
  const pos = document.createElement("span");
  pos.id = "alt-pos"; pos.textContent = `${chosen + 1}/${count}`;
  const next = document.createElement("button");
  next.id = "alt-next"; next.textContent = "›"; next.title = "Next alternative"; next.setAttribute("aria-label", "Next alternative");
  next.disabled = chosen >= count - 1;
  next.onclick = () => chooseAlternative(chosen + 1);
  box.append(prev, pos, next);
  return box;
}

async function loadAlternatives() {
  state.alts = null;
  if (!state.session) return;
  const resp = await api(`/api/sessions/${encodeURIComponent(state.session)}/alternatives`);
  if (resp.ok) state.alts = await resp.json();
  render();
}

async function chooseAlternative(index) {
  if (state.busy || !state.alts) return;
  state.busy = true;
  try {
    const resp = await api(`/api/sessions/${encodeURIComponent(state.session)}/alternatives`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ index }),
    });
    if (!resp.ok) { setStatus(await errorText(resp)); return; }
    const data = await resp.json();
    state.alts = { alternatives: data.alternatives, chosen: data.chosen };
    const last = state.messages[state.messages.length - 1];
    if (last && last.role === "assistant") last.content = data.content;
    setStatus("");
  } finally {
    state.busy = false;
    render();
  }
}

async function openChunk(source) {
  if (!source) return;
  $("chunk-title").textContent = `${source.source}${source.chunk !== undefined ? ` — chunk ${source.chunk}` : ""}`;
  $("chunk-text").textContent = source.text || "loading…";
  $("chunk-dialog").showModal();
  const query = source.id ? `id=${encodeURIComponent(source.id)}` : `source=${encodeURIComponent(source.source)}&chunk=${encodeURIComponent(source.chunk)}`;
  const resp = await api(`/api/chunks?${query}`);
  if (resp.ok) $("chunk-text").textContent = (await resp.json()).text;
  else if (!source.text) $("chunk-text").textContent = await errorText(resp);
}

// -- sessions ------------------------------------------------------------------------------------
async function loadSessions() {
  const resp = await api("/api/sessions");
  if (!resp.ok) return;
  const { sessions } = await resp.json();
  const list = $("sessions");
  list.innerHTML = "";
  $("no-sessions").hidden = sessions.length > 0;
  for (const s of sessions) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.className = s.name === state.session ? "active" : "";
    b.dataset.session = s.name;
    const when = new Date(s.updated * 1000).toLocaleString();
    b.innerHTML = `<span class="title"></span><span class="meta"></span>`;
    b.querySelector(".title").textContent = s.title || s.name;
    b.querySelector(".meta").textContent = `${s.agent} · ${when}`;
    b.onclick = () => openSession(s.name);
    li.appendChild(b);
    list.appendChild(li);
  }
}

async function openSession(name) {
  stop();
  const resp = await api(`/api/sessions/${encodeURIComponent(name)}`);
  if (!resp.ok) { setStatus(await errorText(resp)); return; }
  const data = await resp.json();
  state.session = name;
  localStorage.setItem("plait.session", name);
  if ([...$("model").options].some((o) => o.value === data.agent)) {
    state.model = data.agent; $("model").value = data.agent; localStorage.setItem("plait.model", data.agent);
  }
  await showPersona(state.model);
  state.messages = data.messages.filter((m) => m.role !== "system");
  state.alts = null;
  render();
  loadSessions();
  loadAlternatives();
  $("sidebar").classList.remove("open");
  setStatus("");
}

async function newChat() {
  stop();  // a reply still streaming belongs to the chat being left
  state.session = newSessionId();
  localStorage.setItem("plait.session", state.session);
  state.messages = [];
  state.alts = null;
  const card = await showPersona(state.model);
  if (card?.greetings?.length) state.messages.push({ role: "assistant", content: card.greetings[0], greeting: true });
  render();
  loadSessions();
  $("input").focus();
}

// -- sending and streaming -----------------------------------------------------------------------------
function setBusy(busy) {
  state.busy = busy;
  $("send").disabled = busy;
  $("send").hidden = busy;
  $("stop").hidden = !busy;
  $("stop").disabled = !busy;
}

// Reads the SSE stream of one reply into `reply`, re-rendering its Markdown as it grows.
async function readStream(resp, reply, bodyEl) {
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) { reply.content += delta; fillBody(bodyEl, reply); $("messages").scrollTop = $("messages").scrollHeight; }
        if (chunk.plait) reply.plait = chunk.plait;  // sent with the final reply
      }
    }
  }
}

// Stop pressed before the final reply arrived: the server abandons the turn and rewinds the
// session (plait/serve/chat.py Turn.abandon), so the page drops it too and gives the message back.
function dropStoppedTurn() {
  state.messages.pop();  // the partial reply
  const last = state.messages[state.messages.length - 1];
  if (last?.role === "user") {
    state.messages.pop();
    if (!$("input").value.trim()) { $("input").value = last.content; autosize(); }
  }
  setStatus("stopped: the turn was not kept");
}

async function complete(extra = {}) {
  setBusy(true);
  state.alts = null;
  const controller = new AbortController();
  state.abort = controller;
  const session = state.session;
  const reply = { role: "assistant", content: "" };
  const payload = state.messages.map(({ role, content }) => ({ role, content }));
  state.messages.push(reply);
  render();
  const bodyEl = $("messages").lastChild.querySelector(".body");
  setStatus("thinking…");
  let stopped = false;
  try {
    const resp = await api("/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Plait-Session": state.session },
      body: JSON.stringify(Object.assign({ model: state.model, messages: payload, stream: true }, extra)),
      signal: controller.signal,
    });
    if (!resp.ok) throw new Error(await errorText(resp));
    await readStream(resp, reply, bodyEl);
    setStatus("");
  } catch (err) {
    if (controller.signal.aborted && !reply.plait) stopped = true;
    else if (controller.signal.aborted) setStatus("");  // the whole reply had arrived: it stands
    else {
      reply.error = true;
      reply.content = reply.content || `error: ${err.message}`;
      setStatus(err.message);
    }
  } finally {
    state.abort = null;
    if (stopped && state.session === session) dropStoppedTurn();  // not if another chat was opened meanwhile
    setBusy(false);
    render();
    loadSessions();
    if (extra.plait?.regenerate && !reply.error && !stopped) loadAlternatives();  // only a regenerate keeps several
  }
}

function stop() {
  if (state.abort) state.abort.abort();
}

async function send(ev) {
  ev.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.busy) return;
  if (!state.session) state.session = newSessionId();
  localStorage.setItem("plait.session", state.session);
  state.messages = state.messages.filter((m) => !m.error);
  state.messages.push({ role: "user", content: text });
  $("input").value = "";
  autosize();
  await complete();
}

async function regenerate() {
  if (state.busy) return;
  const last = state.messages[state.messages.length - 1];
  if (!last || last.role !== "assistant") return;
  state.messages.pop();
  await complete({ plait: { regenerate: true } });
}

function autosize() {
  const t = $("input");
  t.style.height = "auto";
  t.style.height = `${Math.min(t.scrollHeight, 160)}px`;
}

async function init() {
  $("composer").addEventListener("submit", send);
  $("input").addEventListener("input", autosize);
  $("input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("composer").requestSubmit(); }
  });
  $("new-chat").onclick = newChat;
  $("stop").onclick = stop;
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && state.busy) stop(); });
  $("refresh-sessions").onclick = loadSessions;
  $("toggle-sessions").onclick = () => $("sidebar").classList.toggle("open");
  document.querySelector(".chat").addEventListener("click", () => $("sidebar").classList.remove("open"));
  $("model").onchange = () => { state.model = $("model").value; localStorage.setItem("plait.model", state.model); newChat(); };
  await loadModels();
  await loadSessions();
  const known = [...document.querySelectorAll("#sessions [data-session]")].some((b) => b.dataset.session === state.session);
  if (state.session && known) await openSession(state.session);
  else await newChat();
}

init();
