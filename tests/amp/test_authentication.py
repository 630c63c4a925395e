"""Who may connect over AMP: a server with --token-file serves an AMP peer on TCP only after `authenticate`.

The server listens for AMP on tcp:0.0.0.0 (allowed because it has a token
file); the peers connect to 127.0.0.1. Before authenticating, any box is
answered AUTHENTICATION_REQUIRED and the connection closes; a wrong token is
answered AUTHENTICATION_FAILED and the connection closes; the right one opens
every command. Other peers carry on meanwhile.
"""

import contextlib
import os
import shutil
import tempfile

import pytest
from twisted.protocols import amp

from conftest import RawPeer, Server, connect_peer
from vitrine.amp_commands import AuthenticationFailed, authenticate, listWindows, ping
from vitrine_test_support import TIMEOUT

TOKEN = "8e2b7c41f0a9d3e6b5c4a3928170f6e5"


class TokenServer(Server):
    amp = "tcp:0.0.0.0:0"
    directory_prefix = "vitrine-amp-auth-"


@contextlib.contextmanager
def started_token_server(*extra_args):
    """A TokenServer with TOKEN in its --token-file and `extra_args`; stopped (exit status 0) at the end."""
    directory = tempfile.mkdtemp(prefix="vitrine-amp-token-")
    token_file = os.path.join(directory, "token")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(TOKEN + "\n")
    server = TokenServer("--token-file", token_file, *extra_args)
    try:
        yield server
    finally:
        assert server.stop() == 0
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def token_server():
    with started_token_server() as server:
        assert server.amp_address.startswith("tcp:0.0.0.0:"), server.amp_address
        yield server


def test_a_peer_that_authenticates_is_served(loop, token_server):
    peer = connect_peer(loop, token_server.amp_port)
    try:
        assert peer.call(authenticate, token=TOKEN) == {}
        assert peer.call(ping) == {}
        assert any(window["id"] == 0 for window in peer.call(listWindows)["result"])
    finally:
        peer.close()


def test_a_command_before_authenticate_is_refused_and_the_connection_closed(loop, token_server):
    raw = RawPeer(token_server.amp_port)
    try:
        raw.send({b"_command": b"listWindows", b"_ask": b"7"})
        answer, before = raw.receive_answer(b"7")
        assert before == []
        assert answer[b"_error_code"] == b"AUTHENTICATION_REQUIRED"
        assert b"authentication required" in answer[b"_error_description"]
        assert raw.closed_by_server()
    finally:
        raw.close()

    # The same through Twisted: an error it does not know, then the connection goes.
    peer = connect_peer(loop, token_server.amp_port)
    with pytest.raises(amp.UnknownRemoteError):
        peer.call(ping)
    assert peer.protocol.lost.wait(TIMEOUT)

    # Others are served meanwhile.
    other = connect_peer(loop, token_server.amp_port)
    try:
        assert other.call(authenticate, token=TOKEN) == {}
        assert other.call(ping) == {}
    finally:
        other.close()


def test_an_unknown_command_or_one_without_ask_before_authenticate_closes_without_serving(token_server):
    raw = RawPeer(token_server.amp_port)
    try:
        raw.send({b"_command": b"NoSuchCommand", b"_ask": b"1"})
        answer, _ = raw.receive_answer(b"1")
        assert answer[b"_error_code"] == b"AUTHENTICATION_REQUIRED"  # not UNHANDLED: nothing is looked at
        assert raw.closed_by_server()
    finally:
        raw.close()
    raw = RawPeer(token_server.amp_port)
    try:
        raw.send({b"_command": b"say", b"text": b"never shown"})  # no _ask: no answer at all
        assert raw.closed_by_server()
        assert raw.pending == b""
    finally:
        raw.close()


def test_a_wrong_token_is_answered_authentication_failed_and_the_connection_closed(loop, token_server):
    peer = connect_peer(loop, token_server.amp_port)
    with pytest.raises(AuthenticationFailed):
        peer.call(authenticate, token="not the token")
    assert peer.protocol.lost.wait(TIMEOUT)

    raw = RawPeer(token_server.amp_port)
    try:
        # A command pipelined behind the wrong token is never served.
        raw.send({b"_command": b"authenticate", b"_ask": b"1", b"token": b"not-the-token-77"},
                 {b"_command": b"ping", b"_ask": b"2"})
        answer, _ = raw.receive_answer(b"1")
        assert answer[b"_error_code"] == b"AUTHENTICATION_FAILED"
        assert b"not-the-token-77" not in answer[b"_error_description"]  # a token is never echoed
        assert raw.closed_by_server()
        assert raw.pending == b""
    finally:
        raw.close()


def test_before_authenticate_a_peer_may_send_only_a_small_box(token_server):
    """A stranger's box of 64 KiB (an authenticate whose token could be no longer than 4 KiB) is not read: the
    connection closes at once, nothing answered, nothing buffered."""
    raw = RawPeer(token_server.amp_port)
    try:
        raw.send_bytes(b"\x00\x08_command\x00\x0cauthenticate\x00\x05token\xff\xff" + b"t" * 65535)
        assert raw.closed_by_server()
    finally:
        raw.close()


def test_a_peer_that_does_not_authenticate_in_time_is_closed(loop):
    """--auth-timeout: a connection that sends nothing is closed, and its slot given back."""
    with started_token_server("--auth-timeout", "1000") as server:
        silent = [RawPeer(server.amp_port) for _ in range(20)]
        for raw in silent:
            assert raw.closed_by_server(), "a silent stranger kept its connection past --auth-timeout"
            raw.close()
        peer = connect_peer(loop, server.amp_port)
        try:
            assert peer.call(authenticate, token=TOKEN) == {}
            assert peer.call(ping) == {}
        finally:
            peer.close()
