"""vitrine._wire: the bytes of a call do not depend on which Thrift protocol code wrote them.

Thrift's C extension is slow with large values, so the package encodes and
decodes messages with a bulky value (a picture, a long document, a big
screenshot) in pure Python instead; these tests hold that both paths write
and read exactly the same bytes. No server is needed.
"""

import pytest
from thrift.Thrift import TMessageType
from thrift.transport.TTransport import TMemoryBuffer

from thrift_messages import ACCELERATED, call_message
from vitrine import _wire
from vitrine_thrift import Vitrine
from vitrine_thrift.ttypes import Picture, PixelFormat, PushHtml, SayOptions


@pytest.mark.parametrize("protocol", ["binary", "compact"])
@pytest.mark.parametrize("call", [
    _wire.Call("updatePicture", (3, Picture(1920, 1080, PixelFormat.RGBA, bytes(range(256)) * 32400))),
    _wire.Call("postHtml", (PushHtml("menu", "<p>é</p>" * 20000),)),
    _wire.Call("say", ("short", SayOptions())),
])
def test_a_call_is_the_same_bytes_whichever_path_encodes_it(protocol, call):
    codec = _wire.Codec(protocol)
    seqid, frame = codec.encode(call)
    message = call_message(protocol, seqid, call.method, *call.args)
    assert frame == _wire.HEADER.pack(len(message)) + message


@pytest.mark.parametrize("protocol", ["binary", "compact"])
def test_a_large_answer_decodes_to_the_same_value(protocol):
    png = bytes(range(256)) * 40000  # 10 MB
    buffer = TMemoryBuffer()
    writer = ACCELERATED[protocol](buffer)
    writer.writeMessageBegin("screenshot", TMessageType.REPLY, 9)
    Vitrine.screenshot_result(success=png).write(writer)
    writer.writeMessageEnd()
    codec = _wire.Codec(protocol)
    assert codec.decode(_wire.Call("screenshot", (0,)), 9, buffer.getvalue()) == png
