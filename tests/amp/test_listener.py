"""Where the server listens for AMP: the default port, --amp ADDR, --amp off, and failing to bind.

Each test starts a vitrine-server of its own with the flags under test and
reads what it prints; none relies on timing.
"""

import errno
import os
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from vitrine_test_support import BIN_DIR, TIMEOUT

PYGRAPHICS_PORT = 31337


class Launch:
    """vitrine-server started with `args` (Thrift on a private Unix socket); collects its output."""

    def __init__(self, *args):
        self.directory = tempfile.mkdtemp(prefix="vitrine-amp-flags-")
        self.socket_path = os.path.join(self.directory, "vitrine.sock")
        self.process = subprocess.Popen(
            [str(BIN_DIR / "vitrine-server"), "--listen", "unix:" + self.socket_path, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        self.stdout = b""
        self.stderr = b""

    def read_until(self, predicate, timeout=60):
        """Reads stdout and stderr until predicate(self) holds or the process exits; returns predicate(self)."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ, "stdout")
            selector.register(self.process.stderr, selectors.EVENT_READ, "stderr")
            open_streams = 2
            while not predicate(self) and open_streams:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                for key, _ in selector.select(remaining):
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        open_streams -= 1
                    setattr(self, key.data, getattr(self, key.data) + chunk)
        return predicate(self)

    def exit_status(self):
        """Reads the output until the process has exited (bad flags make it exit) and returns its status."""
        if not self.process.stdout.closed:
            self.read_until(lambda launch: False, timeout=TIMEOUT)  # until both pipes close
            self.process.stdout.close()
            self.process.stderr.close()
        return self.process.wait(TIMEOUT)

    def stop(self):
        """SIGTERM, then collects the rest of the output. Idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.exit_status()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def launch():
    started = []

    def start(*args):
        started.append(Launch(*args))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def thrift_ready(launch):
    return b"vitrine: listening on unix:" in launch.stdout


def amp_line(launch):
    for line in launch.stdout.decode().splitlines():
        if line.startswith("vitrine: AMP listening on "):
            return line.split(" on ", 1)[1]
    return None


def ping_over_amp(family, address):
    """Sends one `ping` ask over a raw socket and returns the answer box's bytes."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(address)
        sock.sendall(b"\x00\x08_command\x00\x04ping\x00\x04_ask\x00\x01a\x00\x00")
        answer = b""
        while not answer.endswith(b"\x00\x00"):
            chunk = sock.recv(4096)
            assert chunk, "the server closed the AMP connection"
            answer += chunk
        return answer


@pytest.fixture
def held_port():
    """A loopback port this test holds (listening), so that the server cannot bind it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_an_explicit_address_prints_the_real_port_and_serves_amp_there(launch):
    server = launch("--amp", "tcp:127.0.0.1:0")
    assert server.read_until(amp_line), server.stderr.decode()
    host, port = amp_line(server).split(":")[1:]
    assert host == "127.0.0.1" and int(port) > 0
    assert ping_over_amp(socket.AF_INET, (host, int(port))) == b"\x00\x07_answer\x00\x01a\x00\x00"


def test_amp_over_a_unix_socket(launch):
    path = tempfile.mktemp(prefix="vitrine-amp-", suffix=".sock", dir="/tmp")
    server = launch("--amp", "unix:" + path)
    assert server.read_until(amp_line) == "unix:" + path, server.stderr.decode()
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)  # as private as the Thrift socket
    assert ping_over_amp(socket.AF_UNIX, path) == b"\x00\x07_answer\x00\x01a\x00\x00"


def test_amp_off_serves_thrift_only(launch):
    server = launch("--amp", "off")
    assert server.read_until(thrift_ready)
    server.stop()
    assert amp_line(server) is None
    assert b"AMP" not in server.stderr


def test_the_default_port_taken_is_a_warning_and_thrift_still_serves(launch):
    # Take PyGraphics' port first (or find it taken already: the outcome must be the same).
    blocker = socket.socket()
    try:
        try:
            blocker.bind(("127.0.0.1", PYGRAPHICS_PORT))
            blocker.listen()
        except OSError as error:
            assert error.errno == errno.EADDRINUSE
        server = launch()  # no --amp: the default address
        assert server.read_until(lambda s: thrift_ready(s) and b"serving without AMP" in s.stderr), \
            server.stderr.decode()
        assert b"tcp:127.0.0.1:31337" in server.stderr
        assert server.process.poll() is None  # still running
        server.stop()
        assert amp_line(server) is None
    finally:
        blocker.close()


def test_an_explicit_address_that_cannot_be_bound_is_an_error(launch, held_port):
    server = launch("--amp", "tcp:127.0.0.1:%d" % held_port)
    assert server.exit_status() == 3
    assert ("tcp:127.0.0.1:%d" % held_port).encode() in server.stderr
    assert amp_line(server) is None


def test_amp_is_loopback_only(launch):
    server = launch("--amp", "tcp:0.0.0.0:0")
    assert server.exit_status() == 3
    assert b"loopback" in server.stderr


@pytest.mark.parametrize("value", ["31337", "tcp:127.0.0.1", "udp:127.0.0.1:1", ""])
def test_a_malformed_address_is_a_usage_error(launch, value):
    server = launch("--amp", value)
    assert server.exit_status() == 2
    assert b"--amp" in server.stderr
