"""tls: addresses: the sync and asyncio clients over TLS (the standard ssl module) to the real server.

Certificates are made by the openssl command (vitrine_test_support.Certificates).
One server of the module's own listens on tls:127.0.0.1 with the test CA's
server certificate; another also asks for client certificates. A client that
does not trust the server's CA refuses it; a TLS peer that never answers
runs into the client's timeout rather than hanging.
"""

import asyncio
import os
import shutil
import socket
import ssl
import tempfile
import threading

import pytest

import vitrine
import vitrine.aio
from vitrine.server import LocalServer
from vitrine_test_support import Certificates


@pytest.fixture(scope="module")
def certificates():
    made = Certificates()
    yield made
    made.remove()


def start_tls_server(certificates, *more_args):
    """A server on a private Unix socket and tls:127.0.0.1:0; returns (LocalServer, its tls: address, directory)."""
    directory = tempfile.mkdtemp(prefix="vitrine-tls-server-")
    server = LocalServer("unix:%s/vitrine.sock" % directory, headless=True,
                         args=["--listen", "tls:127.0.0.1:0", "--tls-cert", certificates.server_cert,
                               "--tls-key", certificates.server_key, "--amp", "off", *more_args]).start()
    tls = next(address for address in server.listeners if address.startswith("tls:"))
    return server, tls, directory


@pytest.fixture(scope="module")
def tls_server(certificates):
    server, tls, directory = start_tls_server(certificates)
    yield tls
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def client_ca_server(certificates):
    server, tls, directory = start_tls_server(certificates, "--tls-client-ca", certificates.ca)
    yield tls
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def no_tls_in_env(monkeypatch):
    for name in ("VITRINE_TLS_CA", "VITRINE_TLS_CERT", "VITRINE_TLS_KEY", "VITRINE_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_a_tls_address_parses_and_prints():
    address = vitrine.parse_address("tls:[::1]:9443")
    assert (address.kind, address.host, address.port) == ("tls", "::1", 9443)
    assert str(address) == "tls:[::1]:9443"
    with pytest.raises(vitrine.InvalidArgument, match="expected tls:HOST:PORT"):
        vitrine.parse_address("tls:9443")


def test_the_sync_client_calls_over_tls_and_reconnects(tls_server, certificates, no_tls_in_env):
    with vitrine.connect(tls_server, tls_ca=certificates.ca, timeout=30) as screen:
        screen.ping()
        html = "<p>%s</p>" % ("x" * (1 << 20))  # many records each way
        assert screen.post_html(html, name="over-tls") == vitrine.PushResult.OK
        assert screen.whats_loaded() == "over-tls"
        assert screen.screenshot()[:8] == b"\x89PNG\r\n\x1a\n"
        screen.disconnect()
        assert screen.whats_loaded() == "over-tls"  # a new connection, a new handshake


def test_the_ca_and_the_host_name_come_from_the_environment(tls_server, certificates, monkeypatch, no_tls_in_env):
    monkeypatch.setenv("VITRINE_TLS_CA", certificates.ca)
    by_name = tls_server.replace("127.0.0.1", "localhost")
    with vitrine.connect(by_name) as screen:
        screen.ping()


def test_the_sync_client_refuses_a_server_its_ca_did_not_sign(tls_server, certificates, no_tls_in_env):
    with pytest.raises(vitrine.TlsError, match="refused the TLS certificate") as raised:
        vitrine.connect(tls_server, tls_ca=certificates.other_ca)
    assert certificates.other_ca in str(raised.value)
    assert isinstance(raised.value, ConnectionError)


def test_the_sync_client_refuses_a_certificate_for_another_name(tls_server, certificates, no_tls_in_env):
    with pytest.raises(vitrine.TlsError, match="kiosk.example"):
        vitrine.connect(tls_server, tls_ca=certificates.ca, tls_server_name="kiosk.example")


def test_a_ca_file_that_is_missing_is_a_tls_error_naming_it(tls_server, tmp_path, no_tls_in_env):
    missing = str(tmp_path / "no-such-ca.pem")
    with pytest.raises(vitrine.TlsError, match="no-such-ca.pem"):
        vitrine.connect(tls_server, tls_ca=missing)


def test_the_asyncio_client_calls_over_tls_and_reconnects(tls_server, certificates, no_tls_in_env):
    async def main():
        async with vitrine.aio.connect(tls_server, tls_ca=certificates.ca, timeout=30) as screen:
            await screen.ping()
            assert await screen.post_html("<p>%s</p>" % ("y" * (1 << 20)), name="aio-tls") == vitrine.PushResult.OK
            await screen.disconnect()
            assert await screen.whats_loaded() == "aio-tls"
            assert (await screen.screenshot())[:4] == b"\x89PNG"

    asyncio.run(main())


def test_the_asyncio_client_refuses_a_server_its_ca_did_not_sign(tls_server, certificates, no_tls_in_env):
    async def main():
        await vitrine.aio.connect(tls_server, tls_ca=certificates.other_ca)

    with pytest.raises(vitrine.TlsError, match="refused the TLS certificate"):
        asyncio.run(main())


def test_client_certificates_signed_by_the_servers_client_ca_are_served(client_ca_server, certificates,
                                                                        no_tls_in_env):
    with vitrine.connect(client_ca_server, tls_ca=certificates.ca, tls_cert=certificates.client_cert,
                         tls_key=certificates.client_key) as screen:
        screen.ping()

    async def main():
        async with vitrine.aio.connect(client_ca_server, tls_ca=certificates.ca, tls_cert=certificates.client_cert,
                                       tls_key=certificates.client_key) as screen:
            await screen.ping()

    asyncio.run(main())


def test_without_a_client_certificate_the_server_refuses(client_ca_server, certificates, no_tls_in_env):
    client = vitrine.Client(client_ca_server, tls_ca=certificates.ca, timeout=30)
    # TLS 1.3: the server's refusal comes after the client's side of the handshake, with the first call.
    with pytest.raises((vitrine.TlsError, vitrine.ConnectionLost), match="certificate"):
        client.connect()
        client.ping()
    with pytest.raises((vitrine.TlsError, vitrine.ConnectionLost), match="certificate"):
        vitrine.connect(client_ca_server, tls_ca=certificates.ca, tls_cert=certificates.stranger_cert,
                        tls_key=certificates.stranger_key).ping()


@pytest.fixture
def silent_tls_peer(certificates):
    """A TLS listener on loopback that completes handshakes and then never answers; yields its tls: address."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.server_cert, certificates.server_key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    accepted = []

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            conn.settimeout(30)
            try:
                accepted.append(context.wrap_socket(conn, server_side=True))
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield "tls:127.0.0.1:%d" % listener.getsockname()[1]
    stop.set()
    thread.join(30)
    listener.close()
    for conn in accepted:
        conn.close()


def test_a_tls_peer_that_never_answers_meets_the_timeout(silent_tls_peer, certificates, no_tls_in_env):
    client = vitrine.Client(silent_tls_peer, tls_ca=certificates.ca, timeout=0.5)
    with pytest.raises(vitrine.Timeout):
        client.ping()
    assert not client.connected

    async def main():
        await vitrine.aio.AsyncClient(silent_tls_peer, tls_ca=certificates.ca, timeout=0.5).ping()

    with pytest.raises(vitrine.Timeout):
        asyncio.run(main())
