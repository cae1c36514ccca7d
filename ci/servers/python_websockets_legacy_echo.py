"""Echo server on the Python `websockets` library's old API (4.x and 5.x,
Python 3.6), for the CVE-2018-1000518 row of ci/security.sh.

Usage: python python_websockets_legacy_echo.py PORT

Those versions offer permessage-deflate by default and limit a message to
max_size (1 MiB) only after inflating it whole (4.x) or while inflating (5.0).
"""

import asyncio
import sys

import websockets


async def echo(ws, path):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


port = int(sys.argv[1])
loop = asyncio.get_event_loop()
loop.run_until_complete(websockets.serve(echo, "127.0.0.1", port))
print("websockets %s on 127.0.0.1:%d" % (websockets.version.version, port), flush=True)
loop.run_forever()
