// The Five Chats page: plain JavaScript, no build step. Every model serves this same page.
// Rules it keeps: text from the network is only ever set as textContent, never as HTML;
// it reconnects when the connection drops, and in a cluster on Redis Streams asks for the lines it missed (since=the
// id of the last line it got); it scrolls to new lines only if you were at the bottom.
// What it shows so that a break can be seen: each line's per-sender seq, a red mark on a line that arrives out of
// order or after a gap, and the server's own counters (GET /stats) beside the chat.
"use strict";

const NAME = /^[A-Za-z0-9_.-]{1,32}$/;   // the server's rule; checked here so a bad name never loops on reconnect
const RETRY_FIRST_MS = 500;              // first reconnect delay, doubled on each failure ...
const RETRY_MAX_MS = 8000;               // ... up to this
const STATS_EVERY_MS = 1000;             // how often the server's counters are fetched while you are in the chat
const ALARMS = ["concurrentWrites", "jettyRefusals", "evictions", "dropped", "modelThreadDeaths"]; // > 0 is news

const $ = (id) => document.getElementById(id);
const log = $("log");
const encoder = new TextEncoder();
let socket = null;
let name = null;
let online = [];                         // a list, not a set: two tabs may share a name
let retryMs = RETRY_FIRST_MS;
let maxMessageBytes = 4096;              // the transport's default, until /stats says otherwise
const lastSeq = new Map();               // sender -> highest seq seen: a sender's lines must arrive 1, 2, 3 ...
const skipped = new Map();               // sender -> seqs jumped over and not arrived since: late is not lost
const seen = { reordered: 0, lost: 0 };  // lost: skipped seqs of a connection that has ended (they can never come)
let lastId = null;                       // the stream id of the newest line received (clustered, streams mode only)
let resuming = false;                    // this connection asked for what the last one missed

function setStatus(text) { $("status").textContent = text; }

function atBottom() { return log.scrollTop + log.clientHeight >= log.scrollHeight - 4; }

function addLine(className, parts) {
  const stick = atBottom();
  const p = document.createElement("p");
  p.className = className;
  for (const [cls, text] of parts) {
    const span = document.createElement("span");
    if (cls) span.className = cls;
    span.textContent = text;
    p.appendChild(span);
  }
  log.appendChild(p);
  if (stick) log.scrollTop = log.scrollHeight;
}

function renderOnline() {
  const ul = $("online");
  ul.replaceChildren(...[...online].sort().map((n) => {
    const li = document.createElement("li");
    li.textContent = n === name ? n + " (you)" : n;
    return li;
  }));
  $("online-count").textContent = String(online.length);
}

function showCount(id, value, alarm) {
  $(id).textContent = String(value);
  $(id).classList.toggle("alarm", alarm && value > 0);
}

// What is wrong with this line's place in its sender's sequence, or null. The first line seen from a sender sets
// the start (you may join mid-conversation); a join starts a new connection, whose seq starts again at 1.
// A line that fills a gap later is counted out of order, and no longer missing.
function checkSeq(from, seq) {
  if (seq === 1 && lastSeq.has(from)) forgetSeqs(from); // a new connection of a sender met before (heard while away)
  const last = lastSeq.get(from);
  lastSeq.set(from, Math.max(last ?? 0, seq));
  if (last === undefined || seq === last + 1) return null;
  if (seq > last + 1) {
    const gap = skipped.get(from) ?? new Set();
    for (let s = last + 1; s < seq; s++) gap.add(s);
    skipped.set(from, gap);
    showMissing();
    return "gap: #" + (last + 1) + (seq - 1 > last + 1 ? "-#" + (seq - 1) : "") + " not received";
  }
  skipped.get(from)?.delete(seq);
  showMissing();
  seen.reordered += 1;
  showCount("seen-reordered", seen.reordered, true);
  return "out of order: arrived after #" + last;
}

// A sender's seq starts again at 1 on a new connection: what its old one skipped can never arrive now.
function forgetSeqs(from) {
  seen.lost += skipped.get(from)?.size ?? 0;
  skipped.delete(from);
  lastSeq.delete(from);
}

