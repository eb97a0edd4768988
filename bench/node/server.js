// node-socketio: socket.io 4 with its Redis adapter, defaults, on the system
// `node` — the fastest mainstream choice, as a bench peer next to
// python-socketio (bench/peers/socketio_server.py does the same in Python).
// Subscribers connect with auth {sub: 1} and join the room "board"; a
// publisher's "pub" event is emitted to that room through the adapter (JSON,
// socket.io's default). The adapter's default: the emitting node delivers to
// its own sockets at once and publishes to Redis for the others.
//
//   node bench/node/server.js --port P --redis-url redis://… | unix:///path
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

function redisOptions(url) {
  // node-redis takes a Unix socket as socket.path, not as a URL.
  return url.startsWith("unix://") ? { socket: { path: url.slice("unix://".length) } } : { url };
}

async function main() {
  const port = Number(arg("--port"));
  const pub = createClient(redisOptions(arg("--redis-url")));
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const server = http.createServer();
  const io = new Server(server, { transports: ["websocket"], adapter: createAdapter(pub, sub) });
  io.on("connection", (socket) => {
    if (socket.handshake.auth && socket.handshake.auth.sub) socket.join("board");
    socket.on("pub", (data) => io.to("board").emit("card", data));
  });
  server.listen(port, "127.0.0.1");
  const stop = () => {
    io.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
