"""Echo server on Autobahn|Python (asyncio), a third-party target for wsprobe:
the library behind Autobahn|Testsuite, with permessage-deflate accepted.

Usage: python autobahn_python_echo.py PORT
"""

import asyncio
import sys

import txaio

txaio.use_asyncio()

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, is_binary):
        self.sendMessage(payload, is_binary)


def accept(offers):
    # The first permessage-deflate offer, as offered.
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


def main(port):
    factory = WebSocketServerFactory(f"ws://127.0.0.1:{port}")
    factory.protocol = Echo
    factory.setProtocolOptions(perMessageCompressionAccept=accept)
    # The loop txaio already picked (a new one would never run its callbacks).
    loop = asyncio.get_event_loop()
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", port))
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