function showMissing() {
  let missing = seen.lost;
  for (const gap of skipped.values()) missing += gap.size;
  showCount("seen-missing", missing, true);
}

function onFrame(event) {
  const msg = JSON.parse(event.data);
  switch (msg.type) {
    case "welcome":
      online = msg.online.slice();
      if (!resuming) [...lastSeq.keys()].forEach(forgetSeqs); // resuming: the lines missed come next, in sequence
      retryMs = RETRY_FIRST_MS;
      setStatus("connected as " + msg.you);
      renderOnline();
      break;
    case "join":
      online.push(msg.name);
      forgetSeqs(msg.name);
      addLine("presence", [[null, msg.name + " joined"]]);
      renderOnline();
      break;
    case "leave": {
      const i = online.indexOf(msg.name);
      if (i >= 0) online.splice(i, 1);
      addLine("presence", [[null, msg.name + " left"]]);
      renderOnline();
      break;
    }
    case "chat": {
      if (msg.id) lastId = msg.id;
      const problem = checkSeq(msg.from, msg.seq);
      const parts = [["from", msg.from], ["seq", "#" + msg.seq], ["text", msg.text]];
      addLine(problem ? "chat broken" : "chat", problem ? [...parts, ["mark", problem]] : parts);
      break;
    }
    case "resumed":
      addLine("notice", [[null, "back: " + msg.lines + " line" + (msg.lines === 1 ? "" : "s") + " you missed, above"]]);
      break;
    case "gap": // what was missed could not all be sent: the lines still missing stay counted in "lines missing"
      addLine("chat broken", [["mark", "not every line you missed could be sent: " + msg.reason]]);
      break;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  resuming = lastId !== null;
  socket = new WebSocket(scheme + location.host + "/chat?name=" + encodeURIComponent(name)
    + (resuming ? "&since=" + encodeURIComponent(lastId) : ""));
  setStatus("connecting as " + name + " ...");
  socket.onmessage = onFrame;
  socket.onclose = (event) => {
    online = [];
    renderOnline();
    const why = event.code + (event.reason ? " " + event.reason : "");
    addLine("notice", [[null, "disconnected (" + why + "); reconnecting in " + retryMs / 1000 + " s"]]);
    setStatus(event.code === 1008 ? "evicted: " + (event.reason || "too slow") : "disconnected");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
}

async function refreshStats() {
  try {
    const response = await fetch("/stats", { cache: "no-store" });
    if (!response.ok) return;
    const stats = await response.json();
    maxMessageBytes = stats.maxMessageBytes;
    $("serving").textContent = "served by " + stats.model
      + (stats.raceWindowMs > 0 ? ", race window " + stats.raceWindowMs + " ms" : "")
      + (stats.detector === "report" ? ", detector reports only" : "");
    for (const key of ["connections", "queued", ...ALARMS]) {
      showCount("stat-" + key, stats[key], ALARMS.includes(key));
    }
  } catch (e) {
    // The server is down or restarting; the socket's own status line says so.
  }
}

$("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const candidate = $("name").value.trim();
  if (!NAME.test(candidate)) {
    $("join-error").textContent = "Use 1-32 characters: letters, digits, _ . -";
    $("join-error").hidden = false;
    return;
  }
  name = candidate;
  $("join-form").hidden = true;
  $("chat").hidden = false;
  connect();
  refreshStats();
  setInterval(refreshStats, STATS_EVERY_MS);
  $("message").focus();
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (text === "" || !socket || socket.readyState !== WebSocket.OPEN) return;
  // The server's limit is in UTF-8 bytes, not characters: a longer line would close the connection with 1009.
  const bytes = encoder.encode(text).length;
  $("send-error").hidden = bytes <= maxMessageBytes;
  if (bytes > maxMessageBytes) {
    $("send-error").textContent = "Too long: " + bytes + " bytes; the server takes at most " + maxMessageBytes
      + " (UTF-8 bytes, so an é counts 2 and a € 3). Nothing was sent.";
    return;
  }
  socket.send(text);
  $("message").value = "";
});
