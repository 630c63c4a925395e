"""Thrift messages to and from frames, with no I/O: shared by the sync and asyncio clients.

A call is encoded with the generated client's `send_X` into memory, and
its answer decoded with `recv_X` from memory. The bytes travel as one
frame each (Thrift's framed transport: a 4-byte big-endian length, then
the message), so a client only has to write one frame and read one frame
per call, which both a blocking socket and an asyncio stream do easily.

The generated Python client neither numbers its calls nor checks the
number an answer carries. Here each call gets its own sequence id and the
answer must carry it and the method's name, so an answer that belongs to
another call is never taken for this one's.

A Codec lives as long as its client and is built for a call every few
microseconds: its protocol objects and generated clients are made once and
kept, bound to two in-memory transports of its own whose buffer is the only
thing new for each message (docs/performance.md, P5).
"""

import struct
from io import BytesIO
from typing import Any, Callable, Generic, Iterable, Optional, Tuple, TypeVar

from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport.TTransport import CReadableTransport, TTransportBase

from vitrine_thrift import Vitrine
from vitrine_thrift import ttypes

from . import errors

# A bound on an answer's size, checked before anything is allocated: a
# screenshot of a large screen weighs tens of MB; a peer that is not a
# vitrine server must not make us allocate gigabytes from 4 bytes.
MAX_ANSWER_BYTES = 256 * 1024 * 1024

HEADER = struct.Struct("!i")
# Where a frame's length goes until the message after it is written.
_LENGTH_TO_COME = bytes(HEADER.size)

# For each protocol: the accelerated class (Thrift's C extension when it is
# there, pure Python when it is not), and the same protocol in pure Python.
# Thrift 0.17's C extension copies large strings slowly (about 15 ms a
# megabyte, measured on Debian 12; the pure Python protocol hands the bytes
# object to the buffer whole: 0.2 ms), so messages carrying a bulky value
# (a picture, a long HTML document, a screenshot) go through the second.
_PROTOCOL_CLASSES = {
    "binary": (TBinaryProtocol.TBinaryProtocolAccelerated, TBinaryProtocol.TBinaryProtocol),
    "compact": (TCompactProtocol.TCompactProtocolAccelerated, TCompactProtocol.TCompactProtocol),
}
# From this size on a value counts as bulky.
BULKY_BYTES = 64 * 1024


def _bulky(values: Iterable[Any]) -> bool:
    """True when one of `values`, or a field of one (a Picture's data), is a long bytes or str."""
    for value in values:
        if isinstance(value, (bytes, bytearray, str)):
            if len(value) >= BULKY_BYTES:
                return True
        elif hasattr(value, "__dict__") and _bulky(vars(value).values()):
            return True
    return False


class OutOfStep(Exception):
    """The answer read is not the answer to the call sent."""


#: What a Call's answer is once converted (Any for a call without `convert`).
T = TypeVar("T")


class Call(Generic[T]):
    """One call of the IDL: the method, its arguments, and how to make its answer Pythonic.

    `wait` is how long the server may take on purpose before answering, in
    seconds, on top of the client's own timeout: None for nothing (it
    answers at once), a number for a dialog's or a long-poll's own timeout,
    math.inf for a wait with no bound (a question nobody has to answer in
    time).
    """

    __slots__ = ("method", "args", "convert", "wait")

    def __init__(self, method: str, args: Tuple[Any, ...] = (), convert: Optional[Callable[[Any], T]] = None,
                 wait: Optional[float] = None):
        self.method = method
        self.args = args
        self.convert = convert
        self.wait = wait

    def __repr__(self) -> str:
        return "Call(%s)" % self.method


