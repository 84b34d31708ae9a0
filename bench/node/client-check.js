// Interop check used by tests/stream/live/test_sio.py: the npm socket.io-client joins a formation on our
// server, prints the snapshot's sequence number, waits for one delta and prints it.
"use strict";
const { io } = require("socket.io-client");

const [url, fid] = process.argv.slice(2);
const socket = io(`${url}/live`, { transports: ["polling", "websocket"], reconnection: false });
const timer = setTimeout(() => { console.error("timeout"); process.exit(2); }, 20000);
socket.on("connect", () => socket.emit("join", { f: fid }));
socket.on("snapshot", (snap) => console.log(`snapshot ${snap.seq} rows=${snap.rows.length}`));
socket.on("delta", (d) => {
  console.log(`delta ${d.seq} answered=${d.rows[0].answered}`);
  clearTimeout(timer);
  socket.close();
});
socket.on("connect_error", (err) => { console.error(String(err)); process.exit(1); });
