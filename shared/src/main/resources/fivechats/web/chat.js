// The Five Chats page: plain JavaScript, no build step. Every model serves this same page.
// Rules it keeps: text from the network is only ever set as textContent, never as HTML;
// it reconnects when the connection drops; it scrolls to new lines only if you were at the bottom.
"use strict";

const NAME = /^[A-Za-z0-9_.-]{1,32}$/;   // the server's rule; checked here so a bad name never loops on reconnect
const RETRY_FIRST_MS = 500;              // first reconnect delay, doubled on each failure ...
const RETRY_MAX_MS = 8000;               // ... up to this

const $ = (id) => document.getElementById(id);
const log = $("log");
let socket = null;
let name = null;
let online = [];                         // a list, not a set: two tabs may share a name
let retryMs = RETRY_FIRST_MS;

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

function onFrame(event) {
  const msg = JSON.parse(event.data);
  switch (msg.type) {
    case "welcome":
      online = msg.online.slice();
      retryMs = RETRY_FIRST_MS;
      setStatus("connected as " + msg.you);
      renderOnline();
      break;
    case "join":
      online.push(msg.name);
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
    case "chat":
      addLine("chat", [["from", msg.from], ["text", msg.text]]);
      break;
    case "error":
      addLine("notice", [[null, "server: " + msg.reason]]);
      break;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + "/chat?name=" + encodeURIComponent(name));
  setStatus("connecting as " + name + " ...");
  socket.onmessage = onFrame;
  socket.onclose = (event) => {
    online = [];
    renderOnline();
    const why = event.code + (event.reason ? " " + event.reason : "");
    addLine("notice", [[null, "disconnected (" + why + "); reconnecting in " + retryMs / 1000 + " s"]]);
    setStatus("disconnected");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
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
  $("message").focus();
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (text === "" || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(text);
  $("message").value = "";
});
