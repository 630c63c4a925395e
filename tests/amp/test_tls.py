"""AMP over TLS: a Twisted peer (twisted.internet.ssl, which needs Debian's python3-openssl) on --amp tls:.

The server's certificate is made by the openssl command
(vitrine_test_support.Certificates); Twisted checks it against the test CA
and the name "localhost", as any Twisted client of a remote vitrine would.
A peer speaking plain AMP to the TLS port is closed; the others carry on.
"""

import concurrent.futures

import pytest
from twisted.internet import ssl
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol, wrapClientTLS

from conftest import Peer, RawPeer, Server, VitrinePeer
from vitrine.amp_commands import listWindows, ping
from vitrine_test_support import TIMEOUT, Certificates


@pytest.fixture(scope="module")
def certificates():
    made = Certificates()
    yield made
    made.remove()


@pytest.fixture(scope="module")
def tls_amp(certificates):
    """A server with AMP on tls:127.0.0.1; yields (server, AMP port)."""

    class TlsAmpServer(Server):
        amp = "tls:127.0.0.1:0"
        directory_prefix = "vitrine-amp-tls-"

    server = TlsAmpServer("--tls-cert", certificates.server_cert, "--tls-key", certificates.server_key)
    assert server.amp_address.startswith("tls:127.0.0.1:"), server.amp_address
    yield server, int(server.amp_address.rsplit(":", 1)[1])
    server.stop()


def connect_tls_peer(loop, port, ca_path, client=None):
    """A Twisted AMP connection over TLS to 127.0.0.1:`port`, trusting the CA in `ca_path`, checking "localhost"."""
    with open(ca_path, "rb") as ca:
        trust = ssl.Certificate.loadPEM(ca.read())
    options = ssl.optionsForClientTLS("localhost", trustRoot=trust, clientCertificate=client)

    def connect():
        endpoint = wrapClientTLS(options, TCP4ClientEndpoint(loop.reactor, "127.0.0.1", port))
        return connectProtocol(endpoint, VitrinePeer())

    return Peer(loop, loop.call(connect))


def test_a_twisted_peer_calls_over_tls(loop, tls_amp, certificates):
    _, port = tls_amp
    peer = connect_tls_peer(loop, port, certificates.ca)
    try:
        peer.call(ping)
        windows = peer.call(listWindows)["result"]
        assert windows[0]["id"] == 0  # the stage
    finally:
        peer.close()


def test_a_twisted_peer_that_does_not_trust_the_ca_gets_no_answer(loop, tls_amp, certificates):
    _, port = tls_amp
    peer = connect_tls_peer(loop, port, certificates.other_ca)
    # Twisted refuses the certificate during the handshake and drops the connection: the call fails, at once.
    answer = peer.submit(ping)
    assert peer.protocol.lost.wait(TIMEOUT), "the connection to an untrusted server stayed open"
    with pytest.raises(Exception) as raised:
        answer.result(TIMEOUT)
    assert not isinstance(raised.value, concurrent.futures.TimeoutError)


def test_plain_amp_on_the_tls_port_is_closed_and_tls_peers_carry_on(loop, tls_amp, certificates):
    _, port = tls_amp
    raw = RawPeer(port)
    raw.send({b"_command": b"ping", b"_ask": b"1"})
    assert raw.closed_by_server()
    peer = connect_tls_peer(loop, port, certificates.ca)
    try:
        peer.call(ping)
    finally:
        peer.close()
