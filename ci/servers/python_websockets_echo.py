"""Echo server on the Python `websockets` library, a third-party target for wsprobe.

Usage: python python_websockets_echo.py PORT
"""

import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except Exception:
        # A protocol error ends this connection only; the server keeps serving.
        pass


async def main(port):
    # A 64 MiB message limit (the catalogue's largest messages are 16 MiB);
    # permessage-deflate as the library ships it (on by default).
    async with serve(echo, "127.0.0.1", port, max_size=2**26):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
