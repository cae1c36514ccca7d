"""Echo server on aiohttp's WebSocketResponse, a third-party target for wsprobe.

Usage: python aiohttp_echo.py PORT

permessage-deflate on (aiohttp's `compress=True`, its default), a 64 MiB
message limit (the catalogue's largest messages are 16 MiB); text is echoed
as text, binary as binary.
"""

import sys

from aiohttp import WSMsgType, web


async def echo(request):
    ws = web.WebSocketResponse(compress=True, max_msg_size=2**26)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        elif msg.type == WSMsgType.ERROR:
            break
    return ws


if __name__ == "__main__":
    app = web.Application()
    app.router.add_get("/", echo)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
