// The review UI's waveform editor: a Streamlit component (plain postMessage protocol, no React).
// Shows the recording with one region per cue; click to seek and select, drag edges and whole cues
// (snapped to the minimum gap), playhead, zoom, play a cue with lead-in/out, loop, keyboard shortcuts;
// below it the selected cue's times and lines, edited in place.
//
// An edit shows at once: the component applies it to its own copy of the cues (select, times, nudge,
// lines; line 2 following line 1 as the pipeline writes it) and sends it to Python, which applies it
// with the same edit function as the table and decides. Events not yet answered are sent again with
// every value ({seq, events}), so none is lost when two come quicker than a page run; each render
// says which it has applied (args.ack), and the ones after it are replayed over Python's cues.
import WaveSurfer from "wavesurfer.js";
import RegionsPlugin from "wavesurfer.js/dist/plugins/regions.esm.js";
import TimelinePlugin from "wavesurfer.js/dist/plugins/timeline.esm.js";
import { secondLine } from "./second_line.js";

const COLORS = { cue: "rgba(74, 118, 226, 0.16)", flagged: "rgba(245, 140, 40, 0.22)", selected: "rgba(74, 118, 226, 0.42)" };
const LABEL_CHARS = 24;
let args = null; // what Python sent last
let view = null; // what is shown: Python's cues with the events it has not answered yet applied
let pending = []; // events sent and not yet answered, oldest first
let ws = null;
let regions = null;
let loop = false;
let playingCue = null; // [start, end] in seconds while a cue plays
let seq = Date.now();
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ Streamlit protocol

function post(type, extra) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...extra }, "*");
}
function send(action, fields) {
  seq += 1;
  const event = { seq, action, ...fields };
  pending.push(event);
  if (applyLocally(view, event)) draw();
  post("streamlit:setComponentValue", { value: { seq, events: pending }, dataType: "json" });
  $("status").textContent = "…";
}
window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "streamlit:render") render(event.data.args);
});
post("streamlit:componentReady", { apiVersion: 1 });

// ------------------------------------------------------------------ the cues as shown

function copyOf(a) {
  return { selected: a.selected, cues: a.cues.map((c) => ({ ...c })) };
}

// Apply one event to the shown cues as Python would; false where it changes nothing here (Python
// answers those: split, merge, insert, delete, undo, and anything it would refuse).
function applyLocally(state, event) {
  const i = state.cues.findIndex((c) => c.id === event.cue_id);
  const cue = state.cues[i];
  if (event.action === "select") {
    if (!cue) return false;
    state.selected = cue.id;
    return true;
  }
  if (!cue) return false;
  let start = cue.start, end = cue.end;
  if (event.action === "nudge") {
    if (event.edge !== "end") start += event.delta_ms;
    if (event.edge !== "start") end += event.delta_ms;
  } else if (event.action === "edge") {
    if (event.edge === "start") start = event.at_ms; else end = event.at_ms;
  } else if (event.action === "times") {
    start = event.start_ms; end = event.end_ms;
  } else if (event.action === "fields") {
    if (event.start !== undefined) { start = parseTime(event.start); if (start === null) return false; }
    if (event.end !== undefined) { end = parseTime(event.end); if (end === null) return false; }
  } else {
    return false;
  }
  const before = state.cues[i - 1], after = state.cues[i + 1];
  if (start < 0 || end <= start || end > args.duration_ms) return false;
  if ((before && start < before.end) || (after && end > after.start)) return false;
  cue.start = start; cue.end = end;
  if (event.action === "fields") setLines(cue, event);
  return true;
}

function setLines(cue, event) {
  const clean = (s) => s.normalize("NFC").split("\n").map((l) => l.split(/\s+/u).filter(Boolean).join(" ")).filter(Boolean).join("\n");
  if (event.text !== undefined) {
    const text = clean(event.text);
    if (event.second === undefined && text !== cue.text && follows(cue)) cue.second = secondLine(text);
    cue.text = text;
  }
  if (event.second !== undefined) cue.second = clean(event.second);
}

// Whether line 2 is the transliteration of line 1 (so it follows line 1's edits); an empty cue (an
// inserted one) does as the recording's other cues do. As nishabdham.review_ui.edits decides it.
const followed = new Map(); // "line 1\u0000line 2" -> bool
function follows(cue) {
  if (!cue.text && !cue.second) return view.cues.some((c) => c.text && lineTwoFollows(c));
  return lineTwoFollows(cue);
}
function lineTwoFollows(cue) {
  const key = `${cue.text}\u0000${cue.second}`;
  if (!followed.has(key)) followed.set(key, Boolean(cue.second) && cue.second === secondLine(cue.text));
  return followed.get(key);
}