class _MessageBuffer(TTransportBase, CReadableTransport):  # type: ignore[misc]  # Thrift has no annotations
    """An in-memory Thrift transport that holds one message at a time, to write or to read.

    A Codec keeps one for its calls and one for their answers, with the
    protocol objects bound to them; hold() puts the next message's BytesIO
    under them. The C extension reads the BytesIO itself (`cstringio_buf`).
    Not thread-safe: a Codec is used under its client's lock.
    """

    def __init__(self) -> None:
        self.hold(BytesIO())

    def hold(self, buffer: BytesIO) -> None:
        """Makes `buffer` the message written to or read from (reading starts at its position)."""
        self._buffer = buffer
        # The protocols call these for every field they write or read: bound
        # to the BytesIO itself, they cost no Python frame of their own.
        self.write = buffer.write
        self.read = buffer.read

    def readAll(self, size: int) -> bytes:
        data = self._buffer.read(size)
        if len(data) != size:
            raise EOFError("the message ends %d bytes early" % (size - len(data)))
        return data

    def isOpen(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    @property
    def cstringio_buf(self) -> BytesIO:
        return self._buffer

    def cstringio_refill(self, partialread: bytes, reqlen: int) -> BytesIO:
        raise EOFError("the message ends early")  # the whole message is in memory: there is nothing more


def _answer_protocol(protocol_class: Any) -> type:
    """A subclass of `protocol_class` whose readMessageBegin accepts only the answer expected.

    The generated `recv_X` reads the message header itself; checking it
    there reads it once, and refuses an answer to another call before its
    body is read as this call's.
    """

    def __init__(self: Any, trans: Any) -> None:
        protocol_class.__init__(self, trans)
        self.expected = ("", -1)  # (method, sequence id), set by Codec.decode

    def readMessageBegin(self: Any) -> Tuple[str, int, int]:
        name, kind, seqid = protocol_class.readMessageBegin(self)
        method, expected_seqid = self.expected
        if seqid != expected_seqid or name != method:
            raise OutOfStep("expected the answer to %s #%d, got %s #%d" % (method, expected_seqid, name, seqid))
        if kind != TMessageType.REPLY and kind != TMessageType.EXCEPTION:
            raise OutOfStep("expected an answer, got a message of type %d" % kind)
        return name, kind, seqid

    return type("Answer" + protocol_class.__name__, (protocol_class,),
                {"__init__": __init__, "readMessageBegin": readMessageBegin, "__doc__": _answer_protocol.__doc__})


_ANSWER_PROTOCOLS = {cls: _answer_protocol(cls) for classes in _PROTOCOL_CLASSES.values() for cls in classes}


class Codec:
    """Encodes calls into frames and decodes answers for one connection (one protocol).

    Not thread-safe: the sync client uses it under its lock, the asyncio
    client under its asyncio.Lock. An error while encoding or decoding
    leaves it ready for the next call.
    """

    def __init__(self, protocol: str = "binary"):
        try:
            self._classes = _PROTOCOL_CLASSES[protocol]
        except KeyError:
            raise errors.InvalidArgument("protocol must be 'binary' or 'compact', not %r" % (protocol,)) from None
        self.protocol = protocol
        self._seqid = 0
        self._calls = _MessageBuffer()
        self._answers = _MessageBuffer()
        self._bind()

    def _bind(self) -> None:
        """Makes the protocol objects and the generated clients over the two buffers.

        Again after an error: the compact protocol keeps a state (where in a
        message it is) that a message broken off would leave behind.
        """
        accelerated, plain = self._classes
        self._fast_answers = _ANSWER_PROTOCOLS[accelerated](self._answers)
        self._fast = Vitrine.Client(self._fast_answers, accelerated(self._calls))
        # The same bytes on the wire, faster for big values.
        self._plain_answers = _ANSWER_PROTOCOLS[plain](self._answers)
        self._plain = Vitrine.Client(self._plain_answers, plain(self._calls))

    def encode(self, call: "Call[Any]") -> Tuple[int, bytes]:
        """(sequence id, the whole frame) for `call`."""
        self._seqid = seqid = (self._seqid + 1) & 0x7FFFFFFF
        buffer = BytesIO()
        buffer.write(_LENGTH_TO_COME)
        self._calls.hold(buffer)
        client = self._plain if _bulky(call.args) else self._fast
        client._seqid = seqid
        try:
            getattr(client, "send_" + call.method)(*call.args)
        except BaseException:
            self._bind()
            raise
        length = buffer.tell() - HEADER.size
        buffer.seek(0)
        buffer.write(HEADER.pack(length))
        return seqid, buffer.getvalue()  # the BytesIO's own bytes, not a copy

    def decode(self, call: "Call[Any]", seqid: int, message: bytes) -> Any:
        """The result of `call` from its answer's message (the frame's body).

        Raises the exception the IDL declares when the server sent one,
        TApplicationException, a Thrift protocol error, or OutOfStep.
        """
        if len(message) >= BULKY_BYTES:
            client, reader = self._plain, self._plain_answers
        else:
            client, reader = self._fast, self._fast_answers
        self._answers.hold(BytesIO(message))  # shares `message`, no copy
        reader.expected = (call.method, seqid)
        try:
            return getattr(client, "recv_" + call.method)()
        except BaseException:
            self._bind()
            raise


def frame_length(header: bytes) -> int:
    """The body length a frame header (its first 4 bytes) announces; OutOfStep when it is out of bounds."""
    length: int = HEADER.unpack_from(header)[0]
    if length <= 0 or length > MAX_ANSWER_BYTES:
        raise OutOfStep("the server announced an answer of %d bytes" % length)
    return length


# The exceptions the IDL declares, as the package's own.
def translate(error: Exception) -> Exception:
    """The vitrine.errors exception for a Thrift exception the IDL declares or a TApplicationException.

    Anything else is returned unchanged.
    """
    if isinstance(error, ttypes.DialogCanceled):
        reason = ttypes.CloseReason._VALUES_TO_NAMES.get(error.reason, str(error.reason))
        return errors.DialogCanceled(error.message or "the dialog was closed without an answer", reason)
    if isinstance(error, ttypes.WindowNotFound):
        return errors.WindowNotFound(error.message or "no window %s is open" % error.windowId, error.windowId)
    if isinstance(error, ttypes.InvalidArgument):
        return errors.InvalidArgument(error.message)
    if isinstance(error, ttypes.LimitExceeded):
        return errors.LimitExceeded(error.message)
    if isinstance(error, ttypes.NotAllowed):
        return errors.NotAllowed(error.message)
    if isinstance(error, TApplicationException):
        message = error.message or ""
        # A request over the server's --max-frame: the server says so, then closes the connection.
        if error.type == TApplicationException.PROTOCOL_ERROR and message.startswith(FRAME_LIMIT_PREFIX):
            return errors.LimitExceeded(message[len(FRAME_LIMIT_PREFIX):].strip())
        return errors.ServerError("the server could not run the call: %s" % (message or error))
    return error


#: How the server's answer to a request over --max-frame begins (a TApplicationException).
FRAME_LIMIT_PREFIX = "LimitExceeded:"

DECLARED = (ttypes.DialogCanceled, ttypes.WindowNotFound, ttypes.InvalidArgument, ttypes.LimitExceeded,
            ttypes.NotAllowed)


def timed_out(address: object, seconds: Optional[float]) -> errors.Timeout:
    return errors.Timeout("no answer from the vitrine server at %s within %s s; the connection was dropped "
                          "(the next call opens a new one)" % (address, seconds))


def lost(address: object, why: str) -> errors.ConnectionLost:
    return errors.ConnectionLost("lost the connection to the vitrine server at %s during the call (%s); "
                                 "the next call opens a new one" % (address, why))


def decode_answer(codec: "Codec", call: Call[T], seqid: int, message: bytes, address: object,
                  drop: Callable[[], None]) -> T:
    """The result of `call`, or the package's exception for the answer. `drop()` closes the
    connection; it is called for every answer but the exceptions the IDL declares, which are
    the server's answer read in full and leave the connection in step."""
    try:
        result = codec.decode(call, seqid, message)
    except DECLARED as error:
        raise translate(error) from None
    except TApplicationException as error:
        drop()
        raise translate(error) from None
    except OutOfStep as error:
        drop()
        raise lost(address, "the answer was out of step: %s" % error) from None
    except Exception as error:  # whatever the protocol code raises on bytes it cannot decode
        drop()
        raise errors.ConnectionLost("could not decode the answer of the vitrine server at %s (%s: %s); is it a "
                                    "vitrine server speaking the %s protocol?"
                                    % (address, type(error).__name__, error, codec.protocol)) from None
    if call.convert is not None:
        return call.convert(result)
    converted: T = result  # no conversion: the generated result is the answer
    return converted
