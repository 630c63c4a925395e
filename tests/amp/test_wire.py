"""AMP's wire rules as vitrine must honour them, and what a broken peer costs: only its own connection.

Raw sockets here: the point is the exact bytes, which Twisted would never
get wrong on purpose.
"""

import struct

import pytest

from conftest import encode_box
from vitrine.amp_commands import ping

pytestmark = pytest.mark.usefixtures("tidy_windows")


# ---------------------------------------------------------------- asks and answers

def test_a_command_without_ask_gets_no_reply_not_even_an_error(raw):
    """Commands without `_ask` (a valid one, an unknown one, one missing its argument) are never answered:
    the first box back answers the ping sent after them."""
    conn = raw()
    conn.send({b"_command": b"PollInspect", b"inspector_id": b"1"},
              {b"_command": b"Foo"},
              {b"_command": b"PollInspect"},
              {b"_command": b"ping", b"_ask": b"2"})
    assert conn.receive() == {b"_answer": b"2"}


def test_tags_are_echoed_byte_for_byte(raw):
    """Any tag comes back exactly: decimal as ampy sends, hex as Twisted sends, and arbitrary bytes."""
    conn = raw()
    for tag in (b"0", b"1", b"ff", b"007", b"a tag with spaces", bytes(range(1, 40)), b"x" * 300):
        conn.send({b"_command": b"ping", b"_ask": tag})
        assert conn.receive() == {b"_answer": tag}


def test_key_order_is_free(raw):
    """Keys in any order (tag last, command in the middle) are read the same."""
    conn = raw()
    conn.send_bytes(encode_box([(b"inspector_id", b"987654321"), (b"_command", b"PollInspect"), (b"_ask", b"z")]))
    assert conn.receive() == {b"_answer": b"z", b"is_closed": b"True"}


def test_unknown_extra_keys_are_ignored(raw):
    """A request with keys the command does not know is answered as if they were not there."""
    conn = raw()
    conn.send({b"_command": b"PollInspect", b"_ask": b"1", b"inspector_id": b"987654321", b"colour": b"blue"})
    assert conn.receive() == {b"_answer": b"1", b"is_closed": b"True"}


def test_a_box_split_across_many_writes_is_read_whole(raw):
    """A box sent one byte at a time is one ask, answered once."""
    conn = raw()
    for byte in encode_box({b"_command": b"ping", b"_ask": b"slow"}):
        conn.send_bytes(bytes([byte]))
    assert conn.receive() == {b"_answer": b"slow"}


def test_a_key_of_exactly_255_bytes_is_accepted(raw):
    """The longest legal key (255 bytes), unknown to ping, is ignored and the ping answered."""
    conn = raw()
    conn.send({b"_command": b"ping", b"_ask": b"k", b"k" * 255: b"ignored"})
    assert conn.receive() == {b"_answer": b"k"}


def test_a_value_of_exactly_65535_bytes_is_accepted(raw):
    """The longest legal value (65535 bytes), under an unknown key, is accepted and the ping answered."""
    conn = raw()
    conn.send({b"_command": b"ping", b"_ask": b"v", b"padding": b"v" * 65535})
    assert conn.receive() == {b"_answer": b"v"}


# ---------------------------------------------------------------- broken peers

def key_of_256_bytes():
    """The start of a box whose first key claims 256 bytes: something no AMP peer may send."""
    return struct.pack("!H", 256) + b"k" * 256 + struct.pack("!H", 1) + b"v" + b"\x00\x00"


@pytest.mark.parametrize("garbage", [key_of_256_bytes(), b"\x00\x00", b"\xff\xff" + b"k" * 100],
                         ids=["key-of-256-bytes", "empty-box", "key-length-65535"])
def test_a_broken_peer_loses_only_its_own_connection(server, raw, peer, thrift, garbage):
    """After garbage the server closes that connection (the raw socket reads EOF), while another AMP
    connection opened before, a new AMP connection and a Thrift client are all still answered."""
    bystander = raw()
    assert peer.call(ping) == {}
    offender = raw()
    offender.send_bytes(garbage)
    assert offender.closed_by_server(), "the connection that sent garbage is still open"
    assert peer.call(ping) == {}
    bystander.send({b"_command": b"ping", b"_ask": b"still"})
    assert bystander.receive() == {b"_answer": b"still"}
    latecomer = raw()
    latecomer.send({b"_command": b"ping", b"_ask": b"new"})
    assert latecomer.receive() == {b"_answer": b"new"}
    thrift.ping()
    assert thrift.serverInfo().pid == server.process.pid


def test_nothing_after_an_empty_box_is_served(raw):
    """Of two pings around an empty box in one write, the second is never answered and the connection
    closes (the first may or may not be answered before that)."""
    conn = raw()
    conn.send_bytes(encode_box({b"_command": b"ping", b"_ask": b"before"}) + b"\x00\x00"
                    + encode_box({b"_command": b"ping", b"_ask": b"after"}))
    answers = []
    try:
        while True:
            answers.append(conn.receive())
    except (EOFError, ConnectionResetError):
        pass
    assert {b"_answer": b"after"} not in answers
    assert answers in ([], [{b"_answer": b"before"}])