// "1:02:03.456", "2:03.456", "3.456" or "3" (seconds); null when it is none of them (Python says why).
function parseTime(text) {
  const m = /^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d{1,2}(?:[.,]\d{1,3})?)\s*$/.exec(text || "");
  if (!m) return null;
  const seconds = parseFloat(m[3].replace(",", "."));
  return Math.round(((+(m[1] || 0) * 60 + +(m[2] || 0)) * 60 + seconds) * 1000);
}

function timeText(ms) {
  const h = Math.floor(ms / 3600000), m = Math.floor((ms % 3600000) / 60000), s = (ms % 60000) / 1000;
  return `${h}:${String(m).padStart(2, "0")}:${s.toFixed(3).padStart(6, "0")}`;
}

// ------------------------------------------------------------------ drawing

function render(next) {
  const first = args === null || args.audio_url !== next.audio_url;
  args = next;
  pending = pending.filter((e) => e.seq > (args.ack || 0));
  view = copyOf(args);
  for (const event of pending) applyLocally(view, event);
  if (first) create();
  else draw();
  $("status").textContent = pending.length ? "…" : args.status || "";
  post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
}

function draw() {
  syncRegions();
  showCue();
}

async function create() {
  if (ws) ws.destroy();
  drawn.clear();
  const peaks = await (await fetch(args.peaks_url)).json();
  ws = WaveSurfer.create({
    container: $("wave"),
    height: args.height || 120,
    waveColor: "#555",
    progressColor: "#333",
    cursorColor: "#d62828",
    cursorWidth: 2,
    url: args.audio_url,
    peaks: [peaks],
    duration: args.duration_ms / 1000,
    minPxPerSec: args.px_per_sec || 40,
    autoScroll: true,
    autoCenter: false,
    dragToSeek: false,
    normalize: true,
  });
  regions = ws.registerPlugin(RegionsPlugin.create());
  ws.registerPlugin(TimelinePlugin.create({ height: 16, style: { fontSize: "11px", color: "#777" } }));
  ws.on("timeupdate", (t) => {
    $("clock").textContent = clock(t * 1000);
    if (playingCue && t >= playingCue[1]) {
      if (loop) ws.setTime(playingCue[0]);
      else { ws.pause(); playingCue = null; }
    }
  });
  ws.on("play", () => ($("play").textContent = "❚❚ Pause"));
  ws.on("pause", () => ($("play").textContent = "▶ Play"));
  regions.on("region-clicked", (region, e) => {
    e.stopPropagation();
    ws.setTime(timeAt(e));
    if (region.id !== view.selected) send("select", { cue_id: region.id });
  });
  regions.on("region-updated", (region) => moved(region));
  ws.on("ready", () => { syncRegions(); reveal(true); post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 }); });
  draw();
}

function timeAt(e) {
  const box = ws.getWrapper().getBoundingClientRect();
  return Math.min(Math.max((e.clientX - box.left) / box.width, 0), 1) * ws.getDuration();
}

const drawn = new Map(); // cue id -> region (our own record: regions added before "ready" are not listed yet)
let syncing = false; // region events caused by our own updates are not edits
function syncRegions() {
  if (!regions) return;
  syncing = true;
  try { drawRegions(); } finally { syncing = false; }
  reveal(false);
}

function drawRegions() {
  const wanted = new Map(view.cues.map((c) => [c.id, c]));
  for (const [id, region] of drawn) {
    if (!wanted.has(id)) { region.remove(); drawn.delete(id); }
  }
  view.cues.forEach((cue, n) => {
    const color = cue.id === view.selected ? COLORS.selected : cue.flagged ? COLORS.flagged : COLORS.cue;
    const start = cue.start / 1000, end = cue.end / 1000;
    const label = `${n + 1}. ${cue.text.slice(0, LABEL_CHARS)}`;
    const region = drawn.get(cue.id);
    if (!region) {
      const made = regions.addRegion({ id: cue.id, start, end, color, content: label, drag: true, resize: true, minLength: 0.1 });
      made._label = label;
      drawn.set(cue.id, made);
    } else if (region.start !== start || region.end !== end || region.color !== color || region._label !== label) {
      region.setOptions({ start, end, color, content: label });
      region._label = label;
    }
  });
  for (const [id, region] of drawn) {
    if (region.element) {
      region.element.dataset.cue = id;
      region.element.classList.toggle("selected", id === view.selected);
    }
  }
}

