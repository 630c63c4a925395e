"""Fixtures for the AMP suite: the real vitrine-server with an AMP listener, Twisted as the peer.

Twisted's reactor runs once per session in a background thread. A test hands
it work (a callRemote) and gets a concurrent.futures.Future back, so it can
wait for an answer with a deadline, or check that an answer has not come yet.
Next to the Twisted peers there are raw-socket peers (RawPeer) for checking
the bytes on the wire and for misbehaving on purpose, and a Thrift client
(gen/py) for housekeeping and for checking that Thrift is unaffected.

No test sleeps to synchronise: answers are waited for through Futures,
events through a queue, and window states by polling with a deadline.
"""

import concurrent.futures
import queue
import socket
import struct
import threading
import time

import pytest
from twisted.internet import defer
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.protocols import amp

import vitrine_test_support as support
from vitrine.amp_commands import Event, listWindows
from vitrine_test_support import TIMEOUT, wait_until

# A skip is a failure here: a test that cannot find what it needs must not pass unrun.
pytest_plugins = ["vitrine_no_skips"]


# ---------------------------------------------------------------- the server

class Server(support.Server):
    """A vitrine-server child process: Thrift on a private Unix socket, AMP on a free loopback port.

    The AMP listener is amp_address ("tcp:127.0.0.1:N") and amp_port.
    """

    amp = "tcp:127.0.0.1:0"
    directory_prefix = "vitrine-amp-"


# ---------------------------------------------------------------- Twisted in a thread

class Loop:
    """Twisted's reactor running in a daemon thread; work goes in with submit() and comes back as a Future."""

    def __init__(self):
        from twisted.internet import reactor
        self.reactor = reactor
        self.thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False},
                                       name="twisted-reactor", daemon=True)
        self.thread.start()

    def submit(self, function, *args, **kwargs):
        """Calls function(*args, **kwargs) in the reactor thread; returns a Future of its (Deferred) result."""
        future = concurrent.futures.Future()

        def start():
            deferred = defer.maybeDeferred(function, *args, **kwargs)
            deferred.addCallbacks(future.set_result, lambda failure: future.set_exception(failure.value))

        self.reactor.callFromThread(start)
        return future

    def call(self, function, *args, **kwargs):
        """submit() and wait for the result (at most TIMEOUT seconds)."""
        return self.submit(function, *args, **kwargs).result(TIMEOUT)

    def stop(self):
        self.reactor.callFromThread(self.reactor.stop)
        self.thread.join(TIMEOUT)


class VitrinePeer(amp.AMP):
    """An AMP connection to vitrine that answers the Event commands vitrine pushes, and keeps them.

    `events` holds each Event's arguments (as the generated Event class
    parses them); `event_boxes` every raw Event box, to show in a failure.
    """

    def __init__(self):
        super().__init__()
        self.events = queue.Queue()
        self.event_boxes = []
        self.lost = threading.Event()

    def ampBoxReceived(self, box):
        if box.get(b"_command") == b"Event":
            self.event_boxes.append(dict(box))
        super().ampBoxReceived(box)

    @Event.responder
    def event(self, **fields):
        self.events.put(fields)
        return {}

    def connectionLost(self, reason):
        super().connectionLost(reason)
        self.lost.set()


