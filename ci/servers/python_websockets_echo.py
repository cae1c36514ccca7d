"""Echo server on the Python `websockets` library, a third-party target for wsprobe.

Usage: python python_websockets_echo.py PORT [--tls CERT KEY] [--origins ORIGIN,...]

--tls serves wss:// with that certificate; --origins serves only pages of
those origins (403 for another Origin, RFC 6455 10.2), and clients that send
no Origin (not browsers).
"""

import argparse
import asyncio
import ssl

from websockets.asyncio.server import serve


async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except Exception:
        # A protocol error ends this connection only; the server keeps serving.
        pass


async def main(args):
    tls = None
    if args.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*args.tls)
    origins = None
    if args.origins:
        origins = args.origins.split(",") + [None]
    # A 64 MiB message limit (the catalogue's largest messages are 16 MiB);
    # permessage-deflate as the library ships it (on by default).
    async with serve(
        echo, "127.0.0.1", args.port, max_size=2**26, ssl=tls, origins=origins
    ):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--origins")
    asyncio.run(main(parser.parse_args()))
