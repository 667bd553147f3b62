// The benchmark's outside reference: a plain Node `ws` broadcast server speaking the Five Chats protocol,
// so the same load generator measures it the same way. One event loop, so writes never overlap.
"use strict";
const { WebSocketServer } = require("ws");

const flag = process.argv.indexOf("--port");
const port = flag >= 0 ? Number(process.argv[flag + 1]) : 8080;
const wss = new WebSocketServer({ host: "127.0.0.1", port, path: "/chat", maxPayload: 4096 });
const clients = new Map(); // socket -> name
const quiet = new Set(); // sockets that connected with presence=off: no join or leave frames

function toAll(frame, except, presence) {
  for (const socket of clients.keys()) if (socket !== except && !(presence && quiet.has(socket))) socket.send(frame);
}

wss.on("connection", (socket, request) => {
  const query = new URL(request.url, "http://peer").searchParams;
  const name = query.get("name") || "anonymous";
  if (query.get("presence") === "off") quiet.add(socket);
  let seq = 0; // this sender's lines, from 1, as the protocol says
  // Presence off trims the welcome too, as the transport does: the list of everyone is presence.
  const online = quiet.has(socket) ? [name] : [...clients.values(), name];
  socket.send(JSON.stringify({ type: "welcome", you: name, online }));
  toAll(JSON.stringify({ type: "join", name }), null, true);
  clients.set(socket, name);
  socket.on("message", (data) => toAll(JSON.stringify({ type: "chat", from: name, seq: ++seq, text: data.toString() })));
  socket.on("close", () => {
    clients.delete(socket);
    quiet.delete(socket);
    toAll(JSON.stringify({ type: "leave", name }), null, true);
  });
});

wss.on("listening", () => console.log(`listening on http://127.0.0.1:${wss.address().port}/`));
process.on("SIGTERM", () => {
  for (const socket of clients.keys()) socket.close(1001, "server shutting down");
  wss.close(() => process.exit(0));
});