// Bring the selected cue into view when it is off screen; never re-centre while playing.
let shown = null;
function reveal(force) {
  if (!ws || !view.selected || (shown === view.selected && !force)) return;
  shown = view.selected;
  const cue = selectedCue();
  if (!cue || ws.isPlaying()) return;
  const scroll = ws.getScroll(), width = ws.getWidth(), pxPerSec = ws.options.minPxPerSec;
  const x0 = (cue.start / 1000) * pxPerSec, x1 = (cue.end / 1000) * pxPerSec;
  if (x0 < scroll || x1 > scroll + width) ws.setScroll(Math.max(0, x0 - width / 4));
  const t = ws.getCurrentTime() * 1000;
  if (t < cue.start || t > cue.end) ws.setTime(cue.start / 1000); // the playhead goes to a cue chosen elsewhere
}

// A dragged region: snapped to its neighbours with the minimum gap, then sent as new times.
function moved(region) {
  if (syncing) return;
  const i = view.cues.findIndex((c) => c.id === region.id);
  if (i < 0) return;
  const gap = args.gap_ms;
  const lo = i > 0 ? view.cues[i - 1].end + gap : 0;
  const hi = i + 1 < view.cues.length ? view.cues[i + 1].start - gap : args.duration_ms;
  let start = Math.round(region.start * 1000), end = Math.round(region.end * 1000);
  if (start < lo) { end += lo - start; start = lo; }
  if (end > hi) { start -= end - hi; end = hi; }
  start = Math.max(start, lo);
  if (end - start < 100) { syncRegions(); return; }
  const cue = view.cues[i];
  if (start === cue.start && end === cue.end) return;
  send("times", { cue_id: region.id, start_ms: start, end_ms: end });
}

function clock(ms) {
  const m = Math.floor(ms / 60000), s = (ms % 60000) / 1000;
  return `${m}:${s.toFixed(3).padStart(6, "0")}`;
}

// ------------------------------------------------------------------ the selected cue's fields

const FIELDS = { start: "start", end: "end", line1: "text", line2: "second" };
const showing = {}; // field id -> the value it was last given (a different value is the reviewer's typing)

function fieldValue(cue, id) {
  if (id === "start" || id === "end") return timeText(cue[id]);
  return cue[FIELDS[id]] || "";
}

function showCue() {
  const cue = selectedCue();
  $("cue").hidden = !cue;
  if (!cue) return;
  const n = view.cues.indexOf(cue) + 1;
  $("cue-no").textContent = `Cue ${n} of ${view.cues.length}`;
  $("cue-no").dataset.of = cue.id;
  $("follows").textContent = follows(cue) ? "follows line 1 (ISO 15919)" : "";
  for (const id of Object.keys(FIELDS)) {
    const box = $(id), value = fieldValue(cue, id);
    const typing = document.activeElement === box && box.dataset.of === cue.id && box.value !== showing[id];
    if (!typing) box.value = value;
    box.dataset.of = cue.id; // not data-cue: that names the regions
    showing[id] = value;
  }
}

// Apply the field the reviewer is typing in, if it is one of these (before moving to another cue or
// saving, so the typing is not lost); returns its id.
function commitTyping() {
  const id = Object.keys(FIELDS).find((f) => $(f) === document.activeElement);
  if (id) commit(id);
  return id;
}

// Send what the reviewer changed in the fields (nothing when nothing changed); true when sent.
function commit(id) {
  const cue = selectedCue();
  const box = $(id);
  if (!cue || box.dataset.of !== cue.id || box.value === fieldValue(cue, id)) return false;
  send("fields", { cue_id: cue.id, [FIELDS[id]]: box.value });
  return true;
}

for (const id of Object.keys(FIELDS)) {
  const box = $(id);
  box.addEventListener("change", () => commit(id)); // leaving the field, as a form field does
  box.addEventListener("keydown", (e) => {
    const submit = e.key === "Enter" && (e.ctrlKey || e.metaKey || box.tagName === "INPUT");
    if (submit && !e.altKey) { e.preventDefault(); e.stopPropagation(); commit(id); }
    else if (e.key === "Escape") { box.value = showing[id]; box.blur(); }
  });
}

// ------------------------------------------------------------------ playing

