"""token= and $VITRINE_TOKEN: the package authenticates every connection to a server with --token-file.

One server of the module's own, with a token file, on its Unix socket and a
loopback TCP port. Over TCP nothing is served before authenticate; the
package sends the token right after connecting (and after a reconnect).
"""

import asyncio
import os
import shutil
import tempfile

import pytest

import vitrine
import vitrine.aio
from vitrine.server import LocalServer

TOKEN = "4f1e9d2c8b7a65433210fedcba987654"


@pytest.fixture(scope="module")
def token_server():
    directory = tempfile.mkdtemp(prefix="vitrine-auth-")
    token_file = os.path.join(directory, "token")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(TOKEN + "\n")
    server = LocalServer("unix:%s/vitrine.sock" % directory, headless=True,
                         args=["--token-file", token_file, "--listen", "tcp:127.0.0.1:0", "--amp", "off"]).start()
    with vitrine.Client(server.address, token=None) as over_unix:  # the Unix socket needs no token
        tcp = next(address for address in over_unix.server_info().listeners if address.startswith("tcp:"))
    yield tcp
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def no_token_in_env(monkeypatch):
    monkeypatch.delenv("VITRINE_TOKEN", raising=False)


def test_token_argument_opens_a_tcp_connection_and_a_reconnect_authenticates_again(token_server, no_token_in_env):
    with vitrine.connect(token_server, token=TOKEN) as screen:
        screen.ping()
        screen.disconnect()
        assert screen.windows()[0].kind == "STAGE"  # a new connection, authenticated again


def test_the_token_comes_from_vitrine_token(token_server, monkeypatch):
    monkeypatch.setenv("VITRINE_TOKEN", TOKEN)
    with vitrine.connect(token_server) as screen:
        screen.ping()


def test_without_a_token_the_server_says_authentication_is_required(token_server, no_token_in_env):
    client = vitrine.Client(token_server)
    with pytest.raises(vitrine.ServerError, match="authentication required"):
        client.ping()
    assert not client.connected


def test_a_wrong_token_raises_authentication_failed_without_showing_it(token_server, no_token_in_env):
    with pytest.raises(vitrine.AuthenticationFailed) as raised:
        vitrine.connect(token_server, token="not-the-token-99")
    assert "not-the-token-99" not in str(raised.value)
    assert token_server in str(raised.value)
    assert isinstance(raised.value, ConnectionError)


def test_an_empty_token_is_refused_before_anything_is_sent(no_token_in_env):
    with pytest.raises(vitrine.InvalidArgument):
        vitrine.Client("tcp:127.0.0.1:9", token="")


def test_aio_authenticates_from_the_argument_and_from_vitrine_token(token_server, monkeypatch):
    monkeypatch.delenv("VITRINE_TOKEN", raising=False)

    async def main():
        async with vitrine.aio.connect(token_server, token=TOKEN) as screen:
            await screen.ping()
            await screen.disconnect()
            await screen.ping()  # reconnects and authenticates again
        with pytest.raises(vitrine.AuthenticationFailed):
            await vitrine.aio.connect(token_server, token="wrong")
        monkeypatch.setenv("VITRINE_TOKEN", TOKEN)
        async with vitrine.aio.connect(token_server) as screen:
            await screen.ping()

    asyncio.run(asyncio.wait_for(main(), 60))
