#!/usr/bin/python3
"""The AMP load generator: a Twisted client calling vitrine's commands back to back.

    PYTHONPATH=clients/python:gen/py bench/amp_client.py --address tcp:127.0.0.1:PORT \\
        [--command ping|picture|picture-missing] [--in-flight N] [--seconds S]

- `ping`: the small command (no arguments, no answer keys).
- `picture`: UpdateInspect with a 512x512 RGBA picture, 1 MiB of img.data
  (a BigString of 17 chunks), to a window opened first with StartInspect
  and closed at the end with StopInspect. Two pictures alternate.
- `picture-missing`: the same 1 MiB UpdateInspect to a window id nobody
  opened; the answer is WINDOW_DOES_NOT_EXIST (expected, counted as a
  call). The whole box is still read and decoded.

`--in-flight N` keeps N calls outstanding on the one connection (AMP
allows it); 1 is one call at a time. The same code drives vitrine and the
Twisted baseline (bench/amp_server.py). Prints one JSON object: calls,
seconds, calls per second, and the warm-up calls made before the clock started.
"""

import argparse
import json
import time

from twisted.internet import defer, endpoints, task
from twisted.protocols import amp

from vitrine.amp_commands import StartInspect, StopInspect, UpdateInspect, WindowNotFound, ping

SIDE = 512
MISSING_WINDOW = 2 ** 40
WARMUP_CALLS = 20


def picture(shade):
    pixel = bytes([shade, 128, 255 - shade, 255])
    return {"width": SIDE, "height": SIDE, "mode": "RGBA", "data": pixel * (SIDE * SIDE)}


async def run(proto, command, in_flight, seconds):
    pictures = [picture(40), picture(200)]
    window = None
    if command == "ping":
        async def call(n):
            await proto.callRemote(ping)
    elif command == "picture":
        window = (await proto.callRemote(StartInspect, img=pictures[0], title="vitrine-bench AMP"))["inspector_id"]

        async def call(n):
            await proto.callRemote(UpdateInspect, inspector_id=window, img=pictures[n % 2])
    else:
        async def call(n):
            try:
                await proto.callRemote(UpdateInspect, inspector_id=MISSING_WINDOW, img=pictures[n % 2])
            except WindowNotFound:
                pass
            else:
                raise RuntimeError("UpdateInspect to window %d did not fail" % MISSING_WINDOW)

    for n in range(WARMUP_CALLS):
        await call(n)

    counts = [0] * in_flight

    async def loop(i):
        n = 0
        while time.monotonic() < deadline:
            await call(n)
            n += 1
        counts[i] = n

    start = time.monotonic()
    deadline = start + seconds
    await defer.gatherResults([defer.ensureDeferred(loop(i)) for i in range(in_flight)], consumeErrors=True)
    elapsed = time.monotonic() - start
    if window is not None:
        await proto.callRemote(StopInspect, inspector_id=window)
    total = sum(counts)
    return {"command": command, "in_flight": in_flight, "calls": total, "warmup_calls": WARMUP_CALLS, "seconds": round(elapsed, 4),
            "calls_per_s": round(total / elapsed, 1)}


async def main(reactor_, options):
    kind, _, rest = options.address.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        endpoint = endpoints.TCP4ClientEndpoint(reactor_, host, int(port))
    else:
        endpoint = endpoints.UNIXClientEndpoint(reactor_, rest)
    proto = await endpoints.connectProtocol(endpoint, amp.AMP())
    if kind == "tcp":
        proto.transport.setTcpNoDelay(True)
    try:
        result = await run(proto, options.command, options.in_flight, options.seconds)
    finally:
        proto.transport.loseConnection()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="tcp:HOST:PORT or unix:PATH")
    parser.add_argument("--command", choices=["ping", "picture", "picture-missing"], default="ping")
    parser.add_argument("--in-flight", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    arguments = parser.parse_args()
    task.react(lambda r: defer.ensureDeferred(main(r, arguments)))
