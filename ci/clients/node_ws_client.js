// A Node `ws` client under test: connect to the URL given (one wsprobe
// case), echo every message, exit when the connection closes. For a wss://
// case it trusts the CA file given second (wsprobe's `{ca}`), and only it.
//
//   wsprobe test-client -- node ci/clients/node_ws_client.js {url} {ca}
const fs = require('fs');
const WebSocket = require('ws');

// permessage-deflate on, as by default for a ws client (the client/deflate/
// cases need the offer); messages under its 1 KiB threshold go uncompressed.
// Node's defaults otherwise: certificate and host name checked, SNI sent.
const ca = process.argv[3] ? fs.readFileSync(process.argv[3]) : undefined;
const ws = new WebSocket(process.argv[2], { maxPayload: 0, ca });
ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
ws.on('error', (e) => console.error(`client: ${e.message}`));
ws.on('close', () => process.exit(0));
