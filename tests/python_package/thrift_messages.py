"""Thrift messages as the generated client writes them, for the wire-level tests of the package."""

from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport.TTransport import TMemoryBuffer

from vitrine_thrift import Vitrine

#: The accelerated protocol classes the bare generated client would use, by name.
ACCELERATED = {
    "binary": TBinaryProtocol.TBinaryProtocolAccelerated,
    "compact": TCompactProtocol.TCompactProtocolAccelerated,
}


def call_message(protocol, seqid, method, *args):
    """The message the generated client writes for a call of `method` with `args` (no frame)."""
    buffer = TMemoryBuffer()
    client = Vitrine.Client(ACCELERATED[protocol](buffer))
    client._seqid = seqid
    getattr(client, "send_" + method)(*args)
    return buffer.getvalue()
