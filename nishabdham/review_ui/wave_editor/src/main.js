// The review UI's waveform editor: a Streamlit component (plain postMessage protocol, no React).
// Shows the recording with one region per cue; click to seek and select, drag edges and whole cues
// (snapped to the minimum gap), playhead, zoom, play a cue with lead-in/out, loop, keyboard shortcuts.
// Every change is sent to Python as an event ({seq, action, ...}); Python applies it with the same
// edit function as the form and the table, and sends the cues back.
import WaveSurfer from "wavesurfer.js";
import RegionsPlugin from "wavesurfer.js/dist/plugins/regions.esm.js";
import TimelinePlugin from "wavesurfer.js/dist/plugins/timeline.esm.js";

const COLORS = { cue: "rgba(74, 118, 226, 0.16)", flagged: "rgba(245, 140, 40, 0.22)", selected: "rgba(74, 118, 226, 0.42)" };
let args = null;
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
  post("streamlit:setComponentValue", { value: { seq, action, ...fields }, dataType: "json" });
  $("status").textContent = "…";
}
window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "streamlit:render") render(event.data.args);
});
post("streamlit:componentReady", { apiVersion: 1 });

// ------------------------------------------------------------------ drawing

function render(next) {
  const first = args === null || args.audio_url !== next.audio_url;
  args = next;
  if (first) create();
  else syncRegions();
  $("status").textContent = args.status || "";
  post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
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
    if (region.id !== args.selected) send("select", { cue_id: region.id });
  });
  regions.on("region-updated", (region) => moved(region));
  ws.on("ready", () => { syncRegions(); reveal(true); post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 }); });
  syncRegions();
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
  const wanted = new Map(args.cues.map((c) => [c.id, c]));
  for (const [id, region] of drawn) {
    if (!wanted.has(id)) { region.remove(); drawn.delete(id); }
  }
  for (const cue of args.cues) {
    const color = cue.id === args.selected ? COLORS.selected : cue.flagged ? COLORS.flagged : COLORS.cue;
    const start = cue.start / 1000, end = cue.end / 1000;
    const region = drawn.get(cue.id);
    if (!region) {
      const made = regions.addRegion({ id: cue.id, start, end, color, content: cue.label, drag: true, resize: true, minLength: 0.1 });
      made._label = cue.label;
      drawn.set(cue.id, made);
    } else if (region.start !== start || region.end !== end || region.color !== color || region._label !== cue.label) {
      region.setOptions({ start, end, color, content: cue.label });
      region._label = cue.label;
    }
  }
  for (const [id, region] of drawn) {
    if (region.element) {
      region.element.dataset.cue = id;
      region.element.classList.toggle("selected", id === args.selected);
    }
  }
}

// Bring the selected cue into view when it is off screen; never re-centre while playing.
let shown = null;
function reveal(force) {
  if (!ws || !args.selected || (shown === args.selected && !force)) return;
  shown = args.selected;
  const cue = args.cues.find((c) => c.id === args.selected);
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
  const i = args.cues.findIndex((c) => c.id === region.id);
  if (i < 0) return;
  const gap = args.gap_ms;
  const lo = i > 0 ? args.cues[i - 1].end + gap : 0;
  const hi = i + 1 < args.cues.length ? args.cues[i + 1].start - gap : args.duration_ms;
  let start = Math.round(region.start * 1000), end = Math.round(region.end * 1000);
  if (start < lo) { end += lo - start; start = lo; }
  if (end > hi) { start -= end - hi; end = hi; }
  start = Math.max(start, lo);
  if (end - start < 100) { syncRegions(); return; }
  const cue = args.cues[i];
  if (start === cue.start && end === cue.end) return;
  syncing = true;
  try { region.setOptions({ start: start / 1000, end: end / 1000 }); } finally { syncing = false; }
  send("times", { cue_id: region.id, start_ms: start, end_ms: end });
}

function clock(ms) {
  const m = Math.floor(ms / 60000), s = (ms % 60000) / 1000;
  return `${m}:${s.toFixed(3).padStart(6, "0")}`;
}

// ------------------------------------------------------------------ playing

function selectedCue() { return args && args.cues.find((c) => c.id === args.selected); }
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
  const i = args.cues.findIndex((c) => c.id === args.selected);
  return args.cues[Math.min(Math.max(i + step, 0), args.cues.length - 1)];
}
function now() { return Math.round(ws.getCurrentTime() * 1000); }

const ACTIONS = {
  "play-pause": () => ws.playPause(),
  "play-cue": playCue,
  loop: toggleLoop,
  "zoom-in": () => zoom(1.5),
  "zoom-out": () => zoom(1 / 1.5),
  "prev-cue": () => { const c = neighbour(-1); if (c) send("select", { cue_id: c.id }); },
  "next-cue": () => { const c = neighbour(1); if (c) send("select", { cue_id: c.id }); },
  "start-at-playhead": () => send("edge", { cue_id: args.selected, edge: "start", at_ms: now() }),
  "end-at-playhead": () => send("edge", { cue_id: args.selected, edge: "end", at_ms: now() }),
  "split-at-playhead": () => send("split", { cue_id: args.selected, at_ms: now() }),
  "merge-next": () => send("merge", { cue_id: args.selected }),
  "insert-at-playhead": () => send("insert", { at_ms: now() }),
  delete: () => send("delete", { cue_id: args.selected }),
  undo: () => send("undo", {}),
  redo: () => send("redo", {}),
  save: () => send("save", {}),
  help: () => send("help", {}),
  "apply-next": (e) => {
    const doc = e.target.ownerDocument;
    if (doc.activeElement && doc.activeElement.blur) doc.activeElement.blur(); // Streamlit applies the field
    const c = neighbour(1);
    setTimeout(() => c && send("select", { cue_id: c.id }), 150);
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
    send("nudge", { cue_id: args.selected, edge, delta_ms: ms });
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