class Peer:
    """A blocking face for a VitrinePeer: call() waits for an answer, submit() returns a Future."""

    def __init__(self, loop, protocol):
        self.loop = loop
        self.protocol = protocol

    def submit(self, command, **arguments):
        """Sends `command` now; returns a Future of its answer (a dict) or of its error."""
        return self.loop.submit(self.protocol.callRemote, command, **arguments)

    def call(self, command, **arguments):
        """Sends `command` and waits (at most TIMEOUT seconds) for its answer; raises its error."""
        return self.submit(command, **arguments).result(TIMEOUT)

    def next_event(self, predicate=lambda event: True, timeout=TIMEOUT):
        """The next pushed event (dropping the ones before it) that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = self.protocol.events.get(timeout=max(remaining, 0))
            except queue.Empty:
                raise AssertionError("no matching event within %ss; Event boxes received: %r"
                                     % (timeout, self.protocol.event_boxes)) from None
            if predicate(event):
                return event

    def drain_events(self):
        """Every event received so far and not yet taken."""
        events = []
        while True:
            try:
                events.append(self.protocol.events.get_nowait())
            except queue.Empty:
                return events

    def open_window_ids(self, kind=None):
        """Ids of the open windows but the stage (only those of WindowKind `kind` when given), via listWindows."""
        return {w["id"] for w in self.call(listWindows)["result"] if w["id"] != 0 and kind in (None, w["kind"])}

    def wait_for_new_window(self, kind, known):
        """Polls listWindows until a window of WindowKind `kind` whose id is not in `known` is open; returns its id."""

        def new_windows():
            return self.open_window_ids(kind) - set(known)

        (window_id,) = wait_until(new_windows, message="a new %s window" % kind)
        return window_id

    def close(self):
        if not self.protocol.lost.is_set():
            self.loop.reactor.callFromThread(self.protocol.transport.loseConnection)
            assert self.protocol.lost.wait(TIMEOUT), "the AMP connection did not close"


def connect_peer(loop, port):
    """A new Twisted AMP connection to 127.0.0.1:`port`, as a Peer."""
    protocol = loop.call(lambda: connectProtocol(TCP4ClientEndpoint(loop.reactor, "127.0.0.1", port), VitrinePeer()))
    return Peer(loop, protocol)


# ---------------------------------------------------------------- AMP by hand

def encode_box(box):
    """The wire bytes of a box given as a dict (or pairs) of bytes, in the order given; no checks."""
    items = box.items() if isinstance(box, dict) else box
    out = b"".join(struct.pack("!H", len(k)) + k + struct.pack("!H", len(v)) + v for k, v in items)
    return out + b"\x00\x00"


def decode_boxes(data):
    """The boxes (dicts of bytes) in `data`, which must end at a box's end."""
    boxes, box, at = [], {}, 0
    while at < len(data):
        (key_length,) = struct.unpack_from("!H", data, at)
        at += 2
        if key_length == 0:
            boxes.append(box)
            box = {}
            continue
        key = data[at:at + key_length]
        (value_length,) = struct.unpack_from("!H", data, at + key_length)
        at += key_length + 2
        box[key] = data[at:at + value_length]
        at += value_length
    assert not box, "data ends inside a box"
    return boxes


class RawPeer:
    """AMP spoken by hand over a plain socket: exact bytes out, boxes (dicts of bytes) in."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.pending = b""

    def send(self, *boxes):
        """Sends each box (a dict of bytes) in one write."""
        self.sock.sendall(b"".join(encode_box(box) for box in boxes))

    def send_bytes(self, data):
        self.sock.sendall(data)

    def _take(self, count):
        while len(self.pending) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.pending += chunk
        data, self.pending = self.pending[:count], self.pending[count:]
        return data

    def receive(self):
        """The next box the server sends, as a dict; a repeated key fails the test."""
        box = {}
        while True:
            (key_length,) = struct.unpack("!H", self._take(2))
            if key_length == 0:
                return box
            key = self._take(key_length)
            (value_length,) = struct.unpack("!H", self._take(2))
            assert key not in box, "key %r twice in one box" % key
            box[key] = self._take(value_length)

    def receive_answer(self, tag):
        """Receives boxes until the one answering (or failing) `tag`; returns (that box, the boxes before it)."""
        before = []
        while True:
            box = self.receive()
            if tag in (box.get(b"_answer"), box.get(b"_error")):
                return box, before
            before.append(box)

    def closed_by_server(self):
        """Reads until the server closes the connection: True then; False if it is still open after TIMEOUT."""
        try:
            while self.sock.recv(65536):
                pass
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        return True

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def loop():
    running = Loop()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def server():
    """One headless server for the session (test_xvfb.py overrides it with one on Xvfb)."""
    s = Server("--size", "320x240", "--load-timeout", "20000")
    yield s
    assert s.stop() == 0


@pytest.fixture
def connect(loop, server):
    """connect() opens one more Twisted AMP connection to the server; all are closed after the test."""
    peers = []

    def open_peer():
        peers.append(connect_peer(loop, server.amp_port))
        return peers[-1]

    yield open_peer
    for peer in peers:
        peer.close()


@pytest.fixture
def peer(connect):
    """A Twisted AMP connection to the server."""
    return connect()


@pytest.fixture
def raw(server):
    """raw() opens a hand-driven AMP socket to the server; all are closed after the test."""
    sockets = []

    def open_raw():
        sockets.append(RawPeer(server.amp_port))
        return sockets[-1]

    yield open_raw
    for s in sockets:
        s.close()


@pytest.fixture
def thrift(server):
    """A Thrift client (gen/py) on the same server."""
    client, transport = server.connect(timeout_ms=TIMEOUT * 1000)
    yield client
    transport.close()


@pytest.fixture
def tidy_windows(server):
    """After the test, closes what it left open and checks that only the stage remains."""
    yield
    support.leave_only_the_stage(server, timeout_ms=TIMEOUT * 1000)


#: A name no other test uses (letters, digits and '-').
unique = support.name_maker("amp")


# ---------------------------------------------------------------- Xvfb

@pytest.fixture(scope="module")
def desktop(xserver):
    """xdotool on the Xvfb display, to answer PyGraphics' dialogs by typing."""
    return support.Desktop(xserver)


@pytest.fixture(scope="module")
def xserver():
    """An Xvfb display; yields its DISPLAY string."""
    with support.xvfb_display() as display:
        yield display
