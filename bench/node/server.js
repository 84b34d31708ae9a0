// Reference Socket.IO server (npm socket.io 4.8) for bench/fanout.py: same namespace, same join protocol,
// and it broadcasts exactly the payloads the bench writes to its stdin (one JSON line: {room, event, data}).
"use strict";
const http = require("http");
const readline = require("readline");
const { Server } = require("socket.io");

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const port = Number(args.port || 8090);
const pingInterval = Number(args["ping-interval"] || 30000);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout: 20000,
  perMessageDeflate: false, // socket.io's default; stated so nobody wonders
  serveClient: false,
  transports: ["polling", "websocket"],
});
const live = io.of("/live");
const snapshots = new Map();

live.on("connection", (socket) => {
  socket.on("join", (data) => {
    const f = data && data.f;
    if (typeof f !== "string") return;
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    socket.join(`f:${f}`);
    socket.emit("clock", { now: Date.now() });
    socket.emit("snapshot", snapshots.get(f) || { f: { id: f }, rows: [] });
  });
});

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.snapshot) snapshots.set(msg.snapshot.f.id, msg.snapshot);
  if (msg.event) live.to(msg.room).emit(msg.event, msg.data);
});

httpServer.listen(port, "127.0.0.1", 4096, () => {
  process.stdout.write(`ready ${port}\n`);
});
