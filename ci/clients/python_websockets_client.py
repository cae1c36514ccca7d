"""A Python `websockets` client under test: connect to the URL given (one
wsprobe case), echo every message, exit when the connection closes. For a
wss:// case it trusts the CA file given second (wsprobe's `{ca}`), and only it.

    wsprobe test-client -- python ci/clients/python_websockets_client.py {url} {ca}
"""

import asyncio
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException


async def main(url, ca):
    # The default context: certificate and host name checked, SNI sent.
    tls = ssl.create_default_context(cafile=ca) if url.startswith("wss:") else None
    try:
        # 64 MiB, as the servers under test are configured: the 1 MiB case fits.
        # permessage-deflate is on, as by default (`permessage-deflate;
        # client_max_window_bits`): the client/deflate/ cases need the offer.
        async with connect(url, max_size=64 * 2**20, ssl=tls) as ws:
            async for message in ws:
                await ws.send(message)
    except (WebSocketException, OSError) as e:
        # A refused or failed connection is what some cases ask for.
        print(f"client: {type(e).__name__}: {e}", file=sys.stderr)


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
