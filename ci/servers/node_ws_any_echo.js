// Echo server for any `ws` version from 1.x to 8.x (the security matrix runs
// old ones): only the API all of them have. Defaults as each version ships
// them, since the advisories are about the defaults.
// Usage: node node_ws_any_echo.js PORT   (with `ws` resolvable via NODE_PATH)
const WebSocket = require('ws');

const wss = new WebSocket.Server({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('connection', (ws) => {
  // 8.x passes (data, isBinary); older versions a string for text.
  ws.on('message', (data, isBinary) =>
    ws.send(data, { binary: isBinary === undefined ? typeof data !== 'string' : isBinary }));
  ws.on('error', () => {});
});
