"""A pytest plugin: fixtures that start a headless vitrine-server for a test session.

Installed with the package (entry point `pytest11`), so a test only names a fixture:

    def test_page_is_green(vitrine_client):
        vitrine_client.post_html("<body style='background:#0f0'>")
        image = vitrine_client.screenshot_image()
        assert image.convert("RGB").getpixel((10, 10)) == (0, 255, 0)

Without installing the package, load it with `-p vitrine.testing` or
`pytest_plugins = ["vitrine.testing"]` in a conftest.py.

Fixtures:
- `vitrine_server` (session): the address ("unix:/tmp/vitrine-XXXX/vitrine.sock")
  of a headless server (QT_QPA_PLATFORM=offscreen) on a private socket in a
  temporary directory, started once for the session and stopped at its end
  (SIGTERM, then waiting for it to exit).
- `vitrine_server_process` (session): the same server as a vitrine.server.LocalServer
  (its pid, log file, stop()).
- `vitrine_client` (per test): a vitrine.Client connected to it. Windows the test
  leaves open are closed afterwards, so tests do not see each other's.

The server is found as vitrine.media finds it ($VITRINE_SERVER, $VITRINE_BIN_DIR,
PATH, the source tree's build/bin). Extra server flags go in the ini option
`vitrine_server_args`, e.g. `vitrine_server_args = --size 640x480`. The server
serves no AMP (`--amp off`, so parallel sessions do not compete for its fixed
port) unless those flags include `--amp ADDR`.
"""

import shutil
import tempfile
from typing import Iterator

import pytest

from .client import Client
from .errors import VitrineError, WindowNotFound
from .server import LocalServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("vitrine_server_args", "extra flags for the vitrine-server that the vitrine fixtures start",
                  type="args", default=[])


@pytest.fixture(scope="session")
def vitrine_server_process(pytestconfig: pytest.Config) -> Iterator[LocalServer]:
    # A short directory of its own in /tmp: a Unix socket path is limited to
    # about 100 bytes, which pytest's nested tmp_path directories can exceed.
    directory = tempfile.mkdtemp(prefix="vitrine-")
    args = list(pytestconfig.getini("vitrine_server_args"))
    if "--amp" not in args:
        # Test sessions run side by side: AMP's fixed default port is not theirs to take.
        args = ["--amp", "off", *args]
    server = LocalServer("unix:%s/vitrine.sock" % directory, args=args,
                         headless=True, log="%s/vitrine-server.log" % directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def vitrine_server(vitrine_server_process: LocalServer) -> str:
    return str(vitrine_server_process.address)


@pytest.fixture
def vitrine_client(vitrine_server: str) -> Iterator[Client]:
    client = Client(vitrine_server).connect()
    try:
        yield client
    finally:
        try:
            for window in client.windows():
                if window.id != 0:
                    try:
                        client.close(window.id)
                    except WindowNotFound:
                        pass  # it closed by itself meanwhile
        except VitrineError:
            pass  # the test stopped the server, say; nothing left to tidy
        client.disconnect()
