// Echo server on faye-websocket (websocket-driver, websocket-extensions),
// a target of the security matrix (ci/security.sh).
// Usage: node faye_echo.js PORT   (with faye-websocket resolvable via NODE_PATH)
const http = require('http');
const WebSocket = require('faye-websocket');

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
server.on('upgrade', (req, socket, body) => {
  if (!WebSocket.isWebSocket(req)) return socket.destroy();
  const ws = new WebSocket(req, socket, body);
  ws.on('message', (event) => ws.send(event.data));
});
server.listen(Number(process.argv[2]), '127.0.0.1');
