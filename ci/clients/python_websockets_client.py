"""A Python `websockets` client under test: connect to the URL given (one
wsprobe case), echo every message, exit when the connection closes.

    wsprobe test-client -- python ci/clients/python_websockets_client.py {url}
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException


async def main(url):
    try:
        # 64 MiB, as the servers under test are configured: the 1 MiB case fits.
        # permessage-deflate is on, as by default (`permessage-deflate;
        # client_max_window_bits`): the client/deflate/ cases need the offer.
        async with connect(url, max_size=64 * 2**20) as ws:
            async for message in ws:
                await ws.send(message)
    except (WebSocketException, OSError) as e:
        # A refused or failed connection is what some cases ask for.
        print(f"client: {type(e).__name__}: {e}", file=sys.stderr)


asyncio.run(main(sys.argv[1]))