function selectedCue() { return view && view.cues.find((c) => c.id === view.selected); }
function playCue() {
  const cue = selectedCue();
  if (!cue || !ws) return;
  const lead = args.lead_ms / 1000;
  playingCue = [Math.max(0, cue.start / 1000 - lead), Math.min(ws.getDuration(), cue.end / 1000 + lead)];
  ws.setTime(playingCue[0]);
  ws.play();
}
function toggleLoop() { loop = !loop; $("loop").classList.toggle("on", loop); }
function zoom(factor) {
  if (!ws) return;
  const next = Math.min(Math.max(ws.options.minPxPerSec * factor, 2), 1000);
  ws.zoom(next);
}
$("play").onclick = () => ws && ws.playPause();
$("play-cue").onclick = playCue;
$("loop").onclick = toggleLoop;
$("zoom-in").onclick = () => zoom(1.5);
$("zoom-out").onclick = () => zoom(1 / 1.5);

// ------------------------------------------------------------------ keyboard

const CODES = { BracketLeft: "[", BracketRight: "]", Minus: "-", Equal: "=", Comma: ",", Period: ".", Slash: "/" };
function keyName(e) {
  let key = e.code.startsWith("Key") ? e.code.slice(3).toLowerCase()
    : e.code.startsWith("Digit") ? e.code.slice(5) : CODES[e.code] || e.key;
  if (key === " ") key = "Space";
  return [e.ctrlKey || e.metaKey ? "Ctrl" : "", e.altKey ? "Alt" : "", e.shiftKey ? "Shift" : "", key].filter(Boolean).join("+");
}
function typing(target) {
  const tag = (target && target.tagName) || "";
  return tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || (target && target.isContentEditable);
}
function neighbour(step) {
  const i = view.cues.findIndex((c) => c.id === view.selected);
  return view.cues[Math.min(Math.max(i + step, 0), view.cues.length - 1)];
}
function now() { return Math.round(ws.getCurrentTime() * 1000); }

const ACTIONS = {
  "play-pause": () => ws.playPause(),
  "play-cue": playCue,
  loop: toggleLoop,
  "zoom-in": () => zoom(1.5),
  "zoom-out": () => zoom(1 / 1.5),
  "prev-cue": () => { commitTyping(); const c = neighbour(-1); if (c) send("select", { cue_id: c.id }); },
  "next-cue": () => { commitTyping(); const c = neighbour(1); if (c) send("select", { cue_id: c.id }); },
  "start-at-playhead": () => send("edge", { cue_id: view.selected, edge: "start", at_ms: now() }),
  "end-at-playhead": () => send("edge", { cue_id: view.selected, edge: "end", at_ms: now() }),
  "split-at-playhead": () => send("split", { cue_id: view.selected, at_ms: now() }),
  "merge-next": () => send("merge", { cue_id: view.selected }),
  "insert-at-playhead": () => send("insert", { at_ms: now() }),
  delete: () => send("delete", { cue_id: view.selected }),
  undo: () => send("undo", {}),
  redo: () => send("redo", {}),
  save: () => { commitTyping(); send("save", {}); }, // what is being typed is saved too
  help: () => send("help", {}),
  "apply-next": (e) => {
    const id = commitTyping(); // a field of this editor: its edit goes first, in the same batch
    if (!id) {
      const doc = e.target.ownerDocument;
      if (doc.activeElement && doc.activeElement.blur) doc.activeElement.blur(); // Streamlit applies its field
    }
    const c = neighbour(1);
    if (c) setTimeout(() => send("select", { cue_id: c.id }), id ? 0 : 150);
  },
};

function onKey(e) {
  if (!args || !ws) return;
  if (window.frameElement && !window.frameElement.isConnected) return; // this waveform left the page
  const name = keyName(e);
  let action = args.shortcuts[name];
  if (!action) return;
  if (typing(e.target) && !(e.ctrlKey || e.altKey) && action !== "apply-next") return;
  if (typing(e.target) && (action === "undo" || action === "redo")) return; // the field's own undo
  e.preventDefault();
  e.stopPropagation();
  if (action.startsWith("nudge:")) {
    const [, edge, delta] = action.split(":");
    const ms = delta.endsWith("f") ? Math.sign(parseFloat(delta)) * args.frame_ms : parseInt(delta, 10);
    send("nudge", { cue_id: view.selected, edge, delta_ms: ms });
    return;
  }
  if (ACTIONS[action]) ACTIONS[action](e);
}
window.addEventListener("keydown", onKey, true);
try {
  const top = window.parent.document;
  if (!window.parent.__nishabdhamKeys) {
    window.parent.__nishabdhamKeys = true;
    top.addEventListener("keydown", (e) => {
      try { window.parent.__nishabdhamKeyHandler(e); } catch (err) { /* a waveform that is gone */ }
    }, true);
  }
  window.parent.__nishabdhamKeyHandler = onKey; // the newest waveform handles the page's keys
} catch (err) {
  // another origin: shortcuts work while the waveform has the focus
}
