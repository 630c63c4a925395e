"""The call path of the clients: a Codec reused for every call, and frames as a socket delivers them.

The Codec keeps its protocol objects and generated clients for the life of
a connection, and the sync client reads an answer with as few recv calls
as it can and keeps its timeouts in the kernel (docs/performance.md, P5).
These tests hold that none of that shows: answers split anywhere, answers
followed by bytes nobody asked for, broken messages, and a server that
stops reading behave as they always did. The servers here are scripted
fakes on a Unix socket; no vitrine server is needed.
"""

import asyncio
import socket
import struct
import threading

import pytest
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TMessageType
from thrift.transport.TTransport import TMemoryBuffer

import vitrine
import vitrine.aio
from thrift_messages import ACCELERATED, call_message
from vitrine import _wire
from vitrine_thrift import DisplayManager, Vitrine, ttypes


def answer_message(protocol, seqid, method, result, kind=TMessageType.REPLY):
    """The message a server writes back: `result` is the method's generated X_result."""
    buffer = TMemoryBuffer()
    writer = ACCELERATED[protocol](buffer)
    writer.writeMessageBegin(method, kind, seqid)
    result.write(writer)
    writer.writeMessageEnd()
    return buffer.getvalue()


def frame(message):
    return _wire.HEADER.pack(len(message)) + message


# ---------------------------------------------------------------- the Codec, reused

@pytest.mark.parametrize("protocol", ["binary", "compact"])
def test_one_codec_encodes_call_after_call_as_the_generated_client_does(protocol):
    codec = _wire.Codec(protocol)
    picture = ttypes.Picture(64, 64, ttypes.PixelFormat.RGBA, bytes(range(256)) * 64)
    calls = [_wire.Call("ping"), _wire.Call("say", ("hello", ttypes.SayOptions(title="t"))),
             _wire.Call("updatePicture", (3, ttypes.Picture(1920, 1080, ttypes.PixelFormat.RGBA, bytes(8294400)))),
             _wire.Call("showPicture", (picture, ttypes.PictureOptions())), _wire.Call("ping")]
    for expected_seqid, call in enumerate(calls, start=1):
        seqid, sent = codec.encode(call)
        assert seqid == expected_seqid
        assert sent == frame(call_message(protocol, seqid, call.method, *call.args))


@pytest.mark.parametrize("protocol", ["binary", "compact"])
def test_a_call_that_cannot_be_encoded_leaves_the_codec_ready_for_the_next(protocol):
    codec = _wire.Codec(protocol)
    with pytest.raises(Exception):
        codec.encode(_wire.Call("say", ("text", ttypes.SayOptions(timeoutMs="soon"))))  # broken off mid-message
    seqid, sent = codec.encode(_wire.Call("say", ("text", ttypes.SayOptions(timeoutMs=5))))
    assert sent == frame(call_message(protocol, seqid, "say", "text", ttypes.SayOptions(timeoutMs=5)))


@pytest.mark.parametrize("protocol", ["binary", "compact"])
def test_answers_out_of_step_broken_or_declared_leave_the_codec_ready_for_the_next(protocol):
    codec = _wire.Codec(protocol)
    whats_loaded = _wire.Call("whatsLoaded")
    good = answer_message(protocol, 7, "whatsLoaded", DisplayManager.whatsLoaded_result(success="menu"))

    with pytest.raises(_wire.OutOfStep, match="#7, got whatsLoaded #6"):
        codec.decode(whats_loaded, 7, answer_message(protocol, 6, "whatsLoaded",
                                                     DisplayManager.whatsLoaded_result(success="old")))
    with pytest.raises(_wire.OutOfStep, match="got currentUrl"):
        codec.decode(whats_loaded, 7, answer_message(protocol, 7, "currentUrl",
                                                     DisplayManager.currentUrl_result(success="x")))
    with pytest.raises(_wire.OutOfStep, match="type"):
        codec.decode(whats_loaded, 7, answer_message(protocol, 7, "whatsLoaded", DisplayManager.whatsLoaded_result(),
                                                     kind=TMessageType.ONEWAY))
    with pytest.raises(Exception):
        codec.decode(whats_loaded, 7, good[:-3])  # cut short in the middle of the string
    assert codec.decode(whats_loaded, 7, good) == "menu"

    missing = ttypes.WindowNotFound(message="no window 4", windowId=4)
    with pytest.raises(ttypes.WindowNotFound):
        codec.decode(_wire.Call("closeWindow", (4,)), 8,
                     answer_message(protocol, 8, "closeWindow", Vitrine.closeWindow_result(notFound=missing)))
    png = bytes(range(256)) * 1000  # bulky: the pure-Python protocol reads it
    assert codec.decode(_wire.Call("screenshot", (0,)), 9,
                        answer_message(protocol, 9, "screenshot", Vitrine.screenshot_result(success=png))) == png
    assert codec.decode(whats_loaded, 7, good) == "menu"


