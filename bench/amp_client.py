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

The client is made as cheap as Twisted allows, so that the figure measures
the servers rather than this one Python process (docs/performance.md):

- Each request box is encoded once, before the clock starts, with the
  generated command classes (`vitrine.amp_commands`, `Command.makeArguments`:
  exactly the bytes `callRemote` would send). A call writes those bytes
  behind its own `_ask` key with one `transport.write`.
- glibc keeps freed memory for reuse (see keep_freed_memory): a fresh
  1 MiB buffer per call would otherwise cost this process more than either
  server spends on the call.
- Answers are parsed by Twisted's own box parser (`amp.BinaryBoxProtocol`)
  and matched to their ask by `_answer` / `_error`; their values are not
  decoded further (the answers of these commands are empty or one integer).
"""

import argparse
import ctypes
import ctypes.util
import json
import struct
import time

from twisted.internet import defer, endpoints, task
from twisted.protocols import amp

from vitrine.amp_commands import StartInspect, StopInspect, UpdateInspect, ping

SIDE = 512
MISSING_WINDOW = 2 ** 40
WARMUP_CALLS = 20


def keep_freed_memory():
    """Asks glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel.

    Each 1 MiB box is a fresh bytes object; by default glibc maps such a
    block with mmap and unmaps it when it is freed, so every call faults in
    256 new pages. On the shared virtual machines here that made this
    client, not the server it measures, cost over 10 ms a call. Only this
    process is affected (the servers run with their defaults).
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if hasattr(libc, "mallopt"):
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)


class RemoteAmpError(Exception):
    """An `_error` answer: its code and description."""

    def __init__(self, code, description):
        super().__init__("%s: %s" % (code.decode("ascii", "replace"), description.decode("utf-8", "replace")))
        self.code = code


class BenchClient(amp.BinaryBoxProtocol):
    """Sends pre-encoded request boxes and hands each answer box to the Deferred of its ask."""

    def __init__(self):
        super().__init__(self)  # it is its own box receiver
        self._pending = {}
        self._next_tag = 0

    # IBoxReceiver
    def startReceivingBoxes(self, sender):
        pass

    def ampBoxReceived(self, box):
        if b"_answer" in box:
            self._pending.pop(box[b"_answer"]).callback(box)
        elif b"_error" in box:
            self._pending.pop(box[b"_error"]).errback(
                RemoteAmpError(box.get(b"_error_code", b""), box.get(b"_error_description", b"")))

    def stopReceivingBoxes(self, reason):
        pending, self._pending = self._pending, {}
        for d in pending.values():
            d.errback(reason)

    def ask(self, body):
        """Sends `body` (a serialised box without `_ask`) under a new tag; fires with the answer box."""
        self._next_tag += 1
        tag = b"%x" % self._next_tag
        d = defer.Deferred()
        self._pending[tag] = d
        # AMP keys may come in any order: the tag goes first, the pre-encoded keys after it.
        self.transport.write(b"\x00\x04_ask" + struct.pack("!H", len(tag)) + tag + body)
        return d


def encode(proto, command, **arguments):
    """The box `proto.callRemote(command, **arguments)` would send, serialised, without its `_ask`."""
    box = command.makeArguments(arguments, proto)
    box[b"_command"] = command.commandName
    return box.serialize()


def picture(shade):
    pixel = bytes([shade, 128, 255 - shade, 255])
    return {"width": SIDE, "height": SIDE, "mode": "RGBA", "data": pixel * (SIDE * SIDE)}


async def run(proto, command, in_flight, seconds):
    pictures = [picture(40), picture(200)]
    window = None
    if command == "ping":
        bodies = [encode(proto, ping)]
        expected_error = None
    elif command == "picture":
        answer = await proto.ask(encode(proto, StartInspect, img=pictures[0], title="vitrine-bench AMP"))
        window = int(answer[b"inspector_id"])
        bodies = [encode(proto, UpdateInspect, inspector_id=window, img=p) for p in pictures]
        expected_error = None
    else:
        bodies = [encode(proto, UpdateInspect, inspector_id=MISSING_WINDOW, img=p) for p in pictures]
        expected_error = b"WINDOW_DOES_NOT_EXIST"

    async def call(n):
        try:
            await proto.ask(bodies[n % len(bodies)])
        except RemoteAmpError as e:
            if e.code != expected_error:
                raise
        else:
            if expected_error is not None:
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
        await proto.ask(encode(proto, StopInspect, inspector_id=window))
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
    proto = await endpoints.connectProtocol(endpoint, BenchClient())
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
    keep_freed_memory()
    task.react(lambda r: defer.ensureDeferred(main(r, arguments)))
