"""The PyGraphics-style command classes on their own, without a server: what they put on the wire.

These check the test suite's own PyGraphics client (mediawindows_commands)
against Twisted's AMP, so that a failure of the server tests cannot be
blamed on a client that sends something else than PyGraphics does.
"""

from PIL import Image
from twisted.internet.testing import StringTransport
from twisted.protocols import amp

from conftest import decode_boxes
from mediawindows_commands import CHUNK_SIZE, BigString, Say, StartInspect, StopInspect, WindowDoesNotExist


def sent_by(command, **arguments):
    """The boxes a Twisted AMP connection writes for callRemote(command, ...), and the connection."""
    proto = amp.AMP()
    transport = StringTransport()
    proto.makeConnection(transport)
    deferred = proto.callRemote(command, **arguments)
    return decode_boxes(transport.value()), proto, deferred


def test_a_picture_over_64k_goes_out_as_pilimage_keys_with_a_second_data_chunk():
    """StartInspect of a 90000-byte picture is img.width/height/mode and img.data split at 65535 into img.data.2."""
    image = Image.new("RGB", (200, 150), (1, 2, 3))
    (box,), _, _ = sent_by(StartInspect, img=image, inspectable=True)
    assert set(box) == {b"_command", b"_ask", b"img.width", b"img.height", b"img.mode", b"img.data", b"img.data.2",
                        b"inspectable"}
    assert (box[b"_command"], box[b"_ask"]) == (b"StartInspect", b"1")
    assert (box[b"img.width"], box[b"img.height"], box[b"img.mode"]) == (b"200", b"150", b"RGB")
    assert len(box[b"img.data"]) == CHUNK_SIZE
    assert box[b"img.data"] + box[b"img.data.2"] == image.tobytes()
    assert box[b"inspectable"] == b"True"


def test_bigstring_chunks_at_exactly_65535_bytes():
    """65535 bytes fit one key; one byte more opens `text.2`; an empty text is one empty key."""
    (exact,), _, _ = sent_by(Say, text=b"x" * CHUNK_SIZE)
    assert b"text.2" not in exact
    (over,), _, _ = sent_by(Say, text=b"x" * (CHUNK_SIZE + 1))
    assert (len(over[b"text"]), over[b"text.2"]) == (CHUNK_SIZE, b"x")
    (empty,), _, _ = sent_by(Say, text=b"")
    assert empty[b"text"] == b""


def test_bigstring_reads_chunks_until_one_is_missing():
    """Reading stops at the first missing `name.N`: a later chunk is not part of the value."""
    objects = {}
    BigString().fromBox(b"text", {b"text": b"ab", b"text.2": b"cd", b"text.4": b"zz"}, objects, None)
    assert objects == {"text": b"abcd"}


class _FakeMediaWindows(amp.AMP):
    """A stand-in server that records what StartInspect and StopInspect receive."""

    def __init__(self):
        super().__init__()
        self.received = []

    @StartInspect.responder
    def start(self, img, inspectable):
        self.received.append((img.size, img.mode, img.tobytes(), inspectable))
        return {"inspector_id": 5}

    @StopInspect.responder
    def stop(self, inspector_id):
        raise WindowDoesNotExist("no window %d" % inspector_id)


def test_a_twisted_responder_reads_back_the_picture_and_the_answer_and_error_come_back():
    """A Twisted responder decodes the same picture; its answer and its declared error reach the caller."""
    image = Image.new("RGB", (200, 150), (7, 8, 9))
    image.putpixel((199, 149), (250, 251, 252))  # in the second chunk
    server, server_transport = _FakeMediaWindows(), StringTransport()
    server.makeConnection(server_transport)
    _, client, answered = sent_by(StartInspect, img=image, inspectable=False)
    server.dataReceived(client.transport.value())
    assert server.received == [((200, 150), "RGB", image.tobytes(), False)]
    assert decode_boxes(server_transport.value()) == [{b"_answer": b"1", b"inspector_id": b"5"}]
    client.dataReceived(server_transport.value())
    assert answered.result == {"inspector_id": 5}

    client.transport.clear()
    server_transport.clear()
    failures = []
    client.callRemote(StopInspect, inspector_id=3).addErrback(failures.append)
    server.dataReceived(client.transport.value())
    (error,) = decode_boxes(server_transport.value())
    assert (error[b"_error"], error[b"_error_code"]) == (b"2", b"WINDOW_DOES_NOT_EXIST")
    client.dataReceived(server_transport.value())
    assert len(failures) == 1 and failures[0].check(WindowDoesNotExist)