# ---------------------------------------------------------------- a scripted server

class FakeServer:
    """A Unix socket whose connections are served by `answer(connection, method, seqid)` in a thread.

    `answer` returns the bytes to send back (or None to send nothing and keep
    reading); without `answer` the connections are accepted and never read.
    `connections` counts the connections accepted.
    """

    def __init__(self, path, answer):
        self.path = str(path)
        self.answer = answer
        self.connections = 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return "unix:" + self.path

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(connection)
            if self.answer is not None:
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        try:
            while True:
                header = self._read(connection, 4)
                message = self._read(connection, struct.unpack("!i", header)[0])
                name, _, seqid = TBinaryProtocol.TBinaryProtocol(TMemoryBuffer(message)).readMessageBegin()
                reply = self.answer(connection, name, seqid)
                if reply is not None:
                    connection.sendall(reply)
        except (OSError, EOFError):
            pass

    @staticmethod
    def _read(connection, size):
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def close(self):
        self.listener.close()
        for connection in self.open:
            connection.close()


@pytest.fixture
def fake_server(tmp_path):
    servers = []

    def start(answer):
        server = FakeServer(tmp_path / ("fake-%d.sock" % len(servers)), answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def reply(seqid, method, result):
    return frame(answer_message("binary", seqid, method, result))


def send_in_pieces(connection, data, cuts):
    """Sends `data` cut at `cuts`, each piece on its own, so that the client reads it in as many recvs."""
    start = 0
    for cut in list(cuts) + [len(data)]:
        connection.sendall(data[start:cut])
        start = cut
        threading.Event().wait(0.01)  # lets the client's recv return with what is there


def test_an_answer_split_anywhere_is_read_whole(fake_server):
    png = bytes(range(256)) * 1200  # longer than the client's first read
    pieces = {"whatsLoaded": [1, 3, 6], "screenshot": [2, 4, 70000, 200000]}

    def answer(connection, method, seqid):
        result = (DisplayManager.whatsLoaded_result(success="menu") if method == "whatsLoaded"
                  else Vitrine.screenshot_result(success=png))
        send_in_pieces(connection, reply(seqid, method, result), pieces[method])

    server = fake_server(answer)
    with vitrine.connect(server.address, timeout=10) as client:
        assert client.whats_loaded() == "menu"
        assert client.screenshot() == png
        assert client.whats_loaded() == "menu"
    assert server.connections == 1


def test_bytes_after_the_answer_make_the_next_call_use_a_new_connection(fake_server):
    def answer(connection, method, seqid):
        return reply(seqid, "whatsLoaded", DisplayManager.whatsLoaded_result(success="menu")) + b"\0\0\0\5stray"

    server = fake_server(answer)
    with vitrine.connect(server.address, timeout=10) as client:
        assert client.whats_loaded() == "menu"  # the answer itself is fine
        assert client.whats_loaded() == "menu"
    assert server.connections == 2


def test_an_answer_that_never_comes_times_out_and_drops_the_connection(fake_server):
    def answer(connection, method, seqid):
        if method == "whatsLoaded":
            return None  # never answers
        return reply(seqid, "ping", Vitrine.ping_result())

    server = fake_server(answer)
    client = vitrine.connect(server.address, timeout=0.2)
    with pytest.raises(vitrine.Timeout, match="within 0.2 s"):
        client.whats_loaded()
    assert not client.connected
    client.ping()
    assert server.connections == 2
    client.disconnect()


def test_a_server_that_does_not_read_times_out_the_send(fake_server):
    server = fake_server(None)
    client = vitrine.connect(server.address, timeout=0.3)
    picture = ttypes.Picture(1920, 1080, ttypes.PixelFormat.RGBA, bytes(8294400))  # far more than a socket buffers
    with pytest.raises(vitrine.Timeout):
        client.call("updatePicture", 1, picture)
    assert not client.connected


def test_the_asyncio_client_reads_split_answers_and_times_out(fake_server):
    def answer(connection, method, seqid):
        if method == "whatsLoaded":
            send_in_pieces(connection, reply(seqid, method, DisplayManager.whatsLoaded_result(success="menu")), [2, 9])
            return None
        return None  # ping: never answered

    server = fake_server(answer)

    async def main():
        async with vitrine.aio.connect(server.address, timeout=0.2) as client:
            assert await client.whats_loaded() == "menu"
            assert await client.whats_loaded() == "menu"
            with pytest.raises(vitrine.Timeout):
                await client.ping()
            assert not client.connected
            assert await client.whats_loaded() == "menu"

    asyncio.run(main())
    assert server.connections == 2
