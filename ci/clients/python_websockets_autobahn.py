"""The Autobahn|Testsuite client protocol, as client libraries' own test
scripts drive it, here with Python `websockets` against `wsprobe
serve-cases`: ask for the case count, run every case (echoing), then ask
for the reports.

    python ci/clients/python_websockets_autobahn.py ws://127.0.0.1:9001 AGENT
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException


async def main(base, agent):
    async with connect(f"{base}/getCaseCount") as ws:
        count = int(await ws.recv())
    for case in range(1, count + 1):
        try:
            async with connect(
                f"{base}/runCase?case={case}&agent={agent}", max_size=64 * 2**20, compression=None, ping_interval=None
            ) as ws:
                async for message in ws:
                    await ws.send(message)
        except (WebSocketException, OSError):
            pass
    async with connect(f"{base}/updateReports?agent={agent}") as ws:
        print(await ws.recv())


asyncio.run(main(sys.argv[1], sys.argv[2]))
