// Echo server on Node's `ws` library, a third-party target for wsprobe.
// Usage: node node_ws_echo.js PORT   (with `ws` resolvable via NODE_PATH)
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
// permessage-deflate on (ws has it off by default), for the RFC 7692 cases. 64 MiB so the 16 MiB cases fit.
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: true, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  // A protocol error closes this connection only.
  ws.on('error', () => {});
});
