// engine.io echo server for the security rows: node engine_io_echo.js PORT,
// with NODE_PATH pointing at the pinned engine.io. It serves /engine.io/
// (the default path) on 127.0.0.1 and echoes every message; other paths
// get 404, and other upgrades go to engine.io's destroyUpgrade (1 s).
const http = require("http");
const eio = require("engine.io");
const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const engine = eio.attach(server);
engine.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
server.listen(port, "127.0.0.1", () => console.log(`engine.io on 127.0.0.1:${port}`));
