"""Thrift messages to and from frames, with no I/O: shared by the sync and asyncio clients.

A call is encoded with the generated client's `send_X` into an in-memory
transport, and its answer decoded with `recv_X` from another. The bytes
travel as one frame each (Thrift's framed transport: a 4-byte big-endian
length, then the message), so a client only has to write one frame and
read one frame per call, which both a blocking socket and an asyncio
stream do easily.

The generated Python client neither numbers its calls nor checks the
number an answer carries. Here each call gets its own sequence id and the
answer must carry it and the method's name, so an answer that belongs to
another call is never taken for this one's.
"""

import struct
from typing import Any, Callable, Optional, Tuple

from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport.TTransport import TMemoryBuffer

from vitrine_thrift import Vitrine
from vitrine_thrift import ttypes

from . import errors

# A bound on an answer's size, checked before anything is allocated: a
# screenshot of a large screen weighs tens of MB; a peer that is not a
# vitrine server must not make us allocate gigabytes from 4 bytes.
MAX_ANSWER_BYTES = 256 * 1024 * 1024

HEADER = struct.Struct("!i")

_PROTOCOLS = {
    # The accelerated protocols use Thrift's C extension when it is there,
    # and fall back to pure Python when it is not.
    "binary": TBinaryProtocol.TBinaryProtocolAcceleratedFactory(),
    "compact": TCompactProtocol.TCompactProtocolAcceleratedFactory(),
}
# The same protocols in pure Python. Thrift 0.17's C extension copies large
# strings slowly (about 15 ms a megabyte, measured on Debian 12; the pure
# Python protocol hands the bytes object to the buffer whole: 0.2 ms), so
# messages carrying a bulky value (a picture, a long HTML document, a
# screenshot) go through these.
_PLAIN_PROTOCOLS = {
    "binary": TBinaryProtocol.TBinaryProtocolFactory(),
    "compact": TCompactProtocol.TCompactProtocolFactory(),
}
# From this size on a value counts as bulky.
BULKY_BYTES = 64 * 1024


def _bulky(values) -> bool:
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


class Call:
    """One call of the IDL: the method, its arguments, and how to make its answer Pythonic.

    `wait` is how long the server may take on purpose before answering, in
    seconds, on top of the client's own timeout: None for nothing (it
    answers at once), a number for a dialog's or a long-poll's own timeout,
    math.inf for a wait with no bound (a question nobody has to answer in
    time).
    """

    __slots__ = ("method", "args", "convert", "wait")

    def __init__(self, method: str, args: Tuple = (), convert: Optional[Callable[[Any], Any]] = None,
                 wait: Optional[float] = None):
        self.method = method
        self.args = args
        self.convert = convert
        self.wait = wait

    def __repr__(self) -> str:
        return "Call(%s)" % self.method


class Codec:
    """Encodes calls into frames and decodes answers for one connection (one protocol)."""

    def __init__(self, protocol: str = "binary"):
        try:
            self._factory = _PROTOCOLS[protocol]
        except KeyError:
            raise errors.InvalidArgument("protocol must be 'binary' or 'compact', not %r" % (protocol,)) from None
        self._bulk_factory = _PLAIN_PROTOCOLS[protocol]  # the same bytes on the wire, faster for big values
        self.protocol = protocol
        self._seqid = 0

    def encode(self, call: Call) -> Tuple[int, bytes]:
        """(sequence id, the whole frame) for `call`."""
        self._seqid = (self._seqid + 1) & 0x7FFFFFFF
        buffer = TMemoryBuffer()
        factory = self._bulk_factory if _bulky(call.args) else self._factory
        client = Vitrine.Client(factory.getProtocol(buffer))
        client._seqid = self._seqid
        getattr(client, "send_" + call.method)(*call.args)
        message = buffer.getvalue()
        return self._seqid, HEADER.pack(len(message)) + message

    def decode(self, call: Call, seqid: int, message: bytes) -> Any:
        """The result of `call` from its answer's message (the frame's body).

        Raises the exception the IDL declares when the server sent one,
        TApplicationException, a Thrift protocol error, or OutOfStep.
        """
        name, kind, answer_seqid = self._factory.getProtocol(TMemoryBuffer(message)).readMessageBegin()
        if answer_seqid != seqid or name != call.method:
            raise OutOfStep("expected the answer to %s #%d, got %s #%d" % (call.method, seqid, name, answer_seqid))
        if kind not in (TMessageType.REPLY, TMessageType.EXCEPTION):
            raise OutOfStep("expected an answer, got a message of type %d" % kind)
        factory = self._bulk_factory if len(message) >= BULKY_BYTES else self._factory
        client = Vitrine.Client(factory.getProtocol(TMemoryBuffer(message)))
        return getattr(client, "recv_" + call.method)()


def frame_length(header: bytes) -> int:
    """The body length a frame header announces; OutOfStep when it is out of bounds."""
    (length,) = HEADER.unpack(header)
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
    if isinstance(error, TApplicationException):
        return errors.ServerError("the server could not run the call: %s" % (error.message or error))
    return error


DECLARED = (ttypes.DialogCanceled, ttypes.WindowNotFound, ttypes.InvalidArgument, ttypes.LimitExceeded)


def timed_out(address, seconds) -> errors.Timeout:
    return errors.Timeout("no answer from the vitrine server at %s within %s s; the connection was dropped "
                          "(the next call opens a new one)" % (address, seconds))


def lost(address, why: str) -> errors.ConnectionLost:
    return errors.ConnectionLost("lost the connection to the vitrine server at %s during the call (%s); "
                                 "the next call opens a new one" % (address, why))


def decode_answer(codec: Codec, call: Call, seqid: int, message: bytes, address, drop: Callable[[], None]) -> Any:
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
    return call.convert(result) if call.convert is not None else result
