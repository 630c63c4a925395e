"""Fixtures that start the real vitrine-server (headless) and a local web server."""

import functools
import http.server
import os
import pathlib
import selectors
import signal
import subprocess
import tempfile
import threading
import time

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport import TSocket, TTransport

from vitrine_thrift import Vitrine

BIN_DIR = pathlib.Path(os.environ.get("VITRINE_BIN_DIR", pathlib.Path(__file__).parents[2] / "build" / "bin"))


class Server:
    """A vitrine-server child process on a private Unix socket and a loopback TCP port."""

    def __init__(self, *extra_args):
        self.directory = tempfile.mkdtemp(prefix="vitrine-pytest-")
        self.socket_path = os.path.join(self.directory, "vitrine.sock")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.process = subprocess.Popen(
            [str(BIN_DIR / "vitrine-server"), "--listen", "unix:" + self.socket_path,
             "--listen", "tcp:127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE, env=env)
        self.tcp_port = self._wait_for_listeners(deadline=time.monotonic() + 60)

    def _wait_for_listeners(self, deadline):
        # Raw reads on the pipe: a buffered readline() could swallow both
        # lines at once and leave select() waiting for data already read.
        seen, pending = {}, b""
        fd = self.process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        while len(seen) < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise RuntimeError("vitrine-server did not report its listeners in time")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError("vitrine-server exited with %s" % self.process.wait())
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(b"vitrine: listening on "):
                    address = line.decode().split("listening on ", 1)[1].strip()
                    seen[address.split(":", 1)[0]] = address
        selector.close()
        return int(seen["tcp"].rsplit(":", 1)[1])

    def connect(self, tcp=False, compact=False, timeout_ms=60000):
        """A generated Vitrine client over the framed transport; returns (client, transport)."""
        sock = TSocket.TSocket("127.0.0.1", self.tcp_port) if tcp else TSocket.TSocket(unix_socket=self.socket_path)
        sock.setTimeout(timeout_ms)
        transport = TTransport.TFramedTransport(sock)
        protocol = (TCompactProtocol.TCompactProtocol if compact else TBinaryProtocol.TBinaryProtocol)(transport)
        transport.open()
        return Vitrine.Client(protocol), transport

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def server():
    s = Server("--size", "320x240", "--load-timeout", "20000")
    yield s
    assert s.stop() == 0
    assert not os.path.exists(s.socket_path)


@pytest.fixture
def client(server):
    c, transport = server.connect()
    yield c
    transport.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """An HTTP server on 127.0.0.1 serving a temporary directory; yields (base_url, directory)."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % httpd.server_address[1], root
    httpd.shutdown()
    httpd.server_close()
